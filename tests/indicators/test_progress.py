"""序时进度: what an indicator should have reached by a day, and where a value stands."""

import datetime
from decimal import Decimal

from django.test import SimpleTestCase

from indicators import progress
from indicators.progress import Milestone

D = Decimal
PLAN_START = datetime.date(2023, 4, 17)


def expected(kind: str, milestones: list[Milestone], day: datetime.date, baseline=None):  # type: ignore[no-untyped-def]
    return progress.expected(
        kind=kind, milestones=milestones, day=day, plan_start=PLAN_START, baseline=baseline
    )


class ExpectationTests(SimpleTestCase):
    def test_a_yearly_amount_is_expected_in_proportion_to_the_days_gone(self) -> None:
        # 每年新增工业企业研发机构80家: by 30 June 2026, 181 of 365 days.
        yearly = [Milestone(year, D(80)) for year in range(2023, 2028)]
        self.assertEqual(expected(progress.ANNUAL, yearly, datetime.date(2026, 6, 30)), D("39.67"))
        self.assertEqual(expected(progress.ANNUAL, yearly, datetime.date(2026, 12, 31)), D(80))
        # 2024 has 366 days: 1 January is 1/366 of the year.
        self.assertEqual(expected(progress.ANNUAL, yearly, datetime.date(2024, 1, 1)), D("0.22"))

    def test_a_yearly_amount_has_no_expectation_in_a_year_without_target(self) -> None:
        self.assertIsNone(
            expected(progress.ANNUAL, [Milestone(2025, D(10))], datetime.date(2026, 6, 30))
        )

    def test_a_cumulative_count_follows_the_line_through_the_stated_year_ends(self) -> None:
        # 新增标准 32 by the end of 2023, 85 by 2025, 140 by 2027, from 0 on 2023-04-17.
        standards = [Milestone(2023, D(32)), Milestone(2025, D(85)), Milestone(2027, D(140))]
        # Halfway through the first stretch (258 days from 04-17 to 12-31): 129 days in.
        self.assertEqual(
            expected(progress.CUMULATIVE, standards, datetime.date(2023, 8, 24)), D("16.00")
        )
        self.assertEqual(
            expected(progress.CUMULATIVE, standards, datetime.date(2023, 12, 31)), D(32)
        )
        # End of 2024: 366 of the 731 days between the 2023 and 2025 year ends.
        self.assertEqual(
            expected(progress.CUMULATIVE, standards, datetime.date(2024, 12, 31)), D("58.54")
        )
        self.assertEqual(
            expected(progress.CUMULATIVE, standards, datetime.date(2028, 3, 1)), D(140)
        )

    def test_a_level_is_expected_at_its_years_value_between_stated_years(self) -> None:
        # 高新技术产业增加值占比 23% in 2023, about 25% in 2025.
        share = [Milestone(2023, D(23)), Milestone(2025, D(25), "≈")]
        self.assertEqual(expected(progress.LEVEL, share, datetime.date(2024, 12, 31)), D("24.00"))
        # Before the first stated year end, with no baseline: that year's value.
        self.assertEqual(expected(progress.LEVEL, share, datetime.date(2023, 6, 30)), D(23))
        # With a baseline of 20% when the plan began: on the line from it.
        self.assertEqual(
            expected(progress.LEVEL, share, datetime.date(2023, 8, 24), baseline=D(20)),
            D("21.50"),
        )

    def test_the_years_target_is_stated_or_read_off_the_line(self) -> None:
        share = [Milestone(2023, D(23)), Milestone(2025, D(25))]
        target = progress.year_target
        self.assertEqual(
            target(kind=progress.LEVEL, milestones=share, year=2025, plan_start=PLAN_START), D(25)
        )
        self.assertEqual(
            target(kind=progress.LEVEL, milestones=share, year=2024, plan_start=PLAN_START),
            D("24.00"),
        )
        # After the last stated year a level keeps its target; a count has none.
        self.assertEqual(
            target(kind=progress.LEVEL, milestones=share, year=2026, plan_start=PLAN_START), D(25)
        )
        self.assertIsNone(
            target(kind=progress.CUMULATIVE, milestones=share, year=2026, plan_start=PLAN_START)
        )
        self.assertIsNone(
            target(
                kind=progress.ANNUAL,
                milestones=[Milestone(2025, D(3))],
                year=2024,
                plan_start=PLAN_START,
            )
        )


class StatusTests(SimpleTestCase):
    def status(self, value, expectation, target, comparator=">=", lower=False, kind="annual"):  # type: ignore[no-untyped-def]
        return progress.status(
            value=None if value is None else D(value),
            expectation=None if expectation is None else D(expectation),
            target=None if target is None else D(target),
            comparator=comparator,
            lower_is_better=lower,
            kind=kind,
        )

    def test_against_the_target_and_the_time_proportional_expectation(self) -> None:
        self.assertEqual(self.status("85", "39.67", "80"), progress.MET)
        self.assertEqual(self.status("45", "39.67", "80"), progress.AHEAD)
        # Within 2% of the expectation counts as on schedule; below it, behind.
        self.assertEqual(self.status("39", "39.67", "80"), progress.ON)
        self.assertEqual(self.status("38.8", "39.67", "80"), progress.BEHIND)
        self.assertEqual(self.status(None, "39.67", "80"), progress.NO_DATA)
        self.assertEqual(self.status("10", None, None), progress.NO_TARGET)

    def test_a_level_is_compared_exactly(self) -> None:
        # 制造业产品质量合格率稳定在92%以上: 91.9% is short of it, whatever the tolerance.
        self.assertEqual(self.status("91.9", "92", "92", kind="level"), progress.BEHIND)
        self.assertEqual(self.status("92", "92", "92", kind="level"), progress.MET)

    def test_lower_is_better(self) -> None:
        # A rate to keep under 5%, expected at 6% by now: 5.5% is ahead, 6.5% behind.
        self.assertEqual(self.status("5.5", "6", "5", "<=", lower=True), progress.AHEAD)
        self.assertEqual(self.status("6.5", "6", "5", "<=", lower=True), progress.BEHIND)
        self.assertEqual(self.status("4.9", "6", "5", "<=", lower=True), progress.MET)


class WholeFigureTests(SimpleTestCase):
    """Counts of whole things are expected in whole numbers, as people count them."""

    def rounding(self, unit: str, values: list[str], lower: bool = False, baseline=None):  # type: ignore[no-untyped-def]
        return progress.rounding_for(
            unit=unit,
            milestones=[Milestone(2023 + i, D(v)) for i, v in enumerate(values)],
            baseline=baseline,
            lower_is_better=lower,
        )

    def test_a_count_of_whole_things_is_rounded_up_when_at_least_is_asked(self) -> None:
        # 每年实施技改项目500项以上: 341/365 of 500 by 7 December is 467.12 项, so 468 must
        # be there; 467 is short of it.
        rounding = self.rounding("项", ["500", "500", "500", "500", "500"])
        self.assertEqual(rounding, progress.WHOLE_UP)
        yearly = [Milestone(year, D(500)) for year in range(2023, 2028)]
        day = datetime.date(2026, 12, 7)
        self.assertEqual(
            progress.expected(
                kind=progress.ANNUAL, milestones=yearly, day=day, plan_start=PLAN_START
            ),
            D("467.12"),
        )
        shown = progress.expected(
            kind=progress.ANNUAL,
            milestones=yearly,
            day=day,
            plan_start=PLAN_START,
            rounding=rounding,
        )
        self.assertEqual(shown, D(468))
        self.assertEqual(str(shown), "468")
        # A figure already whole stays as it is: 80 家 by 31 December is 80, not 81.
        institutes = [Milestone(year, D(80)) for year in range(2023, 2028)]
        self.assertEqual(
            progress.expected(
                kind=progress.ANNUAL,
                milestones=institutes,
                day=datetime.date(2026, 12, 31),
                plan_start=PLAN_START,
                rounding=progress.WHOLE_UP,
            ),
            D(80),
        )

    def test_a_whole_result_of_inexact_division_is_not_pushed_to_the_next_count(self) -> None:
        # 18 by 31 December from 0 on 25 December: 3 by the 26th, though 18 × 1/6 is
        # 3.000…001 in 28-digit arithmetic; 3 from 0 on 28 December: 1 by the 29th,
        # though 3 × 1/3 is 0.999…9.
        def shown(value: int, start: int, day: int, rounding: progress.Rounding) -> Decimal | None:
            return progress.expected(
                kind=progress.CUMULATIVE,
                milestones=[Milestone(2023, D(value))],
                day=datetime.date(2023, 12, day),
                plan_start=datetime.date(2023, 12, start),
                rounding=rounding,
            )

        self.assertEqual(shown(18, 25, 26, progress.WHOLE_UP), D(3))
        self.assertEqual(shown(3, 28, 29, progress.WHOLE_DOWN), D(1))

    def test_a_count_to_keep_low_is_rounded_down(self) -> None:
        # No more than 5 起 a year: by 30 June (181/365) at most 2.48, so 2.
        rounding = self.rounding("起", ["5"], lower=True)
        self.assertEqual(rounding, progress.WHOLE_DOWN)
        shown = progress.expected(
            kind=progress.ANNUAL,
            milestones=[Milestone(2026, D(5), "<=")],
            day=datetime.date(2026, 6, 30),
            plan_start=PLAN_START,
            rounding=rounding,
        )
        self.assertEqual(shown, D(2))

    def test_rates_amounts_and_ratios_keep_their_decimals(self) -> None:
        # 年度随机抽查企业3%以上: 2.80% by 7 December, not 3.
        self.assertEqual(self.rounding("%", ["3", "3"]), progress.DECIMALS)
        self.assertEqual(self.rounding("亿元", ["6"]), progress.DECIMALS)
        # 每万人口发明专利拥有量3.5件 is a ratio though 件 counts things.
        self.assertEqual(self.rounding("件", ["3.5"]), progress.DECIMALS)
        self.assertEqual(self.rounding("项", ["10"], baseline=D("2.5")), progress.DECIMALS)
        shown = progress.expected(
            kind=progress.ANNUAL,
            milestones=[Milestone(2026, D(3))],
            day=datetime.date(2026, 12, 7),
            plan_start=PLAN_START,
            rounding=self.rounding("%", ["3"]),
        )
        self.assertEqual(shown, D("2.80"))

    def test_a_years_target_between_stated_years_is_whole_too(self) -> None:
        # 协同创新平台: 1 by 2025, 2 by 2027; 2026's target is 1.5 平台, so 2.
        platforms = [Milestone(2025, D(1)), Milestone(2027, D(2))]
        self.assertEqual(
            progress.year_target(
                kind=progress.CUMULATIVE,
                milestones=platforms,
                year=2026,
                plan_start=PLAN_START,
                rounding=progress.WHOLE_UP,
            ),
            D(2),
        )
