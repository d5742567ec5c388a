"""Time-proportional progress (序时进度) of an indicator, and whether a value is on track.

Pure functions on numbers and dates, so that the rules can be read and tested alone:

- a yearly amount (每年新增80家) is expected to have reached the year's target in
  proportion to the days gone: by 30 June, 181/365 of it;
- a cumulative count (新增标准 32 by the end of 2023, 85 by 2025, 140 by 2027) is
  expected on the straight line from the baseline when the plan began (0 unless
  given) through each stated year-end;
- a level (合格率, 占比) is expected at the stated value of its year, on the straight
  line between stated years (23% in 2023 and 25% in 2025: 24% at the end of 2024),
  from the baseline before the first stated year when one is given.

An expectation is a figure people read beside a target: a count of whole things
(项, 家, 个) is shown as people count it, rounded up when the target is "at least"
(467.12项 expected means 468 must be there) and down when it is "at most"; rates,
amounts of money and areas keep two decimals.
"""

import datetime
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from plans.models import Comparator

LEVEL, CUMULATIVE, ANNUAL = "level", "cumulative", "annual"

MET = "met"  # the year's target is reached (已达标)
AHEAD = "ahead"  # better than the time-proportional expectation (超序时)
ON = "on"  # at the expectation, within the tolerance (达序时)
BEHIND = "behind"  # short of it (滞后序时)
NO_DATA = "none"  # nothing reported (未报送)
NO_TARGET = "no_target"  # no target to compare with

# A value within this share of the expectation counts as on schedule.
TOLERANCE = Decimal("0.02")
PLACES = Decimal("0.01")

# Units of measure that count whole things. A figure in any other unit (%, 元, 万元,
# 亿元, 平方米, 吨, 小时 ...) is a rate, an amount or a measure and keeps its decimals.
COUNT_UNITS = frozenset(
    (
        "项 个 家 件 座 所 人次 次 条 张 人 名 户 台 套 辆 "
        "处 场 批 期 篇 部 本 份 种 类 门 宗 起 村 镇 校"
    ).split()
)


@dataclass(frozen=True)
class Rounding:
    """How an expectation is rounded: to `places`, in the `mode` of the decimal module."""

    places: Decimal
    mode: str


DECIMALS = Rounding(PLACES, ROUND_HALF_UP)
# A whole count expected "at least": 467.12 expected means 468 must be there.
WHOLE_UP = Rounding(Decimal(1), ROUND_CEILING)
# A whole count expected "at most": no more than 3.6 means no more than 3.
WHOLE_DOWN = Rounding(Decimal(1), ROUND_FLOOR)


@dataclass(frozen=True)
class Milestone:
    year: int
    value: Decimal
    comparator: str = Comparator.AT_LEAST


def rounding_for(
    *,
    unit: str,
    milestones: Sequence[Milestone],
    baseline: Decimal | None,
    lower_is_better: bool,
) -> Rounding:
    """WHOLE_UP or WHOLE_DOWN (by the better direction) for a count of whole things: a
    count unit whose stated targets and baseline are whole (每万人口发明专利拥有量 3.5件
    is a ratio, not a count); DECIMALS for everything else."""
    stated = [m.value for m in milestones] + ([baseline] if baseline is not None else [])
    if unit.strip() not in COUNT_UNITS or any(
        value != value.to_integral_value() for value in stated
    ):
        return DECIMALS
    return WHOLE_DOWN if lower_is_better else WHOLE_UP


def year_end(year: int) -> datetime.date:
    return datetime.date(year, 12, 31)


def year_fraction(day: datetime.date) -> Decimal:
    """The share of `day`'s year gone by the end of that day."""
    start = datetime.date(day.year, 1, 1)
    days = (year_end(day.year) - start).days + 1
    return Decimal((day - start).days + 1) / Decimal(days)


def _line(points: Sequence[tuple[datetime.date, Decimal]], day: datetime.date) -> Decimal:
    """The straight-line value at `day` through the points (flat outside them)."""
    if day <= points[0][0]:
        return points[0][1]
    for (start, low), (end, high) in itertools.pairwise(points):
        if day <= end:
            share = Decimal((day - start).days) / Decimal((end - start).days)
            return low + (high - low) * share
    return points[-1][1]


def expected(
    *,
    kind: str,
    milestones: Sequence[Milestone],
    day: datetime.date,
    plan_start: datetime.date,
    baseline: Decimal | None = None,
    rounding: Rounding = DECIMALS,
) -> Decimal | None:
    """The value the indicator should have reached on `day` (None: nothing to expect),
    rounded as `rounding` says."""
    stated = sorted(milestones, key=lambda m: m.year)
    if not stated:
        return None
    if kind == ANNUAL:
        target = year_target(kind=kind, milestones=stated, year=day.year, plan_start=plan_start)
        if target is None:
            return None
        return _round(target * year_fraction(day), rounding)
    points = [(year_end(m.year), m.value) for m in stated]
    start_value = baseline if baseline is not None else (Decimal(0) if kind == CUMULATIVE else None)
    if start_value is not None and plan_start < points[0][0]:
        points.insert(0, (plan_start, start_value))
    return _round(_line(points, day), rounding)


def year_target(
    *,
    kind: str,
    milestones: Sequence[Milestone],
    year: int,
    plan_start: datetime.date,
    baseline: Decimal | None = None,
    rounding: Rounding = DECIMALS,
) -> Decimal | None:
    """The target for `year`: the stated one, else (between stated years) the
    time-proportional one at the year's end; after the last stated year a level keeps
    its last target (a pass rate "stable at 94%" stays so). A yearly amount stated for
    some years only has no target in the others."""
    for milestone in milestones:
        if milestone.year == year:
            return milestone.value
    if kind == ANNUAL or not milestones:
        return None
    last = max(milestones, key=lambda m: m.year)
    if year > last.year:
        return last.value if kind == LEVEL else None
    return expected(
        kind=kind,
        milestones=milestones,
        day=year_end(year),
        plan_start=plan_start,
        baseline=baseline,
        rounding=rounding,
    )


def reaches(value: Decimal, target: Decimal, comparator: str) -> bool:
    """Whether `value` satisfies "comparator target" (约 and 达到 read as at least)."""
    if comparator == Comparator.AT_MOST:
        return value <= target
    if comparator == Comparator.LESS_THAN:
        return value < target
    if comparator == Comparator.MORE_THAN:
        return value > target
    return value >= target


def status(
    *,
    value: Decimal | None,
    expectation: Decimal | None,
    target: Decimal | None,
    comparator: str,
    lower_is_better: bool,
    kind: str = LEVEL,
) -> str:
    """One of MET, AHEAD, ON, BEHIND, NO_DATA, NO_TARGET for a value against its
    year's target and the time-proportional expectation. Counts (yearly, cumulative)
    within TOLERANCE of the expectation are on schedule; a level is compared exactly."""
    if value is None:
        return NO_DATA
    if target is None and expectation is None:
        return NO_TARGET
    if target is not None and reaches(value, target, comparator):
        return MET
    if expectation is None:
        return BEHIND
    margin = abs(expectation) * TOLERANCE if kind != LEVEL else Decimal(0)
    gap = (expectation - value) if lower_is_better else (value - expectation)
    if gap > margin:
        return AHEAD
    if gap >= -margin:
        return ON
    return BEHIND


def on_track(state: str) -> bool | None:
    if state in (MET, AHEAD, ON):
        return True
    if state == BEHIND:
        return False
    return None


# Line arithmetic divides by day counts: 15 may come out as 15.000…01, which must not
# round up to 16. Anything closer than this to a whole number is that number.
_NOISE = Decimal("0.000001")


def _round(value: Decimal, rounding: Rounding = DECIMALS) -> Decimal:
    if rounding.places == 1:
        value = value.quantize(_NOISE, rounding=ROUND_HALF_UP)
    return value.quantize(rounding.places, rounding=rounding.mode)
