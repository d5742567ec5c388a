"""State changes of the supervision mechanism: supervision notices (督办单),
interview proposals, interviews and commitments. Each validates first, writes
in one transaction and leaves an audit row; telling people of an interview
writes notices, which are their own record (as notices.services.notify says)."""

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from common.text import checked_text
from departments.models import Unit, User
from departments.permissions import ACT_FOR_UNIT, require_supervisor
from documents.numbering import next_number
from notices.services import notify
from plans.models import Plan, Task
from supervision.models import (
    Commitment,
    Interview,
    InterviewProposal,
    SupervisionNotice,
)


class SupervisionError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _text(value: str, message: str) -> str:
    return checked_text(value, error=SupervisionError, required=message)


@transaction.atomic
def notice_issue(
    *,
    unit: Unit,
    items: list[dict],
    now: datetime.datetime,
    plan: Plan | None = None,
    by: User | None = None,
) -> SupervisionNotice:
    """Issue a numbered 督办单 to a unit for its overdue items (the ladder's third rung)."""
    today = timezone.localtime(now).date()
    notice = SupervisionNotice.objects.create(
        year=today.year,
        number=next_number("supervision_notice", today.year),
        plan=plan,
        unit=unit,
        items=items,
        issued_at=now,
        answer_by=today + datetime.timedelta(days=settings.SUPERVISION["NOTICE_ANSWER_DAYS"]),
    )
    audit_record(
        action="supervision.notice_issue",
        by=by,
        obj=notice,
        summary={
            "number": notice.doc_number,
            "unit": unit.name,
            "items": [i["item"] for i in items],
        },
    )
    return notice


@dataclass(frozen=True)
class ProposalGround:
    """One fact calling for a unit's interview: the ladder item behind it (its
    evidence, e.g. "red2:<unit>:<round>", "notice:<pk>") and the reason as read."""

    unit_id: int
    evidence: str
    reason: str


@dataclass(frozen=True)
class ProposalChange:
    """What proposals_raise did with a unit's new grounds: made a proposal, or
    added the reasons to the one already open."""

    proposal: InterviewProposal
    created: bool
    reasons: list[str]


@transaction.atomic
def proposals_raise(
    *, grounds: Sequence[ProposalGround], now: datetime.datetime
) -> list[ProposalChange]:
    """Propose interviews for the sweep's grounds (the ladder's last rung), one
    open proposal per unit: a ground already known to one of the unit's
    proposals, open or decided, changes nothing (a dismissed proposal stays
    dismissed until a new fact comes); new grounds are added as reasons to the
    unit's open proposal, or make a new one. Each change writes its audit row."""
    by_unit: dict[int, dict[str, str]] = defaultdict(dict)
    for ground in grounds:
        by_unit[ground.unit_id].setdefault(ground.evidence, ground.reason)
    if not by_unit:
        return []
    # Locked: a second sweep adding to the same proposals waits for this one.
    proposals = list(
        InterviewProposal.objects.select_for_update()
        .filter(unit_id__in=list(by_unit))
        .order_by("pk")
    )
    known: dict[int, set[str]] = defaultdict(set)
    open_ones: dict[int, InterviewProposal] = {}
    for proposal in proposals:
        known[proposal.unit_id].update(_evidence(proposal))
        if proposal.status == InterviewProposal.Status.PROPOSED:
            open_ones[proposal.unit_id] = proposal
    changes = []
    for unit_id, found in by_unit.items():
        new = {key: reason for key, reason in found.items() if key not in known[unit_id]}
        if not new:
            continue
        proposal = open_ones.get(unit_id)
        if proposal is None:
            proposal = _proposal_create(unit_id, new, now)
            if proposal is not None:
                changes.append(ProposalChange(proposal, True, list(new.values())))
                continue
            # Another sweep opened one meanwhile: add to it what it lacks.
            proposal = InterviewProposal.objects.select_for_update().get(
                unit_id=unit_id, status=InterviewProposal.Status.PROPOSED
            )
            new = {key: reason for key, reason in new.items() if key not in _evidence(proposal)}
            if not new:
                continue
        changes.append(ProposalChange(_proposal_extend(proposal, new), False, list(new.values())))
    return changes


def _evidence(proposal: InterviewProposal) -> list[str]:
    return proposal.evidence or ([proposal.cause] if proposal.cause else [])


def _proposal_create(
    unit_id: int, grounds: dict[str, str], now: datetime.datetime
) -> InterviewProposal | None:
    """A new open proposal, or None when another transaction opened the unit's
    first (the database keeps one open per unit)."""
    try:
        with transaction.atomic():
            proposal = InterviewProposal.objects.create(
                unit_id=unit_id,
                cause=next(iter(grounds)),
                evidence=list(grounds),
                reasons=list(grounds.values()),
                created_at=now,
            )
    except IntegrityError:
        return None
    audit_record(
        action="supervision.proposal_create",
        by=None,
        obj=proposal,
        summary={"unit": unit_id, "cause": proposal.cause, "reasons": proposal.reasons},
    )
    return proposal


def _proposal_extend(proposal: InterviewProposal, grounds: dict[str, str]) -> InterviewProposal:
    """Add new grounds to the unit's open proposal as further reasons."""
    proposal.evidence = [*_evidence(proposal), *grounds]
    proposal.reasons = [*proposal.reasons, *grounds.values()]
    proposal.save(update_fields=["evidence", "reasons"])
    audit_record(
        action="supervision.proposal_extend",
        by=None,
        obj=proposal,
        summary={
            "unit": proposal.unit_id,
            "evidence": list(grounds),
            "reasons": list(grounds.values()),
        },
    )
    return proposal


@transaction.atomic
def notice_answer(*, notice: SupervisionNotice, by: User, answer: str) -> SupervisionNotice:
    """The unit answers a 督办单 with what it has done."""
    notice = SupervisionNotice.objects.select_for_update().get(pk=notice.pk)
    if by.unit_id != notice.unit_id or not by.has_perm(ACT_FOR_UNIT, notice.unit):
        raise SupervisionError(_("Only the unit the notice is addressed to can answer it."))
    if notice.answered_at is not None:
        raise SupervisionError(_("This notice has already been answered."))
    notice.answer = _text(answer, _("Say what the unit has done."))
    notice.answered_at = timezone.now()
    notice.answered_by = by
    notice.save(update_fields=["answer", "answered_at", "answered_by"])
    audit_record(
        action="supervision.notice_answer", by=by, obj=notice, summary={"number": notice.doc_number}
    )
    return notice


@transaction.atomic
def proposal_decide(
    *, proposal: InterviewProposal, by: User, accept: bool, note: str = ""
) -> InterviewProposal:
    """A supervisor accepts or dismisses the system's interview proposal."""
    require_supervisor(by, SupervisionError)
    proposal = InterviewProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != InterviewProposal.Status.PROPOSED:
        raise SupervisionError(_("This proposal has already been decided."))
    if not accept:
        note = _text(note, _("Say why the proposal is dismissed."))
    proposal.status = (
        InterviewProposal.Status.ACCEPTED if accept else InterviewProposal.Status.DISMISSED
    )
    proposal.decided_at = timezone.now()
    proposal.decided_by = by
    proposal.decision_note = note.strip()
    proposal.save(update_fields=["status", "decided_at", "decided_by", "decision_note"])
    audit_record(
        action="supervision.proposal_accept" if accept else "supervision.proposal_dismiss",
        by=by,
        obj=proposal,
        summary={"unit": proposal.unit.name, "note": proposal.decision_note},
    )
    return proposal


@transaction.atomic
def interview_schedule(
    *,
    by: User,
    unit: Unit,
    interviewee: str,
    held_at: datetime.datetime,
    place: str,
    reason: str,
    tasks: Sequence[Task] = (),
    proposal: InterviewProposal | None = None,
) -> Interview:
    """Schedule an interview (约谈) of a unit's leader, by hand or from an accepted proposal."""
    require_supervisor(by, SupervisionError)
    if unit.kind == Unit.Kind.GROUP:
        raise SupervisionError(_("Interview one unit, not a group of units."))
    if proposal is not None:
        if proposal.unit_id != unit.pk or proposal.status != InterviewProposal.Status.ACCEPTED:
            raise SupervisionError(_("The proposal must be accepted and about this unit."))
        if Interview.objects.filter(proposal=proposal).exists():
            raise SupervisionError(_("An interview is already scheduled for this proposal."))
    interview = Interview.objects.create(
        unit=unit,
        proposal=proposal,
        interviewee=_text(interviewee, _("Name the person interviewed."))[:100],
        held_at=held_at,
        place=_text(place, _("Give the place."))[:200],
        reason=_text(reason, _("Say why the unit is interviewed.")),
        created_by=by,
    )
    interview.tasks.set(tasks)
    audit_record(
        action="supervision.interview_schedule",
        by=by,
        obj=interview,
        summary={"unit": unit.name, "at": held_at.isoformat(), "tasks": [t.number for t in tasks]},
    )
    return interview


def interview_notify(*, interview: Interview) -> int:
    """Tell the unit's liaisons and leaders of the interview (kind "interview"),
    deduplicated per person and day; how many were told."""
    people = list(
        User.objects.filter(
            unit=interview.unit,
            is_active=True,
            role__in=[User.Role.LIAISON, User.Role.LEADER],
        ).order_by("pk")
    )
    held_at = timezone.localtime(interview.held_at)
    sent = notify(
        recipients=people,
        kind="interview",
        key=f"interview:{interview.pk}",
        title=_("Interview of %(unit)s on %(when)s at %(place)s")
        % {
            "unit": interview.unit.name,
            "when": held_at.strftime("%Y-%m-%d %H:%M"),
            "place": interview.place,
        },
        body=interview.reason,
        url=interview.get_absolute_url(),
    )
    return len(sent or ())


@transaction.atomic
def interview_record(
    *,
    interview: Interview,
    by: User,
    minutes: str,
    problems: str,
    commitments: Sequence[tuple[str, datetime.date]],
) -> Interview:
    """After the interview: the minutes, the problems found, the unit's commitments."""
    require_supervisor(by, SupervisionError)
    interview = Interview.objects.select_for_update().get(pk=interview.pk)
    if interview.status == Interview.Status.HELD:
        raise SupervisionError(_("The minutes of this interview are already recorded."))
    minutes = _text(minutes, _("Write the minutes."))
    problems = (problems or "").strip()
    rows = []
    for number, (text, due_on) in enumerate(commitments, start=1):
        text = _text(text, _("Write each commitment."))
        if due_on is None:
            raise SupervisionError(_("Give each commitment a deadline."))
        if due_on < timezone.localtime(interview.held_at).date():
            raise SupervisionError(_("A commitment's deadline cannot be before the interview."))
        rows.append(Commitment(interview=interview, number=number, text=text, due_on=due_on))
    if not rows:
        raise SupervisionError(_("Record at least one commitment."))
    interview.minutes, interview.problems = minutes, problems
    interview.status = Interview.Status.HELD
    interview.save(update_fields=["minutes", "problems", "status"])
    Commitment.objects.bulk_create(rows)
    audit_record(
        action="supervision.interview_record",
        by=by,
        obj=interview,
        summary={"commitments": len(rows)},
    )
    return interview


@transaction.atomic
def commitment_report(*, commitment: Commitment, by: User, report: str) -> Commitment:
    """The unit reports what it did on a commitment."""
    commitment = (
        Commitment.objects.select_for_update().select_related("interview").get(pk=commitment.pk)
    )
    unit = commitment.interview.unit
    if by.unit_id != unit.pk or not by.has_perm(ACT_FOR_UNIT, unit):
        raise SupervisionError(_("Only the interviewed unit reports on its commitments."))
    if commitment.status == Commitment.Status.CLOSED:
        raise SupervisionError(_("This commitment is closed."))
    commitment.report = _text(report, _("Say what the unit did."))
    commitment.reported_at = timezone.now()
    commitment.status = Commitment.Status.REPORTED
    commitment.save(update_fields=["report", "reported_at", "status"])
    audit_record(action="supervision.commitment_report", by=by, obj=commitment, summary={})
    return commitment


@transaction.atomic
def commitment_close(
    *, commitment: Commitment, by: User, note: str, closed: bool = True
) -> Commitment:
    """A supervisor closes a reported commitment, or sends it back open with a note."""
    require_supervisor(by, SupervisionError)
    commitment = Commitment.objects.select_for_update().get(pk=commitment.pk)
    if commitment.status == Commitment.Status.CLOSED:
        raise SupervisionError(_("This commitment is closed."))
    note = _text(note, _("Write a note."))
    if closed:
        commitment.status = Commitment.Status.CLOSED
        commitment.closed_at = timezone.now()
        commitment.closed_by = by
    else:
        commitment.status = Commitment.Status.OPEN
    commitment.close_note = note
    commitment.save(update_fields=["status", "closed_at", "closed_by", "close_note"])
    audit_record(
        action="supervision.commitment_close" if closed else "supervision.commitment_reopen",
        by=by,
        obj=commitment,
        summary={"note": note},
    )
    return commitment
