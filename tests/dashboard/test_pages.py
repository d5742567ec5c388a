"""The dashboard pages: who gets which view, the 404 rule, the links behind the figures
and the charts."""

import base64
import re

from django.urls import reverse
from django.utils.html import escape

from audit.models import AuditEvent
from departments.models import Unit, User
from tests.base import make_person
from tests.dashboard.base import REPORTING_UNITS, DashboardTestCase


def plan_url(case: DashboardTestCase) -> str:
    return reverse("plan_dashboard", args=[case.plan.pk])


def unit_url(case: DashboardTestCase, unit: Unit) -> str:
    return reverse("unit_dashboard", args=[case.plan.pk, unit.pk])


def svg_images(html: str) -> list[str]:
    return [
        base64.b64decode(data).decode()
        for data in re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', html)
    ]


class WhoSeesWhatTests(DashboardTestCase):
    def denied(self, user: User, path: str) -> int:
        return AuditEvent.objects.filter(
            action="access.denied", username=user.username, summary__path=path
        ).count()

    def test_a_supervisor_and_a_leadership_reader_see_the_whole_city(self) -> None:
        for person in (self.supervisor, self.reader):
            with self.subTest(person=person.username):
                response = self.login(person).get(plan_url(self))
                self.assertEqual(response.status_code, 200)
                self.assertIsNone(response.context["board"].unit)
                self.assertNotContains(response, 'data-testid="scope"')
                self.assertContains(response, 'data-testid="red-units"')

    def test_whole_city_people_open_any_units_view(self) -> None:
        for person in (self.supervisor, self.reader):
            for unit in (self.gongxin, self.keji, self.audit_office):
                with self.subTest(person=person.username, unit=unit.name):
                    response = self.login(person).get(unit_url(self, unit))
                    self.assertEqual(response.status_code, 200)
                    self.assertEqual(response.context["board"].unit, unit)
                    self.assertContains(response, unit.name)

    def test_a_group_of_units_has_no_view_of_its_own(self) -> None:
        group = Unit.objects.get(kind=Unit.Kind.GROUP)
        self.assertEqual(self.login(self.supervisor).get(unit_url(self, group)).status_code, 404)

    def test_a_liaison_and_a_leader_get_their_units_view_on_the_plans_dashboard(self) -> None:
        for person, unit in (
            (self.lead_liaison, self.gongxin),
            (self.leader, self.gongxin),
            (self.co_liaison, self.tax),
            (self.county_liaison, self.county),
        ):
            with self.subTest(person=person.username):
                response = self.login(person).get(plan_url(self))
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response.context["board"].unit, unit)
                self.assertContains(response, 'data-testid="scope"')
                own = self.client.get(unit_url(self, unit))
                self.assertEqual(own.status_code, 200)

    def test_a_liaison_gets_404_on_another_units_view_and_the_refusal_is_recorded(self) -> None:
        for person, other in (
            (self.lead_liaison, self.keji),
            (self.leader, self.bureau),
            (self.co_liaison, self.gongxin),
            (self.county_liaison, Unit.objects.get(kind=Unit.Kind.GROUP)),
        ):
            with self.subTest(person=person.username, unit=other.name):
                path = unit_url(self, other)
                response = self.login(person).get(path)
                self.assertEqual(response.status_code, 404)
                self.assertEqual(self.denied(person, path), 1)

    def test_a_liaison_of_a_unit_with_no_part_in_the_plan_gets_404_on_both_pages(self) -> None:
        visitor = self.unrelated_liaison  # 市审计局
        for path in (
            plan_url(self),
            unit_url(self, self.audit_office),
            unit_url(self, self.gongxin),
        ):
            with self.subTest(path=path):
                self.assertEqual(self.login(visitor).get(path).status_code, 404)
                self.assertEqual(self.denied(visitor, path), 1)

    def test_a_plan_that_does_not_exist_answers_404_without_a_trace(self) -> None:
        path = reverse("plan_dashboard", args=[2_147_483_000])
        for person in (self.supervisor, self.lead_liaison):
            self.assertEqual(self.login(person).get(path).status_code, 404)
        self.assertFalse(AuditEvent.objects.filter(action="access.denied").exists())

    def test_the_administrator_and_the_auditor_touch_no_ledger_data(self) -> None:
        office = Unit.objects.get(code="zhengfuban")
        for role in (User.Role.ADMIN, User.Role.AUDITOR):
            person = make_person(f"t.{role}", role, self.gongxin if role == "admin" else office)
            with self.subTest(role=role):
                for path in (plan_url(self), unit_url(self, self.gongxin)):
                    self.assertEqual(self.login(person).get(path).status_code, 404)
                    self.assertEqual(self.denied(person, path), 1)

    def test_the_dashboard_needs_a_login(self) -> None:
        response = self.client.get(plan_url(self))
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("login"), response["Location"])

    def test_the_dashboard_is_read_only(self) -> None:
        response = self.login(self.supervisor).post(plan_url(self))
        self.assertEqual(response.status_code, 405)


class CityPageTests(DashboardTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.response = self.login(self.supervisor).get(plan_url(self))
        self.html = self.response.content.decode()

    def test_each_light_count_links_to_the_ledger_rows_of_that_light(self) -> None:
        ledger = reverse("plan_ledger", args=[self.plan.pk])
        for color, count in (("red", 1), ("yellow", 1), ("green", 1), ("done", 1)):
            self.assertInHTML(
                f'<a href="{ledger}?round={self.april.pk}&amp;light={color}">{count}</a>',
                self.html,
            )

    def test_category_cells_link_to_the_ledger_by_category_and_progress(self) -> None:
        ledger = reverse("plan_ledger", args=[self.plan.pk])
        two = self.plan.categories.get(number=2)
        done = f"{ledger}?round={self.april.pk}&category={two.pk}&status=done&reported=yes"
        self.assertInHTML(f'<a href="{escape(done)}">1</a>', self.html)
        # 未报送: the ledger's rows of the reports not sent yet, as many as counted.
        unsent = f"{ledger}?round={self.april.pk}&reported=no"
        self.assertInHTML(f'<a href="{escape(unsent)}">2</a>', self.html)
        rows = self.client.get(unsent).context["rows"]
        self.assertEqual(len(rows), 2)
        self.assertEqual(len(self.client.get(done).context["rows"]), 1)

    def test_the_red_list_links_to_the_task_and_the_units_pages(self) -> None:
        red = re.search(r'data-testid="red-tasks".*?</table>', self.html, re.S)[0]
        self.assertIn(reverse("task_detail", args=[self.tasks[5].pk]), red)
        self.assertIn(reverse("unit_detail", args=[self.keji.pk]), red)
        self.assertIn("任务5签收逾期7天", red)
        units = re.search(r'data-testid="red-units".*?</table>', self.html, re.S)[0]
        self.assertIn(reverse("unit_detail", args=[self.bureau.pk]), units)
        self.assertIn("2026年第一季度调度报告逾期8天", units)

    def test_rankings_link_to_each_units_view(self) -> None:
        timeliness = re.search(r'data-testid="timeliness".*?</table>', self.html, re.S)[0]
        self.assertIn(unit_url(self, self.gongxin), timeliness)
        first = re.search(r'<tr data-unit="([^"]+)" data-rank="1">', timeliness)
        self.assertEqual(first[1], "市工业和信息化局")

    def test_tied_units_show_one_shared_rank(self) -> None:
        timeliness = re.search(r'data-testid="timeliness".*?</table>', self.html, re.S)[0]
        ranks = re.findall(r'<tr data-unit="[^"]+" data-rank="(\d+)">', timeliness)
        # Two units apart, then 21 that never sent their one report due: all third.
        self.assertEqual(ranks, ["1", "2"] + ["3"] * (REPORTING_UNITS - 2))

    def test_reports_interviews_commitments_and_notices_link_to_their_pages(self) -> None:
        keji_report = self.april.reports.get(unit=self.keji)
        self.assertContains(self.response, reverse("report_detail", args=[keji_report.pk]))
        self.assertContains(
            self.response, reverse("interview_detail", args=[self.keji_interview.pk])
        )
        self.assertNotContains(
            self.response, reverse("interview_detail", args=[self.other_interview.pk])
        )
        commitment = self.notice.unit.interviews.get().commitments.get()
        self.assertContains(
            self.response, reverse("interview_detail", args=[commitment.interview_id])
        )
        self.assertContains(self.response, reverse("supervision_notice", args=[self.notice.pk]))

    def test_reports_due_are_listed_one_line_per_round_each_unit_linking_its_report(self) -> None:
        due = re.search(r'data-testid="reports-due".*?</section>', self.html, re.S)[0]
        first = re.search(r'<tr data-round="2026年第一季度" class="overdue">.*?</tr>', due, re.S)[0]
        self.assertEqual(len(re.findall(r"data-report=", first)), REPORTING_UNITS - 2)
        self.assertIn('<strong class="error">8</strong>', first)
        april = re.search(r'<tr data-round="2026年4月">.*?</tr>', due, re.S)[0]
        keji = self.april.reports.get(unit=self.keji)
        self.assertIn(reverse("report_detail", args=[keji.pk]), april)
        self.assertNotIn(">市工业和信息化局<", april)

    def test_the_headline_counts_link_to_their_rows(self) -> None:
        headline = re.search(r'data-testid="headline".*?</ul>', self.html, re.S)[0]
        ledger = reverse("plan_ledger", args=[self.plan.pk])
        red = f'href="{ledger}?round={self.april.pk}&amp;light=red"><strong>1</strong>'
        self.assertIn(red, headline)
        self.assertIn(f"<strong>{REPORTING_UNITS - 2}</strong>", headline)  # overdue
        self.assertIn(f"<strong>{REPORTING_UNITS - 1}</strong>", headline)  # due this week

    def test_the_trend_links_each_rounds_counts_to_the_ledger(self) -> None:
        ledger = reverse("plan_ledger", args=[self.plan.pk])
        trend = re.search(r'data-testid="trend-table".*?</table>', self.html, re.S)[0]
        self.assertIn(
            f'href="{ledger}?round={self.first.pk}&amp;status=behind&amp;reported=yes"', trend
        )
        self.assertIn(f'href="{ledger}?round={self.first.pk}&amp;light=red"', trend)
        self.assertIn(f'href="{ledger}?round={self.first.pk}&amp;reported=no"', trend)
        self.assertIn(reverse("round_detail", args=[self.first.pk]), trend)

    def test_the_charts_are_svg_with_chinese_labels_and_no_script(self) -> None:
        images = svg_images(self.html)
        self.assertEqual(len(images), 3)
        joined = "\n".join(images)
        for label in (
            "分类推进情况",
            "各期序时进度",
            "各期任务预警",
            "2026年4月",
            "未报送",
            "红灯",
        ):
            self.assertIn(label, joined)
        self.assertNotIn("<script", joined)
        self.assertNotIn("http://", joined.replace("http://www.w3.org", ""))
        self.assertNotIn("<script", self.html)

    def test_the_page_is_in_chinese_by_default(self) -> None:
        self.assertContains(self.response, "<h1>工作看板</h1>", html=True)
        self.assertContains(self.response, "<th>调度期次</th>", html=True)


class UnitPageTests(DashboardTestCase):
    def test_a_liaisons_view_shows_its_unit_only(self) -> None:
        response = self.login(self.co_liaison).get(plan_url(self))
        html = response.content.decode()
        self.assertContains(response, "市税务局")
        # No other unit's row in the rankings, no red unit list, no other unit's report.
        self.assertNotIn('data-testid="red-units"', html)
        ranked = re.findall(r'<tr data-unit="([^"]+)" data-rank', html)
        self.assertEqual(set(ranked), {"市税务局"})
        keji_report = self.april.reports.get(unit=self.keji)
        self.assertNotContains(response, reverse("report_detail", args=[keji_report.pk]))
        own = self.april.reports.get(unit=self.tax)
        self.assertContains(response, reverse("report_detail", args=[own.pk]))
        # The liaison's ledger is their unit's already: the links name no unit.
        self.assertNotIn("&amp;unit=", html)

    def test_a_supervisors_unit_view_links_to_the_ledger_of_that_unit(self) -> None:
        response = self.login(self.supervisor).get(unit_url(self, self.gongxin))
        ledger = reverse("plan_ledger", args=[self.plan.pk])
        self.assertContains(
            response,
            f'href="{ledger}?round={self.april.pk}&amp;light=done&amp;unit={self.gongxin.pk}"',
        )
        self.assertContains(response, 'data-testid="own-light"')
