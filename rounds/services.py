"""Every change to rounds and unit reports goes through these functions: each
validates first, writes in one transaction, and leaves an audit row.

rounds.flows imports the report's step views (rounds.step_views), which call
these functions, so nothing here imports the flow; creating and opening rounds,
which starts the reports, is in rounds.opening, above the flow.
"""

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import Q
from django.http import FileResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from viewflow.workflow.activation import Activation

from audit.services import audit_record
from dashboard.summaries import refresh_round_summary
from departments.models import User
from files.checks import UploadRefused, check_upload
from files.responses import attachment_response
from files.storage import stored_name
from notices.models import Notice
from notices.services import notify
from plans.models import TaskTarget
from rounds.asks import asked_targets, entry_values, previous_entries
from rounds.drafts import (
    DraftConflict,
    DraftOutdated,
    DraftSave,
    EntryConflict,
    state_digest,
    stored_state,
)
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
    # "No change since the last round" (无变化，沿用上期): take over the unit's
    # previous entry on the task; what was typed is not read.
    same_as_before: bool = False
    # The entry as the page showed it (rounds.drafts.stored_digest), when known.
    base: str | None = None
    # On the conflict page the person chose this entry's version: "mine" (what
    # is given here) or "stored" (leave the stored entry as it is).
    choice: str = ""


_SCHEDULES = {choice for choice, _label in Entry.Schedule.choices}


def _typed(
    entry: Entry, given: EntryInput, targets: dict[int, TaskTarget]
) -> tuple[dict, dict[int, Decimal | None]]:
    """The texts and values a unit typed for a task, checked field by field."""
    task = entry.task
    fields = {
        "progress": clean_text(given.progress, _("progress this period"), task, "progress"),
        "problems": clean_text(given.problems, _("problems"), task, "problems"),
        "next_steps": clean_text(given.next_steps, _("next steps"), task, "next_steps"),
        "schedule": (given.schedule or "").strip(),
        "kept_previous": False,
    }
    if fields["schedule"] and fields["schedule"] not in _SCHEDULES:
        raise RoundError(
            _("Task %(number)s: choose the progress against schedule from the list.")
            % {"number": task.number},
            task_id=task.pk,
            field="schedule",
        )
    if set(given.values) - set(targets):
        raise RoundError(
            _("Task %(number)s: a value was sent for a target your unit does not report.")
            % {"number": task.number}
        )
    values = {pk: parse_value(text, targets[pk], task) for pk, text in given.values.items()}
    return fields, values


def _check_complete(entry: Entry, fields: Mapping[str, object]) -> None:
    """What a report sent for sign-off must hold for a task it wrote itself."""
    task = entry.task
    if fields["kept_previous"]:
        return
    if not fields["progress"]:
        raise RoundError(
            _(
                "Task %(number)s: describe the progress this period, or tick "
                "“no change since the last round”."
            )
            % {"number": task.number},
            task_id=task.pk,
            field="progress",
        )
    if not fields["schedule"]:
        raise RoundError(
            _("Task %(number)s: choose the progress against schedule.") % {"number": task.number},
            task_id=task.pk,
            field="schedule",
        )


def _kept(
    entry: Entry, before: Entry | None, targets: dict[int, TaskTarget]
) -> tuple[dict, dict[int, Decimal | None]]:
    """The unit's previous entry on the task, taken over as this round's."""
    if before is None:
        raise RoundError(
            _("Task %(number)s: there is no report of the last round to keep; write this one.")
            % {"number": entry.task.number},
            task_id=entry.task_id,
            field="progress",
        )
    fields = {
        "progress": before.progress,
        "problems": before.problems,
        "next_steps": before.next_steps,
        "schedule": before.schedule,
        "kept_previous": True,
    }
    values: dict[int, Decimal | None] = {pk: None for pk in targets}
    for value in entry_values(before):
        if value.target_id in targets:
            values[value.target_id] = value.value
    return fields, values


def _apply(
    report: UnitReport,
    by: User,
    data: Mapping[int, EntryInput],
    *,
    complete: bool,
    based_on: int | None = None,
) -> DraftSave:
    """Validate everything, then write: an entry per task the unit may still edit.

    `based_on` is the draft version the page was drawn from (None: not known, as
    for a sheet); behind the stored one, each entry is judged as rounds.drafts
    says and the entries both sides changed are left as conflicts."""
    entries = editable_entries(report)
    by_task = {entry.task_id: entry for entry in entries}
    unknown = set(data) - set(by_task)
    if unknown:
        raise RoundError(_("Some of the tasks sent are not open for editing in this report."))
    asked = asked_targets(report, entries)
    keeping = [task_id for task_id, given in data.items() if given.same_as_before]
    before = previous_entries(report, keeping) if keeping else {}
    stale = based_on is not None and based_on != report.draft_version
    stored_values: dict[int, dict[int, Decimal | None]] = {}
    for value in TargetValue.objects.filter(entry__in=[e.pk for e in entries if e.task_id in data]):
        stored_values.setdefault(value.entry_id, {})[value.target_id] = value.value
    result = DraftSave(report=report)
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
        uploads.extend(given.files)
        targets = {t.pk: t for t in asked[entry.task_id]}
        stored, stored_vals = stored_state(entry, stored_values.get(entry.pk, {}))
        if given.choice == "stored":
            result.kept.append(entry)
            if complete:
                _check_complete(entry, stored)
            continue
        if given.same_as_before:
            fields, values = _kept(entry, before.get(entry.task_id), targets)
        else:
            fields, values = _typed(entry, given, targets)
        mine_values = {pk: stored_vals.get(pk) for pk in targets} | values
        if stale:
            order = asked[entry.task_id]
            now = state_digest(stored, stored_vals, order)
            new = state_digest(fields, mine_values, order)
            theirs_changed = given.base is None or now != given.base
            mine_changed = given.base is None or new != given.base
            if complete and theirs_changed and not mine_changed and new != now:
                # A submit would send what another page saved, which this page never
                # showed: the person sees it first (the stored version preselected).
                result.conflicts.append(
                    EntryConflict(
                        entry=entry,
                        targets=list(order),
                        stored=stored,
                        stored_values=stored_vals,
                        mine=fields,
                        mine_values=mine_values,
                        unseen=True,
                    )
                )
                continue
            if new == now or (theirs_changed and not mine_changed):
                # Nothing of the page's to write: the stored entry stays.
                result.kept.append(entry)
                if new != now:
                    result.newer.append(entry)
                if complete:
                    _check_complete(entry, stored)
                continue
            if theirs_changed:
                result.conflicts.append(
                    EntryConflict(
                        entry=entry,
                        targets=list(order),
                        stored=stored,
                        stored_values=stored_vals,
                        mine=fields,
                        mine_values=mine_values,
                    )
                )
                continue
        if complete:
            _check_complete(entry, fields)
        cleaned.append((entry, fields, values))
        result.bases[entry.task_id] = state_digest(fields, mine_values, asked[entry.task_id])
    try:
        # Every file judged by its content before anything is written.
        content_types = {id(upload): check_upload(upload) for upload in uploads}
    except UploadRefused as exc:
        raise RoundError(exc.message) from exc
    if complete and result.conflicts:
        raise DraftConflict(report=report, conflicts=result.conflicts, kept=result.kept)
    _write(cleaned, stored_values, by)
    # Evidence is only ever added: an entry left as stored, or in conflict, still gets its files.
    for entry in entries:
        given = data.get(entry.task_id)
        for upload in given.files if given else ():
            _store_file(entry, upload, content_types[id(upload)], by)
    result.saved = [entry for entry, _f, _v in cleaned]
    report.draft_version += 1
    report.save(update_fields=["draft_version"])
    return result


def _write(
    cleaned: list[tuple[Entry, dict, dict[int, Decimal | None]]],
    stored_values: Mapping[int, Mapping[int, Decimal | None]],
    by: User,
) -> None:
    """Store the entries and their values: one UPDATE for all the entries, and
    for the values only what changed against `stored_values` (read under the
    same lock), whatever the report's size."""
    if not cleaned:
        return
    now = timezone.now()
    names: set[str] = set()
    removed = Q(pk__in=[])
    added: list[TargetValue] = []
    for entry, fields, values in cleaned:
        for name, value in fields.items():
            setattr(entry, name, value)
        names.update(fields)
        entry.updated_by = by
        entry.updated_at = now
        stored = stored_values.get(entry.pk, {})
        for pk, value in values.items():
            if value is None:
                if pk in stored:
                    removed |= Q(entry_id=entry.pk, target_id=pk)
            elif pk not in stored:
                added.append(TargetValue(entry=entry, target_id=pk, value=value))
            elif stored[pk] != value:
                TargetValue.objects.filter(entry=entry, target_id=pk).update(value=value)
    _update_entries(
        [entry for entry, _f, _v in cleaned], sorted(names | {"updated_by", "updated_at"})
    )
    TargetValue.objects.filter(removed).delete()
    TargetValue.objects.bulk_create(added)


def _update_entries(entries: list[Entry], names: list[str]) -> None:
    """Write the named fields of many entries: one statement run for each row
    (executemany, a pipeline on PostgreSQL). Django's bulk_update builds a CASE
    per field and row, which costs more CPU than the writes it saves, and one
    save() per entry a query each."""
    fields = [Entry._meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    sql = "UPDATE {} SET {} WHERE {} = %s".format(
        quote(Entry._meta.db_table),
        ", ".join(f"{quote(f.column)} = %s" for f in fields),
        quote(Entry._meta.pk.column),
    )
    rows = [
        [f.get_db_prep_save(getattr(entry, f.attname), connection) for f in fields] + [entry.pk]
        for entry in entries
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _draft_summary(result: DraftSave, data: Mapping[int, EntryInput]) -> dict:
    """What the audit row says of a save: the tasks written, and any conflict
    found or resolved (the version the person chose, per task)."""
    summary: dict = {
        "tasks": [e.task.number for e in result.saved],
        "version": result.report.draft_version,
    }
    if result.conflicts:
        summary["conflicts"] = [c.entry.task.number for c in result.conflicts]
    chosen = {
        str(e.task.number): data[e.task_id].choice
        for e in [*result.saved, *result.kept]
        if data[e.task_id].choice
    }
    if chosen:
        summary["chosen"] = chosen
    return summary


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


# Saves by one person closer together than this are one sitting in the report's history.
SITTING = datetime.timedelta(hours=1)


def _tell_liaisons(report: UnitReport, *, key: str, title: str, body: str = "") -> None:
    """Notify the unit's liaisons about their report (in the application, and by
    e-mail or the unit's group robot as their preferences say)."""
    notify(
        recipients=User.objects.filter(
            unit_id=report.unit_id, role=User.Role.LIAISON, is_active=True
        ),
        kind=Notice.Kind.REPORT,
        key=f"report:{report.pk}:{key}",
        title=title,
        body=body,
        url=reverse("report_detail", args=[report.pk]),
    )


def _refuse_if_not_editable(report: UnitReport) -> None:
    if report.state not in (UnitReport.Status.DRAFT, UnitReport.Status.RETURNED):
        raise RoundError(_("This report is not with the unit for editing now."))


@transaction.atomic
def report_save(
    *,
    report: UnitReport,
    by: User,
    data: Mapping[int, EntryInput],
    based_on: int | None = None,
    merge: bool = True,
) -> DraftSave:
    """Save the unit's draft without sending it on.

    From a page older than the stored draft (`based_on` behind), the entries
    both sides changed are not written but returned as conflicts; with
    `merge=False` (the form saving by itself) such a save writes nothing and
    raises DraftOutdated, so the page stops and tells the person."""
    # The report's rows locked (its own and viewflow's process row, as before),
    # read with its round and unit for the history and the audit row: those
    # are shared by every report of the round and stay unlocked.
    report = (
        UnitReport.objects.select_for_update(of=("self", "process_ptr"))
        .select_related("round", "unit")
        .get(pk=report.pk)
    )
    _refuse_if_not_editable(report)
    if not merge and based_on is not None and based_on != report.draft_version:
        raise DraftOutdated(report=report)
    result = _apply(report, by, data, complete=False, based_on=based_on)
    # The form saves as the liaison types: one history line per sitting, not per keystroke.
    last = report.events.order_by("-at", "-id").first()
    now = timezone.now()
    if (
        last is not None
        and last.action == ReportEvent.Action.SAVE
        and last.by_id == by.pk
        and now - last.at < SITTING
    ):
        ReportEvent.objects.filter(pk=last.pk).update(at=now)
    else:
        ReportEvent.objects.create(report=report, action=ReportEvent.Action.SAVE, by=by)
    _recount_if_sent(report)
    audit_record(action="report.save", by=by, obj=report, summary=_draft_summary(result, data))
    return result


def _recount_if_sent(report: UnitReport) -> None:
    """A draft's save or submit changes the dashboard's counts only in a report sent
    before (a return reopened it): the summaries count sent reports only. Saves of a
    report never sent leave them, and the round's row, alone: at a deadline every
    liaison of the round saves at once, and each recount locks the round."""
    if report.sent_at is not None:
        refresh_round_summary(round_id=report.round_id)


@transaction.atomic
def report_submit(
    *,
    activation: Activation,
    by: User,
    data: Mapping[int, EntryInput],
    based_on: int | None = None,
) -> UnitReport:
    """The liaison sends the unit's report to the unit leader for sign-off.

    From a page older than the stored draft, entries a colleague changed since
    are kept as stored where the page left them alone; where both changed
    them, nothing is sent and DraftConflict lets the person choose."""
    report: UnitReport = activation.process
    _refuse_if_not_editable(report)
    # The flow's lock holds the row; read the version another save may have moved.
    report.draft_version = (
        UnitReport.objects.filter(pk=report.pk).values_list("draft_version", flat=True).get()
    )
    result = _apply(report, by, data, complete=True, based_on=based_on)
    sent = [*result.saved, *result.kept]
    Entry.objects.filter(pk__in=[e.pk for e in sent]).update(status=Entry.Status.SUBMITTED)
    report.state = UnitReport.Status.SIGNING
    report.save(update_fields=["state"])
    ReportEvent.objects.create(report=report, action=ReportEvent.Action.SUBMIT, by=by)
    _recount_if_sent(report)
    audit_record(
        action="report.submit",
        by=by,
        obj=report,
        summary=_draft_summary(result, data)
        | {"tasks": [e.task.number for e in sorted(sent, key=lambda e: e.task.order)]},
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
    refresh_round_summary(round_id=report.round_id)
    event = ReportEvent.objects.create(report=report, action=action, by=by, reason=reason)
    if not approve:
        _tell_liaisons(
            report,
            key=f"returned:{event.pk}",
            title=_("%(period)s report returned by your unit leader: %(reason)s")
            % {"period": report.round.period, "reason": reason},
            body=reason,
        )
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
                % {"number": pending[task_id].task.number},
                task_id=task_id,
                field="reason",
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
    refresh_round_summary(round_id=report.round_id)
    if returned:
        reasons = [
            f"{pending[task_id].task.number}. {reason.strip()}"
            for task_id, (approve, reason) in decisions.items()
            if not approve
        ]
        _tell_liaisons(
            report,
            key=f"returned:review:{report.events.order_by('-id').values_list('pk', flat=True)[0]}",
            title=ngettext(
                "%(period)s report: the working group returned %(count)d task to revise",
                "%(period)s report: the working group returned %(count)d tasks to revise",
                len(returned),
            )
            % {"period": report.round.period, "count": len(returned)},
            body="\n".join(reasons),
        )
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
