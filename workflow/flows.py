"""The lifecycle of one plan task, from dispatch to completion, as one viewflow process.

It imports the step views, which call workflow.services; workflow.dispatch
starts processes through it, and config/urls.py serves it.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow, lock
from viewflow.workflow.activation import Activation

from departments.permissions import ACT_FOR_UNIT, SIGN_FOR_UNIT, SUPERVISE_PLAN
from plans.selectors import tasks_visible_to
from workflow import views
from workflow.branches import work_plan_branches
from workflow.models import TaskProcess
from workflow.nodes import UnitSplit, UnitView, View


class TaskFlow(flow.Flow):
    process_class = TaskProcess
    process_title = _("Task lifecycle")
    process_description = _("Dispatch, acknowledgement, work plan, review and completion.")
    # Row locks on PostgreSQL: two people acting on one task at once are
    # serialised, the second finding the step already done.
    lock_impl = lock.select_for_update_lock

    start = (
        flow.StartHandle(this.start_process)
        .Annotation(title=_("Dispatched"))
        .Next(this.acknowledge)
    )

    acknowledge = (
        UnitView(views.AcknowledgeView.as_view())
        .Annotation(title=_("Acknowledge"))
        .Wording(done=_("Acknowledged by %(name)s at %(time)s."))
        .Permission(ACT_FOR_UNIT)
        .Next(this.split_work_plan)
    )

    split_work_plan = (
        UnitSplit(this.work_plan_units)
        .Annotation(title=_("Work plan parts"))
        .Branch(this.write_part)
    )

    write_part = (
        UnitView(views.WritePartView.as_view())
        .Annotation(title=_("Write the work plan part"))
        .Wording(done=_("Submitted by %(name)s at %(time)s."))
        .Permission(ACT_FOR_UNIT)
        .Next(this.join_work_plan)
    )

    join_work_plan = flow.Join().Annotation(title=_("All parts in")).Next(this.sign_work_plan)

    sign_work_plan = (
        UnitView(views.SignWorkPlanView.as_view())
        .Annotation(title=_("Sign off the work plan"))
        .Wording(done=_("Handled by the unit leader %(name)s at %(time)s."))
        .Permission(SIGN_FOR_UNIT)
        .Next(this.review_work_plan)
    )

    review_work_plan = (
        View(views.ReviewWorkPlanView.as_view())
        .Annotation(title=_("Review the work plan"))
        .Wording(done=_("Reviewed by %(name)s at %(time)s."))
        .Permission(SUPERVISE_PLAN)
        .Next(this.check_work_plan)
    )

    check_work_plan = (
        flow.If(lambda activation: activation.process.plan_approved)
        .Annotation(title=_("Work plan approved?"))
        .Then(this.apply_completion)
        .Else(this.split_work_plan)
    )

    # The task stays here while the reporting rounds run (a later issue).
    apply_completion = (
        UnitView(views.ApplyCompletionView.as_view())
        .Annotation(title=_("Apply for completion"))
        .Wording(done=_("Submitted by %(name)s at %(time)s."))
        .Permission(ACT_FOR_UNIT)
        .Next(this.sign_completion)
    )

    sign_completion = (
        UnitView(views.SignCompletionView.as_view())
        .Annotation(title=_("Sign off the completion application"))
        .Wording(done=_("Handled by the unit leader %(name)s at %(time)s."))
        .Permission(SIGN_FOR_UNIT)
        .Next(this.verify_completion)
    )

    verify_completion = (
        View(views.VerifyCompletionView.as_view())
        .Annotation(title=_("Verify completion"))
        .Wording(done=_("Reviewed by %(name)s at %(time)s."))
        .Permission(SUPERVISE_PLAN)
        .Next(this.check_completion)
    )

    check_completion = (
        flow.If(lambda activation: activation.process.completion_closed)
        .Annotation(title=_("Closed?"))
        .Then(this.end)
        .Else(this.apply_completion)
    )

    end = flow.End().Annotation(title=_("Closed"))

    def has_view_permission(self, user: Any, obj: Any = None) -> bool:
        """Whole-city readers see every process and the dashboards; anyone else
        sees a process only when their unit is responsible for its task, and no
        dashboard (viewflow's own check would show every process to anyone
        holding the model's view permission)."""
        if not user.is_authenticated:
            return False
        if user.sees_whole_city:
            return True
        if obj is None:
            return False
        return tasks_visible_to(user).filter(pk=obj.plan_task_id).exists()

    def has_manage_permission(self, user: Any, obj: Any = None) -> bool:
        # viewflow's own cancel/undo/revive pages would change a task without
        # its history and audit rows; suspend, resume and terminate go through
        # workflow.services instead.
        return False

    def start_process(self, activation: Activation, **fields: Any) -> TaskProcess:
        process = activation.process
        for name, value in fields.items():
            setattr(process, name, value)
        process.save()
        return process

    def work_plan_units(self, activation: Activation) -> list[dict[str, Any]]:
        return work_plan_branches(activation.process)
