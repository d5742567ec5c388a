"""Dispatching a plan's tasks (交办): the supervisor's page and the command."""

import datetime
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.management import CommandError, call_command
from django.db import connection
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from viewflow.workflow.models import Task as FlowTask
from viewflow.workflow.status import STATUS

from audit.models import AuditEvent
from departments.models import Unit, User
from plans.models import Category, Plan, Task, TaskUnit
from tests.audit_coverage import audited
from tests.base import PlanTestCase, make_person
from tests.clock import FrozenClockMixin
from workflow.dispatch import task_dispatch
from workflow.flows import TaskFlow
from workflow.models import TaskProcess

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = datetime.date(2023, 5, 8)
DOC_NUMBER = "邢政办字〔2023〕25号"


def dispatch_rows() -> list[tuple[str, str]]:
    return sorted(
        AuditEvent.objects.filter(action="task.dispatch").values_list("object_id", "username")
    )


class DispatchTestCase(FrozenClockMixin, PlanTestCase):
    start = datetime.datetime(2023, 5, 8, 9, 30, tzinfo=SHANGHAI)

    def assertNothingDispatched(self) -> None:
        self.assertEqual(TaskProcess.objects.count(), 0)
        self.assertEqual(dispatch_rows(), [])
        self.plan.refresh_from_db()
        self.assertEqual(self.plan.status, Plan.Status.IMPORTED)


class DispatchPageTests(DispatchTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.lead_units = Unit.objects.filter(led_tasks__plan=cls.plan).distinct()
        cls.liaison_of = {
            unit.pk: make_person(f"t.lead.{unit.code}", User.Role.LIAISON, unit)
            for unit in cls.lead_units
        }

    def setUp(self) -> None:
        super().setUp()
        self.url = reverse("plan_dispatch", args=[self.plan.pk])
        # Exact messages are asserted in English (the msgids).
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    def post(self, user: User, data: dict[str, Any]) -> HttpResponse:
        self.client.force_login(user)
        return self.client.post(self.url, data)

    def messages(self, response: HttpResponse) -> list[str]:
        return [str(message) for message in get_messages(response.wsgi_request)]

    def errors(self, response: HttpResponse) -> dict[str, list[str]]:
        self.assertEqual(response.status_code, 200)
        # The messages are lazy: read them in the page's language, not the thread's.
        with translation.override(response["Content-Language"]):
            return {name: list(errors) for name, errors in response.context["form"].errors.items()}

    def test_a_supervisor_dispatches_the_whole_plan_to_the_lead_units(self) -> None:
        with audited(task_dispatch, action="task.dispatch", by=self.supervisor, count=27):
            response = self.post(self.supervisor, {"scope": "plan"})
        self.assertRedirects(
            response, reverse("plan_detail", args=[self.plan.pk]), fetch_redirect_response=False
        )
        self.assertEqual(self.messages(response), ["27 tasks dispatched."])
        self.plan.refresh_from_db()
        self.assertEqual(self.plan.status, Plan.Status.ACTIVE)
        processes = TaskProcess.objects.select_related("plan_task")
        self.assertEqual(processes.count(), 27)
        task5 = TaskProcess.objects.get(plan_task=self.task(5))
        self.assertEqual(task5.acknowledge_by, datetime.date(2023, 5, 15))
        self.assertEqual(task5.complete_by, datetime.date(2025, 12, 31))
        self.assertFalse(task5.county_branches)
        # Each task's acknowledgement waits in its lead unit's queue, and only there.
        for process in processes:
            liaison = self.liaison_of[process.plan_task.lead_unit_id]
            queue = FlowTask.objects.user_queue(liaison).filter(
                flow_task=TaskFlow.acknowledge, status=STATUS.NEW
            )
            self.assertIn(process.pk, set(queue.values_list("process_id", flat=True)))
        self.assertFalse(FlowTask.objects.user_queue(self.unrelated_liaison).exists())
        self.assertFalse(
            FlowTask.objects.user_queue(self.co_liaison)
            .filter(flow_task=TaskFlow.acknowledge)
            .exists()
        )
        # One audit row per task, naming the supervisor.
        self.assertEqual(
            dispatch_rows(),
            sorted((str(task.pk), "t.supervisor") for task in self.plan.tasks.all()),
        )

    def test_the_page_lists_the_tasks_with_lead_units_and_default_deadlines(self) -> None:
        task_dispatch(tasks=[self.task(4)], by=self.supervisor, today=TODAY)
        self.client.force_login(self.supervisor)
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "（二）强化质量动能提升引擎作用")
        self.assertContains(response, '<span class="unit lead">市科技局</span>', html=True)
        task5 = self.task(5)
        self.assertContains(response, f'name="tasks" value="{task5.pk}"')
        self.assertContains(response, f'name="county_branches" value="{task5.pk}"')
        self.assertContains(response, "2025-12-31")
        # The task already dispatched is shown as such and cannot be chosen.
        task4 = self.task(4)
        self.assertNotContains(response, f'name="tasks" value="{task4.pk}"')
        self.assertContains(response, '<tr data-task="4" class="dispatched">')
        self.assertContains(response, "Dispatched")

    def test_the_page_takes_as_many_queries_whatever_has_been_dispatched(self) -> None:
        self.client.force_login(self.supervisor)
        with CaptureQueriesContext(connection) as before:
            self.assertEqual(self.client.get(self.url).status_code, 200)
        task_dispatch(tasks=list(self.plan.tasks.all()[:20]), by=self.supervisor, today=TODAY)
        with self.assertNumQueries(len(before)):
            self.assertEqual(self.client.get(self.url).status_code, 200)

    def test_a_supervisor_dispatches_one_category(self) -> None:
        category = self.plan.categories.get(number=2)
        response = self.post(self.supervisor, {"scope": "category", "category": category.pk})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.messages(response), ["4 tasks dispatched."])
        self.assertEqual(
            sorted(TaskProcess.objects.values_list("plan_task__number", flat=True)), [4, 5, 6, 7]
        )
        self.plan.refresh_from_db()
        self.assertEqual(self.plan.status, Plan.Status.ACTIVE)
        self.assertEqual(len(dispatch_rows()), 4)

    def test_a_supervisor_dispatches_chosen_tasks_with_deadlines_and_county_branches(
        self,
    ) -> None:
        task4, task5 = self.task(4), self.task(5)
        response = self.post(
            self.supervisor,
            {
                "scope": "tasks",
                "tasks": [task4.pk, task5.pk],
                "acknowledge_by": "2023-05-20",
                "complete_by": "2026-06-30",
                "county_branches": [task5.pk],
            },
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.messages(response), ["2 tasks dispatched."])
        process4 = TaskProcess.objects.get(plan_task=task4)
        process5 = TaskProcess.objects.get(plan_task=task5)
        self.assertEqual(TaskProcess.objects.count(), 2)
        for process in (process4, process5):
            self.assertEqual(process.acknowledge_by, datetime.date(2023, 5, 20))
            self.assertEqual(process.complete_by, datetime.date(2026, 6, 30))
        self.assertTrue(process5.county_branches)
        self.assertFalse(process4.county_branches)
        event = AuditEvent.objects.get(action="task.dispatch", object_id=str(task5.pk))
        self.assertEqual(event.summary["acknowledge_by"], "2023-05-20")
        self.assertEqual(event.summary["complete_by"], "2026-06-30")

    def test_dispatching_again_skips_the_tasks_already_dispatched(self) -> None:
        category = self.plan.categories.get(number=2)
        task_dispatch(tasks=list(category.tasks.all()), by=self.supervisor, today=TODAY)
        first = TaskProcess.objects.get(plan_task=self.task(5))
        response = self.post(self.supervisor, {"scope": "plan"})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(
            self.messages(response),
            [
                "23 tasks dispatched.",
                "4 tasks were already dispatched and were left as they were.",
            ],
        )
        self.assertEqual(TaskProcess.objects.count(), 27)
        self.assertEqual(TaskProcess.objects.get(plan_task=self.task(5)).pk, first.pk)
        self.assertEqual(len(dispatch_rows()), 27)

    def test_a_task_dispatched_since_the_page_was_opened_is_skipped(self) -> None:
        task4, task5 = self.task(4), self.task(5)
        task_dispatch(tasks=[task4], by=self.supervisor, today=TODAY)
        response = self.post(self.supervisor, {"scope": "tasks", "tasks": [task4.pk, task5.pk]})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(
            self.messages(response),
            ["1 task dispatched.", "1 task was already dispatched and was left as it was."],
        )
        self.assertEqual(TaskProcess.objects.count(), 2)

    def test_deadlines_in_the_past_or_out_of_order_are_refused_and_nothing_is_written(
        self,
    ) -> None:
        task4 = self.task(4)
        response = self.post(
            self.supervisor,
            {"scope": "tasks", "tasks": [task4.pk], "acknowledge_by": "2023-05-07"},
        )
        self.assertEqual(
            self.errors(response),
            {"acknowledge_by": ["The acknowledgement deadline cannot be in the past."]},
        )
        response = self.post(
            self.supervisor,
            {
                "scope": "plan",
                "acknowledge_by": "2023-06-01",
                "complete_by": "2023-05-31",
            },
        )
        self.assertEqual(
            self.errors(response),
            {
                "complete_by": [
                    "The completion deadline cannot come before the acknowledgement deadline."
                ]
            },
        )
        response = self.post(self.supervisor, {"scope": "plan", "complete_by": "2023-05-01"})
        self.assertEqual(
            self.errors(response),
            {"complete_by": ["The completion deadline cannot be in the past."]},
        )
        self.assertContains(response, "The completion deadline cannot be in the past.")
        self.assertNothingDispatched()

    def test_a_completion_deadline_before_a_tasks_default_acknowledgement_writes_nothing(
        self,
    ) -> None:
        # The default acknowledgement comes a week after today, after this date;
        # the service refuses it on the first task, and nothing of the others is kept.
        response = self.post(
            self.supervisor,
            {
                "scope": "tasks",
                "tasks": [self.task(4).pk, self.task(5).pk],
                "complete_by": "2023-05-10",
            },
        )
        self.assertEqual(
            self.errors(response), {"__all__": ["The deadlines of task 4 are out of order."]}
        )
        self.assertContains(response, "The deadlines of task 4 are out of order.")
        self.assertNothingDispatched()

    def test_dispatching_without_a_task_is_refused(self) -> None:
        response = self.post(self.supervisor, {"scope": "tasks"})
        self.assertEqual(self.errors(response), {"tasks": ["Choose at least one task."]})
        self.assertContains(response, "Choose at least one task.")
        response = self.post(self.supervisor, {"scope": "category"})
        self.assertEqual(self.errors(response), {"category": ["Choose the category to dispatch."]})
        response = self.post(self.supervisor, {"tasks": [self.task(4).pk]})
        self.assertEqual(self.errors(response), {"scope": ["Choose what to dispatch."]})
        self.assertNothingDispatched()

    def test_a_task_or_category_of_another_plan_is_refused(self) -> None:
        other = Plan.objects.create(
            title="另一个行动方案", doc_number="邢政办字〔2024〕1号", source_text="…"
        )
        other_category = Category.objects.create(plan=other, number=1, title="其他")
        other_task = Task.objects.create(
            plan=other,
            category=other_category,
            order=1,
            number=1,
            title="其他任务",
            lead_unit=self.gongxin,
        )
        response = self.post(
            self.supervisor, {"scope": "tasks", "tasks": [self.task(4).pk, other_task.pk]}
        )
        self.assertEqual(self.errors(response), {"tasks": ["Choose only tasks of this plan."]})
        response = self.post(self.supervisor, {"scope": "category", "category": other_category.pk})
        self.assertEqual(self.errors(response), {"category": ["Choose a category of this plan."]})
        self.assertNothingDispatched()
        self.assertFalse(TaskProcess.objects.filter(plan_task=other_task).exists())

    def test_county_branches_are_offered_only_on_tasks_that_fall_on_the_counties(self) -> None:
        task2, task3 = self.task(2), self.task(3)
        TaskUnit.objects.filter(task=task3, unit__kind=Unit.Kind.GROUP).delete()
        self.client.force_login(self.supervisor)
        response = self.client.get(self.url)
        self.assertContains(response, f'name="county_branches" value="{task2.pk}"')
        self.assertNotContains(response, f'name="county_branches" value="{task3.pk}"')
        response = self.post(
            self.supervisor,
            {"scope": "tasks", "tasks": [task3.pk], "county_branches": [task3.pk]},
        )
        self.assertEqual(
            self.errors(response),
            {
                "county_branches": [
                    "County branches can be asked for only on tasks of this plan that fall on "
                    "the county governments."
                ]
            },
        )
        self.assertNothingDispatched()

    def test_county_branches_on_a_task_not_chosen_are_refused(self) -> None:
        response = self.post(
            self.supervisor,
            {"scope": "tasks", "tasks": [self.task(4).pk], "county_branches": [self.task(5).pk]},
        )
        self.assertEqual(
            self.errors(response),
            {
                "county_branches": [
                    "Task 5 is not among the tasks to dispatch: choose it too, "
                    "or clear its county branches."
                ]
            },
        )
        self.assertNothingDispatched()

    def test_liaisons_leaders_and_the_reader_get_404_and_nothing_is_written(self) -> None:
        for user in (self.lead_liaison, self.leader, self.reader, self.unrelated_liaison):
            with self.subTest(user=user.username):
                self.client.force_login(user)
                self.assertEqual(self.client.get(self.url).status_code, 404)
                self.assertEqual(self.client.post(self.url, {"scope": "plan"}).status_code, 404)
        self.assertNothingDispatched()
        # Each attempt is recorded, whether or not the person could see the plan.
        self.assertEqual(
            sorted(
                AuditEvent.objects.filter(
                    action="access.denied", object_id=str(self.plan.pk)
                ).values_list("username", flat=True)
            ),
            sorted(["t.gongxin", "t.gongxin.leader", "t.reader", "t.shenji"] * 2),
        )

    def test_a_missing_plan_is_404_for_a_supervisor(self) -> None:
        self.client.force_login(self.supervisor)
        response = self.client.get(reverse("plan_dispatch", args=[999999]))
        self.assertEqual(response.status_code, 404)

    def test_an_anonymous_visitor_is_sent_to_the_login_page(self) -> None:
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(reverse("login")))


class DispatchCommandTests(DispatchTestCase):
    def run_command(self, *args: str) -> str:
        out = StringIO()
        with translation.override("en"):
            call_command("dispatch_plan", "--plan", DOC_NUMBER, *args, stdout=out)
        return out.getvalue()

    def assertRefused(self, message: str, *args: str) -> None:
        with self.assertRaisesMessage(CommandError, message):
            self.run_command(*args)

    def test_the_command_dispatches_the_whole_plan(self) -> None:
        out = self.run_command()
        self.assertIn("27 tasks dispatched.", out)
        self.assertIn("0 tasks were already dispatched and were left as they were.", out)
        self.assertEqual(TaskProcess.objects.count(), 27)
        self.plan.refresh_from_db()
        self.assertEqual(self.plan.status, Plan.Status.ACTIVE)
        # Dispatched from the command line: no person on the audit rows.
        self.assertEqual(
            dispatch_rows(), sorted((str(task.pk), "") for task in self.plan.tasks.all())
        )

    def test_the_command_dispatches_one_category(self) -> None:
        out = self.run_command("--category", "2")
        self.assertIn("4 tasks dispatched.", out)
        self.assertEqual(
            sorted(TaskProcess.objects.values_list("plan_task__number", flat=True)), [4, 5, 6, 7]
        )

    def test_the_command_dispatches_chosen_tasks_with_deadlines_and_county_branches(
        self,
    ) -> None:
        out = self.run_command(
            "--task",
            "4",
            "5",
            "--acknowledge-by",
            "2023-05-20",
            "--complete-by",
            "2026-06-30",
            "--county-branches",
            "5",
        )
        self.assertIn("2 tasks dispatched.", out)
        process4 = TaskProcess.objects.get(plan_task=self.task(4))
        process5 = TaskProcess.objects.get(plan_task=self.task(5))
        self.assertEqual(TaskProcess.objects.count(), 2)
        self.assertEqual(process5.acknowledge_by, datetime.date(2023, 5, 20))
        self.assertEqual(process5.complete_by, datetime.date(2026, 6, 30))
        self.assertTrue(process5.county_branches)
        self.assertFalse(process4.county_branches)

    def test_the_command_skips_and_counts_the_tasks_already_dispatched(self) -> None:
        self.run_command("--task", "4")
        out = self.run_command("--category", "2")
        self.assertIn("3 tasks dispatched.", out)
        self.assertIn("1 task was already dispatched and was left as it was.", out)
        self.assertEqual(TaskProcess.objects.count(), 4)

    def test_an_unknown_plan_stops_the_command_and_nothing_is_written(self) -> None:
        with self.assertRaisesMessage(
            CommandError, "No plan has the document number 邢政办字〔2099〕1号."
        ):
            with translation.override("en"):
                call_command("dispatch_plan", "--plan", "邢政办字〔2099〕1号", stdout=StringIO())
        self.assertNothingDispatched()

    def test_an_unknown_category_or_task_stops_the_command_and_nothing_is_written(self) -> None:
        self.assertRefused(f"Plan {DOC_NUMBER} has no category 9.", "--category", "9")
        self.assertRefused(f"Plan {DOC_NUMBER} has no task 28.", "--task", "4", "28")
        self.assertRefused(
            f"Category 2 of plan {DOC_NUMBER} has no task 1.", "--category", "2", "--task", "1"
        )
        self.assertNothingDispatched()

    def test_bad_dates_stop_the_command_and_nothing_is_written(self) -> None:
        self.assertRefused(
            "2023-13-01 is not a date: write it as YYYY-MM-DD.", "--acknowledge-by", "2023-13-01"
        )
        self.assertRefused(
            "The acknowledgement deadline cannot be in the past.",
            "--acknowledge-by",
            "2023-05-07",
        )
        self.assertRefused(
            "The completion deadline cannot come before the acknowledgement deadline.",
            "--acknowledge-by",
            "2023-06-01",
            "--complete-by",
            "2023-05-31",
        )
        self.assertRefused(
            "The deadlines of task 1 are out of order.", "--complete-by", "2023-05-10"
        )
        self.assertNothingDispatched()

    def test_county_branches_only_on_tasks_being_dispatched(self) -> None:
        self.assertRefused(
            "Task 5 is not among the tasks to dispatch: choose it too, "
            "or clear its county branches.",
            "--task",
            "4",
            "--county-branches",
            "5",
        )
        TaskUnit.objects.filter(task=self.task(4), unit__kind=Unit.Kind.GROUP).delete()
        self.assertRefused(
            "Task 4 does not fall on the county governments.",
            "--task",
            "4",
            "--county-branches",
            "4",
        )
        self.assertNothingDispatched()


class DispatchLinkTests(DispatchTestCase):
    def test_the_plan_page_leads_a_supervisor_and_only_a_supervisor_to_dispatch(self) -> None:
        plan_page = reverse("plan_detail", args=[self.plan.pk])
        dispatch = reverse("plan_dispatch", args=[self.plan.pk])
        self.client.force_login(self.supervisor)
        self.assertContains(self.client.get(plan_page), f'href="{dispatch}"')
        self.client.force_login(self.lead_liaison)
        self.assertNotContains(self.client.get(plan_page), f'href="{dispatch}"')
