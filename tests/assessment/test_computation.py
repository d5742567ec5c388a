"""Each criterion computed from the year's records, on hand-made data where the right
score is known (tests/assessment/base.py gives the reckoning by hand)."""

from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessment.models import Grade, Rule
from assessment.scoring import DEFAULT_CRITERIA, CriterionRule, Scheme, score_year
from assessment.selectors import year_facts
from departments.models import Unit
from plans.models import Category, Plan, Task
from rounds.opening import round_create
from supervision.models import Interview
from tests.assessment.base import AS_OF, YEAR, YearTestCase, day

SCHEME = Scheme(criteria=[CriterionRule(r, w, d) for r, w, d in DEFAULT_CRITERIA])


class YearComputationTests(YearTestCase):
    def results(self) -> dict[int, object]:
        facts = year_facts(self.plan, YEAR, AS_OF)
        return {result.unit_id: result for result in score_year(facts, SCHEME)}

    def criteria(self, unit: Unit) -> dict[str, object]:
        return {c.rule: c for c in self.results()[unit.pk].criteria}

    def test_the_on_time_rate_counts_the_reports_of_the_rounds_opened_in_the_year(self) -> None:
        on_time = self.criteria(self.gongxin)[Rule.ON_TIME]
        self.assertEqual(on_time.points, Decimal("12.50"))
        self.assertEqual(on_time.counts, {"due": 4, "good": 2, "late": 1, "missing": 1})
        lines = {line["round"]: line for line in on_time.lines}
        self.assertEqual(list(lines), ["2026年3月", "2026年6月", "2026年9月", "2026年12月"])
        self.assertEqual(lines["2026年6月"]["state"], "late")
        self.assertEqual(lines["2026年6月"]["late_days"], 3)
        self.assertEqual(lines["2026年9月"]["state"], "missing")
        self.assertEqual(lines["2026年12月"]["state"], "on_time")
        self.assertEqual(lines["2026年3月"]["report"], self.report(self.gongxin, "2026年3月").pk)
        self.assertEqual(self.criteria(self.keji)[Rule.ON_TIME].points, Decimal(25))

    def test_returns_count_the_bureaus_returns_of_a_task_entry_in_the_year(self) -> None:
        returns = self.criteria(self.gongxin)[Rule.RETURNS]
        self.assertEqual(returns.points, Decimal(8))
        self.assertEqual(
            [(line["round"], line["task"], line["reason"]) for line in returns.lines],
            [
                ("2026年3月", 8, "技改项目数据不全，请补充。"),
                ("2026年6月", 4, "佐证材料缺失。"),
            ],
        )
        self.assertEqual(self.criteria(self.keji)[Rule.RETURNS].points, Decimal(10))

    def test_returns_never_take_more_than_the_criterions_points(self) -> None:
        scheme = Scheme(criteria=[CriterionRule(Rule.RETURNS, Decimal(10), Decimal(6))])
        facts = year_facts(self.plan, YEAR, AS_OF)
        result = next(r for r in score_year(facts, scheme) if r.unit_id == self.gongxin.pk)
        self.assertEqual(result.criteria[0].points, Decimal(0))

    def test_indicator_targets_met_over_the_units_indicators_with_a_target(self) -> None:
        indicators = self.criteria(self.gongxin)[Rule.INDICATORS]
        self.assertEqual(indicators.points, Decimal("6.67"))
        self.assertEqual(indicators.counts, {"due": 3, "good": 1})
        lines = {line["name"]: line for line in indicators.lines}
        self.assertEqual(set(lines), {"新增工业企业研发机构", "实施技改项目", "新增高新技术企业"})
        self.assertEqual(
            (lines["新增工业企业研发机构"]["value"], lines["新增工业企业研发机构"]["period"]),
            ("85", "2026年9月"),
        )
        self.assertTrue(lines["新增工业企业研发机构"]["met"])
        self.assertEqual(lines["实施技改项目"]["target"], "500")
        self.assertFalse(lines["实施技改项目"]["met"])
        self.assertIsNone(lines["新增高新技术企业"]["value"])
        self.assertEqual(lines["新增高新技术企业"]["url"], f"/indicators/{self.hightech.pk}/")

    def test_a_unit_owning_no_indicator_with_a_target_gets_the_full_points(self) -> None:
        indicators = self.criteria(self.keji)[Rule.INDICATORS]
        self.assertEqual(indicators.points, Decimal(20))
        self.assertEqual(indicators.note, "no_indicators")
        self.assertEqual(indicators.lines, [])

    def test_lead_tasks_due_in_the_year_closed_by_their_deadline(self) -> None:
        tasks = self.criteria(self.gongxin)[Rule.TASKS]
        self.assertEqual(tasks.points, Decimal(10))
        self.assertEqual(
            [(line["number"], line["state"], line["closed_on"]) for line in tasks.lines],
            [(4, "on_time", "2026-06-20"), (8, "late", "2026-10-15")],
        )
        keji = self.criteria(self.keji)[Rule.TASKS]
        self.assertEqual(keji.points, Decimal(0))
        self.assertEqual([(line["number"], line["state"]) for line in keji.lines], [(5, "open")])

    def test_a_unit_with_no_lead_task_due_gets_the_full_points(self) -> None:
        county = self.criteria(self.county)[Rule.TASKS]
        self.assertEqual((county.points, county.note), (Decimal(20), "no_tasks"))

    def test_red_lights_of_the_unit_in_the_years_rounds(self) -> None:
        red = self.criteria(self.gongxin)[Rule.RED_LIGHTS]
        self.assertEqual(red.points, Decimal(6))
        self.assertEqual(
            [(line["round"], line["reasons"]) for line in red.lines],
            [("2026年3月", ["任务8完成逾期12天"]), ("2026年9月", ["2026年9月报告逾期5天"])],
        )

    def test_supervision_notices_of_the_plan_issued_in_the_year(self) -> None:
        notices = self.criteria(self.gongxin)[Rule.NOTICES]
        self.assertEqual(notices.points, Decimal(5))
        self.assertEqual(
            [line["notice"] for line in notices.lines],
            [self.notice_may.pk, self.notice_august.pk],
        )
        self.assertEqual(notices.lines[0]["number"], self.notice_may.doc_number)
        self.assertEqual(notices.lines[0]["reasons"], ["任务8完成逾期"])

    def test_interviews_held_in_the_year(self) -> None:
        interviews = self.criteria(self.gongxin)[Rule.INTERVIEWS]
        self.assertEqual(interviews.points, Decimal(0))
        self.assertEqual([line["interview"] for line in interviews.lines], [self.held.pk])

    def test_an_interview_counts_for_the_plan_it_names_or_when_it_names_none(self) -> None:
        other = Plan.objects.create(title="另一方案", doc_number="另〔2026〕1号", source_text="-")
        category = Category.objects.create(plan=other, number=1, title="类别")
        elsewhere = Task.objects.create(
            plan=other,
            category=category,
            order=1,
            number=1,
            title="他案任务",
            lead_unit=self.gongxin,
        )
        of_other_plan = self.interview(day(3, 1), Interview.Status.HELD)
        of_other_plan.tasks.set([elsewhere])
        of_no_task = self.interview(day(4, 1), Interview.Status.HELD)
        of_no_task.tasks.set([])
        interviews = self.criteria(self.gongxin)[Rule.INTERVIEWS]
        self.assertEqual(
            [line["interview"] for line in interviews.lines], [of_no_task.pk, self.held.pk]
        )

    def test_totals_ranks_and_grades(self) -> None:
        results = self.results()
        gongxin, keji = results[self.gongxin.pk], results[self.keji.pk]
        self.assertEqual(gongxin.total, Decimal("48.17"))
        self.assertEqual(gongxin.grade, Grade.POOR)
        self.assertEqual(keji.total, Decimal(80))
        self.assertEqual(keji.grade, Grade.GOOD)
        counties = [r for r in results.values() if r.unit_id in self.county_ids()]
        self.assertTrue(counties)
        self.assertEqual({r.total for r in counties}, {Decimal(75)})
        self.assertEqual({r.grade for r in counties}, {Grade.FAIR})
        # All the counties tie: one rank for all, the next unit's rank after them all.
        self.assertEqual(len({r.rank for r in counties}), 1)
        ranked = sorted(results.values(), key=lambda r: r.rank)
        self.assertEqual(ranked[-1].unit_id, self.gongxin.pk)
        below = [r.rank for r in results.values() if r.total < Decimal(75)]
        self.assertEqual(min(below), counties[0].rank + len(counties) + self.others_at_75(results))

    def county_ids(self) -> set[int]:
        return set(Unit.objects.get(code="counties").members.values_list("pk", flat=True))

    def others_at_75(self, results: dict) -> int:
        counties = self.county_ids()
        return sum(1 for r in results.values() if r.total == 75 and r.unit_id not in counties)

    def test_the_units_assessed_report_in_the_year_or_lead_a_task(self) -> None:
        units = year_facts(self.plan, YEAR, AS_OF).units
        self.assertIn(self.gongxin.pk, units)
        self.assertIn(self.keji.pk, units)
        # 市住房城乡建设局 leads tasks and never reported: assessed, full points.
        self.assertIn(Unit.objects.get(name="市住房城乡建设局").pk, units)
        self.assertNotIn(self.audit_office.pk, units)  # in no task, no report
        self.assertNotIn(Unit.objects.get(code="counties").pk, units)  # a group

    def test_the_computation_takes_the_same_queries_whatever_the_rounds(self) -> None:
        with CaptureQueriesContext(connection) as before:
            year_facts(self.plan, YEAR, AS_OF)
        round_create(
            plan=self.plan,
            by=None,
            period="2026年11月",
            deadline=day(12, 5),
            today=day(11, 20),
            tasks=list(self.tasks.values()),
        )
        with CaptureQueriesContext(connection) as after:
            facts = year_facts(self.plan, YEAR, AS_OF)
        self.assertEqual(len(after), len(before))
        self.assertEqual(len([r for r in facts.reports if r.unit_id == self.gongxin.pk]), 5)
