"""Every change to a task's lifecycle, one function per action.

Views, the dispatch command and tests call these; each records the task's
history (TaskEvent) and the audit row in the transaction of the change, and
the step functions finish their viewflow task last.

workflow.flows imports the step views, which call these functions, so nothing
here imports the flow; starting a process (dispatch) is in workflow.dispatch,
above the flow.
"""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.activation import Activation
from viewflow.workflow.exceptions import FlowRuntimeError
from viewflow.workflow.status import PROCESS

from audit.services import audit_record
from departments.models import Unit, User
from files.checks import UploadRefused, check_uploads
from files.responses import attachment_response
from workflow.models import Evidence, Milestone, TaskEvent, TaskProcess, WorkPlanPart


class WorkflowError(Exception):
    """A refused lifecycle action, with a message for the person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class MilestoneInput:
    title: str
    due_on: datetime.date
    measure: str = ""


def _event(
    process: TaskProcess,
    *,
    action: str,
    by: User | None,
    reason: str = "",
    units: Iterable[Unit] = (),
    summary: dict | None = None,
) -> TaskEvent:
    event = TaskEvent.objects.create(
        process=process,
        by=by,
        unit_name=by.unit.name if by is not None and by.unit_id else "",
        action=action,
        reason=reason,
    )
    units = list(units)
    if units:
        event.units.set(units)
    audit_record(
        action=f"task.{action}",
        by=by,
        obj=process.plan_task,
        summary={"reason": reason, "units": [u.name for u in units], **(summary or {})},
    )
    return event


def _process(activation: Activation) -> TaskProcess:
    return activation.process


def _refuse_if_suspended(process: TaskProcess) -> None:
    if process.suspended:
        raise WorkflowError(_("This task is suspended; nothing can be done on it until resumed."))


def task_acknowledge(*, activation: Activation, by: User) -> None:
    process = _process(activation)
    _refuse_if_suspended(process)
    _event(process, action="acknowledge", by=by)
    activation.execute()


def work_plan_part_submit(
    *, activation: Activation, by: User, content: str, milestones: Sequence[MilestoneInput]
) -> WorkPlanPart:
    process = _process(activation)
    _refuse_if_suspended(process)
    data = activation.task.data
    unit = Unit.objects.get(pk=data["unit"])
    if data.get("lead") and not milestones:
        raise WorkflowError(_("The lead unit's work plan needs at least one milestone."))
    previous = WorkPlanPart.objects.filter(process=process, unit=unit).order_by("-revision").first()
    part = WorkPlanPart.objects.create(
        process=process,
        unit=unit,
        is_lead=bool(data.get("lead")),
        revision=previous.revision + 1 if previous else 1,
        content=content,
        submitted_by=by,
    )
    Milestone.objects.bulk_create(
        Milestone(part=part, order=n, title=m.title, due_on=m.due_on, measure=m.measure)
        for n, m in enumerate(milestones, start=1)
    )
    _event(
        process, action="work_plan.part", by=by, units=[unit], summary={"revision": part.revision}
    )
    activation.execute()
    return part


def work_plan_sign(*, activation: Activation, by: User) -> None:
    process = _process(activation)
    _refuse_if_suspended(process)
    _event(process, action="work_plan.sign", by=by)
    activation.execute()


def work_plan_review(
    *,
    activation: Activation,
    by: User,
    approved: bool,
    reason: str = "",
    returned_units: Iterable[Unit] = (),
) -> None:
    """Approve the work plan, or return it to the lead unit and the co-units named."""
    process = _process(activation)
    _refuse_if_suspended(process)
    returned_units = list(returned_units)
    if not approved and not reason.strip():
        raise WorkflowError(_("Say why the work plan is returned."))
    process.plan_approved = approved
    process.save(update_fields=["plan_approved"])
    if approved:
        _event(process, action="work_plan.approve", by=by, reason=reason)
    else:
        _event(process, action="work_plan.return", by=by, reason=reason, units=returned_units)
    activation.execute()


def _check_evidence(files: Sequence[UploadedFile]) -> None:
    # By content, size and settings (files.checks), before anything is saved.
    try:
        check_uploads(files)
    except UploadRefused as exc:
        raise WorkflowError(exc.message) from exc


def completion_apply(
    *, activation: Activation, by: User, summary: str, files: Sequence[UploadedFile] = ()
) -> None:
    """The lead unit applies to close the task, with a summary and evidence files."""
    process = _process(activation)
    _refuse_if_suspended(process)
    if not summary.strip():
        raise WorkflowError(_("Describe what was done before applying for completion."))
    _check_evidence(files)
    event = _event(
        process,
        action="completion.apply",
        by=by,
        reason=summary,
        summary={"files": [upload.name for upload in files]},
    )
    for upload in files:
        Evidence.objects.create(
            process=process,
            event=event,
            file=upload,
            original_name=upload.name[:255],
            size=upload.size,
            uploaded_by=by,
        )
    activation.execute()


def completion_sign(*, activation: Activation, by: User) -> None:
    process = _process(activation)
    _refuse_if_suspended(process)
    _event(process, action="completion.sign", by=by)
    activation.execute()


def completion_verify(*, activation: Activation, by: User, closed: bool, reason: str = "") -> None:
    process = _process(activation)
    _refuse_if_suspended(process)
    if not closed and not reason.strip():
        raise WorkflowError(_("Say why the completion application is returned."))
    process.completion_closed = closed
    process.save(update_fields=["completion_closed"])
    _event(
        process, action="completion.close" if closed else "completion.return", by=by, reason=reason
    )
    activation.execute()


def _require_reason(reason: str) -> str:
    if not reason.strip():
        raise WorkflowError(_("Give a reason: it goes into the task's history."))
    return reason.strip()


@transaction.atomic
def task_suspend(*, process: TaskProcess, by: User, reason: str) -> None:
    """Pause a task: its steps stay where they are and cannot be completed."""
    reason = _require_reason(reason)
    process = TaskProcess.objects.select_for_update().get(pk=process.pk)
    if process.status != PROCESS.NEW or process.suspended:
        raise WorkflowError(_("Only a running task that is not suspended can be suspended."))
    process.suspended = True
    process.save(update_fields=["suspended"])
    _event(process, action="suspend", by=by, reason=reason)


@transaction.atomic
def task_resume(*, process: TaskProcess, by: User, reason: str) -> None:
    reason = _require_reason(reason)
    process = TaskProcess.objects.select_for_update().get(pk=process.pk)
    if not process.suspended:
        raise WorkflowError(_("This task is not suspended."))
    process.suspended = False
    process.save(update_fields=["suspended"])
    _event(process, action="resume", by=by, reason=reason)


@transaction.atomic
def task_terminate(*, process: TaskProcess, by: User, reason: str) -> None:
    """End a task for good (the plan dropped it): its open steps are cancelled."""
    reason = _require_reason(reason)
    process = TaskProcess.objects.select_for_update().get(pk=process.pk)
    if process.status != PROCESS.NEW:
        raise WorkflowError(_("Only a running task can be terminated."))
    try:
        process.flow_class.instance.cancel(process)
    except FlowRuntimeError as exc:
        raise WorkflowError(
            _("The task cannot be terminated while a step is being worked on.")
        ) from exc
    _event(process, action="terminate", by=by, reason=reason)


def evidence_download(*, evidence: Evidence, by: User, client_ip: str | None) -> FileResponse:
    """Open an evidence file for download, recording who took it."""
    audit_record(
        action="evidence.download",
        by=by,
        obj=evidence,
        client_ip=client_ip,
        summary={"task": evidence.process.plan_task_id, "name": evidence.original_name},
    )
    return attachment_response(evidence.file, evidence.original_name)


def step_claim(*, activation: Activation, by: User) -> None:
    """Take a step for the person (viewflow's assign), with its audit row in the same
    transaction: who took which step of which record shows in the trail."""
    with transaction.atomic():
        # viewflow leaves `assigned` empty; the "already taken" page tells when.
        activation.task.assigned = timezone.now()
        activation.assign(by)
        task = activation.task
        audit_record(
            action="step.claim",
            by=by,
            obj=task.process.coerced.audit_object(),
            summary={"step": task.flow_task.name, "step_id": task.pk},
        )
