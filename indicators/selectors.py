"""Reading indicators: who sees which, their values over the rounds against the
target and the time-proportional line, and the year's results for the assessment.

Every function reads in a fixed number of queries whatever the number of
indicators, rounds and values.
"""

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from departments.access import unit_scope
from departments.models import Unit, User
from indicators import progress
from indicators.models import Indicator, IndicatorTarget, IndicatorValue
from plans.models import Comparator, Plan, TaskUnit
from plans.selectors import plans_visible_to
from rounds.models import Round, TargetValue, UnitReport
from rounds.periods import period_end

STATUS_LABELS = {
    progress.MET: _("Target met"),
    progress.AHEAD: _("Ahead of the time-proportional schedule"),
    progress.ON: _("On the time-proportional schedule"),
    progress.BEHIND: _("Behind the time-proportional schedule"),
    progress.NO_DATA: _("Not reported"),
    progress.NO_TARGET: _("No target to compare with"),
}
_SPAN = re.compile(r"(20\d{2})\s*[—–\-－~～至到]+\s*(20\d{2})")


@dataclass(frozen=True)
class PlanSpan:
    start: datetime.date
    first_year: int
    last_year: int

    @property
    def years(self) -> range:
        return range(self.first_year, self.last_year + 1)


def plan_span(plan: Plan, stated_years: list[int] | None = None) -> PlanSpan:
    """The plan's years (from its title, "（2023—2027年）", else the years its targets
    name) and the day it began (its issue date, else 1 January of its first year)."""
    match = _SPAN.search(plan.title)
    if match:
        first, last = int(match[1]), int(match[2])
    else:
        years = stated_years
        if years is None:
            years = list(
                IndicatorTarget.objects.filter(indicator__plan=plan).values_list("year", flat=True)
            )
        fallback = plan.issued_on.year if plan.issued_on else datetime.date.today().year
        first, last = min(years, default=fallback), max(years, default=fallback)
    start = datetime.date(first, 1, 1)
    if plan.issued_on and plan.issued_on.year == first:
        start = plan.issued_on
    return PlanSpan(start=start, first_year=first, last_year=last)


def indicators_visible_to(user: User) -> QuerySet[Indicator]:
    """Whole-city people: every indicator of the plans they see. Unit people: those
    their unit owns, and those of the tasks their unit answers for."""
    indicators = Indicator.objects.filter(plan__in=plans_visible_to(user)).select_related(
        "plan", "task", "owner"
    )
    scope = unit_scope(user)
    if scope is None:
        return indicators
    tasks = TaskUnit.objects.filter(unit__in=scope).values("task")
    return indicators.filter(Q(owner__in=scope) | Q(task__in=tasks))


@dataclass
class Point:
    """One round's value of an indicator, with what was expected by the period's end."""

    round_id: int
    period: str
    day: datetime.date
    value: Decimal | None
    target: Decimal | None
    expected: Decimal | None
    status: str

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])


@dataclass
class IndicatorRow:
    """An indicator's points, and two readings of it, each for one stated day:

    - now (`today`): this year's target and what is expected by today;
    - its standing: the latest value, rated at the end of its period against the
      target and the expectation of that day (`standing_day`, `standing_target`,
      `standing_expected`), the figures to show beside `status`.
    """

    indicator: Indicator
    milestones: list[progress.Milestone]
    points: list[Point] = field(default_factory=list)
    # As of the day asked for: this year's target, the expectation and the latest value.
    year_target: Decimal | None = None
    expected_now: Decimal | None = None
    latest: Point | None = None
    status: str = progress.NO_DATA
    today: datetime.date | None = None

    @property
    def on_track(self) -> bool | None:
        return progress.on_track(self.status)

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def standing_day(self) -> datetime.date | None:
        """The day the standing is rated at: the end of the latest value's period
        (a value reported for 30 September is not held to December's expectation);
        today when nothing is reported."""
        return self.latest.day if self.latest else self.today

    @property
    def standing_target(self) -> Decimal | None:
        return self.latest.target if self.latest else self.year_target

    @property
    def standing_expected(self) -> Decimal | None:
        return self.latest.expected if self.latest else self.expected_now

    @property
    def comparator(self) -> str:
        """The comparator of the standing's year (不低于, 不高于 ...)."""
        return self._comparator_in(self.standing_day)

    @property
    def comparator_label(self) -> str:
        return _comparator_label(self.comparator)

    @property
    def comparator_now_label(self) -> str:
        """The comparator of this year's target."""
        return _comparator_label(self._comparator_in(self.today))

    def _comparator_in(self, day: datetime.date | None) -> str:
        for milestone in self.milestones:
            if day is not None and milestone.year == day.year:
                return milestone.comparator
        return self.indicator.direction


def _comparator_label(comparator: str) -> str:
    return str(Comparator(comparator).label) if comparator in Comparator.values else comparator


def _milestones(plan: Plan, indicators: list[Indicator]) -> dict[int, list[progress.Milestone]]:
    """indicator pk -> its yearly targets. Read as values by the plan, the ones not
    asked for skipped: a thousand-indicator plan has a thousand targets or more, and
    a thousand-key IN list costs more to build and plan than the rows to skip."""
    wanted = {indicator.pk for indicator in indicators}
    found: dict[int, list[progress.Milestone]] = defaultdict(list)
    rows = (
        IndicatorTarget.objects.filter(indicator__plan=plan)
        .order_by("year")
        .values_list("indicator_id", "year", "value", "comparator")
    )
    for indicator_id, year, value, comparator in rows:
        if indicator_id in wanted:
            found[indicator_id].append(
                progress.Milestone(year=year, value=value, comparator=comparator)
            )
    return found


def _values(
    plan: Plan, indicators: list[Indicator], rounds: dict[int, Round]
) -> dict[int, dict[int, Decimal]]:
    """indicator pk -> round pk -> value: a plan indicator's reported values; a task
    indicator's from its lead unit's entries of the reports sent to the bureau."""
    wanted = {indicator.pk for indicator in indicators}
    found: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for row in IndicatorValue.objects.filter(
        indicator__plan=plan, round_id__in=list(rounds)
    ).values("indicator_id", "round_id", "value"):
        if row["indicator_id"] in wanted:
            found[row["indicator_id"]][row["round_id"]] = row["value"]
    by_target: dict[int, tuple[int, int]] = {
        row["task_target_id"]: (row["indicator_id"], row["year"])
        for row in IndicatorTarget.objects.filter(
            indicator__plan=plan, task_target__isnull=False
        ).values("task_target_id", "indicator_id", "year")
    }
    if not by_target:
        return found
    chosen_year: dict[tuple[int, int], int] = {}
    # The lead unit's value, or for a target broken down by member unit (each
    # county its share) the sum of the shares sent.
    summed: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for row in (
        TargetValue.objects.filter(
            entry__report__round_id__in=list(rounds),
            entry__report__sent_at__isnull=False,
            target__task__plan=plan,
        )
        .filter(
            Q(entry__is_lead=True, target__by_member=False)
            | Q(entry__is_lead=False, target__by_member=True)
        )
        .values("target_id", "value", "entry__report__round_id")
    ):
        summed[(row["target_id"], row["entry__report__round_id"])] += row["value"]
    for (target_id, round_pk), value in summed.items():
        if target_id not in by_target:
            continue  # a task's target no plan indicator reads
        indicator_pk, year = by_target[target_id]
        if indicator_pk not in wanted or round_pk not in rounds:
            continue
        # A task states one quantity for several years: the value given for the
        # latest year's target stands for the round.
        if year >= chosen_year.get((indicator_pk, round_pk), 0):
            chosen_year[(indicator_pk, round_pk)] = year
            found[indicator_pk][round_pk] = value
    return found


# Where an indicator stands now is read from the plan's latest rounds: a quarter of
# monthly rounds, a year of quarterly ones (reading every round of five years of a
# thousand-task plan for the latest values would cost seconds).
RECENT_ROUNDS = 4


def indicator_rows(
    plan: Plan,
    indicators: list[Indicator],
    today: datetime.date,
    *,
    recent: int | None = None,
    now: bool = True,
) -> list[IndicatorRow]:
    """Each indicator's values per round, against its targets and the expectation:
    over all the plan's rounds; or, with `recent`, where it stands now: its latest
    value among the `recent` latest rounds, the only point kept. `now=False` leaves
    out the reading of today (year_target, expected_now: None), which a summary of
    the standings does not show."""
    opened = Round.objects.filter(plan=plan, status=Round.Status.OPEN)
    if recent is not None:
        latest = list(opened.order_by("-opens_on", "-id")[:recent])
        rounds = {rnd.pk: rnd for rnd in reversed(latest)}
    else:
        rounds = {rnd.pk: rnd for rnd in opened.order_by("opens_on", "id")}
    milestones = _milestones(plan, indicators)
    values = _values(plan, indicators, rounds)
    span = plan_span(plan, [m.year for ms in milestones.values() for m in ms])
    days = {pk: period_end(rnd) for pk, rnd in rounds.items()}
    rows = []
    for indicator in indicators:
        stated = milestones.get(indicator.pk, [])
        row = IndicatorRow(indicator=indicator, milestones=stated, today=today)
        measures = {
            "kind": indicator.kind,
            "milestones": stated,
            "plan_start": span.start,
            "baseline": indicator.baseline,
            "rounding": _rounding(indicator, stated),
        }
        reported = values.get(indicator.pk, {})
        targets: dict[int, Decimal | None] = {}  # year -> its target, worked out once
        wanted = list(rounds.values())
        if recent is not None:
            # Only the latest round with a value (a thousand indicators' every point
            # is what the indicator's own page draws, not this summary).
            wanted = [rnd for rnd in wanted if rnd.pk in reported][-1:]
        for rnd in wanted:
            day = days[rnd.pk]
            value = reported.get(rnd.pk)
            if day.year not in targets:
                targets[day.year] = progress.year_target(year=day.year, **measures)
            target = targets[day.year]
            expectation = progress.expected(day=day, **measures)
            point = Point(
                round_id=rnd.pk,
                period=rnd.period,
                day=day,
                value=value,
                target=target,
                expected=expectation,
                status=_status(indicator, stated, value, expectation, target, day.year),
            )
            row.points.append(point)
            if value is not None:
                row.latest = point
        if now:
            if today.year not in targets:
                targets[today.year] = progress.year_target(year=today.year, **measures)
            row.year_target = targets[today.year]
            row.expected_now = progress.expected(day=today, **measures)
        row.status = row.latest.status if row.latest else progress.NO_DATA
        rows.append(row)
    return rows


def _rounding(indicator: Indicator, stated: list[progress.Milestone]) -> progress.Rounding:
    return progress.rounding_for(
        unit=indicator.unit_of_measure,
        milestones=stated,
        baseline=indicator.baseline,
        lower_is_better=indicator.lower_is_better,
    )


def _status(
    indicator: Indicator,
    stated: list[progress.Milestone],
    value: Decimal | None,
    expectation: Decimal | None,
    target: Decimal | None,
    year: int,
) -> str:
    comparator = next((m.comparator for m in stated if m.year == year), indicator.direction)
    return progress.status(
        value=value,
        expectation=expectation,
        target=target,
        comparator=comparator,
        lower_is_better=indicator.lower_is_better,
        kind=indicator.kind,
    )


def plan_indicator_rows(
    plan: Plan, today: datetime.date, visible: QuerySet[Indicator] | None = None
) -> list[IndicatorRow]:
    indicators = (visible if visible is not None else Indicator.objects.all()).filter(plan=plan)
    return indicator_rows(
        plan,
        list(indicators.select_related("task", "owner").order_by("task__order", "order", "id")),
        today,
        recent=RECENT_ROUNDS,
    )


@dataclass(frozen=True)
class IndicatorResult:
    indicator_id: int
    name: str
    owner_id: int | None
    unit_of_measure: str
    target: Decimal | None  # the year's target (stated, or time-proportional between years)
    target_stated: bool
    value: Decimal | None  # the last value reported in a round of the year
    period: str  # that round's period label ('' when none)
    met: bool | None  # None: no target for the year; False when not reported
    url: str


def year_results(plan: Plan, year: int) -> list[IndicatorResult]:
    """Each indicator's result for `year`: the last value reported in a round of
    the year (a round belongs to the year it opens in) against the year's target."""
    indicators = list(
        Indicator.objects.filter(plan=plan).select_related("task").order_by("task__order", "order")
    )
    rounds = {
        rnd.pk: rnd
        for rnd in Round.objects.filter(
            plan=plan, status=Round.Status.OPEN, opens_on__year=year
        ).order_by("opens_on", "id")
    }
    milestones = _milestones(plan, indicators)
    values = _values(plan, indicators, rounds)
    span = plan_span(plan, [m.year for ms in milestones.values() for m in ms])
    results = []
    for indicator in indicators:
        stated = milestones.get(indicator.pk, [])
        target = progress.year_target(
            kind=indicator.kind,
            milestones=stated,
            year=year,
            plan_start=span.start,
            baseline=indicator.baseline,
            rounding=_rounding(indicator, stated),
        )
        value, period = None, ""
        for rnd in rounds.values():
            found = values.get(indicator.pk, {}).get(rnd.pk)
            if found is not None:
                value, period = found, rnd.period
        comparator = next((m.comparator for m in stated if m.year == year), indicator.direction)
        met = None
        if target is not None:
            met = value is not None and progress.reaches(value, target, comparator)
        results.append(
            IndicatorResult(
                indicator_id=indicator.pk,
                name=indicator.name,
                owner_id=indicator.owner_id,
                unit_of_measure=indicator.unit_of_measure,
                target=target,
                target_stated=any(m.year == year for m in stated),
                value=value,
                period=period,
                met=met,
                url=reverse("indicator_detail", args=[indicator.pk]),
            )
        )
    return results


def current_round(plan: Plan) -> Round | None:
    """The plan's latest open round: the one whose values the owner units report now."""
    return (
        Round.objects.filter(plan=plan, status=Round.Status.OPEN)
        .order_by("-opens_on", "-id")
        .first()
    )


def owned_for_round(
    rnd: Round, unit_ids: list[int] | None
) -> list[tuple[Indicator, Decimal | None]]:
    """The plan indicators the units own (all with None), with their value in the round."""
    indicators = Indicator.objects.filter(plan=rnd.plan_id, task__isnull=True).select_related(
        "owner"
    )
    if unit_ids is not None:
        indicators = indicators.filter(owner__in=unit_ids)
    values = dict(
        IndicatorValue.objects.filter(round=rnd, indicator__in=indicators).values_list(
            "indicator_id", "value"
        )
    )
    return [(indicator, values.get(indicator.pk)) for indicator in indicators.order_by("order")]


def owned_indicator_count(report: UnitReport) -> tuple[int, int]:
    """(plan indicators the report's unit owns, how many of them have a value in its round)."""
    owned = Indicator.objects.filter(
        plan=report.round.plan_id, task__isnull=True, owner=report.unit_id
    )
    given = IndicatorValue.objects.filter(round=report.round_id, indicator__in=owned).count()
    return owned.count(), given


def breakdown_possible(indicator: Indicator) -> bool:
    """A task's indicator read from the task's own targets, the task naming a unit group."""
    return (
        indicator.task_id is not None
        and IndicatorTarget.objects.filter(indicator=indicator, task_target__isnull=False).exists()
        and TaskUnit.objects.filter(task_id=indicator.task_id, unit__kind=Unit.Kind.GROUP).exists()
    )
