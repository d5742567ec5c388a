"""What the leadership dashboard shows of a plan, for the whole city or for one unit.

Everything is read in a fixed number of queries whatever the number of tasks,
units and rounds: counts are grouped in SQL, and only short lists (the red
list, the reports due, interviews, commitments, 督办单) come back as rows; the
dashboard's own reads load no ledger entry into Python, only counts of them. The
trend and the categories read the rounds' summaries (dashboard.summaries: a few
rows per round and category, kept by the services that change reports, rounds
and stored lights), not the entries and lights themselves.

The lights are those of now for the current round, computed by
supervision.lights as the ledger, the task and unit pages and the board show
them (so a red count leads to the same red rows in the ledger); the sweep's
stored records give the earlier rounds' lights in the trend.

The unit view covers the tasks the unit answers for, as lead or co-unit, with
those that fall on a group it belongs to (a county government answers for what
falls on 各县(市、区)政府), the same rule as the ledger's and the plan page's.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from django.db.models import Case, Count, Exists, F, OuterRef, Q, QuerySet, Sum, Value, When
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Task as FlowTask
from viewflow.workflow.status import PROCESS, STATUS

from common.ranking import competition_ranks
from dashboard.figures import (
    LIGHT_KEYS,
    CommitmentRow,
    CompletionRow,
    Dashboard,
    DueReport,
    DueReports,
    Figure,
    IndicatorSummary,
    InterviewRow,
    Lifecycle,
    Lights,
    NoticeRow,
    Ranking,
    RedTask,
    RedUnit,
    RedUnits,
    RoundRef,
    TimelinessRow,
    TrendRow,
)
from dashboard.models import RoundSummary
from dashboard.summaries import LIGHT_COLUMNS, SENT_COLUMNS
from departments.models import Unit
from indicators import progress
from indicators.models import Indicator
from indicators.selectors import RECENT_ROUNDS, STATUS_LABELS, indicator_rows
from plans.models import Category, Plan, Task, TaskUnit
from plans.selectors import units_in_plan
from rounds.category_progress import SCHEDULE_KEYS, CategoryRow, schedule_counts
from rounds.models import Round, UnitReport
from supervision.lights import LightInfo, lights_today
from supervision.models import Commitment, Interview, Light, LightRecord, SupervisionNotice
from workflow.models import TaskProcess

# A task's lifecycle, and where a task in progress stands.
LIFECYCLE = (
    ("undispatched", _("Not dispatched")),
    ("in_progress", _("In progress")),
    ("suspended", _("Suspended")),
    ("closed", _("Closed")),
    ("terminated", _("Terminated")),
)
STAGES = (
    ("ack", _("Awaiting acknowledgement")),
    ("work_plan", _("Drawing up the work plan")),
    ("under_way", _("Being carried out")),
    ("completion", _("Completion under review")),
)
# The TaskFlow nodes of each stage (workflow/flows.py).
STAGE_NODES = {
    "ack": ("acknowledge",),
    "work_plan": ("write_part", "sign_work_plan", "review_work_plan"),
    "under_way": ("apply_completion",),
    "completion": ("sign_completion", "verify_completion"),
}
# The longest list of reports due the page shows; the counts cover them all.
DUE_ROWS = 100
# The rounds the trend covers, the latest: two years of monthly rounds.
TREND_ROUNDS = 24


# --- Who the view is for -----------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """The whole city (no unit), or one unit with the groups it answers through."""

    unit: Unit | None = None
    answering: tuple[int, ...] = ()

    def task_ids(self) -> QuerySet | None:
        """The pks of the tasks the unit answers for, as a subquery; None for the city."""
        if self.unit is None:
            return None
        return TaskUnit.objects.filter(unit_id__in=self.answering).values("task_id")

    def tasks(self, ref: str) -> Q:
        """Rows whose task (the field `ref` names) the unit answers for; all for the city."""
        task_ids = self.task_ids()
        if task_ids is None:
            return Q()
        # IN (subquery), not a correlated EXISTS: PostgreSQL plans it as a hashed set
        # even beside an OR, where it costs EXISTS per row and the cost estimate sets
        # off its JIT compiler (200 ms spent compiling a 10 ms query).
        return Q(**{f"{ref}__in": task_ids})


def scope_of(unit: Unit | None) -> Scope:
    """The view of `unit`, or of the whole city when None; one query for a unit."""
    if unit is None:
        return Scope()
    groups = unit.member_of.values_list("pk", flat=True)
    return Scope(unit=unit, answering=(unit.pk, *groups))


# --- Reads -------------------------------------------------------------------


def _rounds(plan: Plan, scope: Scope) -> list[RoundRef]:
    """The plan's open rounds, oldest first; for a unit, those it reports in."""
    rounds = Round.objects.filter(plan=plan, status=Round.Status.OPEN)
    if scope.unit is not None:
        rounds = rounds.filter(
            Exists(UnitReport.objects.filter(round=OuterRef("pk"), unit_id=scope.unit.pk))
        )
    return [
        RoundRef(pk=r["id"], period=r["period"], opens_on=r["opens_on"], deadline=r["deadline"])
        for r in rounds.order_by("opens_on", "id").values("id", "period", "opens_on", "deadline")
    ]


def _stage_case() -> Case:
    whens = []
    for stage, nodes in STAGE_NODES.items():
        matches = Q()
        for node in nodes:
            matches |= Q(flow_task__endswith=f".{node}")
        whens.append(When(matches, then=Value(stage)))
    return Case(*whens, default=Value(""))


def lifecycle(plan: Plan, scope: Scope) -> Lifecycle:
    """The tasks by lifecycle status, and those in progress by stage: two grouped queries."""
    status = Case(
        When(process__isnull=True, then=Value("undispatched")),
        When(process__status=PROCESS.DONE, then=Value("closed")),
        When(process__status=PROCESS.CANCELED, then=Value("terminated")),
        When(process__suspended=True, then=Value("suspended")),
        default=Value("in_progress"),
    )
    found = dict(
        Task.objects.filter(plan=plan)
        .filter(scope.tasks("pk"))
        .annotate(lifecycle=status)
        .order_by()
        .values("lifecycle")
        .annotate(n=Count("pk"))
        .values_list("lifecycle", "n")
    )
    running = TaskProcess.objects.filter(
        plan_task__plan=plan, status=PROCESS.NEW, suspended=False
    ).filter(scope.tasks("plan_task_id"))
    stages = dict(
        FlowTask.objects.filter(
            process_id__in=running.values("pk"),
            flow_task_type="HUMAN",
            status__in=[STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED],
        )
        .annotate(stage=_stage_case())
        .order_by()
        .values("stage")
        .annotate(n=Count("process_id", distinct=True))
        .values_list("stage", "n")
    )
    return Lifecycle(
        statuses=[Figure(key, str(label), found.get(key, 0)) for key, label in LIFECYCLE],
        stages=[Figure(key, str(label), stages.get(key, 0)) for key, label in STAGES],
        total=sum(found.values()),
    )


def _light_counts(counts: dict[str, int]) -> list[Figure]:
    return [Figure(key, str(Light(key).label), counts.get(key, 0)) for key in LIGHT_KEYS]


def _lights_now(
    plan: Plan, current: RoundRef, scope: Scope, today: datetime.date, round_units: set[int]
) -> Lights:
    """The lights now, as the ledger, the task and unit pages and the board show them
    (supervision.selectors: stored records are for past rounds): for the round's
    tasks, and for the units with a report in it, as the sweep stores them."""
    # Today's lights as every page shows them (a unit's light counts every plan).
    task_lights, unit_lights = lights_today(today=today)
    tasks = (
        Task.objects.filter(rounds=current.pk)
        .filter(scope.tasks("pk"))
        .order_by("order")
        .values("pk", "number", "title", "lead_unit_id", "lead_unit__name")
    )
    counts: dict[str, int] = defaultdict(int)
    red_tasks = []
    for task in tasks:
        light = task_lights.get(task["pk"]) or LightInfo()
        counts[light.color] += 1
        if light.color == Light.RED:
            red_tasks.append(
                RedTask(
                    pk=task["pk"],
                    number=task["number"],
                    title=task["title"],
                    lead_unit_id=task["lead_unit_id"],
                    lead_unit=task["lead_unit__name"],
                    light=light,
                )
            )
    red_units: dict[tuple[str, ...], RedUnits] = {}
    own = None
    if scope.unit is not None:
        own = unit_lights.get(scope.unit.pk) or LightInfo()
    else:
        red = {pk for pk, info in unit_lights.items() if info.color == Light.RED} & round_units
        for unit in (
            Unit.objects.filter(pk__in=red).order_by("sort_order", "pk").values("pk", "name")
        ):
            light = unit_lights[unit["pk"]]
            row = red_units.setdefault(
                tuple(light.reasons), RedUnits(reasons=list(light.reasons), units=[])
            )
            row.units.append(RedUnit(pk=unit["pk"], name=unit["name"], light=light))
    return Lights(
        counts=_light_counts(counts),
        red_tasks=red_tasks,
        red_units=list(red_units.values()),
        own=own,
    )


@dataclass
class RoundCounts:
    """One round's counts in the view, from its summary rows (dashboard.summaries)."""

    tasks: int = 0
    # The lead units' sent entries by schedule, and the stored task lights by colour.
    sent: dict[str, int] = field(default_factory=dict)
    lights: dict[str, int] = field(default_factory=dict)
    # category pk -> (its tasks in the round, their sent entries by schedule)
    categories: dict[int, tuple[int, dict[str, int]]] = field(default_factory=dict)


def _round_counts(rounds: list[int], scope: Scope) -> dict[int, RoundCounts]:
    """round pk -> its counts in the view: one query over the rounds' summary rows
    (a few per category), whatever the number of entries and lights."""
    found: dict[int, RoundCounts] = defaultdict(RoundCounts)
    rows = RoundSummary.objects.filter(round_id__in=rounds, unit=scope.unit).values_list(
        "round_id", "category_id", "tasks", *SENT_COLUMNS.values(), *LIGHT_COLUMNS.values()
    )
    for round_id, category_id, tasks, *numbers in rows:
        sent = dict(zip(SENT_COLUMNS, numbers[: len(SENT_COLUMNS)], strict=True))
        lights = dict(zip(LIGHT_COLUMNS, numbers[len(SENT_COLUMNS) :], strict=True))
        counts = found[round_id]
        counts.tasks += tasks
        for key, n in sent.items():
            counts.sent[key] = counts.sent.get(key, 0) + n
        for key, n in lights.items():
            if n:
                counts.lights[key] = counts.lights.get(key, 0) + n
        counts.categories[category_id] = (tasks, sent)
    return dict(found)


def _own_lights(rounds: list[int], scope: Scope) -> dict[int, str]:
    """round pk -> the unit's own light the sweep stored in it (a unit's view): one
    query over as many records as rounds."""
    if scope.unit is None:
        return {}
    return dict(
        LightRecord.objects.filter(round_id__in=rounds, unit_id=scope.unit.pk).values_list(
            "round_id", "color"
        )
    )


def categories(plan: Plan, current: RoundCounts | None) -> list[CategoryRow]:
    """The current round's tasks by category and progress, as the bulletin counts them
    (rounds.category_progress), from its summary rows: one query for the categories."""
    if current is None:
        return []
    rows = []
    for c in (
        Category.objects.filter(plan=plan)
        .order_by("order", "number")
        .values("id", "number", "title", "label")
    ):
        tasks, sent = current.categories.get(c["id"], (0, {}))
        if tasks:
            rows.append(
                CategoryRow(
                    pk=c["id"],
                    number=c["number"],
                    title=c["title"],
                    tasks=tasks,
                    counts=schedule_counts(tasks, sent),
                    numbering=c["label"],
                )
            )
    return rows


def _ranked(
    rows: list[Any], key: Callable[[Any], tuple], order: dict[int, int], scope: Scope
) -> Ranking:
    """Rank the rows by `key`, equal keys sharing a rank (1, 2, 2, 4) and listed in
    the registry's order (`order`: unit pk -> its sort_order); a unit's view keeps its
    own row only."""
    rows.sort(key=lambda row: (order[row.unit_id], row.unit_id))
    ranked = competition_ranks(rows, key)
    for rank, row in ranked:
        row.rank = rank
    rows = [row for _rank, row in ranked]
    if scope.unit is None:
        return Ranking(rows=rows, of=len(rows))
    return Ranking(rows=[row for row in rows if row.unit_id == scope.unit.pk], of=len(rows))


def timeliness(
    plan: Plan, scope: Scope, today: datetime.date, current: RoundRef | None
) -> tuple[Ranking, set[int]]:
    """Units ranked by their share of reports sent on time over the plan's open rounds
    (then by their share sent at all, then by fewer days late), with the units
    reporting in the current round: one grouped query. A report not sent and not
    yet due does not count."""
    sent = Q(sent_at__isnull=False)
    rows = (
        UnitReport.objects.filter(round__plan=plan, round__status=Round.Status.OPEN)
        .order_by()
        .values("unit_id", "unit__name", "unit__sort_order")
        .annotate(
            on_time=Count("pk", filter=sent & Q(late_days=0)),
            late=Count("pk", filter=sent & Q(late_days__gt=0)),
            missing=Count("pk", filter=Q(sent_at__isnull=True, round__deadline__lt=today)),
            late_days=Sum("late_days", filter=sent, default=0),
            in_current=Count("pk", filter=Q(round_id=current.pk if current else None)),
        )
    )
    order = {}
    found, in_current = [], set()
    for row in rows:
        order[row["unit_id"]] = row["unit__sort_order"]
        if row["in_current"]:
            in_current.add(row["unit_id"])
        found.append(
            TimelinessRow(
                unit_id=row["unit_id"],
                unit=row["unit__name"],
                on_time=row["on_time"],
                late=row["late"],
                missing=row["missing"],
                late_days=row["late_days"] or 0,
            )
        )

    def key(row: TimelinessRow) -> tuple:
        # On time first; then a report sent late before one never sent; then fewer days
        # late. Exact fractions: 2 of 3 and 4 of 6 are the same share and tie.
        if not row.due:
            return (True, 0, 0, row.late_days)
        on_time = Fraction(row.on_time, row.due)
        sent = Fraction(row.on_time + row.late, row.due)
        return (False, -on_time, -sent, row.late_days)

    return _ranked(found, key, order, scope), in_current


def completion(plan: Plan, scope: Scope) -> Ranking:
    """Lead units ranked by their share of tasks closed (completion verified by the
    working group); terminated tasks do not count. One grouped query."""
    rows = (
        Task.objects.filter(plan=plan)
        .exclude(process__status=PROCESS.CANCELED)
        .order_by()
        .values("lead_unit_id", "lead_unit__name", "lead_unit__sort_order")
        .annotate(tasks=Count("pk"), closed=Count("pk", filter=Q(process__status=PROCESS.DONE)))
    )
    order = {}
    found = []
    for row in rows:
        order[row["lead_unit_id"]] = row["lead_unit__sort_order"]
        found.append(
            CompletionRow(
                unit_id=row["lead_unit_id"],
                unit=row["lead_unit__name"],
                tasks=row["tasks"],
                closed=row["closed"],
            )
        )

    def key(row: CompletionRow) -> tuple:
        share = Fraction(row.closed, row.tasks) if row.tasks else Fraction(0)
        return (-share, -row.closed)

    return _ranked(found, key, order, scope)


def week_of(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """Monday and Sunday of the week of `today`."""
    start = today - datetime.timedelta(days=today.weekday())
    return start, start + datetime.timedelta(days=6)


def reports_due(plan: Plan, scope: Scope, today: datetime.date) -> DueReports:
    """Reports not sent whose round is due by Sunday, overdue ones included: their
    counts, and the first DUE_ROWS of them, the longest overdue first. Two queries."""
    start, end = week_of(today)
    due = UnitReport.objects.filter(
        round__plan=plan,
        round__status=Round.Status.OPEN,
        sent_at__isnull=True,
        round__deadline__lte=end,
    )
    if scope.unit is not None:
        due = due.filter(unit_id=scope.unit.pk)
    counts = due.aggregate(
        this_week=Count("pk", filter=Q(round__deadline__gte=today)),
        overdue=Count("pk", filter=Q(round__deadline__lt=today)),
    )
    rows = due.order_by("round__deadline", "round_id", "unit__sort_order", "pk").values(
        "pk", "unit_id", "unit__name", "state", "round_id", "round__period", "round__deadline"
    )[:DUE_ROWS]
    return DueReports(
        rows=[
            DueReport(
                pk=row["pk"],
                unit_id=row["unit_id"],
                unit=row["unit__name"],
                round_id=row["round_id"],
                period=row["round__period"],
                deadline=row["round__deadline"],
                state=row["state"],
                overdue_days=max((today - row["round__deadline"]).days, 0),
            )
            for row in rows
        ],
        this_week=counts["this_week"],
        overdue=counts["overdue"],
        week_start=start,
        week_end=end,
    )


def _units_of(plan: Plan, scope: Scope, field_name: str) -> Q:
    """Rows (whose unit the field names) of the unit's view, or of any unit in the plan."""
    if scope.unit is not None:
        return Q(**{field_name: scope.unit.pk})
    return Q(**{f"{field_name}__in": units_in_plan(plan).values("pk")})


def interviews(plan: Plan, scope: Scope) -> list[InterviewRow]:
    """Interviews scheduled, minutes not yet recorded, of the plan's units."""
    rows = (
        Interview.objects.filter(status=Interview.Status.SCHEDULED)
        .filter(_units_of(plan, scope, "unit_id"))
        .order_by("held_at", "pk")
        .values("pk", "unit_id", "unit__name", "held_at", "interviewee", "place")
    )
    return [
        InterviewRow(
            pk=row["pk"],
            unit_id=row["unit_id"],
            unit=row["unit__name"],
            held_at=row["held_at"],
            interviewee=row["interviewee"],
            place=row["place"],
        )
        for row in rows
    ]


def commitments(plan: Plan, scope: Scope, today: datetime.date) -> list[CommitmentRow]:
    """Commitments of the plan's units not closed: open, or reported done and to be
    checked; by deadline."""
    rows = (
        Commitment.objects.filter(status__in=[Commitment.Status.OPEN, Commitment.Status.REPORTED])
        .filter(_units_of(plan, scope, "interview__unit_id"))
        .order_by("due_on", "interview_id", "number")
        .values(
            "pk",
            "interview_id",
            "interview__unit_id",
            "interview__unit__name",
            "number",
            "text",
            "due_on",
            "status",
        )
    )
    return [
        CommitmentRow(
            pk=row["pk"],
            interview_id=row["interview_id"],
            unit_id=row["interview__unit_id"],
            unit=row["interview__unit__name"],
            number=row["number"],
            text=row["text"],
            due_on=row["due_on"],
            status=row["status"],
            overdue=row["status"] == Commitment.Status.OPEN and row["due_on"] < today,
        )
        for row in rows
    ]


def notices(plan: Plan, scope: Scope, today: datetime.date) -> list[NoticeRow]:
    """The plan's 督办单 awaiting the unit's answer."""
    found = SupervisionNotice.objects.filter(plan=plan, answered_at__isnull=True)
    if scope.unit is not None:
        found = found.filter(unit_id=scope.unit.pk)
    rows = found.order_by("answer_by", "year", "number").values(
        "pk", "year", "number", "unit_id", "unit__name", "issued_at", "answer_by"
    )
    return [
        NoticeRow(
            pk=row["pk"],
            doc_number=SupervisionNotice(year=row["year"], number=row["number"]).doc_number,
            unit_id=row["unit_id"],
            unit=row["unit__name"],
            issued_at=row["issued_at"],
            answer_by=row["answer_by"],
            overdue=row["answer_by"] < today,
        )
        for row in rows
    ]


INDICATOR_KEYS = (
    progress.MET,
    progress.AHEAD,
    progress.ON,
    progress.BEHIND,
    progress.NO_DATA,
    progress.NO_TARGET,
)


def indicator_summary(plan: Plan, scope: Scope, today: datetime.date) -> IndicatorSummary:
    """The plan's indicators (a unit's: those it owns or its tasks have) by where their
    latest value stands against the time-proportional schedule; six queries."""
    # Only what the summary and its rows read: a thousand-indicator plan's full
    # rows cost more to build than the rest of the summary, and its tasks and
    # owners as instances (select_related) twice as much again: the page shows
    # their number and name, annotated.
    indicators = (
        Indicator.objects.filter(plan=plan)
        .only(
            *("pk", "plan_id", "task_id", "owner_id", "name", "unit_of_measure"),
            *("kind", "direction", "baseline", "order"),
        )
        .annotate(task_number=F("task__number"), owner_name=F("owner__name"))
    )
    if scope.unit is not None:
        indicators = indicators.filter(Q(owner_id__in=scope.answering) | scope.tasks("task"))
    rows = indicator_rows(
        plan,
        list(indicators.order_by("task__order", "order", "id")),
        today,
        recent=RECENT_ROUNDS,
        now=False,  # the page shows each one's standing, not today's reading
    )
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        counts[row.status] += 1
    return IndicatorSummary(
        counts=[Figure(key, str(STATUS_LABELS[key]), counts.get(key, 0)) for key in INDICATOR_KEYS],
        total=len(rows),
        behind=[row for row in rows if row.status == progress.BEHIND],
    )


def dashboard(*, plan: Plan, unit: Unit | None, today: datetime.date) -> Dashboard:
    """The plan's dashboard for the whole city (unit None) or for one unit, as of
    `today`, in a fixed number of queries."""
    scope = scope_of(unit)
    rounds = _rounds(plan, scope)
    current = rounds[-1] if rounds else None
    # The trend covers the latest rounds (sixty monthly bars would be unreadable; the
    # rounds page lists them all). The current round is always among them.
    shown = rounds[-TREND_ROUNDS:]
    round_ids = [rnd.pk for rnd in shown]
    summaries = _round_counts(round_ids, scope)
    own_lights = _own_lights(round_ids, scope)
    ranking, round_units = timeliness(plan, scope, today, current)
    if current is None:
        own = LightInfo() if scope.unit is not None else None
        lights = Lights(counts=_light_counts({}), red_tasks=[], red_units=[], own=own)
    else:
        lights = _lights_now(plan, current, scope, today, round_units)
    trend = []
    for rnd in shown:
        found = summaries.get(rnd.pk, RoundCounts())
        counts, own_light = found.lights or None, own_lights.get(rnd.pk, "")
        if rnd is current:
            # The current round's point is the light now, as the page shows it.
            counts = {row.key: row.count for row in lights.counts}
            own_light = lights.own.color if lights.own is not None else ""
        trend.append(
            TrendRow(
                round=rnd,
                tasks=found.tasks,
                schedule=schedule_counts(found.tasks, found.sent),
                lights=counts,
                own_light=own_light,
            )
        )
    rows = categories(plan, summaries.get(current.pk, RoundCounts()) if current else None)
    schedule = {key: sum(row.counts[key] for row in rows) for key in SCHEDULE_KEYS}
    return Dashboard(
        plan=plan,
        unit=unit,
        today=today,
        current=current,
        lifecycle=lifecycle(plan, scope),
        lights=lights,
        categories=rows,
        schedule=schedule,
        round_tasks=sum(row.tasks for row in rows),
        timeliness=ranking,
        completion=completion(plan, scope),
        due=reports_due(plan, scope, today),
        interviews=interviews(plan, scope),
        commitments=commitments(plan, scope, today),
        notices=notices(plan, scope, today),
        indicators=indicator_summary(plan, scope, today),
        trend=trend,
        round_count=len(rounds),
    )
