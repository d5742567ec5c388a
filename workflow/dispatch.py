"""Dispatch (交办): a task's lifecycle process is started here.

This module sits above the flow: workflow.flows declares the steps and imports
their views, the views call workflow.services, and starting a process needs
the flow itself. Keeping the start here lets every module below import only
what is below it.
"""

import datetime
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.utils.translation import gettext as _

from departments.models import User
from indicators.services import indicators_build
from plans.models import Plan, Task
from workflow.flows import TaskFlow
from workflow.models import TaskProcess
from workflow.selectors import default_deadlines
from workflow.services import WorkflowError, _event


@transaction.atomic
def task_dispatch(
    *,
    tasks: Sequence[Task],
    by: User | None,
    today: datetime.date,
    acknowledge_by: datetime.date | None = None,
    complete_by: datetime.date | None = None,
    county_branches: Iterable[int] = (),
) -> list[TaskProcess]:
    """Hand tasks to their lead units (交办): one process per task not yet dispatched.

    Deadlines default per task (workflow.selectors.default_deadlines); `county_branches` names the
    tasks (pks) whose county governments each get a work-plan branch.
    """
    county_branches = set(county_branches)
    if not tasks:
        raise WorkflowError(_("No task was chosen."))
    if any(task.plan.status == Plan.Status.CLOSED for task in tasks):
        raise WorkflowError(_("The plan is closed: its tasks can no longer be dispatched."))
    started = []
    already = set(
        TaskProcess.objects.filter(plan_task__in=tasks).values_list("plan_task_id", flat=True)
    )
    for task in tasks:
        if task.pk in already:
            continue
        ack_default, complete_default = default_deadlines(task, today)
        ack, complete = acknowledge_by or ack_default, complete_by or complete_default
        if ack < today or complete < ack:
            raise WorkflowError(
                _("The deadlines of task %(number)s are out of order.") % {"number": task.number}
            )
        process = TaskFlow.start.run(
            plan_task=task,
            acknowledge_by=ack,
            complete_by=complete,
            county_branches=task.pk in county_branches,
        )
        _event(
            process,
            action="dispatch",
            by=by,
            summary={"acknowledge_by": ack.isoformat(), "complete_by": complete.isoformat()},
        )
        started.append(process)
    plans = {task.plan_id for task in tasks}
    starting = list(Plan.objects.filter(pk__in=plans, status=Plan.Status.IMPORTED))
    Plan.objects.filter(pk__in=[plan.pk for plan in starting]).update(status=Plan.Status.ACTIVE)
    # Work starts: the plan's stated numbers become the indicators units report.
    for plan in starting:
        indicators_build(plan=plan, by=None)
    return started
