"""Every change to rounds and unit reports goes through these functions: each
validates first, writes in one transaction, and leaves an audit row.

rounds.flows is the top of this app: it imports the report's step views, which
call these functions, so nothing here imports the flow back. Opening a round
starts each unit's report through the flow's start node named as viewflow
itself names every node it stores (a Task row's flow_task).
"""

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.activation import Activation
from viewflow.workflow.fields import import_task_by_ref

from audit.services import audit_record
from departments.models import Unit, User
from files.checks import UploadRefused, check_upload
from files.responses import attachment_response
from files.storage import stored_name
from plans.models import Plan, Task, TaskUnit
from rounds.errors import RoundError
from rounds.models import (
    Entry,
    ReportEvent,
    ReportFile,
    Round,
    TargetValue,
    UnitReport,
)
from rounds.periods import round_series_dates
from rounds.selectors import editable_entries, tasks_in_progress
from rounds.values import clean_text, parse_value

PERIOD_MAX = 40
# ReportFlow's start node (rounds/flows.py); renaming it would strand the
# reports already stored under this name anyway.
REPORT_FLOW_START = "rounds/flows.ReportFlow.start"


@dataclass
class EntryInput:
    """What a unit writes for one task in its report."""

    progress: str = ""
    schedule: str = ""
    problems: str = ""
    next_steps: str = ""
    values: dict[int, str] = field(default_factory=dict)  # target pk -> text as typed
    files: Sequence[UploadedFile] = ()


def _responsible_units(tasks: Sequence[Task]) -> dict[int, list[tuple[Task, bool]]]:
    """unit pk -> [(task, is_lead)]: the lead, co-leads and co-units of each
    task, a unit group (the county governments) standing for each member."""
    by_unit: dict[int, list[tuple[Task, bool]]] = {}
    task_ids = [t.pk for t in tasks]
    tasks_by_pk = {t.pk: t for t in tasks}
    links = TaskUnit.objects.filter(task_id__in=task_ids).select_related("unit")
    members: dict[int, list[int]] = {}
    for group in Unit.objects.filter(kind=Unit.Kind.GROUP).prefetch_related("members"):
        members[group.pk] = [m.pk for m in group.members.all() if m.is_active]
    for link in links:
        task = tasks_by_pk[link.task_id]
        units = members.get(link.unit_id, [link.unit_id])
        for unit_id in units:
            rows = by_unit.setdefault(unit_id, [])
            is_lead = unit_id == task.lead_unit_id
            if all(t.pk != task.pk for t, _lead in rows):
                rows.append((task, is_lead))
    return by_unit


def _validate_round_fields(
    plan: Plan, period: str, opens_on: datetime.date, deadline: datetime.date
) -> str:
    period = period.strip()
    if plan.status == Plan.Status.CLOSED:
        raise RoundError(_("The plan is closed: no round can be opened for it."))
    if not period:
        raise RoundError(_("Name the round's period, e.g. 2023年第三季度."))
    if len(period) > PERIOD_MAX:
        raise RoundError(
            _("The period name is longer than %(max)d characters.") % {"max": PERIOD_MAX}
        )
    if deadline < opens_on:
        raise RoundError(_("The deadline cannot come before the day the round opens."))
    if Round.objects.filter(plan=plan, period=period).exists():
        raise RoundError(
            _("Plan %(plan)s already has a round for %(period)s.")
            % {"plan": plan.doc_number, "period": period}
        )
    return period


@transaction.atomic
def round_create(
    *,
    plan: Plan,
    by: User | None,
    period: str,
    deadline: datetime.date,
    today: datetime.date,
    opens_on: datetime.date | None = None,
    cadence: str = Round.Cadence.OTHER,
    tasks: Sequence[Task] | None = None,
) -> Round:
    """Create a round; it opens now when it opens today or earlier, else on its day."""
    opens_on = opens_on or today
    period = _validate_round_fields(plan, period, opens_on, deadline)
    if deadline < today:
        raise RoundError(_("The deadline cannot be in the past."))
    if tasks is not None:
        if not tasks:
            raise RoundError(_("Choose at least one task for the round."))
        if any(task.plan_id != plan.pk for task in tasks):
            raise RoundError(_("Choose only tasks of this plan."))
    rnd = Round.objects.create(
        plan=plan,
        period=period,
        cadence=cadence,
        opens_on=opens_on,
        deadline=deadline,
        chosen_tasks=tasks is not None,
        created_by=by,
    )
    if tasks is not None:
        rnd.tasks.set(tasks)
    audit_record(
        action="round.create",
        by=by,
        obj=rnd,
        summary={
            "plan": plan.doc_number,
            "period": period,
            "opens_on": opens_on.isoformat(),
            "deadline": deadline.isoformat(),
        },
    )
    if opens_on <= today:
        round_open(rnd=rnd, by=by)
    return rnd


@transaction.atomic
def round_open(*, rnd: Round, by: User | None) -> Round:
    """Open a round: one report per responsible unit, pre-filled from that unit's previous round."""
    rnd = Round.objects.select_for_update().get(pk=rnd.pk)
    if rnd.status == Round.Status.OPEN:
        raise RoundError(_("The round %(period)s is already open.") % {"period": rnd.period})
    tasks = list(rnd.tasks.order_by("order")) if rnd.chosen_tasks else tasks_in_progress(rnd.plan)
    if not tasks:
        raise RoundError(
            _("No task of the plan is in progress: dispatch tasks before opening a round.")
        )
    rnd.tasks.set(tasks)
    previous = (
        Round.objects.filter(plan=rnd.plan, status=Round.Status.OPEN, opens_on__lte=rnd.opens_on)
        .exclude(pk=rnd.pk)
        .order_by("-opens_on", "-id")
        .first()
    )
    earlier: dict[tuple[int, int], Entry] = {}
    if previous is not None:
        for entry in (
            Entry.objects.filter(report__round=previous)
            .select_related("report")
            .prefetch_related("values")
        ):
            earlier[(entry.report.unit_id, entry.task_id)] = entry
    by_unit = _responsible_units(tasks)
    units = Unit.objects.in_bulk(list(by_unit))
    new_values = []
    start = import_task_by_ref(REPORT_FLOW_START)
    for unit_id in sorted(by_unit, key=lambda pk: (units[pk].sort_order, pk)):
        report = start.run(round=rnd, unit=units[unit_id])
        entries = []
        for task, is_lead in by_unit[unit_id]:
            before = earlier.get((unit_id, task.pk))
            entry = Entry(report=report, task=task, is_lead=is_lead)
            if before is not None:
                entry.progress = before.progress
                entry.schedule = before.schedule
                entry.problems = before.problems
                entry.next_steps = before.next_steps
            entries.append(entry)
        Entry.objects.bulk_create(entries)
        for entry in entries:
            before = earlier.get((unit_id, entry.task_id))
            if before is not None:
                new_values += [
                    TargetValue(entry=entry, target_id=v.target_id, value=v.value)
                    for v in before.values.all()
                ]
        ReportEvent.objects.create(report=report, action=ReportEvent.Action.OPEN, by=by)
    TargetValue.objects.bulk_create(new_values)
    rnd.status = Round.Status.OPEN
    rnd.opened_at = timezone.now()
    rnd.save(update_fields=["status", "opened_at"])
    audit_record(
        action="round.open",
        by=by,
        obj=rnd,
        summary={"period": rnd.period, "tasks": len(tasks), "reports": len(by_unit)},
    )
    return rnd


def rounds_open_due(*, today: datetime.date, by: User | None = None) -> list[Round]:
    """Open the scheduled rounds whose day has come (run by the sweep)."""
    opened = []
    for rnd in Round.objects.filter(status=Round.Status.SCHEDULED, opens_on__lte=today).order_by(
        "opens_on", "id"
    ):
        try:
            opened.append(round_open(rnd=rnd, by=by))
        except RoundError:
            # Nothing in progress yet: it stays scheduled and is tried again next sweep.
            continue
    return opened


@transaction.atomic
def rounds_schedule(
    *,
    plan: Plan,
    by: User | None,
    cadence: str,
    year: int,
    first: int,
    count: int,
    deadline_day: int,
    today: datetime.date,
) -> list[Round]:
    """Schedule `count` monthly or quarterly rounds from period `first` of `year`;
    each opens by itself on its day (see rounds_open_due)."""
    if cadence not in (Round.Cadence.MONTHLY, Round.Cadence.QUARTERLY):
        raise RoundError(_("Choose a monthly or quarterly cadence."))
    per_year = 4 if cadence == Round.Cadence.QUARTERLY else 12
    if not 1 <= first <= per_year:
        raise RoundError(_("There is no such period in a year."))
    if not 1 <= count <= 24:
        raise RoundError(_("Schedule between 1 and 24 rounds at a time."))
    created = []
    index = first
    for _n in range(count):
        label, opens_on, deadline = round_series_dates(cadence, year, index, deadline_day)
        if deadline < today:
            raise RoundError(
                _("The round for %(period)s would already be past its deadline.")
                % {"period": label}
            )
        created.append(
            round_create(
                plan=plan,
                by=by,
                period=label,
                deadline=deadline,
                today=today,
                opens_on=max(opens_on, today),
                cadence=cadence,
            )
        )
        index += 1
        if index > per_year:
            index, year = 1, year + 1
    return created


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
