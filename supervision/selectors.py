"""Reads of the supervision mechanism that pages share: lights, the supervisors'
board, a unit's page, 督办单, interviews and commitments, scoped by the unit rule.

Lights come from one place, supervision.lights: today's light (computed, a
fixed number of queries) and a round's light (in the plan's current round
today's, in an earlier one the stored LightRecord). Every page reads them
through these selectors, so a task or a unit shows one light everywhere.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from departments.access import unit_scope
from departments.models import Unit, User
from departments.permissions import ACT_FOR_UNIT, may_supervise
from plans.models import Plan, Task, TaskUnit
from plans.selectors import tasks_visible_to
from rounds.models import Round
from supervision.items import Item, open_items
from supervision.lights import (
    LightInfo,
    RoundLight,
    current_rounds,
    lights_today,
    round_lights,
    task_lights_today,
    unit_lights_today,
)
from supervision.models import (
    Commitment,
    Interview,
    InterviewProposal,
    Light,
    LightRecord,
    SupervisionNotice,
)


def _today(today: datetime.date | None) -> datetime.date:
    return today or timezone.localdate()


# --- Lights -----------------------------------------------------------------


def plan_task_lights(plan: Plan, today: datetime.date | None = None) -> dict[int, LightInfo]:
    """task pk -> its light today, for the plan's dispatched tasks (a task not yet
    handed out has no light). An imported plan costs no query."""
    if not plan.work_started:
        return {}
    return task_lights_today(today=_today(today), plan_ids=[plan.pk])


def lights_for_plan(
    plan: Plan,
    user: User,
    today: datetime.date | None = None,
    tasks: Iterable[Task] | None = None,
) -> dict[int, LightInfo]:
    """task pk -> light now, for the plan's tasks the person sees. Pass the tasks a
    page already loaded (they were scoped by the same rule) to save a query."""
    lights = plan_task_lights(plan, today)
    if not lights:
        return {}
    if tasks is not None:
        visible = {task.pk for task in tasks}
    elif user.sees_whole_city:
        return lights
    else:
        visible = set(tasks_visible_to(user).filter(plan=plan).values_list("pk", flat=True))
    return {pk: info for pk, info in lights.items() if pk in visible}


def unit_lights(
    user: User,
    today: datetime.date | None = None,
    units: Iterable[Unit] | None = None,
    items: list[Item] | None = None,
) -> dict[int, LightInfo]:
    """unit pk -> light today (a unit with nothing due is green), for the units the
    person sees, or those of `units` among them. A fixed number of queries."""
    scope = unit_scope(user)
    lights = unit_lights_today(today=_today(today), items=items)
    wanted = None if units is None else {unit.pk for unit in units}
    found = {}
    for pk, info in lights.items():
        if scope is not None and pk not in scope:
            continue
        if wanted is not None and pk not in wanted:
            continue
        found[pk] = info
    for pk in wanted or ():
        if scope is None or pk in scope:
            found.setdefault(pk, LightInfo())
    return found


def light_history(
    *,
    task: Task | None = None,
    unit: Unit | None = None,
    today: datetime.date | None = None,
    now: tuple[dict[int, LightInfo], dict[int, LightInfo]] | None = None,
) -> list[RoundLight]:
    """A task's or a unit's light in each round, newest round first: the rounds that
    stored one, and the plan's current round with today's light (marked `today`).
    `now`: the lights of today the page computed already."""
    if task is not None:
        subject = f"task:{task.pk}"
        plan_ids = [task.plan_id]
    elif unit is not None:
        subject = f"unit:{unit.pk}"
        plan_ids = list(
            Round.objects.filter(reports__unit=unit, status=Round.Status.OPEN)
            .values_list("plan_id", flat=True)
            .distinct()
        )
    else:
        return []
    current = [rs[0].pk for rs in current_rounds(plan_ids).values()]
    rounds = list(
        Round.objects.filter(Q(lights__subject=subject) | Q(pk__in=current))
        .select_related("plan")
        .distinct()
    )
    today = _today(today)
    if now is None and task is not None:
        # A task's rounds need the tasks' lights of its plan only.
        now = (task_lights_today(today=today, plan_ids=plan_ids), {})
    tasks, units = round_lights(rounds, today=today, now=now)
    wanted = tasks if task is not None else units
    pk = task.pk if task is not None else unit.pk
    found = [wanted[(rnd.pk, pk)] for rnd in rounds if (rnd.pk, pk) in wanted]
    return sorted(found, key=lambda light: (light.round.opens_on, light.round.pk), reverse=True)


def round_unit_lights(
    rnd: Round, today: datetime.date | None = None
) -> tuple[dict[int, RoundLight], bool]:
    """(unit pk -> its light in the round, for the units reporting in it; whether
    they are today's, the round being its plan's current one)."""
    _tasks, units = round_lights([rnd], today=_today(today))
    lights = {unit_id: light for (_round, unit_id), light in units.items()}
    return lights, any(light.today for light in lights.values())


def stored_task_lights(pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], LightRecord]:
    """(round pk, task pk) -> the stored record, for the pairs asked, in one query."""
    pairs = set(pairs)
    if not pairs:
        return {}
    rounds = {round_id for round_id, _task in pairs}
    subjects = {f"task:{task_id}" for _round, task_id in pairs}
    records = LightRecord.objects.filter(round_id__in=rounds, subject__in=subjects).only(
        "id", "round_id", "task_id", "color", "reasons"
    )
    return {(r.round_id, r.task_id): r for r in records if (r.round_id, r.task_id) in pairs}


def info_of(record: LightRecord | None) -> LightInfo | None:
    if record is None:
        return None
    return LightInfo(color=record.color, reasons=list(record.reasons or []))


# --- Who sees what -----------------------------------------------------------


def notices_visible_to(user: User) -> QuerySet[SupervisionNotice]:
    """Every 督办单 for supervisors and leadership readers; a unit's own for anyone else."""
    notices = SupervisionNotice.objects.select_related("unit", "plan", "answered_by")
    scope = unit_scope(user)
    return notices if scope is None else notices.filter(unit_id__in=scope)


def interviews_visible_to(user: User) -> QuerySet[Interview]:
    """Every interview for supervisors and leadership readers; a unit's own for anyone else."""
    interviews = Interview.objects.select_related("unit", "proposal", "created_by")
    scope = unit_scope(user)
    return interviews if scope is None else interviews.filter(unit_id__in=scope)


def commitments_visible_to(user: User) -> QuerySet[Commitment]:
    commitments = Commitment.objects.select_related("interview__unit", "closed_by")
    scope = unit_scope(user)
    return commitments if scope is None else commitments.filter(interview__unit_id__in=scope)


def proposals_visible_to(user: User) -> QuerySet[InterviewProposal]:
    """Interview proposals are the working group's business alone."""
    proposals = InterviewProposal.objects.select_related("unit", "decided_by")
    return proposals if may_supervise(user) else proposals.none()


def units_visible_to(user: User) -> QuerySet[Unit]:
    scope = unit_scope(user)
    return Unit.objects.all() if scope is None else Unit.objects.filter(pk__in=scope)


def interview_detail_queryset(user: User) -> QuerySet[Interview]:
    return interviews_visible_to(user).prefetch_related(
        Prefetch(
            "tasks", queryset=Task.objects.select_related("plan").order_by("plan_id", "order")
        ),
        Prefetch("commitments", queryset=Commitment.objects.select_related("closed_by")),
    )


def may_answer(user: User, notice: SupervisionNotice) -> bool:
    """The addressed unit's liaisons and leaders answer its 督办单 (once)."""
    return (
        notice.answered_at is None
        and user.unit_id == notice.unit_id
        and user.has_perm(ACT_FOR_UNIT, notice.unit)
    )


def may_report(user: User, commitment: Commitment) -> bool:
    unit = commitment.interview.unit
    return (
        commitment.status != Commitment.Status.CLOSED
        and user.unit_id == unit.pk
        and user.has_perm(ACT_FOR_UNIT, unit)
    )


def mark_overdue(rows: Iterable[Any], due: str, today: datetime.date) -> list[Any]:
    """Each row with `overdue` set from its date attribute `due`."""
    rows = list(rows)
    for row in rows:
        row.overdue = getattr(row, due) < today
    return rows


def _open_and_overdue(commitment: Commitment, today: datetime.date) -> bool:
    return commitment.status == Commitment.Status.OPEN and commitment.due_on < today


# --- The board ---------------------------------------------------------------


@dataclass
class Board:
    red_tasks: list[tuple[Task, LightInfo]] = field(default_factory=list)
    yellow_tasks: list[tuple[Task, LightInfo]] = field(default_factory=list)
    red_units: list[tuple[Unit, LightInfo]] = field(default_factory=list)
    yellow_units: list[tuple[Unit, LightInfo]] = field(default_factory=list)
    proposals: list[InterviewProposal] = field(default_factory=list)
    notices: list[SupervisionNotice] = field(default_factory=list)  # awaiting an answer
    interviews: list[Interview] = field(default_factory=list)  # scheduled, minutes not recorded
    commitments: list[Commitment] = field(default_factory=list)  # open, by deadline
    reported: list[Commitment] = field(default_factory=list)  # reported, to be checked


def board(user: User, today: datetime.date | None = None) -> Board:
    """The working group's board: red and yellow tasks and units with the reasons,
    interview proposals to decide, 督办单 awaiting an answer, interviews scheduled,
    commitments open and overdue. The same queries whatever the numbers."""
    today = _today(today)
    task_lights, lights_of_units = lights_today(today=today)
    lit = {pk: info for pk, info in task_lights.items() if info.color in (Light.RED, Light.YELLOW)}
    tasks = Task.objects.filter(pk__in=list(lit)).select_related("plan", "lead_unit")
    task_rows = [(task, lit[task.pk]) for task in tasks.order_by("plan_id", "order")]
    lit_units = {
        pk: info for pk, info in lights_of_units.items() if info.color in (Light.RED, Light.YELLOW)
    }
    unit_rows = [(unit, lit_units[unit.pk]) for unit in Unit.objects.filter(pk__in=list(lit_units))]
    commitments = list(
        Commitment.objects.filter(status__in=[Commitment.Status.OPEN, Commitment.Status.REPORTED])
        .select_related("interview__unit")
        .order_by("due_on", "interview_id", "number")
    )
    mark_overdue(commitments, "due_on", today)
    return Board(
        red_tasks=[row for row in task_rows if row[1].color == Light.RED],
        yellow_tasks=[row for row in task_rows if row[1].color == Light.YELLOW],
        red_units=[row for row in unit_rows if row[1].color == Light.RED],
        yellow_units=[row for row in unit_rows if row[1].color == Light.YELLOW],
        proposals=list(
            InterviewProposal.objects.filter(status=InterviewProposal.Status.PROPOSED)
            .select_related("unit")
            .order_by("created_at", "pk")
        ),
        notices=mark_overdue(
            SupervisionNotice.objects.filter(answered_at__isnull=True)
            .select_related("unit", "plan")
            .order_by("answer_by", "year", "number"),
            "answer_by",
            today,
        ),
        interviews=list(
            Interview.objects.filter(status=Interview.Status.SCHEDULED)
            .select_related("unit")
            .order_by("held_at", "pk")
        ),
        commitments=[c for c in commitments if c.status == Commitment.Status.OPEN],
        reported=[c for c in commitments if c.status == Commitment.Status.REPORTED],
    )


# --- A unit's page -----------------------------------------------------------


@dataclass
class UnitTaskRow:
    task: Task
    role: str
    light: LightInfo | None


@dataclass
class UnitItem:
    item: Item
    reason: str  # "… overdue by 3 days", in the person's words
    overdue: bool


@dataclass
class UnitPage:
    unit: Unit
    light: LightInfo
    tasks: list[UnitTaskRow]
    items: list[UnitItem]
    notices: list[SupervisionNotice]
    interviews: list[Interview]
    commitments: list[Commitment]
    history: list[RoundLight]


def unit_page(*, unit: Unit, user: User, today: datetime.date | None = None) -> UnitPage:
    """Everything the supervision says of one unit: its light and the reasons, its
    tasks with theirs, its open items, its 督办单, interviews and commitments, and its
    light round by round. The same queries whatever the unit's load."""
    today = _today(today)
    # A county government answers for what falls on the county group too.
    answering = [unit.pk, *unit.member_of.values_list("pk", flat=True)]
    links = (
        TaskUnit.objects.filter(unit_id__in=answering)
        .filter(task__in=tasks_visible_to(user))
        .select_related("task__plan", "task__category", "task__lead_unit")
        .order_by("task__plan_id", "task__order", "order")
    )
    roles: dict[int, tuple[Task, str]] = {}
    for link in links:
        task = link.task
        # The unit's own link says its part; a group's tells only that it helps.
        if task.pk not in roles or link.unit_id == unit.pk:
            roles[task.pk] = (task, link.get_role_display())
    items = open_items()
    now = lights_today(today=today, items=items)
    task_lights, lights_of_units = now
    # A task not yet dispatched has no light.
    rows = [
        UnitTaskRow(task=task, role=role, light=task_lights.get(pk))
        for pk, (task, role) in roles.items()
    ]
    interviews = list(
        Interview.objects.filter(unit=unit)
        .prefetch_related(Prefetch("commitments", queryset=Commitment.objects.order_by("number")))
        .order_by("-held_at", "-pk")
    )
    commitments = [c for interview in interviews for c in interview.commitments.all()]
    for commitment in commitments:
        commitment.overdue = _open_and_overdue(commitment, today)
    return UnitPage(
        unit=unit,
        light=lights_of_units.get(unit.pk) or LightInfo(),
        tasks=rows,
        items=[
            UnitItem(item=item, reason=item.reason(today), overdue=item.due < today)
            for item in sorted(
                (i for i in items if i.unit_id == unit.pk), key=lambda i: (i.due, i.key)
            )
        ],
        notices=mark_overdue(
            SupervisionNotice.objects.filter(unit=unit).select_related("plan", "answered_by"),
            "answer_by",
            today,
        ),
        interviews=interviews,
        commitments=commitments,
        history=light_history(unit=unit, today=today, now=now),
    )


# --- An interview -------------------------------------------------------------


@dataclass
class InterviewPage:
    commitments: list[Commitment]  # each with can_report, can_close and overdue set
    can_record: bool


def interview_page(
    *, interview: Interview, user: User, today: datetime.date | None = None
) -> InterviewPage:
    """An interview's commitments and what the person may do on each and on the
    interview; `interview` comes from interview_detail_queryset."""
    supervises = may_supervise(user)
    commitments = list(interview.commitments.all())
    today = _today(today)
    for commitment in commitments:
        commitment.interview = interview  # already loaded: spares a query per row
        commitment.can_report = may_report(user, commitment)
        commitment.can_close = supervises and commitment.status != Commitment.Status.CLOSED
        commitment.overdue = _open_and_overdue(commitment, today)
    return InterviewPage(
        commitments=commitments,
        can_record=supervises and interview.status == Interview.Status.SCHEDULED,
    )


def interview_form_initial(*, unit: Unit, proposal: InterviewProposal | None) -> dict[str, Any]:
    """What the interview form starts with: the unit's leaders as the people
    interviewed and, from a proposal, its reasons."""
    leaders = User.objects.filter(unit=unit, role=User.Role.LEADER, is_active=True).order_by("pk")
    initial: dict[str, Any] = {"interviewee": "、".join(str(person) for person in leaders)}
    if proposal is not None:
        initial["reason"] = "；".join(str(reason) for reason in proposal.reasons)
    return initial


# --- The unit's inbox --------------------------------------------------------


def my_items_context(user: User, today: datetime.date | None = None) -> dict[str, Any]:
    """What templates/supervision/_my_items.html needs: the person's unit's open
    commitments and unanswered 督办单, the overdue first. Two queries."""
    if user.unit_id is None or user.sees_whole_city:
        return {"my_notices": [], "my_commitments": [], "shows_supervision_items": False}
    today = _today(today)
    notices = SupervisionNotice.objects.filter(
        unit_id=user.unit_id, answered_at__isnull=True
    ).order_by("answer_by", "year", "number")
    commitments = (
        Commitment.objects.filter(interview__unit_id=user.unit_id, status=Commitment.Status.OPEN)
        .select_related("interview")
        .order_by("due_on", "interview_id", "number")
    )
    return {
        "my_notices": mark_overdue(notices, "answer_by", today),
        "my_commitments": mark_overdue(commitments, "due_on", today),
        "shows_supervision_items": True,
    }


def unit_tasks_for_interview(unit: Unit) -> QuerySet[Task]:
    """The tasks an interview of the unit may name: those it answers for in plans
    still under way."""
    answering = Q(task_units__unit=unit) | Q(task_units__unit__members=unit)
    return (
        Task.objects.filter(answering)
        .exclude(plan__status=Plan.Status.CLOSED)
        .select_related("plan")
        .distinct()
        .order_by("plan_id", "order")
    )
