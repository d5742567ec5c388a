"""Every change to meetings and their agreed items, one function per action.

Each validates everything before it writes, and writes its audit row in the
transaction of the change.
"""

import datetime
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from departments.models import Unit, User
from meetings.access import may_close, may_record, may_reopen
from meetings.models import Decision, Meeting
from plans.models import Plan, Task

PLACE_MAX = Meeting._meta.get_field("place").max_length
CHAIR_MAX = Meeting._meta.get_field("chair").max_length
ATTENDEES_MAX = 2000
SUMMARY_MAX = 10_000
DECISION_TEXT_MAX = 1000
NOTE_MAX = 2000
DECISIONS_MAX = 50


class MeetingError(Exception):
    """A refused action on a meeting or an agreed item, with a message for the person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class DecisionInput(NamedTuple):
    """An agreed item as the minutes give it; a plain 4-tuple will do as well."""

    text: str
    owner_unit: Unit | None
    due_on: datetime.date | None
    task: Task | None = None


def _check_meeting_fields(
    *, held_on: datetime.date | None, place: str, chair: str, attendees: str, summary: str
) -> datetime.date:
    if held_on is None:
        raise MeetingError(_("Give the date of the meeting."))
    if held_on > timezone.localdate():
        raise MeetingError(_("The meeting date cannot be in the future."))
    if not place:
        raise MeetingError(_("Give the place of the meeting."))
    if len(place) > PLACE_MAX:
        raise MeetingError(_("The place is longer than %(max)d characters.") % {"max": PLACE_MAX})
    if not chair:
        raise MeetingError(_("Give who chaired the meeting."))
    if len(chair) > CHAIR_MAX:
        raise MeetingError(
            _("The chair's name is longer than %(max)d characters.") % {"max": CHAIR_MAX}
        )
    if len(attendees) > ATTENDEES_MAX:
        raise MeetingError(
            _("The list of attendees is longer than %(max)d characters.") % {"max": ATTENDEES_MAX}
        )
    if len(summary) > SUMMARY_MAX:
        raise MeetingError(
            _("The minutes are longer than %(max)d characters.") % {"max": SUMMARY_MAX}
        )
    return held_on


def _check_decisions(
    decisions: Sequence[DecisionInput], *, plan: Plan, held_on: datetime.date
) -> None:
    if len(decisions) > DECISIONS_MAX:
        raise MeetingError(
            _("A meeting can have at most %(max)d agreed items.") % {"max": DECISIONS_MAX}
        )
    for number, item in enumerate(decisions, start=1):
        if not item.text:
            raise MeetingError(_("Agreed item %(number)d has no text.") % {"number": number})
        if len(item.text) > DECISION_TEXT_MAX:
            raise MeetingError(
                _("Agreed item %(number)d is longer than %(max)d characters.")
                % {"number": number, "max": DECISION_TEXT_MAX}
            )
        if item.owner_unit is None:
            raise MeetingError(
                _("Agreed item %(number)d has no responsible unit.") % {"number": number}
            )
        if item.owner_unit.kind == Unit.Kind.GROUP:
            # A group owns nothing: each of its members must answer for its own part.
            raise MeetingError(
                _(
                    "Agreed item %(number)d must name one responsible unit, "
                    "not a group of units such as %(unit)s."
                )
                % {"number": number, "unit": item.owner_unit.name}
            )
        if item.due_on is None:
            raise MeetingError(_("Agreed item %(number)d has no deadline.") % {"number": number})
        if item.due_on < held_on:
            raise MeetingError(
                _("The deadline of agreed item %(number)d is before the meeting.")
                % {"number": number}
            )
        if item.task is not None and item.task.plan_id != plan.pk:
            raise MeetingError(
                _("Agreed item %(number)d names a task of another plan.") % {"number": number}
            )


@transaction.atomic
def meeting_record(
    *,
    plan: Plan,
    by: User,
    held_on: datetime.date | None,
    place: str,
    chair: str,
    units: Iterable[Unit],
    attendees: str,
    tasks: Iterable[Task],
    summary: str,
    decisions: Sequence[DecisionInput | tuple],
) -> Meeting:
    """Minute an on-site dispatch meeting; each agreed item becomes an open follow-up."""
    if not may_record(by):
        raise MeetingError(_("Only the working group's supervisors record dispatch meetings."))
    plan = _plan_open_for_meetings(plan)
    place, chair, attendees, summary = (
        place.strip(),
        chair.strip(),
        attendees.strip(),
        summary.strip(),
    )
    held_on = _check_meeting_fields(
        held_on=held_on, place=place, chair=chair, attendees=attendees, summary=summary
    )
    units = list(dict.fromkeys(units))
    if not units:
        raise MeetingError(_("Choose at least one attending unit."))
    tasks = list(dict.fromkeys(tasks))
    for task in tasks:
        if task.plan_id != plan.pk:
            raise MeetingError(
                _("Task %(number)s is not a task of this plan.") % {"number": task.number}
            )
    items = [DecisionInput(*item) for item in decisions]
    items = [item._replace(text=(item.text or "").strip()) for item in items]
    _check_decisions(items, plan=plan, held_on=held_on)

    meeting = Meeting.objects.create(
        plan=plan,
        held_on=held_on,
        place=place,
        chair=chair,
        attendees=attendees,
        summary=summary,
        created_by=by,
    )
    meeting.units.set(units)
    meeting.tasks.set(tasks)
    Decision.objects.bulk_create(
        Decision(
            meeting=meeting,
            number=number,
            text=item.text,
            owner_unit=item.owner_unit,
            due_on=item.due_on,
            task=item.task,
        )
        for number, item in enumerate(items, start=1)
    )
    audit_record(
        action="meeting.record",
        by=by,
        obj=meeting,
        summary=_record_summary(meeting, units=units, tasks=tasks, items=items),
    )
    return meeting


def _plan_open_for_meetings(plan: Plan) -> Plan:
    """The plan as stored, locked until the meeting is written; refused unless
    its work has started and it is not closed."""
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    if plan.status == Plan.Status.CLOSED:
        raise MeetingError(_("The plan is closed: no meeting can be recorded on it any more."))
    if not plan.work_started:
        # Until dispatch a re-import may still rebuild the plan's tasks, which
        # would orphan the meeting's links to them.
        raise MeetingError(
            _("The plan's tasks have not been dispatched yet: dispatch meetings follow dispatch.")
        )
    return plan


def _record_summary(
    meeting: Meeting, *, units: list[Unit], tasks: list[Task], items: list[DecisionInput]
) -> dict:
    """The audit row's summary of a recorded meeting."""
    return {
        "plan": meeting.plan_id,
        "held_on": meeting.held_on.isoformat(),
        "chair": meeting.chair,
        "units": [unit.name for unit in units],
        "tasks": [task.number for task in tasks],
        "decisions": [
            {
                "number": number,
                "unit": item.owner_unit.name,
                "due_on": item.due_on.isoformat(),
                "task": item.task.number if item.task is not None else None,
            }
            for number, item in enumerate(items, start=1)
        ],
    }


def _locked(decision: Decision) -> Decision:
    # Two people closing the same item at once: the second sees it closed.
    return Decision.objects.select_for_update().select_related("owner_unit").get(pk=decision.pk)


@transaction.atomic
def decision_close(*, decision: Decision, by: User, note: str) -> Decision:
    """Close a follow-up with a note on what was done (办结说明)."""
    decision = _locked(decision)
    if not may_close(by, decision):
        raise MeetingError(
            _("Only the responsible unit or the working group can close this agreed item.")
        )
    note = note.strip()
    if not note:
        raise MeetingError(_("Write a closing note: say what was done."))
    if len(note) > NOTE_MAX:
        raise MeetingError(
            _("The closing note is longer than %(max)d characters.") % {"max": NOTE_MAX}
        )
    if decision.status == Decision.Status.CLOSED:
        raise MeetingError(_("This agreed item is already closed."))
    decision.status = Decision.Status.CLOSED
    decision.closed_note = note
    decision.closed_at = timezone.now()
    decision.closed_by = by
    decision.save(update_fields=["status", "closed_note", "closed_at", "closed_by"])
    audit_record(
        action="decision.close",
        by=by,
        obj=decision,
        summary={
            "meeting": decision.meeting_id,
            "number": decision.number,
            "unit": decision.owner_unit.name,
            "note": note,
        },
    )
    return decision


@transaction.atomic
def decision_reopen(*, decision: Decision, by: User, reason: str) -> Decision:
    """Put a closed follow-up back in its unit's inbox; the old note stays in the trail."""
    decision = _locked(decision)
    if not may_reopen(by):
        raise MeetingError(_("Only the working group's supervisors can reopen an agreed item."))
    reason = reason.strip()
    if not reason:
        raise MeetingError(_("Give a reason for reopening the agreed item."))
    if len(reason) > NOTE_MAX:
        raise MeetingError(_("The reason is longer than %(max)d characters.") % {"max": NOTE_MAX})
    if decision.status != Decision.Status.CLOSED:
        raise MeetingError(_("This agreed item is still open."))
    previous_note = decision.closed_note
    decision.status = Decision.Status.OPEN
    decision.closed_note = ""
    decision.closed_at = None
    decision.closed_by = None
    decision.save(update_fields=["status", "closed_note", "closed_at", "closed_by"])
    audit_record(
        action="decision.reopen",
        by=by,
        obj=decision,
        summary={
            "meeting": decision.meeting_id,
            "number": decision.number,
            "unit": decision.owner_unit.name,
            "reason": reason,
            "previous_note": previous_note,
        },
    )
    return decision
