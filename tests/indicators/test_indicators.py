"""Indicators of the Xingtai plan: made at dispatch, reported in the rounds, read
against their targets and the time-proportional schedule, and scoped per unit."""

import datetime
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import time_machine
from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from audit.models import AuditEvent
from departments.models import Unit, User
from indicators import progress, services
from indicators.models import Indicator, IndicatorTarget, IndicatorValue
from indicators.selectors import indicator_rows, plan_indicator_rows, year_results
from rounds.models import Entry, TargetValue, UnitReport
from rounds.opening import round_create
from tests.audit_coverage import audited
from tests.base import PlanTestCase, make_person
from workflow.dispatch import task_dispatch

D = Decimal
SHANGHAI = ZoneInfo("Asia/Shanghai")


class IndicatorTestCase(PlanTestCase):
    """Tasks 4 (lead 市工业和信息化局) and 5 dispatched on 2026-01-05; rounds for the
    first two quarters of 2026. 新增标准 is owned by the bureau (the unit leading most
    tasks); its value is reported by the bureau's liaison."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.bureau_liaison = make_person("t.shichang", User.Role.LIAISON, cls.bureau)
        cls.nongye = Unit.objects.get(code="nongye")
        task_dispatch(
            tasks=[cls.plan.tasks.get(number=4), cls.plan.tasks.get(number=5)],
            by=None,
            today=datetime.date(2026, 1, 5),
        )
        cls.q1 = round_create(
            plan=cls.plan,
            by=None,
            period="2026年第一季度",
            deadline=datetime.date(2026, 4, 10),
            today=datetime.date(2026, 3, 21),
        )
        cls.q2 = round_create(
            plan=cls.plan,
            by=None,
            period="2026年第二季度",
            deadline=datetime.date(2026, 7, 10),
            today=datetime.date(2026, 6, 20),
        )
        cls.standards = Indicator.objects.get(plan=cls.plan, task=None, name__startswith="新增主导")
        cls.institutes = Indicator.objects.get(
            plan=cls.plan, task__number=4, name="新增工业企业研发机构"
        )

    def lead_value(self, rnd, value: str, sent: bool = True) -> None:  # type: ignore[no-untyped-def]
        """市工业和信息化局's task 4 entry reports 新增工业企业研发机构 = value."""
        entry = Entry.objects.get(report__round=rnd, task__number=4, is_lead=True)
        target = entry.task.targets.get(indicator="新增工业企业研发机构")
        TargetValue.objects.update_or_create(
            entry=entry, target=target, defaults={"value": D(value)}
        )
        if sent:
            UnitReport.objects.filter(pk=entry.report_id).update(sent_at=timezone.now())


class BuildTests(IndicatorTestCase):
    def test_dispatch_makes_the_plans_targets_into_indicators_with_yearly_targets(self) -> None:
        share = Indicator.objects.get(plan=self.plan, task=None, name__startswith="高新技术")
        self.assertEqual(share.kind, Indicator.Kind.LEVEL)
        self.assertEqual(share.unit_of_measure, "%")
        self.assertEqual(
            [(t.year, t.value) for t in share.targets.all()], [(2023, D(23)), (2025, D(25))]
        )
        self.assertEqual(self.standards.kind, Indicator.Kind.CUMULATIVE)
        self.assertEqual(
            [(t.year, t.value) for t in self.standards.targets.all()],
            [(2023, D(32)), (2025, D(85)), (2027, D(140))],
        )
        self.assertEqual(self.standards.owner, self.bureau)
        # 研发经费投入增长 (2023) and 研发经费投入年均增长 (2025) are one series.
        research = Indicator.objects.filter(plan=self.plan, task=None, name__contains="研发经费")
        self.assertEqual(research.count(), 1)
        self.assertEqual([t.year for t in research.get().targets.all()], [2023, 2025])

    def test_a_tasks_yearly_target_applies_to_every_year_of_the_plan(self) -> None:
        self.assertEqual(self.institutes.kind, Indicator.Kind.ANNUAL)
        self.assertEqual(self.institutes.owner, self.gongxin)
        self.assertEqual(
            [(t.year, t.value) for t in self.institutes.targets.all()],
            [(year, D(80)) for year in range(2023, 2028)],
        )
        self.assertTrue(all(t.task_target_id for t in self.institutes.targets.all()))

    def test_building_again_keeps_what_is_there_and_is_audited(self) -> None:
        count = Indicator.objects.filter(plan=self.plan).count()
        Indicator.objects.filter(pk=self.standards.pk).delete()
        with audited(
            services.indicators_build,
            action="indicator.build",
            by=self.supervisor,
            obj=self.plan,
            summary={"indicators": 1},
        ):
            made = services.indicators_build(plan=self.plan, by=self.supervisor)
        self.assertEqual(made, 1)
        self.assertEqual(Indicator.objects.filter(plan=self.plan).count(), count)
        event = AuditEvent.objects.get(action="indicator.build", username=self.supervisor.username)
        self.assertEqual(event.summary["indicators"], 1)
        with self.assertRaises(services.IndicatorError):
            services.indicators_build(plan=self.plan, by=self.lead_liaison)


class ReadingTests(IndicatorTestCase):
    def test_values_over_the_rounds_against_the_target_and_the_expectation(self) -> None:
        self.lead_value(self.q1, "18")
        self.lead_value(self.q2, "41")
        row = indicator_rows(self.plan, [self.institutes], datetime.date(2026, 7, 15))[0]
        self.assertEqual([p.period for p in row.points], ["2026年第一季度", "2026年第二季度"])
        self.assertEqual(
            [p.day for p in row.points], [datetime.date(2026, 3, 31), datetime.date(2026, 6, 30)]
        )
        # 80 a year: 90/365 by 31 March (19.73), 181/365 by 30 June (39.67); 研发机构
        # are counted whole, and "at least" rounds up: 20 and 40.
        self.assertEqual([p.expected for p in row.points], [D(20), D(40)])
        self.assertEqual([p.value for p in row.points], [D(18), D(41)])
        self.assertEqual([p.status for p in row.points], [progress.BEHIND, progress.AHEAD])
        self.assertEqual(row.status, progress.AHEAD)
        self.assertEqual(row.year_target, D(80))
        self.assertEqual(row.expected_now, D(43))  # 196/365 of 80 on 15 July: 42.96

    def test_where_it_stands_now_is_read_from_the_latest_rounds(self) -> None:
        self.lead_value(self.q1, "18")
        row = indicator_rows(self.plan, [self.institutes], datetime.date(2026, 7, 15), recent=1)[0]
        self.assertEqual(row.points, [])
        self.assertIsNone(row.latest)  # the first quarter's value is not among them
        row = indicator_rows(self.plan, [self.institutes], datetime.date(2026, 7, 15), recent=2)[0]
        self.assertEqual([p.period for p in row.points], ["2026年第一季度"])
        self.lead_value(self.q2, "41")
        row = indicator_rows(self.plan, [self.institutes], datetime.date(2026, 7, 15), recent=1)[0]
        self.assertEqual(row.latest.value, D(41))

    def test_a_value_in_an_unsent_report_does_not_count_yet(self) -> None:
        self.lead_value(self.q1, "18", sent=False)
        row = indicator_rows(self.plan, [self.institutes], datetime.date(2026, 4, 1))[0]
        self.assertIsNone(row.latest)
        self.assertEqual(row.status, progress.NO_DATA)

    def test_the_years_results_for_the_assessment(self) -> None:
        self.lead_value(self.q1, "30")
        self.lead_value(self.q2, "82")
        services.indicator_values_report(
            round=self.q2, by=self.bureau_liaison, values={self.standards.pk: "96"}
        )
        results = {r.indicator_id: r for r in year_results(self.plan, 2026)}
        institutes = results[self.institutes.pk]
        self.assertEqual((institutes.value, institutes.period), (D(82), "2026年第二季度"))
        self.assertTrue(institutes.met)
        self.assertTrue(institutes.target_stated)
        standards = results[self.standards.pk]
        # 2026 lies halfway between the 2025 (85) and 2027 (140) targets: 112.5 标准,
        # so at least 113.
        self.assertEqual(standards.target, D(113))
        self.assertFalse(standards.target_stated)
        self.assertFalse(standards.met)
        # A level keeps its last stated target (25% from 2025); with no value it is
        # not met. A yearly count the plan states for 2025 only has no 2026 target.
        share = Indicator.objects.get(plan=self.plan, task=None, name__startswith="高新技术")
        self.assertEqual(results[share.pk].target, D(25))
        self.assertIs(results[share.pk].met, False)
        platform = Indicator.objects.get(plan=self.plan, task=None, name__startswith="建设检验")
        self.assertEqual(platform.kind, Indicator.Kind.CUMULATIVE)
        self.assertEqual(results[platform.pk].target, D(2))  # 1.5 平台: at least 2
        made_in_2025 = year_results(self.plan, 2025)
        self.assertTrue(all(r.value is None for r in made_in_2025))

    def test_reading_the_whole_plan_takes_the_same_queries_whatever_its_size(self) -> None:
        def count() -> int:
            with CaptureQueriesContext(connection) as queries:
                plan_indicator_rows(self.plan, datetime.date(2026, 7, 15))
            return len(queries)

        small = count()
        self.lead_value(self.q1, "18")
        self.lead_value(self.q2, "41")
        services.indicator_values_report(
            round=self.q2, by=self.bureau_liaison, values={self.standards.pk: "96"}
        )
        round_create(
            plan=self.plan,
            by=None,
            period="2026年第三季度",
            deadline=datetime.date(2026, 10, 10),
            today=datetime.date(2026, 9, 20),
        )
        self.assertEqual(count(), small)


class ReportingTests(IndicatorTestCase):
    def test_the_owner_units_liaison_reports_in_the_current_round(self) -> None:
        with audited(
            services.indicator_values_report,
            action="indicator.report",
            by=self.bureau_liaison,
            summary={"values": {self.standards.name: "96"}},
        ):
            services.indicator_values_report(
                round=self.q2,
                by=self.bureau_liaison,
                values={self.standards.pk: "96"},
                notes={self.standards.pk: "市标准化院统计"},
            )
        value = IndicatorValue.objects.get(indicator=self.standards, round=self.q2)
        self.assertEqual(
            (value.value, value.unit, value.note), (D(96), self.bureau, "市标准化院统计")
        )
        event = AuditEvent.objects.get(action="indicator.report")
        self.assertEqual(event.summary["values"], {self.standards.name: "96"})
        # Emptying the field takes the value back.
        services.indicator_values_report(
            round=self.q2, by=self.bureau_liaison, values={self.standards.pk: ""}
        )
        self.assertFalse(IndicatorValue.objects.filter(indicator=self.standards).exists())

    def test_refusals_write_nothing(self) -> None:
        share = Indicator.objects.get(plan=self.plan, task=None, name__startswith="高新技术")
        cases = [
            (self.lead_liaison, self.q2, {self.standards.pk: "96"}, "owner unit"),
            (self.bureau_liaison, self.q1, {self.standards.pk: "96"}, "current round"),
            (self.bureau_liaison, self.q2, {self.standards.pk: "九十六"}, "not a number"),
            (self.bureau_liaison, self.q2, {self.standards.pk: "-3"}, "negative"),
            (self.supervisor, self.q2, {share.pk: "123"}, "percentage"),
            (self.supervisor, self.q2, {self.institutes.pk: "12"}, "lead unit's report"),
            # One bad value refuses the good one with it.
            (self.supervisor, self.q2, {self.standards.pk: "96", share.pk: "x"}, "not a number"),
        ]
        for by, rnd, values, words in cases:
            with self.subTest(words=words):
                with (
                    translation.override("en"),
                    self.assertRaises(services.IndicatorError) as caught,
                ):
                    services.indicator_values_report(round=rnd, by=by, values=values)
                self.assertIn(words, caught.exception.message)
        self.assertFalse(IndicatorValue.objects.exists())

    def test_the_working_group_corrects_an_earlier_round(self) -> None:
        services.indicator_values_report(
            round=self.q1, by=self.supervisor, values={self.standards.pk: "90"}
        )
        self.assertEqual(IndicatorValue.objects.get(round=self.q1).unit, self.bureau)

    def test_the_working_group_sets_kind_owner_baseline_and_targets(self) -> None:
        share = Indicator.objects.get(plan=self.plan, task=None, name__startswith="高新技术")
        with audited(
            services.indicator_update, action="indicator.update", by=self.supervisor, obj=share
        ):
            services.indicator_update(
                indicator=share,
                by=self.supervisor,
                kind=Indicator.Kind.LEVEL,
                owner=self.gongxin,
                baseline="21.5",
                direction=">=",
                targets={2027: "27", 2025: "25"},
            )
        share.refresh_from_db()
        self.assertEqual((share.owner, share.baseline), (self.gongxin, D("21.5")))
        self.assertEqual(
            [(t.year, t.value) for t in share.targets.all()],
            [(2023, D(23)), (2025, D(25)), (2027, D(27))],
        )
        event = AuditEvent.objects.get(action="indicator.update")
        self.assertEqual(event.summary["after"]["owner"], self.gongxin.pk)
        refusals = [
            (self.lead_liaison, {"owner": self.gongxin}, "supervisors"),
            (self.supervisor, {"owner": self.audit_office}, "tasks in this plan"),
            (self.supervisor, {"owner": self.gongxin, "baseline": "abc"}, "not a number"),
            (self.supervisor, {"owner": self.gongxin, "targets": {2030: "30"}}, "2023"),
        ]
        for by, changes, words in refusals:
            with self.subTest(words=words):
                arguments = {
                    "kind": share.kind,
                    "owner": share.owner,
                    "baseline": "",
                    "direction": ">=",
                    **changes,
                }
                with (
                    translation.override("en"),
                    self.assertRaises(services.IndicatorError) as caught,
                ):
                    services.indicator_update(indicator=share, by=by, **arguments)
                self.assertIn(words, caught.exception.message)
        share.refresh_from_db()
        self.assertEqual((share.owner, share.baseline), (self.gongxin, D("21.5")))

    def test_a_tasks_indicator_stays_with_the_lead_unit(self) -> None:
        with self.assertRaises(services.IndicatorError):
            services.indicator_update(
                indicator=self.institutes,
                by=self.supervisor,
                kind=Indicator.Kind.ANNUAL,
                owner=self.bureau,
                baseline="",
                direction=">=",
            )


class PageTests(IndicatorTestCase):
    def test_the_indicator_page_shows_the_chart_and_the_time_proportional_line(self) -> None:
        self.lead_value(self.q1, "18")
        self.lead_value(self.q2, "41")
        self.client.force_login(self.reader)
        response = self.client.get(reverse("indicator_detail", args=[self.institutes.pk]))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'data-testid="indicator-chart"')
        self.assertContains(response, "data:image/svg+xml;base64,")
        values = response.context["row"].points
        self.assertEqual([p.expected for p in values], [D(20), D(40)])
        self.assertContains(response, 'data-status="behind"')
        self.assertContains(response, 'data-status="ahead"')
        # Leadership reads; only supervisors get the settings form.
        self.assertIsNone(response.context["form"])

    def test_the_list_for_a_liaison_holds_their_units_indicators_only(self) -> None:
        self.client.force_login(self.lead_liaison)
        response = self.client.get(reverse("plan_indicators", args=[self.plan.pk]))
        self.assertEqual(response.status_code, 200)
        shown = {row.indicator.pk for row in response.context["task_rows"]}
        shown |= {row.indicator.pk for row in response.context["section_rows"]}
        self.assertIn(self.institutes.pk, shown)
        self.assertNotIn(self.standards.pk, shown)
        self.client.force_login(self.supervisor)
        response = self.client.get(reverse("plan_indicators", args=[self.plan.pk]))
        self.assertEqual(
            len(response.context["section_rows"]) + len(response.context["task_rows"]),
            Indicator.objects.filter(plan=self.plan).count(),
        )

    def test_another_units_indicator_answers_404_and_is_recorded(self) -> None:
        self.client.force_login(self.lead_liaison)  # 市工业和信息化局, not the bureau
        for url in (reverse("indicator_detail", args=[self.standards.pk]),):
            self.assertEqual(self.client.get(url).status_code, 404)
        response = self.client.post(
            reverse("indicator_report", args=[self.standards.pk]),
            {"round": self.q2.pk, "value": "90"},
        )
        self.assertEqual(response.status_code, 404)
        self.assertFalse(IndicatorValue.objects.exists())
        self.assertTrue(
            AuditEvent.objects.filter(
                action="access.denied", username=self.lead_liaison.username
            ).exists()
        )
        # 市农业农村局 owns nothing this round and has no task dispatched: no page.
        nongye = make_person("t.nongye", User.Role.LIAISON, self.nongye)
        self.client.force_login(nongye)
        self.assertEqual(
            self.client.get(reverse("round_indicators", args=[self.q2.pk])).status_code, 404
        )

    def test_the_owner_fills_the_rounds_values_on_one_page(self) -> None:
        self.client.force_login(self.bureau_liaison)
        url = reverse("round_indicators", args=[self.q2.pk])
        page = self.client.get(url)
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, self.standards.name)
        response = self.client.post(url, {f"value-{self.standards.pk}": "abc"})
        self.assertContains(response, "不是")  # “abc”不是…的数值
        self.assertFalse(IndicatorValue.objects.exists())
        response = self.client.post(url, {f"value-{self.standards.pk}": "96"})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(IndicatorValue.objects.get().value, D(96))
        # An earlier round is shown, not editable, for the liaison.
        page = self.client.get(reverse("round_indicators", args=[self.q1.pk]))
        self.assertFalse(page.context["editable"])

    def test_the_supervisor_edits_the_settings_on_the_page(self) -> None:
        self.client.force_login(self.supervisor)
        url = reverse("indicator_detail", args=[self.standards.pk])
        response = self.client.post(
            url,
            {
                "kind": "cumulative",
                "direction": ">=",
                "owner": self.bureau.pk,
                "baseline": "5",
                "target_2023": "32",
                "target_2024": "60",
                "target_2025": "85",
                "target_2026": "",
                "target_2027": "140",
            },
        )
        self.assertEqual(response.status_code, 302)
        self.standards.refresh_from_db()
        self.assertEqual(self.standards.baseline, D(5))
        self.assertEqual([t.year for t in self.standards.targets.all()], [2023, 2024, 2025, 2027])


class DashboardTests(IndicatorTestCase):
    def test_the_dashboard_counts_indicators_by_standing_and_lists_those_behind(self) -> None:
        from dashboard.selectors import dashboard

        self.lead_value(self.q1, "18")
        self.lead_value(self.q2, "41")  # 41 of the 39.67 expected by 30 June: ahead
        # 新增标准 by 30 June 2026: 85 + 55 × 181/730 = 98.64 expected; 96 is behind.
        services.indicator_values_report(
            round=self.q2, by=self.bureau_liaison, values={self.standards.pk: "96"}
        )
        city = dashboard(plan=self.plan, unit=None, today=datetime.date(2026, 7, 15)).indicators
        counts = {figure.key: figure.count for figure in city.counts}
        self.assertEqual(counts[progress.AHEAD], 1)
        self.assertEqual(counts[progress.BEHIND], 1)
        self.assertEqual([row.indicator for row in city.behind], [self.standards])
        self.assertEqual(city.total, Indicator.objects.filter(plan=self.plan).count())
        # 市工业和信息化局's view: its own indicators and those of its tasks only.
        own = dashboard(plan=self.plan, unit=self.gongxin, today=datetime.date(2026, 7, 15))
        self.assertEqual(own.indicators.behind, [])
        mine = Indicator.objects.filter(
            Q(owner=self.gongxin) | Q(task__task_units__unit=self.gongxin)
        ).distinct()
        self.assertEqual(own.indicators.total, mine.count())
        self.assertNotIn(self.standards, mine)
        self.client.force_login(self.reader)
        page = self.client.get(reverse("plan_dashboard", args=[self.plan.pk]))
        self.assertContains(page, f'data-indicator="{self.standards.pk}"')


class WholeFigureTests(IndicatorTestCase):
    """What the pages show beside each other is for one day, and counts are whole.

    Task 8 (实施技改项目, 每年500项以上) is dispatched too, and a plan indicator like the
    demo's 创建省结构优质工程 (每年不少于20项) is followed, with 15.9 reported for the
    third quarter of 2026 and the page read on 7 December 2026."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        task_dispatch(
            tasks=[cls.plan.tasks.get(number=8)], by=None, today=datetime.date(2026, 1, 5)
        )
        cls.q3 = round_create(
            plan=cls.plan,
            by=None,
            period="2026年第三季度",
            deadline=datetime.date(2026, 10, 10),
            today=datetime.date(2026, 9, 20),
        )
        cls.works = Indicator.objects.create(
            plan=cls.plan,
            name="创建省结构优质工程",
            unit_of_measure="项",
            kind=Indicator.Kind.ANNUAL,
            owner=cls.bureau,
            order=99,
        )
        for year in range(2023, 2028):
            IndicatorTarget.objects.create(indicator=cls.works, year=year, value=D(20))
        services.indicator_values_report(
            round=cls.q3, by=cls.supervisor, values={cls.works.pk: "15.9"}
        )
        cls.projects = Indicator.objects.get(plan=cls.plan, task__number=8, name="实施技改项目")

    def page(self, name: str, *args: int) -> str:
        self.client.force_login(self.reader)
        with time_machine.travel(datetime.datetime(2026, 12, 7, 10, tzinfo=SHANGHAI), tick=False):
            response = self.client.get(reverse(name, args=args))
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def row(self, html: str, indicator: Indicator) -> str:
        found = re.search(rf'<tr data-indicator="{indicator.pk}">(.*?)</tr>', html, re.S)
        assert found is not None
        return found[1]

    def cell(self, row: str, testid: str) -> str:
        found = re.search(rf'<td[^>]*data-testid="{testid}"[^>]*>(.*?)</td>', row, re.S)
        assert found is not None
        return found[0]

    def test_a_count_is_expected_whole_and_rounded_up(self) -> None:
        row = indicator_rows(self.plan, [self.projects], datetime.date(2026, 12, 7))[0]
        # 341/365 of 500 is 467.12 项: at least 468 must be there.
        self.assertEqual(row.expected_now, D(468))
        html = self.page("indicator_detail", self.projects.pk)
        self.assertRegex(html, r'data-testid="expected-now"><span class="figure">468项</span>')
        self.assertNotIn("467.12", html)

    def test_a_rate_keeps_its_decimals(self) -> None:
        # 制造业产品质量合格率 92% (2023) → 94% (2025): by 30 June 2024, 182 of the 731
        # days, 92.498%; a rate is not a count, it keeps two decimals.
        rate = Indicator.objects.get(plan=self.plan, task=None, name="制造业产品质量合格率")
        row = indicator_rows(self.plan, [rate], datetime.date(2024, 6, 30))[0]
        self.assertEqual(row.expected_now, D("92.50"))
        row = indicator_rows(self.plan, [rate], datetime.date(2024, 3, 31))[0]
        self.assertEqual(row.expected_now, D("92.25"))

    def test_the_standing_and_the_figures_beside_it_are_for_the_same_day(self) -> None:
        html = self.page("plan_indicators", self.plan.pk)
        row = self.row(html, self.works)
        # 15.9 reported for the quarter to 30 September, when 273/365 of 20 (14.96, so
        # 15) was expected: ahead. By today 18.68 (19) would be expected; the list does
        # not set today's expectation beside a rating made on 30 September.
        expected = self.cell(row, "expected")
        self.assertIn('data-day="2026-09-30"', expected)
        self.assertIn('<span class="figure">15项</span>', expected)
        self.assertIn("2026-09-30", re.sub(r"<[^>]+>", "", expected))
        self.assertIn('data-status="ahead"', row)
        self.assertNotIn("18.68", row)
        self.assertEqual(
            progress.status(
                value=D("15.9"),
                expectation=D(15),
                target=D(20),
                comparator=">=",
                lower_is_better=False,
                kind=progress.ANNUAL,
            ),
            progress.AHEAD,
        )
        # The indicator's own page gives both, each with its day: 19 expected by today,
        # and the standing against the 15 of 30 September.
        html = self.page("indicator_detail", self.works.pk)
        self.assertRegex(html, r'data-testid="expected-now"><span class="figure">19项</span>')
        self.assertIn("2026-12-07", html)
        standing = re.search(r'data-testid="standing-figures"[^>]*>(.*?)</span></dd>', html, re.S)
        assert standing is not None
        self.assertIn('data-day="2026-09-30"', standing[0])
        self.assertIn("15项", standing[1])
        self.assertIn("2026-09-30", standing[1])

    def test_an_indicator_without_a_value_shows_todays_expectation_with_todays_date(self) -> None:
        row = self.row(self.page("plan_indicators", self.plan.pk), self.projects)
        expected = self.cell(row, "expected")
        self.assertIn('data-day="2026-12-07"', expected)
        self.assertIn('<span class="figure">468项</span>', expected)
        self.assertIn('data-status="none"', row)

    def test_a_long_target_reads_as_one_unbroken_figure(self) -> None:
        row = self.row(self.page("plan_indicators", self.plan.pk), self.projects)
        # "不低于500项" (the space goes in English only) in one element the style sheet
        # keeps on one line.
        self.assertRegex(self.cell(row, "target"), r'<span class="figure">不低于 ?500项</span>')
        css = (settings.BASE_DIR / "static/css/app.css").read_text()
        self.assertRegex(css, r"\.figure\s*\{\s*white-space:\s*nowrap;")
