"""The lifecycle steps' pages. Each is reached through viewflow's task URL,
which sets `request.activation` and takes the flow's lock on POST; the view
validates the form and calls one service function."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.forms import Form
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django.views.generic import FormView
from viewflow.workflow.models import Task as FlowTask
from viewflow.workflow.status import STATUS

from departments.access import client_ip, get_visible_or_404, refuse_as_missing
from departments.models import Unit
from departments.permissions import may_supervise
from meetings.selectors import followups_context
from plans.models import Task
from plans.selectors import tasks_visible_to
from supervision.selectors import my_items_context
from workflow import services
from workflow.forms import (
    CloseTaskForm,
    CompletionForm,
    ConfirmForm,
    MilestoneFormSet,
    ReasonForm,
    ReviewForm,
    WorkPlanPartForm,
)
from workflow.models import Evidence, TaskProcess
from workflow.nodes import task_unit
from workflow.selectors import inbox_steps, latest_parts, my_steps


class StepView(FormView):
    template_name = "workflow/step.html"
    form_class: type[Form] = ConfirmForm

    @property
    def activation(self) -> Any:
        return self.request.activation

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        process = self.activation.process
        return super().get_context_data(
            process=process,
            plan_task=process.plan_task,
            step=self.activation.task,
            step_unit=self.step_unit(),
            parts=latest_parts(process),
            **kwargs,
        )

    def step_unit(self) -> Unit:
        return task_unit(self.activation.task)

    def form_valid(self, form: Form) -> HttpResponse:
        try:
            # Each step class defines perform() with its one service call.
            self.perform(form)  # type: ignore[attr-defined]
        except services.WorkflowError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        return HttpResponseRedirect(
            reverse("task_detail", args=[self.activation.process.plan_task_id])
        )


class AcknowledgeView(StepView):
    def perform(self, form: Form) -> None:
        services.task_acknowledge(activation=self.activation, by=self.request.user)


class WritePartView(StepView):
    form_class = WorkPlanPartForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("milestones", self.milestones())
        return super().get_context_data(**kwargs)

    def milestones(self) -> MilestoneFormSet:
        data = self.request.POST if self.request.method == "POST" else None
        return MilestoneFormSet(data, prefix="milestones")

    def post(self, request: Any, *args: Any, **kwargs: Any) -> HttpResponse:
        form, milestones = self.get_form(), self.milestones()
        if form.is_valid() and milestones.is_valid():
            return self.form_valid(form, milestones)
        return self.render_to_response(self.get_context_data(form=form, milestones=milestones))

    def form_valid(self, form: Form, milestones: MilestoneFormSet) -> HttpResponse:  # type: ignore[override]
        self._milestones = [
            services.MilestoneInput(
                title=row["title"], due_on=row["due_on"], measure=row.get("measure", "")
            )
            for row in milestones.cleaned_data
            if row and row.get("title")
        ]
        return super().form_valid(form)

    def perform(self, form: Form) -> None:
        services.work_plan_part_submit(
            activation=self.activation,
            by=self.request.user,
            content=form.cleaned_data["content"],
            milestones=self._milestones,
        )


class SignWorkPlanView(StepView):
    def perform(self, form: Form) -> None:
        services.work_plan_sign(activation=self.activation, by=self.request.user)


class ReviewWorkPlanView(StepView):
    form_class = ReviewForm

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        task = self.activation.process.plan_task
        kwargs["co_units"] = task.units.exclude(pk=task.lead_unit_id).exclude(kind=Unit.Kind.GROUP)
        return kwargs

    def perform(self, form: Form) -> None:
        data = form.cleaned_data
        services.work_plan_review(
            activation=self.activation,
            by=self.request.user,
            approved=data["decision"] == ReviewForm.APPROVE,
            reason=data["reason"],
            returned_units=data.get("returned_units") or [],
        )


class ApplyCompletionView(StepView):
    form_class = CompletionForm

    def perform(self, form: Form) -> None:
        services.completion_apply(
            activation=self.activation,
            by=self.request.user,
            summary=form.cleaned_data["summary"],
            files=form.cleaned_data["files"],
        )


class SignCompletionView(StepView):
    def perform(self, form: Form) -> None:
        services.completion_sign(activation=self.activation, by=self.request.user)


class VerifyCompletionView(StepView):
    form_class = CloseTaskForm

    def perform(self, form: Form) -> None:
        data = form.cleaned_data
        services.completion_verify(
            activation=self.activation,
            by=self.request.user,
            closed=data["decision"] == ReviewForm.APPROVE,
            reason=data["reason"],
        )


def _managed_process(request: HttpRequest, pk: int) -> TaskProcess:
    """The task's process, for a supervisor; 404 for anyone else (and recorded)."""
    task = get_visible_or_404(request, Task.objects.all(), tasks_visible_to(request.user), pk=pk)
    if not may_supervise(request.user):
        raise refuse_as_missing(request, task)
    return get_object_or_404(TaskProcess, plan_task=task)


def _lifecycle_action(
    service: Callable[..., None], done: str, confirm: str = ""
) -> Callable[..., HttpResponse]:
    """A supervisor's action on a task's lifecycle, with a reason; `confirm`, for
    an action that cannot be undone, is what the person must have ticked."""

    @login_required
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        process = _managed_process(request, pk)
        form = ReasonForm(request.POST)
        if not form.is_valid():
            messages.error(request, form.errors["reason"][0])
        elif confirm and request.POST.get("confirm") != "1":
            messages.error(request, confirm)
        else:
            try:
                service(process=process, by=request.user, reason=form.cleaned_data["reason"])
            except services.WorkflowError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, done)
        return redirect("task_detail", pk)

    return view


task_suspend = _lifecycle_action(services.task_suspend, _("The task is suspended."))
task_resume = _lifecycle_action(services.task_resume, _("The task is resumed."))
task_terminate = _lifecycle_action(
    services.task_terminate,
    _("The task is terminated."),
    confirm=_("Tick the confirmation to terminate the task: it cannot be undone."),
)


def _claim_and_open(request: HttpRequest) -> HttpResponse:
    """The inbox's one button on a step nobody has taken yet: take it for the
    person (viewflow's claim, under the flow's lock) and open it. A step a
    colleague took or finished since the inbox was shown opens its claim page,
    which says who did what (workflow.step_taken). A step outside the person's
    reach (another unit's, or another role's) answers 404."""
    pk = request.POST.get("step", "")
    pk = int(pk) if pk.isdigit() and len(pk) < 12 else 0
    step = inbox_steps(request.user).filter(pk=pk).first()
    if step is None:
        found = FlowTask.objects.filter(pk=pk).first()
        if found is None:
            raise Http404
        process = found.process.coerced
        node = found.flow_task
        if (
            process.flow_class.instance.has_view_permission(request.user, process)
            and hasattr(node, "may_handle")
            and node.may_handle(request.user, found)
        ):
            return redirect(node.reverse("assign", args=[found.process_id, found.pk]))
        raise refuse_as_missing(request, process.audit_object())
    node = step.flow_task
    with node.flow_class.lock(step.process_id), transaction.atomic():
        step = FlowTask.objects.select_related("owner").get(pk=step.pk)
        free = step.owner_id is None and step.status == STATUS.NEW
        if free and node.can_assign(request.user, step):
            services.step_claim(activation=node.activation_class(step), by=request.user)
        elif step.owner_id != request.user.pk or step.status == STATUS.DONE:
            # A colleague took it (or finished it) a moment ago.
            return redirect(node.reverse("assign", args=[step.process_id, step.pk]))
    return redirect(node.reverse("execute", args=[step.process_id, step.pk]))


@login_required
def my_tasks(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _claim_and_open(request)
    today = timezone.localdate()
    inbox = my_steps(request.user, today=today)
    sections = {**followups_context(request.user, today), **my_items_context(request.user, today)}
    # The agreed items, 督办单 and commitments count in the summary line too.
    items = [*sections["followups"], *sections["my_notices"], *sections["my_commitments"]]
    return render(
        request,
        "workflow/my_tasks.html",
        {
            "inbox": inbox,
            "today": today,
            "waiting": len(inbox.rows) + len(items),
            "overdue": inbox.overdue_count + sum(1 for item in items if item.overdue),
            **sections,
        },
    )


@login_required
def evidence_download(request: HttpRequest, pk: int) -> FileResponse:
    """A file of a task the person's unit may see; 404 otherwise. Downloads are audited."""
    evidence = get_object_or_404(Evidence.objects.select_related("process__plan_task"), pk=pk)
    if not tasks_visible_to(request.user).filter(pk=evidence.process.plan_task_id).exists():
        raise refuse_as_missing(request, evidence.process.plan_task)
    return services.evidence_download(
        evidence=evidence, by=request.user, client_ip=client_ip(request)
    )
