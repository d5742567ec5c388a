"""The scoring rules on plain data: no database, the right scores worked out by hand."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

from django.test import SimpleTestCase

from assessment.document import heading_number
from assessment.models import Grade, Rule
from assessment.scoring import (
    CriterionRule,
    ReportFact,
    Scheme,
    TaskFact,
    UnitInfo,
    UnitResult,
    YearFacts,
    rank_and_grade,
    score_indicators,
    score_on_time,
    score_tasks,
    score_year,
    text,
    total_of,
)

D = datetime.date
AS_OF = D(2026, 7, 1)


def report(pk: int, deadline: datetime.date, sent_on: datetime.date | None, late: int = 0):
    return ReportFact(
        report_id=pk,
        unit_id=1,
        round_id=pk,
        period=f"R{pk}",
        deadline=deadline,
        sent_on=sent_on,
        late_days=late,
    )


def task(number: int, due: datetime.date, closed: datetime.date | None, terminated=False):
    return TaskFact(
        task_id=number,
        unit_id=1,
        number=number,
        title=f"任务{number}",
        complete_by=due,
        closed_on=closed,
        terminated=terminated,
    )


def result(unit_id: int, total: str, sort_order: int = 0) -> UnitResult:
    return UnitResult(
        unit_id=unit_id,
        name=f"单位{unit_id}",
        sort_order=sort_order or unit_id,
        criteria=[],
        criteria_points=Decimal(total),
        adjustment_points=Decimal(0),
        total=Decimal(total),
    )


class OnTimeRuleTests(SimpleTestCase):
    def test_the_share_of_reports_sent_by_the_deadline(self) -> None:
        scored = score_on_time(
            [
                report(1, D(2026, 1, 5), D(2026, 1, 5)),  # on the day: on time
                report(2, D(2026, 2, 5), D(2026, 2, 6)),  # a day late by the dates
                report(3, D(2026, 3, 5), D(2026, 3, 1), late=2),  # the stored count wins
                report(4, D(2026, 4, 5), None),  # never sent
                report(5, D(2026, 5, 5), D(2026, 5, 4)),
                report(6, D(2026, 6, 5), D(2026, 6, 5)),
            ],
            Decimal(25),
            AS_OF,
        )
        # 3 of 6 on time: 25 × 3/6.
        self.assertEqual(scored.points, Decimal("12.50"))
        self.assertEqual(scored.counts, {"due": 6, "good": 3, "late": 2, "missing": 1})
        self.assertEqual([line["late_days"] for line in scored.lines], [0, 1, 2, 0, 0, 0])

    def test_a_report_not_yet_due_is_listed_and_not_counted(self) -> None:
        scored = score_on_time(
            [report(1, D(2026, 6, 5), D(2026, 6, 1)), report(2, D(2026, 7, 5), None)],
            Decimal(25),
            AS_OF,
        )
        self.assertEqual(scored.points, Decimal(25))
        self.assertEqual([line["state"] for line in scored.lines], ["on_time", "pending"])

    def test_points_are_rounded_to_two_decimals(self) -> None:
        reports = [report(n, D(2026, n, 5), D(2026, n, 1)) for n in (1, 2)]
        reports.append(report(3, D(2026, 3, 5), None))
        # 25 × 2/3 = 16.666…
        self.assertEqual(score_on_time(reports, Decimal(25), AS_OF).points, Decimal("16.67"))

    def test_no_report_due_gives_the_full_points_with_a_note(self) -> None:
        scored = score_on_time([], Decimal(25), AS_OF)
        self.assertEqual((scored.points, scored.note), (Decimal(25), "no_reports"))


class TaskAndIndicatorRuleTests(SimpleTestCase):
    def test_tasks_terminated_or_not_yet_due_are_not_counted(self) -> None:
        scored = score_tasks(
            [
                task(1, D(2026, 3, 31), D(2026, 3, 31)),  # on time
                task(2, D(2026, 3, 31), None),  # overdue
                task(3, D(2026, 5, 31), None, terminated=True),
                task(4, D(2026, 9, 30), None),  # not yet due on AS_OF
            ],
            Decimal(20),
            AS_OF,
        )
        self.assertEqual(scored.points, Decimal(10))
        self.assertEqual(
            [line["state"] for line in scored.lines], ["on_time", "open", "terminated", "pending"]
        )

    def test_indicators_without_a_target_are_left_out(self) -> None:
        def indicator(pk: int, met: bool | None, value: str | None) -> SimpleNamespace:
            return SimpleNamespace(
                indicator_id=pk,
                name=f"指标{pk}",
                owner_id=1,
                unit_of_measure="%",
                target=Decimal(90) if met is not None else None,
                value=Decimal(value) if value else None,
                period="2026年6月",
                met=met,
                url=f"/indicators/{pk}/",
            )

        scored = score_indicators(
            [indicator(1, True, "95"), indicator(2, False, "80"), indicator(3, None, "1")],
            Decimal(20),
        )
        self.assertEqual(scored.points, Decimal(10))
        self.assertEqual([line["indicator"] for line in scored.lines], [1, 2])


class RankingTests(SimpleTestCase):
    scheme = Scheme(
        criteria=[], excellent_from=Decimal(90), good_from=Decimal(80), fair_from=Decimal(60)
    )

    def test_equal_totals_share_a_rank_and_the_next_rank_skips(self) -> None:
        ranked = rank_and_grade(
            [result(1, "80"), result(2, "95"), result(3, "80"), result(4, "59.99")], self.scheme
        )
        self.assertEqual([(r.unit_id, r.rank) for r in ranked], [(2, 1), (1, 2), (3, 2), (4, 4)])

    def test_grades_follow_the_thresholds_inclusively(self) -> None:
        ranked = rank_and_grade(
            [
                result(1, "90"),
                result(2, "89.99"),
                result(3, "80"),
                result(4, "60"),
                result(5, "59.99"),
            ],
            self.scheme,
        )
        self.assertEqual(
            {r.unit_id: r.grade for r in ranked},
            {1: Grade.EXCELLENT, 2: Grade.GOOD, 3: Grade.GOOD, 4: Grade.FAIR, 5: Grade.POOR},
        )

    def test_a_total_is_never_below_zero(self) -> None:
        self.assertEqual(total_of(Decimal(3), Decimal(-5)), Decimal(0))
        self.assertEqual(total_of(Decimal("98.5"), Decimal(2)), Decimal("100.50"))

    def test_manual_items_count_in_the_total(self) -> None:
        facts = YearFacts(year=2026, as_of=AS_OF, units={1: UnitInfo(1, "市甲局", 1)})
        scheme = Scheme(criteria=[CriterionRule(Rule.ON_TIME, Decimal(25))])
        (scored,) = score_year(facts, scheme, {1: Decimal("-1.5")})
        self.assertEqual(
            (scored.criteria_points, scored.adjustment_points, scored.total),
            (Decimal(25), Decimal("-1.5"), Decimal("23.50")),
        )

    def test_numbers_are_written_without_trailing_zeros(self) -> None:
        self.assertEqual(
            [text(Decimal(v)) for v in ("25.00", "20.50", "6.67", "100", "-2.5")],
            ["25", "20.5", "6.67", "100", "-2.5"],
        )


class DocumentNumberingTests(SimpleTestCase):
    def test_unit_headings_count_past_ninety_nine(self) -> None:
        self.assertEqual(
            [heading_number(n) for n in (1, 10, 15, 20, 99, 100, 101, 110, 115, 120, 170, 999)],
            [
                "一",
                "十",
                "十五",
                "二十",
                "九十九",
                "一百",
                "一百零一",
                "一百一十",
                "一百一十五",
                "一百二十",
                "一百七十",
                "九百九十九",
            ],
        )
