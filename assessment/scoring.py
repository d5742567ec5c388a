"""Scoring a year: plain data in (assessment.selectors.year_facts), plain data out.

No database here, so each rule can be read and tested alone. A criterion's points:

- share rules: the weight times the share of the unit's records that went well
  (reports sent on time, indicator targets met, tasks closed by their deadline);
  a unit with no such record gets the full weight, with a note saying so;
- deduction rules: the weight less the deduction per record (entries returned, red
  lights, 督办单, interviews), never below zero.

Every criterion lists the records behind it as "lines": dicts of plain values (ids,
dates as ISO strings, numbers as strings) that the pages, the workbook and the PDF
each put into words, and that the snapshot of a publicised assessment stores as JSON.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol

from assessment.models import Grade, Rule
from common.ranking import competition_ranks

CENT = Decimal("0.01")
ZERO = Decimal(0)

# The scheme a new assessment starts with: (rule, weight, deduction per record).
DEFAULT_CRITERIA: list[tuple[str, Decimal, Decimal]] = [
    (Rule.ON_TIME, Decimal(25), ZERO),
    (Rule.RETURNS, Decimal(10), Decimal(1)),
    (Rule.INDICATORS, Decimal(20), ZERO),
    (Rule.TASKS, Decimal(20), ZERO),
    (Rule.RED_LIGHTS, Decimal(10), Decimal(2)),
    (Rule.NOTICES, Decimal(10), Decimal("2.5")),
    (Rule.INTERVIEWS, Decimal(5), Decimal(5)),
]
DEFAULT_GRADES = (Decimal(90), Decimal(80), Decimal(60))  # 优秀, 良好, 一般 from
TOTAL_WEIGHT = Decimal(100)


def points(value: Decimal) -> Decimal:
    """Points as shown and stored: two decimals, halves rounded up."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def text(value: Decimal | None) -> str:
    """A number for a line or the JSON snapshot, without trailing zeros (25, 20.83)."""
    if value is None:
        return ""
    return f"{value.normalize():f}"


# --- The facts --------------------------------------------------------------


@dataclass(frozen=True)
class UnitInfo:
    id: int
    name: str
    sort_order: int


@dataclass(frozen=True)
class ReportFact:
    report_id: int
    unit_id: int
    round_id: int
    period: str
    deadline: datetime.date
    sent_on: datetime.date | None
    late_days: int


@dataclass(frozen=True)
class ReturnFact:
    report_id: int
    unit_id: int
    period: str
    task_number: int
    reason: str
    on: datetime.date


@dataclass(frozen=True)
class TaskFact:
    task_id: int
    unit_id: int
    number: int
    title: str
    complete_by: datetime.date
    closed_on: datetime.date | None
    terminated: bool = False


@dataclass(frozen=True)
class LightFact:
    unit_id: int
    round_id: int
    period: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class NoticeFact:
    notice_id: int
    unit_id: int
    doc_number: str
    issued_on: datetime.date
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class InterviewFact:
    interview_id: int
    unit_id: int
    held_on: datetime.date
    interviewee: str
    reason: str


class IndicatorLike(Protocol):
    """What the indicators rule reads of indicators.selectors.IndicatorResult."""

    indicator_id: int
    name: str
    owner_id: int | None
    unit_of_measure: str
    target: Decimal | None
    value: Decimal | None
    period: str
    met: bool | None
    url: str


@dataclass
class YearFacts:
    """Everything the year's scores are computed from."""

    year: int
    as_of: datetime.date
    units: dict[int, UnitInfo]  # the units assessed
    reports: list[ReportFact] = field(default_factory=list)
    returns: list[ReturnFact] = field(default_factory=list)
    tasks: list[TaskFact] = field(default_factory=list)
    lights: list[LightFact] = field(default_factory=list)
    notices: list[NoticeFact] = field(default_factory=list)
    interviews: list[InterviewFact] = field(default_factory=list)
    indicators: list[IndicatorLike] = field(default_factory=list)


@dataclass(frozen=True)
class CriterionRule:
    rule: str
    weight: Decimal
    deduction: Decimal = ZERO


@dataclass(frozen=True)
class Scheme:
    criteria: Sequence[CriterionRule]
    excellent_from: Decimal = DEFAULT_GRADES[0]
    good_from: Decimal = DEFAULT_GRADES[1]
    fair_from: Decimal = DEFAULT_GRADES[2]

    def grade(self, total: Decimal) -> str:
        if total >= self.excellent_from:
            return Grade.EXCELLENT
        if total >= self.good_from:
            return Grade.GOOD
        if total >= self.fair_from:
            return Grade.FAIR
        return Grade.POOR


# --- The results ------------------------------------------------------------


@dataclass
class CriterionScore:
    rule: str
    weight: Decimal
    deduction: Decimal
    points: Decimal
    # Share rules: "due" (records counted) and "good" (those that went well), with
    # "late"/"missing" for reports; deduction rules: "count".
    counts: dict[str, int]
    lines: list[dict[str, Any]]
    # "" or why the full weight was given: no_reports, no_indicators, no_tasks.
    note: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "weight": text(self.weight),
            "deduction": text(self.deduction),
            "points": text(self.points),
            "counts": dict(self.counts),
            "lines": self.lines,
            "note": self.note,
        }


@dataclass
class UnitResult:
    unit_id: int
    name: str
    sort_order: int
    criteria: list[CriterionScore]
    criteria_points: Decimal
    adjustment_points: Decimal
    total: Decimal
    rank: int = 0
    grade: str = ""

    def score_fields(self) -> dict[str, Any]:
        """What a unit's score holds, stored (assessment.models.UnitScore) or shown."""
        return {
            "criteria": [criterion.as_json() for criterion in self.criteria],
            "criteria_points": self.criteria_points,
            "adjustment_points": self.adjustment_points,
            "total": self.total,
            "rank": self.rank,
            "grade": self.grade,
        }


def _iso(day: datetime.date | None) -> str | None:
    return day.isoformat() if day else None


def _share(weight: Decimal, good: int, due: int) -> Decimal:
    return points(weight * good / due) if due else points(weight)


def _deduct(weight: Decimal, deduction: Decimal, count: int) -> Decimal:
    return max(ZERO, points(weight - deduction * count))


def _by_share(
    rule: str, weight: Decimal, counts: dict[str, int], lines: list[dict[str, Any]], none: str
) -> CriterionScore:
    """A criterion worth `weight` × good / due records; with nothing due, the full weight
    and the note `none` saying why."""
    return CriterionScore(
        rule=rule,
        weight=weight,
        deduction=ZERO,
        points=_share(weight, counts["good"], counts["due"]),
        counts=counts,
        lines=lines,
        note="" if counts["due"] else none,
    )


def _per_record(
    rule: str, weight: Decimal, deduction: Decimal, lines: list[dict[str, Any]]
) -> CriterionScore:
    """A criterion that takes `deduction` off `weight` for each record (one line
    each, showing its points), not below zero."""
    for line in lines:
        line["points"] = text(ZERO - deduction)
    return CriterionScore(
        rule=rule,
        weight=weight,
        deduction=deduction,
        points=_deduct(weight, deduction, len(lines)),
        counts={"count": len(lines)},
        lines=lines,
    )


def report_lateness(report: ReportFact) -> int:
    """Days after the deadline the report was sent (the larger of the stored count and
    the dates, as the bulletins read it)."""
    if report.sent_on is None:
        return 0
    return max(report.late_days, (report.sent_on - report.deadline).days, 0)


def score_on_time(
    reports: Iterable[ReportFact], weight: Decimal, as_of: datetime.date
) -> CriterionScore:
    """Weight × reports sent by the deadline / reports due. A report not sent whose
    deadline is still ahead on `as_of` is listed and not counted."""
    lines, counts = [], {"due": 0, "good": 0, "late": 0, "missing": 0}
    for report in sorted(reports, key=lambda r: (r.deadline, r.round_id)):
        late = report_lateness(report)
        if report.sent_on is None:
            state = "pending" if report.deadline >= as_of else "missing"
        else:
            state = "late" if late else "on_time"
        if state != "pending":
            counts["due"] += 1
            counts[{"on_time": "good", "late": "late", "missing": "missing"}[state]] += 1
        lines.append(
            {
                "kind": "report",
                "report": report.report_id,
                "round": report.period,
                "deadline": _iso(report.deadline),
                "sent_on": _iso(report.sent_on),
                "late_days": late,
                "state": state,
            }
        )
    return _by_share(Rule.ON_TIME, weight, counts, lines, "no_reports")


def score_returns(
    returns: Iterable[ReturnFact], weight: Decimal, deduction: Decimal
) -> CriterionScore:
    """Weight − deduction × entries the bureau returned, not below zero."""
    rows = sorted(returns, key=lambda r: (r.on, r.report_id, r.task_number))
    lines = [
        {
            "kind": "return",
            "report": row.report_id,
            "round": row.period,
            "task": row.task_number,
            "reason": row.reason,
            "on": _iso(row.on),
        }
        for row in rows
    ]
    return _per_record(Rule.RETURNS, weight, deduction, lines)


def score_indicators(indicators: Iterable[IndicatorLike], weight: Decimal) -> CriterionScore:
    """Weight × targets met / indicators with a target for the year; an indicator not
    reported counts as not met. None with a target: the full weight."""
    lines, counts = [], {"due": 0, "good": 0}
    for result in indicators:
        if result.met is None:
            continue
        counts["due"] += 1
        counts["good"] += 1 if result.met else 0
        lines.append(
            {
                "kind": "indicator",
                "indicator": result.indicator_id,
                "name": result.name,
                "value": text(result.value) if result.value is not None else None,
                "target": text(result.target),
                "unit_of_measure": result.unit_of_measure,
                "period": result.period,
                "met": bool(result.met),
                "url": result.url,
            }
        )
    return _by_share(Rule.INDICATORS, weight, counts, lines, "no_indicators")


def score_tasks(tasks: Iterable[TaskFact], weight: Decimal, as_of: datetime.date) -> CriterionScore:
    """Weight × lead tasks closed by their deadline / lead tasks due in the year. A
    task terminated by the plan, or still open with its deadline ahead, is listed and
    not counted."""
    lines, counts = [], {"due": 0, "good": 0}
    for task in sorted(tasks, key=lambda t: (t.complete_by, t.number)):
        if task.terminated:
            state = "terminated"
        elif task.closed_on is not None:
            state = "on_time" if task.closed_on <= task.complete_by else "late"
        else:
            state = "pending" if task.complete_by >= as_of else "open"
        if state not in ("terminated", "pending"):
            counts["due"] += 1
            counts["good"] += 1 if state == "on_time" else 0
        lines.append(
            {
                "kind": "task",
                "task": task.task_id,
                "number": task.number,
                "title": task.title,
                "complete_by": _iso(task.complete_by),
                "closed_on": _iso(task.closed_on),
                "state": state,
            }
        )
    return _by_share(Rule.TASKS, weight, counts, lines, "no_tasks")


def score_red_lights(
    lights: Iterable[LightFact], weight: Decimal, deduction: Decimal
) -> CriterionScore:
    rows = list(lights)
    lines = [
        {
            "kind": "light",
            "unit": row.unit_id,
            "round": row.period,
            "round_id": row.round_id,
            "reasons": list(row.reasons),
        }
        for row in rows
    ]
    return _per_record(Rule.RED_LIGHTS, weight, deduction, lines)


def score_notices(
    notices: Iterable[NoticeFact], weight: Decimal, deduction: Decimal
) -> CriterionScore:
    rows = sorted(notices, key=lambda n: (n.issued_on, n.notice_id))
    lines = [
        {
            "kind": "notice",
            "notice": row.notice_id,
            "number": row.doc_number,
            "issued_on": _iso(row.issued_on),
            "reasons": list(row.reasons),
        }
        for row in rows
    ]
    return _per_record(Rule.NOTICES, weight, deduction, lines)


def score_interviews(
    interviews: Iterable[InterviewFact], weight: Decimal, deduction: Decimal
) -> CriterionScore:
    rows = sorted(interviews, key=lambda i: (i.held_on, i.interview_id))
    lines = [
        {
            "kind": "interview",
            "interview": row.interview_id,
            "held_on": _iso(row.held_on),
            "interviewee": row.interviewee,
            "reason": row.reason,
        }
        for row in rows
    ]
    return _per_record(Rule.INTERVIEWS, weight, deduction, lines)


def _by_unit(rows: Iterable[Any], attribute: str = "unit_id") -> dict[int | None, list[Any]]:
    grouped: dict[int | None, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[getattr(row, attribute)].append(row)
    return grouped


def score_units(facts: YearFacts, scheme: Scheme) -> dict[int, list[CriterionScore]]:
    """unit pk -> its criteria's scores, in the scheme's order."""
    grouped = {
        "reports": _by_unit(facts.reports),
        "returns": _by_unit(facts.returns),
        "tasks": _by_unit(facts.tasks),
        "lights": _by_unit(facts.lights),
        "notices": _by_unit(facts.notices),
        "interviews": _by_unit(facts.interviews),
        "indicators": _by_unit(facts.indicators, "owner_id"),
    }
    scored: dict[int, list[CriterionScore]] = {}
    for unit_id in facts.units:
        rows = {name: by_unit.get(unit_id, []) for name, by_unit in grouped.items()}
        scored[unit_id] = [_score(criterion, rows, facts.as_of) for criterion in scheme.criteria]
    return scored


def _score(
    criterion: CriterionRule, rows: Mapping[str, list[Any]], as_of: datetime.date
) -> CriterionScore:
    weight, deduction = criterion.weight, criterion.deduction
    rule = criterion.rule
    if rule == Rule.ON_TIME:
        return score_on_time(rows["reports"], weight, as_of)
    if rule == Rule.RETURNS:
        return score_returns(rows["returns"], weight, deduction)
    if rule == Rule.INDICATORS:
        return score_indicators(rows["indicators"], weight)
    if rule == Rule.TASKS:
        return score_tasks(rows["tasks"], weight, as_of)
    if rule == Rule.RED_LIGHTS:
        return score_red_lights(rows["lights"], weight, deduction)
    if rule == Rule.NOTICES:
        return score_notices(rows["notices"], weight, deduction)
    if rule == Rule.INTERVIEWS:
        return score_interviews(rows["interviews"], weight, deduction)
    raise ValueError(f"Unknown criterion rule: {rule!r}")


def rank_and_grade(results: list[UnitResult], scheme: Scheme) -> list[UnitResult]:
    """Sort by total (highest first, then the units' usual order) and give each its
    rank, equal totals sharing one (1, 2, 2, 4), and its grade."""
    results.sort(key=lambda r: (r.sort_order, r.unit_id))
    ranked = competition_ranks(results, key=lambda r: -r.total)
    for rank, result in ranked:
        result.rank = rank
        result.grade = scheme.grade(result.total)
    results[:] = [result for _rank, result in ranked]
    return results


def total_of(criteria_points: Decimal, adjustment_points: Decimal) -> Decimal:
    """Criteria and manual items together; a total is never below zero."""
    return max(ZERO, points(criteria_points + adjustment_points))


def score_year(
    facts: YearFacts, scheme: Scheme, adjustments: Mapping[int, Decimal] | None = None
) -> list[UnitResult]:
    """Every assessed unit's score, ranked and graded. `adjustments`: unit pk -> the
    sum of its manual items."""
    adjustments = adjustments or {}
    results = []
    for unit_id, criteria in score_units(facts, scheme).items():
        unit = facts.units[unit_id]
        criteria_points = sum((c.points for c in criteria), ZERO)
        adjusted = adjustments.get(unit_id, ZERO)
        results.append(
            UnitResult(
                unit_id=unit_id,
                name=unit.name,
                sort_order=unit.sort_order,
                criteria=criteria,
                criteria_points=criteria_points,
                adjustment_points=adjusted,
                total=total_of(criteria_points, adjusted),
            )
        )
    return rank_and_grade(results, scheme)
