import datetime
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from departments.access import get_visible_or_404, refuse_as_missing
from departments.models import Unit
from plans.models import Plan
from tests.audit_coverage import audited
from tests.base import PlanTestCase
from workflow.dispatch import task_dispatch

GONGXIN_TASKS = {2, 4, 5, 6, 8, 10, 12, 14, 17, 18, 19}


def task_numbers(html: str) -> set[int]:
    return {int(n) for n in re.findall(r'data-task="(\d+)"', html)}


class PlanPageTests(PlanTestCase):
    def test_a_supervisor_sees_every_category_and_task_of_the_plan(self) -> None:
        self.client.force_login(self.supervisor)
        response = self.client.get(reverse("plan_detail", args=[self.plan.pk]))
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertEqual(task_numbers(html), set(range(1, 28)))
        self.assertEqual(html.count('<section class="category">'), 8)
        self.assertIn("（一）强化标准化建设引领作用", html)
        self.assertIn("邢政办字〔2023〕25号", html)

    def test_the_page_is_in_chinese_whatever_the_browser_asks_for(self) -> None:
        self.client.force_login(self.supervisor)
        response = self.client.get(
            reverse("plan_detail", args=[self.plan.pk]), HTTP_ACCEPT_LANGUAGE="en-US,en"
        )
        self.assertContains(response, "牵头单位")
        self.assertContains(response, "配合单位")

    def test_english_is_a_choice_that_sticks(self) -> None:
        self.client.force_login(self.supervisor)
        response = self.client.post(reverse("set_language"), {"language": "en", "next": "/"})
        self.assertEqual(response.status_code, 302)
        response = self.client.get(reverse("plan_detail", args=[self.plan.pk]))
        self.assertContains(response, "Lead unit")
        self.assertContains(response, "Co-responsible units")

    def test_a_supervisor_filters_the_plan_by_unit(self) -> None:
        self.client.force_login(self.supervisor)
        response = self.client.get(
            reverse("plan_detail", args=[self.plan.pk]), {"unit": self.gongxin.pk}
        )
        self.assertEqual(task_numbers(response.content.decode()), GONGXIN_TASKS)

    def test_filtering_by_a_county_shows_the_tasks_of_the_county_group(self) -> None:
        self.client.force_login(self.supervisor)
        response = self.client.get(
            reverse("plan_detail", args=[self.plan.pk]), {"unit": self.county.pk}
        )
        self.assertEqual(task_numbers(response.content.decode()), set(range(1, 28)))

    def test_a_supervisor_filters_the_plan_by_category(self) -> None:
        self.client.force_login(self.supervisor)
        category = self.plan.categories.get(number=4)
        response = self.client.get(
            reverse("plan_detail", args=[self.plan.pk]), {"category": category.pk}
        )
        self.assertEqual(task_numbers(response.content.decode()), {11, 12, 13})

    def test_a_liaison_sees_only_the_tasks_of_their_unit(self) -> None:
        self.client.force_login(self.lead_liaison)
        response = self.client.get(reverse("plan_detail", args=[self.plan.pk]))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(task_numbers(response.content.decode()), GONGXIN_TASKS)
        self.assertNotContains(response, 'name="unit"')

    def test_a_liaison_cannot_widen_their_view_with_the_unit_filter(self) -> None:
        self.client.force_login(self.co_liaison)
        response = self.client.get(
            reverse("plan_detail", args=[self.plan.pk]), {"unit": self.bureau.pk}
        )
        self.assertEqual(task_numbers(response.content.decode()), {5})

    def test_a_county_liaison_sees_every_task_that_falls_on_the_counties(self) -> None:
        self.client.force_login(self.county_liaison)
        response = self.client.get(reverse("plan_detail", args=[self.plan.pk]))
        self.assertEqual(task_numbers(response.content.decode()), set(range(1, 28)))

    def test_a_unit_the_plan_does_not_name_gets_404_for_the_plan(self) -> None:
        self.client.force_login(self.unrelated_liaison)
        self.assertEqual(self.client.get(reverse("home")).status_code, 200)
        response = self.client.get(reverse("plan_detail", args=[self.plan.pk]))
        self.assertEqual(response.status_code, 404)

    def test_the_plan_list_leads_to_a_started_plans_dashboard(self) -> None:
        self.client.force_login(self.reader)
        dashboard = reverse("plan_dashboard", args=[self.plan.pk])
        self.assertNotContains(self.client.get(reverse("plan_list")), dashboard)
        task_dispatch(tasks=[self.task(4)], by=None, today=datetime.date(2026, 1, 5))
        self.assertContains(self.client.get(reverse("plan_list")), dashboard)

    def test_the_leadership_reader_sees_the_whole_plan(self) -> None:
        self.client.force_login(self.reader)
        response = self.client.get(reverse("plan_detail", args=[self.plan.pk]))
        self.assertEqual(task_numbers(response.content.decode()), set(range(1, 28)))

    def test_an_anonymous_visitor_is_sent_to_the_login_page(self) -> None:
        response = self.client.get(reverse("plan_detail", args=[self.plan.pk]))
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(reverse("login")))


class TaskPageTests(PlanTestCase):
    def test_a_liaison_of_the_lead_unit_sees_the_task_with_measures_and_targets(self) -> None:
        self.client.force_login(self.lead_liaison)
        response = self.client.get(reverse("task_detail", args=[self.task(4).pk]))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "支持产业基础质量建设")
        self.assertContains(response, "新增工业企业研发机构")
        self.assertContains(response, '<span class="unit lead">市工业和信息化局</span>', html=True)

    def test_a_co_unit_sees_the_whole_task(self) -> None:
        self.client.force_login(self.co_liaison)
        response = self.client.get(reverse("task_detail", args=[self.task(5).pk]))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "全面落实研发费用加计扣除政策")
        self.assertContains(response, "加强知识产权保护")

    def test_a_liaison_of_another_unit_gets_404_and_the_attempt_is_recorded(self) -> None:
        self.client.force_login(self.co_liaison)
        task = self.task(4)
        with audited(
            get_visible_or_404,
            refuse_as_missing,
            action="access.denied",
            by=self.co_liaison,
            obj=task,
            outcome=AuditEvent.Outcome.DENIED,
            count=1,
        ):
            response = self.client.get(reverse("task_detail", args=[task.pk]))
        self.assertEqual(response.status_code, 404)
        event = AuditEvent.objects.get(action="access.denied")
        self.assertEqual(event.username, "t.shuiwu")
        self.assertEqual(event.unit_name, "市税务局")
        self.assertEqual(event.object_id, str(task.pk))
        self.assertEqual(event.outcome, AuditEvent.Outcome.DENIED)

    def test_a_missing_task_is_404_without_an_audit_row(self) -> None:
        self.client.force_login(self.co_liaison)
        response = self.client.get(reverse("task_detail", args=[999999]))
        self.assertEqual(response.status_code, 404)
        self.assertFalse(AuditEvent.objects.filter(action="access.denied").exists())

    def test_a_supervisor_sees_the_co_lead_and_the_county_group(self) -> None:
        self.client.force_login(self.supervisor)
        response = self.client.get(reverse("task_detail", args=[self.task(2).pk]))
        self.assertContains(response, "各县(市、区)政府")
        self.assertContains(response, "市文化广电和旅游局")


class QueryCountTests(PlanTestCase):
    def _count(self, url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            self.assertEqual(self.client.get(url).status_code, 200)
        return len(queries)

    def test_the_plan_page_costs_the_same_queries_for_few_or_many_tasks(self) -> None:
        self.client.force_login(self.supervisor)
        small = Plan.objects.create(title="小方案", doc_number="测试〔2024〕1号", source_text="")
        category = small.categories.create(number=1, title="唯一类别")
        small.tasks.create(
            category=category,
            order=1,
            number=1,
            title="唯一任务",
            lead_unit=Unit.objects.get(code="keji"),
        ).task_units.create(unit=Unit.objects.get(code="keji"), role="lead", order=0)
        few = self._count(reverse("plan_detail", args=[small.pk]))
        many = self._count(reverse("plan_detail", args=[self.plan.pk]))
        self.assertEqual(few, many)
        # Session, person, plan, categories, units for the filter, tasks with their
        # units and targets, plan targets, and the idle-timeout session refresh.
        self.assertLessEqual(many, 14)
