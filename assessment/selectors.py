"""Reads of the annual assessment: who sees which assessment and which unit's score,
the facts a year is scored from (a fixed number of grouped queries whatever the
number of units and rounds), and the scores themselves, live for a draft, as stored
once the assessment is publicised.

A round belongs to year Y when it opens in Y (`round.opens_on.year == Y`); so do the
reports, returns and lights of that round. 督办单 and interviews belong to the year
they were issued or held in, local time.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Max, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.status import PROCESS

from assessment.models import Adjustment, Assessment, Objection, UnitScore
from assessment.scoring import (
    ZERO,
    CriterionRule,
    InterviewFact,
    LightFact,
    NoticeFact,
    ReportFact,
    ReturnFact,
    Scheme,
    TaskFact,
    UnitInfo,
    UnitResult,
    YearFacts,
    score_year,
)
from departments.access import unit_scope
from departments.models import Unit, User
from indicators.selectors import year_results
from plans.models import Plan, Task
from rounds.models import ReportEvent, UnitReport
from supervision.models import Interview, Light, LightRecord, SupervisionNotice
from workflow.models import TaskEvent

# --- Who sees what -----------------------------------------------------------


def assessments_visible_to(user: User) -> QuerySet[Assessment]:
    """Whole-city readers see every assessment, drafts included; a unit sees an
    assessment once it is publicised and only when the unit is scored in it."""
    assessments = Assessment.objects.select_related("plan")
    scope = unit_scope(user)
    if scope is None:
        return assessments
    return (
        assessments.exclude(status=Assessment.Status.DRAFT)
        .filter(scores__unit_id__in=scope)
        .distinct()
    )


def scores_visible_to(user: User) -> QuerySet[UnitScore]:
    scores = UnitScore.objects.select_related("assessment__plan", "unit")
    scope = unit_scope(user)
    if scope is None:
        return scores
    return scores.exclude(assessment__status=Assessment.Status.DRAFT).filter(unit_id__in=scope)


def objections_visible_to(user: User) -> QuerySet[Objection]:
    objections = Objection.objects.select_related("assessment__plan", "unit", "filed_by")
    scope = unit_scope(user)
    if scope is None:
        return objections
    return objections.filter(unit_id__in=scope)


# --- The facts of a year -------------------------------------------------------


def year_bounds(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    """The year as an interval of aware datetimes, local time: [1 Jan Y, 1 Jan Y+1)."""
    start = timezone.make_aware(datetime.datetime(year, 1, 1))
    end = timezone.make_aware(datetime.datetime(year + 1, 1, 1))
    return start, end


def _local_day(moment: datetime.datetime | None) -> datetime.date | None:
    return timezone.localdate(moment) if moment is not None else None


def _notice_reasons(items: Any) -> tuple[str, ...]:
    if not isinstance(items, list):
        return ()
    return tuple(
        str(item.get("reason") or item.get("label") or "")
        for item in items
        if isinstance(item, dict) and (item.get("reason") or item.get("label"))
    )


def _report_facts(plan: Plan, year: int) -> list[ReportFact]:
    rows = UnitReport.objects.filter(round__plan=plan, round__opens_on__year=year).values_list(
        "pk", "unit_id", "round_id", "round__period", "round__deadline", "sent_at", "late_days"
    )
    return [
        ReportFact(
            report_id=pk,
            unit_id=unit_id,
            round_id=round_id,
            period=period,
            deadline=deadline,
            sent_on=_local_day(sent_at),
            late_days=late_days,
        )
        for pk, unit_id, round_id, period, deadline, sent_at, late_days in rows
    ]


def _return_facts(plan: Plan, year: int) -> list[ReturnFact]:
    # Only the bureau's returns of a task entry; a leader sending the whole report
    # back to the liaison (no task) is the unit's own business.
    rows = ReportEvent.objects.filter(
        report__round__plan=plan,
        report__round__opens_on__year=year,
        action=ReportEvent.Action.RETURN,
        task__isnull=False,
    ).values_list(
        "report_id", "report__unit_id", "report__round__period", "task__number", "reason", "at"
    )
    return [
        ReturnFact(
            report_id=report_id,
            unit_id=unit_id,
            period=period,
            task_number=number,
            reason=reason,
            on=timezone.localdate(at),
        )
        for report_id, unit_id, period, number, reason, at in rows
    ]


def _task_facts(plan: Plan, year: int) -> tuple[list[TaskFact], set[int]]:
    """The plan's tasks due in the year, and the units leading any task of the plan."""
    closes = dict(
        TaskEvent.objects.filter(process__plan_task__plan=plan, action=TaskEvent.Action.CLOSE)
        .values("process__plan_task_id")
        .annotate(last=Max("at"))
        .values_list("process__plan_task_id", "last")
    )
    rows = Task.objects.filter(plan=plan).values_list(
        "pk",
        "lead_unit_id",
        "number",
        "title",
        "process__complete_by",
        "process__status",
        "process__completion_closed",
        "process__finished",
    )
    lead_units: set[int] = set()
    tasks = []
    for pk, lead_unit_id, number, title, complete_by, status, closed, finished in rows:
        lead_units.add(lead_unit_id)
        if complete_by is None or complete_by.year != year:
            continue
        closed_on = None
        if status == PROCESS.DONE and closed:
            closed_on = _local_day(closes.get(pk) or finished)
        tasks.append(
            TaskFact(
                task_id=pk,
                unit_id=lead_unit_id,
                number=number,
                title=title,
                complete_by=complete_by,
                closed_on=closed_on,
                terminated=status == PROCESS.CANCELED,
            )
        )
    return tasks, lead_units


def _light_facts(plan: Plan, year: int) -> list[LightFact]:
    rows = (
        LightRecord.objects.filter(
            round__plan=plan, round__opens_on__year=year, unit__isnull=False, color=Light.RED
        )
        .order_by("round__opens_on", "round_id")
        .values_list("unit_id", "round_id", "round__period", "reasons")
    )
    return [
        LightFact(unit_id=unit_id, round_id=round_id, period=period, reasons=tuple(reasons or ()))
        for unit_id, round_id, period, reasons in rows
    ]


def _notice_facts(plan: Plan, year: int) -> list[NoticeFact]:
    start, end = year_bounds(year)
    rows = SupervisionNotice.objects.filter(
        plan=plan, issued_at__gte=start, issued_at__lt=end
    ).values_list("pk", "unit_id", "year", "number", "issued_at", "items")
    return [
        NoticeFact(
            notice_id=pk,
            unit_id=unit_id,
            doc_number=f"督办〔{notice_year}〕{number}号",
            issued_on=timezone.localdate(issued_at),
            reasons=_notice_reasons(items),
        )
        for pk, unit_id, notice_year, number, issued_at, items in rows
    ]


def _interview_facts(plan: Plan, year: int) -> list[InterviewFact]:
    # An interview has no plan: it counts for this plan when it names one of its
    # tasks, or names none (an interview of the unit as a whole).
    start, end = year_bounds(year)
    rows = (
        Interview.objects.filter(
            Q(tasks__plan=plan) | Q(tasks__isnull=True),
            status=Interview.Status.HELD,
            held_at__gte=start,
            held_at__lt=end,
        )
        .distinct()
        .values_list("pk", "unit_id", "held_at", "interviewee", "reason")
    )
    return [
        InterviewFact(
            interview_id=pk,
            unit_id=unit_id,
            held_on=timezone.localdate(held_at),
            interviewee=interviewee,
            reason=reason,
        )
        for pk, unit_id, held_at, interviewee, reason in rows
    ]


def _unit_infos(unit_ids: set[int]) -> dict[int, UnitInfo]:
    """The units assessed among ``unit_ids``: the working group's own are not."""
    return {
        pk: UnitInfo(id=pk, name=name, sort_order=sort_order)
        for pk, name, sort_order in Unit.objects.filter(pk__in=unit_ids)
        .exclude(kind=Unit.Kind.GROUP)
        .values_list("pk", "name", "sort_order")
    }


def year_facts(plan: Plan, year: int, as_of: datetime.date) -> YearFacts:
    """The records the plan's year is scored from, for every unit assessed: those with
    a report in the year's rounds or leading a task of the plan. Eight queries and
    those of indicators.selectors.year_results, whatever the plan's size."""
    reports = _report_facts(plan, year)
    returns = _return_facts(plan, year)
    tasks, lead_units = _task_facts(plan, year)
    lights = _light_facts(plan, year)
    notices = _notice_facts(plan, year)
    interviews = _interview_facts(plan, year)
    units = _unit_infos(lead_units | {report.unit_id for report in reports})
    indicators = [result for result in year_results(plan, year) if result.owner_id in units]
    return YearFacts(
        year=year,
        as_of=as_of,
        units=units,
        reports=reports,
        returns=returns,
        tasks=tasks,
        lights=lights,
        notices=notices,
        interviews=interviews,
        indicators=indicators,
    )


# --- Scores ---------------------------------------------------------------------


def scheme_of(assessment: Assessment) -> Scheme:
    return Scheme(
        criteria=[
            CriterionRule(rule=c.rule, weight=c.weight, deduction=c.deduction)
            for c in assessment.criteria.order_by("order")
        ],
        excellent_from=assessment.excellent_from,
        good_from=assessment.good_from,
        fair_from=assessment.fair_from,
    )


def adjustments_by_unit(assessment: Assessment) -> dict[int, Decimal]:
    """unit pk -> the sum of its manual items."""
    return {
        unit_id: total or ZERO
        for unit_id, total in assessment.adjustments.values("unit_id")
        .annotate(total=Sum("points"))
        .values_list("unit_id", "total")
    }


def compute(assessment: Assessment, as_of: datetime.date) -> list[UnitResult]:
    """The scores the assessment's scheme gives on the data as it stands now."""
    facts = year_facts(assessment.plan, assessment.year, as_of)
    return score_year(facts, scheme_of(assessment), adjustments_by_unit(assessment))


@dataclass(frozen=True)
class ScoreRow:
    """One unit's line in the ranking, live or stored alike."""

    unit_id: int
    unit: str
    sort_order: int  # the unit's place in the registry: lists of units follow it
    criteria: list[dict[str, Any]]  # scoring.CriterionScore.as_json()
    criteria_points: Decimal
    adjustment_points: Decimal
    total: Decimal
    rank: int
    grade: str

    def criterion(self, rule: str) -> dict[str, Any] | None:
        return next((c for c in self.criteria if c["rule"] == rule), None)


def _row_of_result(result: UnitResult) -> ScoreRow:
    return ScoreRow(
        unit_id=result.unit_id,
        unit=result.name,
        sort_order=result.sort_order,
        **result.score_fields(),
    )


def _row_of_score(score: UnitScore) -> ScoreRow:
    return ScoreRow(
        unit_id=score.unit_id,
        unit=score.unit.name,
        sort_order=score.unit.sort_order,
        criteria=list(score.criteria),
        criteria_points=score.criteria_points,
        adjustment_points=score.adjustment_points,
        total=score.total,
        rank=score.rank,
        grade=score.grade,
    )


def unit_choices(rows: list[ScoreRow]) -> list[tuple[int, str]]:
    """The units of the ranking as a picker offers them: in the registry's order
    (municipal departments, counties, zones, then the others), not by rank or name."""
    return [
        (row.unit_id, row.unit) for row in sorted(rows, key=lambda r: (r.sort_order, r.unit_id))
    ]


def ranking(assessment: Assessment, as_of: datetime.date | None = None) -> list[ScoreRow]:
    """Every unit's line, best first: computed now for a draft, as stored otherwise."""
    if assessment.is_draft:
        return [_row_of_result(r) for r in compute(assessment, as_of or timezone.localdate())]
    return [
        _row_of_score(score)
        for score in assessment.scores.select_related("unit").order_by(
            "rank", "unit__sort_order", "unit_id"
        )
    ]


def unit_row(
    assessment: Assessment, unit_id: int, as_of: datetime.date | None = None
) -> ScoreRow | None:
    """One unit's line (None: the unit is not assessed)."""
    if assessment.is_draft:
        return next((row for row in ranking(assessment, as_of) if row.unit_id == unit_id), None)
    score = assessment.scores.select_related("unit").filter(unit_id=unit_id).first()
    return _row_of_score(score) if score is not None else None


def adjustments_of(assessment: Assessment, unit_id: int | None = None) -> QuerySet[Adjustment]:
    adjustments = assessment.adjustments.select_related("unit", "objection", "created_by")
    if unit_id is not None:
        adjustments = adjustments.filter(unit_id=unit_id)
    return adjustments.order_by("unit__sort_order", "created_at", "id")


def objection_counts(assessment: Assessment) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for status in assessment.objections.values_list("status", flat=True):
        counts[status] += 1
    return dict(counts)


def window_end(day: datetime.date, days: int) -> datetime.datetime:
    """The publicity's day counts as the first of `days`; the window closes at the
    start of the day after the last."""
    return timezone.make_aware(
        datetime.datetime.combine(day + datetime.timedelta(days=days), datetime.time.min)
    )


def last_objection_day(today: datetime.date, days: int) -> datetime.date:
    """The last day objections are taken when publicity starts on `today` for `days`
    days (today the first), as the confirmation page announces it."""
    return timezone.localdate(window_end(today, days)) - datetime.timedelta(days=1)


def publish_refusal(assessment: Assessment, now: datetime.datetime) -> str:
    """Why the assessment cannot be published now ("" when it can): the confirmation
    page says so before anyone ticks anything, and assessment_publish refuses alike."""
    if assessment.status == Assessment.Status.PUBLISHED:
        return _("This assessment has already been published.")
    if assessment.status != Assessment.Status.PUBLICITY:
        return _("Publicise the scores for objections before publishing them.")
    if now < assessment.objections_until:
        return _(
            "Objections are taken until the end of %(day)s: publish after the window closes."
        ) % {"day": assessment.last_objection_day.isoformat()}
    unanswered = assessment.objections.filter(status=Objection.Status.OPEN).count()
    if unanswered:
        return _("Objections still unanswered: %(count)d. Answer them before publishing.") % {
            "count": unanswered
        }
    return ""
