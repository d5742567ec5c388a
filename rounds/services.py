"""Every change to rounds and unit reports goes through these functions: each
validates first, writes in one transaction, and leaves an audit row.

rounds.flows imports the report's step views (rounds.step_views), which call
these functions, so nothing here imports the flow; creating and opening rounds,
which starts the reports, is in rounds.opening, above the flow.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.activation import Activation

from audit.services import audit_record
from departments.models import User
from files.checks import UploadRefused, check_upload
from files.responses import attachment_response
from files.storage import stored_name
from rounds.errors import RoundError
from rounds.models import (
    Entry,
    ReportEvent,
    ReportFile,
    TargetValue,
    UnitReport,
)
from rounds.selectors import editable_entries
from rounds.values import clean_text, parse_value


@dataclass
class EntryInput:
    """What a unit writes for one task in its report."""

    progress: str = ""
    schedule: str = ""
    problems: str = ""
    next_steps: str = ""
    values: dict[int, str] = field(default_factory=dict)  # target pk -> text as typed
    files: Sequence[UploadedFile] = ()


def _apply(
    report: UnitReport, by: User, data: Mapping[int, EntryInput], *, complete: bool
) -> list[Entry]:
    """Validate everything, then write: an entry per task the unit may still edit."""
    entries = editable_entries(report)
    by_task = {entry.task_id: entry for entry in entries}
    unknown = set(data) - set(by_task)
    if unknown:
        raise RoundError(_("Some of the tasks sent are not open for editing in this report."))
    schedules = {choice for choice, _label in Entry.Schedule.choices}
    cleaned: list[tuple[Entry, dict, dict[int, Decimal | None]]] = []
    uploads: list[UploadedFile] = []
    for entry in entries:
        given = data.get(entry.task_id)
        if given is None:
            if complete:
                raise RoundError(
                    _("Task %(number)s is missing from the report.") % {"number": entry.task.number}
                )
            continue
        task = entry.task
        fields = {
            "progress": clean_text(given.progress, _("progress this period"), task),
            "problems": clean_text(given.problems, _("problems"), task),
            "next_steps": clean_text(given.next_steps, _("next steps"), task),
            "schedule": (given.schedule or "").strip(),
        }
        if fields["schedule"] and fields["schedule"] not in schedules:
            raise RoundError(
                _("Task %(number)s: choose the progress against schedule from the list.")
                % {"number": task.number}
            )
        targets = {t.pk: t for t in task.targets.all()}
        if set(given.values) - set(targets):
            raise RoundError(
                _("Task %(number)s: a value was sent for a target the task does not have.")
                % {"number": task.number}
            )
        values = {pk: parse_value(text, targets[pk], task) for pk, text in given.values.items()}
        if complete:
            if not fields["progress"]:
                raise RoundError(
                    _("Task %(number)s: describe the progress this period.")
                    % {"number": task.number}
                )
            if not fields["schedule"]:
                raise RoundError(
                    _("Task %(number)s: choose the progress against schedule.")
                    % {"number": task.number}
                )
        cleaned.append((entry, fields, values))
        uploads.extend(given.files)
    try:
        # Every file judged by its content before anything is written.
        content_types = {id(upload): check_upload(upload) for upload in uploads}
    except UploadRefused as exc:
        raise RoundError(exc.message) from exc
    for entry, fields, values in cleaned:
        for name, value in fields.items():
            setattr(entry, name, value)
        entry.updated_by = by
        entry.save()
        for pk, value in values.items():
            if value is None:
                TargetValue.objects.filter(entry=entry, target_id=pk).delete()
            else:
                TargetValue.objects.update_or_create(
                    entry=entry, target_id=pk, defaults={"value": value}
                )
        for upload in data[entry.task_id].files:
            _store_file(entry, upload, content_types[id(upload)], by)
    return [entry for entry, _f, _v in cleaned]


def _store_file(entry: Entry, upload: UploadedFile, content_type: str, by: User) -> ReportFile:
    record = ReportFile(
        entry=entry,
        original_name=upload.name[:255],
        content_type=content_type,
        size=upload.size,
        uploaded_by=by,
    )
    record.file.save(
        stored_name(
            f"rounds/{entry.report.round_id}/{entry.report.unit_id}", upload.name, content_type
        ),
        upload,
        save=False,
    )
    record.save()
    return record


def _refuse_if_not_editable(report: UnitReport) -> None:
    if report.state not in (UnitReport.Status.DRAFT, UnitReport.Status.RETURNED):
        raise RoundError(_("This report is not with the unit for editing now."))


@transaction.atomic
def report_save(*, report: UnitReport, by: User, data: Mapping[int, EntryInput]) -> UnitReport:
    """Save the unit's draft without sending it on."""
    report = UnitReport.objects.select_for_update().get(pk=report.pk)
    _refuse_if_not_editable(report)
    entries = _apply(report, by, data, complete=False)
    ReportEvent.objects.create(report=report, action=ReportEvent.Action.SAVE, by=by)
    audit_record(
        action="report.save", by=by, obj=report, summary={"tasks": [e.task.number for e in entries]}
    )
    return report


@transaction.atomic
def report_submit(
    *, activation: Activation, by: User, data: Mapping[int, EntryInput]
) -> UnitReport:
    """The liaison sends the unit's report to the unit leader for sign-off."""
    report: UnitReport = activation.process
    _refuse_if_not_editable(report)
    entries = _apply(report, by, data, complete=True)
    Entry.objects.filter(pk__in=[e.pk for e in entries]).update(status=Entry.Status.SUBMITTED)
    report.state = UnitReport.Status.SIGNING
    report.save(update_fields=["state"])
    ReportEvent.objects.create(report=report, action=ReportEvent.Action.SUBMIT, by=by)
    audit_record(
        action="report.submit",
        by=by,
        obj=report,
        summary={"tasks": [e.task.number for e in entries]},
    )
    activation.execute()
    return report


@transaction.atomic
def report_sign(*, activation: Activation, by: User, approve: bool, reason: str = "") -> UnitReport:
    """The unit leader signs the report off to the bureau, or sends it back to the liaison."""
    report: UnitReport = activation.process
    reason = reason.strip()
    if approve:
        now = timezone.now()
        if report.sent_at is None:
            report.sent_at = now
            sent_day = timezone.localdate(now)
            report.late_days = max((sent_day - report.round.deadline).days, 0)
        report.state = UnitReport.Status.SENT
        action = ReportEvent.Action.SIGN
    else:
        if not reason:
            raise RoundError(_("Say why the report goes back to the liaison."))
        report.entries.filter(status=Entry.Status.SUBMITTED).update(status=Entry.Status.DRAFT)
        report.state = UnitReport.Status.DRAFT
        action = ReportEvent.Action.RETURN
    report.save(update_fields=["state", "sent_at", "late_days"])
    ReportEvent.objects.create(report=report, action=action, by=by, reason=reason)
    audit_record(
        action="report.sign" if approve else "report.sign_return",
        by=by,
        obj=report,
        summary={"reason": reason, "late_days": report.late_days},
    )
    activation.execute()
    return report


@transaction.atomic
def report_review(
    *, activation: Activation, by: User, decisions: Mapping[int, tuple[bool, str]]
) -> UnitReport:
    """The bureau approves or returns each task of the report; only the returned
    entries reopen for the unit, each with its reason."""
    report: UnitReport = activation.process
    pending = {
        e.task_id: e
        for e in report.entries.filter(status=Entry.Status.SUBMITTED).select_related("task")
    }
    if set(decisions) != set(pending):
        raise RoundError(_("Decide on every task of the report."))
    for task_id, (approve, reason) in decisions.items():
        if not approve and not reason.strip():
            raise RoundError(
                _("Task %(number)s: say why it is returned.")
                % {"number": pending[task_id].task.number}
            )
    returned = []
    for task_id, (approve, reason) in decisions.items():
        entry = pending[task_id]
        if approve:
            entry.status = Entry.Status.APPROVED
            entry.return_reason = ""
            ReportEvent.objects.create(
                report=report, task=entry.task, action=ReportEvent.Action.APPROVE, by=by
            )
        else:
            entry.status = Entry.Status.RETURNED
            entry.return_reason = reason.strip()
            entry.times_returned += 1
            returned.append(entry.task.number)
            ReportEvent.objects.create(
                report=report,
                task=entry.task,
                action=ReportEvent.Action.RETURN,
                by=by,
                reason=entry.return_reason,
            )
        entry.save(update_fields=["status", "return_reason", "times_returned"])
    report.state = UnitReport.Status.RETURNED if returned else UnitReport.Status.APPROVED
    report.save(update_fields=["state"])
    audit_record(action="report.review", by=by, obj=report, summary={"returned": returned})
    activation.execute()
    return report


def report_file_download(*, record: ReportFile, by: User, client_ip: str | None) -> FileResponse:
    """Open an evidence file of a report, recording who took it."""
    audit_record(
        action="report.file_download",
        by=by,
        obj=record,
        client_ip=client_ip,
        summary={"report": record.entry.report_id, "name": record.original_name},
    )
    return attachment_response(record.file, record.original_name, record.content_type)
