import datetime

from django.urls import reverse
from viewflow.workflow.models import Task as FlowTask
from viewflow.workflow.status import STATUS

from audit.models import AuditEvent
from departments.models import Unit, User
from tests.audit_coverage import audited
from tests.base import PlanTestCase, make_person
from tests.visible_text import english_on_page
from workflow.dispatch import task_dispatch
from workflow.flows import TaskFlow
from workflow.models import TaskEvent, TaskProcess
from workflow.services import task_resume, task_suspend, task_terminate

TODAY = datetime.date(2024, 1, 8)


class WorkflowTestCase(PlanTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.gongxin_colleague = make_person("t.gongxin2", User.Role.LIAISON, cls.gongxin)
        # Task 4: lead 市工业和信息化局, the counties informed.
        (cls.process,) = task_dispatch(tasks=[cls.task_of(4)], by=None, today=TODAY)

    @classmethod
    def task_of(cls, number: int):  # type: ignore[no-untyped-def]
        return cls.plan.tasks.get(number=number)

    def setUp(self) -> None:
        reverse("home")  # viewflow's node URLs know their namespace once the URLconf loads

    def step(self, node) -> FlowTask:  # type: ignore[no-untyped-def]
        return FlowTask.objects.get(process_id=self.process.pk, flow_task=node)

    def claim(self, user: User, node) -> FlowTask:  # type: ignore[no-untyped-def]
        task = self.step(node)
        self.client.force_login(user)
        url = node.reverse("assign", args=[self.process.pk, task.pk])
        self.assertEqual(self.client.post(url, {"_continue": 1}).status_code, 302)
        return task


class VisibilityTests(WorkflowTestCase):
    def test_another_units_liaison_gets_404_on_every_process_url(self) -> None:
        ack = self.step(TaskFlow.acknowledge)
        self.client.force_login(self.co_liaison)  # 市税务局: nothing to do with task 4
        urls = [
            reverse("task:process_detail", args=[self.process.pk]),
            TaskFlow.acknowledge.reverse("index", args=[self.process.pk, ack.pk]),
            TaskFlow.acknowledge.reverse("detail", args=[self.process.pk, ack.pk]),
            TaskFlow.acknowledge.reverse("assign", args=[self.process.pk, ack.pk]),
            TaskFlow.acknowledge.reverse("execute", args=[self.process.pk, ack.pk]),
            reverse("task_detail", args=[self.process.plan_task_id]),
        ]
        for url in urls:
            with self.subTest(url=url):
                response = (
                    self.client.post(url) if url.endswith("assign/") else self.client.get(url)
                )
                self.assertEqual(response.status_code, 404)
        self.assertGreaterEqual(
            AuditEvent.objects.filter(action="access.denied", username="t.shuiwu").count(),
            len(urls) - 1,
        )
        self.assertIsNone(FlowTask.objects.get(pk=ack.pk).owner)

    def test_viewflows_dashboards_lead_to_the_products_scoped_pages(self) -> None:
        # viewflow's own lists show every process to anyone with the model's
        # view permission, in untranslated Material pages: they are not served.
        targets = {
            reverse("task:index"): reverse("my_tasks"),
            reverse("task:process_list"): reverse("plan_list"),
            reverse("task:task_list"): reverse("my_tasks"),
            reverse("task:process_detail", args=[self.process.pk]): reverse(
                "task_detail", args=[self.process.plan_task_id]
            ),
        }
        for person in (self.lead_liaison, self.supervisor):
            self.client.force_login(person)
            for url, target in targets.items():
                with self.subTest(url=url, person=person.username):
                    self.assertRedirects(self.client.get(url), target)

    def test_the_flow_chart_and_viewflows_cancel_page_are_not_served(self) -> None:
        self.client.force_login(self.supervisor)
        for url in ("/workflow/chart/", f"/workflow/{self.process.pk}/chart/"):
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 404)
        url = f"/workflow/{self.process.pk}/cancel/"
        self.assertEqual(self.client.post(url).status_code, 404)
        self.process.refresh_from_db()
        self.assertEqual(self.process.status, "NEW")

    def test_the_step_pages_viewflow_serves_are_in_chinese(self) -> None:
        ack = self.step(TaskFlow.acknowledge)
        self.client.force_login(self.lead_liaison)
        pages = [
            TaskFlow.acknowledge.reverse("assign", args=[self.process.pk, ack.pk]),
            TaskFlow.acknowledge.reverse("detail", args=[self.process.pk, ack.pk]),
        ]
        start = FlowTask.objects.get(process_id=self.process.pk, flow_task=TaskFlow.start)
        pages.append(TaskFlow.start.reverse("detail", args=[self.process.pk, start.pk]))
        for url in pages:
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(
                    english_on_page(response.content.decode(), self.lead_liaison.username), []
                )
        response = self.client.get(pages[0])
        self.assertContains(response, "领取此环节由您本人办理")
        self.assertContains(response, self.process.plan_task.title)

    def test_a_colleagues_claimed_step_is_not_hidden_and_says_who_has_it(self) -> None:
        ack = self.claim(self.lead_liaison, TaskFlow.acknowledge)
        self.client.force_login(self.gongxin_colleague)
        url = TaskFlow.acknowledge.reverse("execute", args=[self.process.pk, ack.pk])
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'id="step-already-done"')

    def test_the_task_page_offers_each_person_what_they_can_do(self) -> None:
        url = reverse("task_detail", args=[self.process.plan_task_id])
        self.client.force_login(self.lead_liaison)
        response = self.client.get(url)
        self.assertContains(response, "签收")
        self.assertContains(response, 'data-step="acknowledge"')
        self.assertContains(response, ">办理</button>")
        self.client.force_login(self.reader)
        response = self.client.get(url)
        self.assertContains(response, 'data-step="acknowledge"')
        self.assertNotContains(response, ">办理</button>")
        self.assertNotContains(response, "task_suspend")

    def test_my_steps_lists_what_waits_for_my_unit_what_i_claimed_and_what_i_did(self) -> None:
        self.client.force_login(self.co_liaison)
        self.assertNotContains(self.client.get(reverse("my_tasks")), "支持产业基础质量建设")
        self.client.force_login(self.lead_liaison)
        response = self.client.get(reverse("my_tasks"))
        inbox = response.context["inbox"]
        # Waiting for the unit: one button takes the step and opens it.
        self.assertEqual([(row.kind, row.claim) for row in inbox.rows], [("acknowledge", True)])
        self.assertEqual(inbox.done, [])
        self.assertContains(response, "支持产业基础质量建设")
        ack = self.claim(self.lead_liaison, TaskFlow.acknowledge)
        inbox = self.client.get(reverse("my_tasks")).context["inbox"]
        execute = TaskFlow.acknowledge.reverse("execute", args=[self.process.pk, ack.pk])
        self.assertEqual(
            [(row.kind, row.claim, row.open_url) for row in inbox.rows],
            [("acknowledge", False, execute)],
        )
        self.client.post(execute)
        inbox = self.client.get(reverse("my_tasks")).context["inbox"]
        # The unit's work-plan branch now waits; the acknowledgement is done.
        self.assertEqual([row.kind for row in inbox.rows], ["write_part"])
        self.assertEqual([row.kind for row in inbox.done], ["acknowledge"])

    def test_the_leadership_reader_can_claim_nothing(self) -> None:
        ack = self.step(TaskFlow.acknowledge)
        self.client.force_login(self.reader)
        url = TaskFlow.acknowledge.reverse("assign", args=[self.process.pk, ack.pk])
        self.assertEqual(self.client.post(url, {"_continue": 1}).status_code, 403)
        self.assertFalse(FlowTask.objects.user_queue(self.reader).filter(status=STATUS.NEW))


class ControlTests(WorkflowTestCase):
    def post(self, user: User, name: str, reason: str = "省里调整了任务", **extra: str):  # type: ignore[no-untyped-def]
        self.client.force_login(user)
        return self.client.post(
            reverse(name, args=[self.process.plan_task_id]), {"reason": reason, **extra}
        )

    def test_a_supervisor_suspends_and_resumes_with_reasons_in_the_history(self) -> None:
        task = self.process.plan_task
        with audited(
            task_suspend,
            action="task.suspend",
            by=self.supervisor,
            obj=task,
            summary={"reason": "省里调整了任务"},
        ):
            self.assertEqual(self.post(self.supervisor, "task_suspend").status_code, 302)
        self.assertTrue(TaskProcess.objects.get(pk=self.process.pk).suspended)
        # While suspended the lead unit cannot acknowledge.
        ack = self.claim(self.lead_liaison, TaskFlow.acknowledge)
        url = TaskFlow.acknowledge.reverse("execute", args=[self.process.pk, ack.pk])
        response = self.client.post(url, {})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "暂停")
        self.assertEqual(FlowTask.objects.get(pk=ack.pk).status, STATUS.ASSIGNED)
        with audited(
            task_resume,
            action="task.resume",
            by=self.supervisor,
            obj=task,
            summary={"reason": "已明确"},
        ):
            self.assertEqual(self.post(self.supervisor, "task_resume", "已明确").status_code, 302)
        self.client.force_login(self.lead_liaison)
        self.assertEqual(self.client.post(url, {}).status_code, 302)
        events = TaskEvent.objects.filter(process=self.process).values_list("action", "reason")
        self.assertEqual(
            [e for e in events if e[0] in ("suspend", "resume")],
            [("suspend", "省里调整了任务"), ("resume", "已明确")],
        )
        self.assertEqual(
            AuditEvent.objects.filter(action__in=["task.suspend", "task.resume"]).count(), 2
        )

    def test_a_supervisor_terminates_a_task_and_its_steps_are_cancelled(self) -> None:
        # Not without ticking that it cannot be undone.
        response = self.post(self.supervisor, "task_terminate")
        self.assertEqual(response.status_code, 302)
        self.assertEqual(TaskProcess.objects.get(pk=self.process.pk).status, "NEW")
        page = self.client.get(response.url)
        self.assertContains(page, '<li class="error">')
        with audited(
            task_terminate,
            action="task.terminate",
            by=self.supervisor,
            obj=self.process.plan_task,
            summary={"reason": "省里调整了任务"},
        ):
            response = self.post(self.supervisor, "task_terminate", confirm="1")
            self.assertEqual(response.status_code, 302)
        process = TaskProcess.objects.get(pk=self.process.pk)
        self.assertEqual(process.status, "CANCELED")
        self.assertEqual(self.step(TaskFlow.acknowledge).status, STATUS.CANCELED)
        self.assertTrue(AuditEvent.objects.filter(action="task.terminate").exists())

    def test_a_reason_is_required(self) -> None:
        self.post(self.supervisor, "task_suspend", reason="")
        self.assertFalse(TaskProcess.objects.get(pk=self.process.pk).suspended)

    def test_people_other_than_supervisors_get_404(self) -> None:
        for user in (self.lead_liaison, self.leader, self.reader, self.co_liaison):
            for name in ("task_suspend", "task_resume", "task_terminate"):
                with self.subTest(user=user.username, name=name):
                    self.assertEqual(self.post(user, name).status_code, 404)
        self.assertFalse(TaskProcess.objects.get(pk=self.process.pk).suspended)


class CountyBranchTests(PlanTestCase):
    def test_the_county_group_expands_to_one_branch_per_county_when_asked(self) -> None:
        reverse("home")
        task = self.plan.tasks.get(number=7)  # lead 市市场监管局, the counties
        (process,) = task_dispatch(tasks=[task], by=None, today=TODAY, county_branches=[task.pk])
        ack = FlowTask.objects.get(process_id=process.pk, flow_task=TaskFlow.acknowledge)
        bureau_liaison = make_person("t.sc", User.Role.LIAISON, self.bureau)
        self.client.force_login(bureau_liaison)
        self.client.post(TaskFlow.acknowledge.reverse("assign", args=[process.pk, ack.pk]), {})
        self.client.post(TaskFlow.acknowledge.reverse("execute", args=[process.pk, ack.pk]), {})
        branches = FlowTask.objects.filter(process_id=process.pk, flow_task=TaskFlow.write_part)
        units = Unit.objects.filter(pk__in=[b.data["unit"] for b in branches])
        self.assertEqual(branches.count(), 19)
        self.assertEqual(units.filter(kind=Unit.Kind.COUNTY).count(), 18)
        # The 临城县 liaison finds exactly its own branch in its queue.
        queue = FlowTask.objects.user_queue(self.county_liaison).filter(
            process_id=process.pk, status=STATUS.NEW
        )
        self.assertEqual([t.data["unit"] for t in queue], [self.county.pk])

    def test_by_default_the_counties_are_informed_not_branched(self) -> None:
        reverse("home")
        task = self.plan.tasks.get(number=7)
        (process,) = task_dispatch(tasks=[task], by=None, today=TODAY)
        self.assertFalse(process.county_branches)
        from workflow.branches import work_plan_branches

        self.assertEqual(work_plan_branches(process), [{"unit": self.bureau.pk, "lead": True}])


class QueryCountTests(WorkflowTestCase):
    def count(self, url: str) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            self.assertEqual(self.client.get(url).status_code, 200)
        return len(queries)

    def test_my_steps_and_the_task_page_cost_the_same_for_one_task_or_many(self) -> None:
        self.client.force_login(self.lead_liaison)
        few = self.count(reverse("my_tasks"))
        page_few = self.count(reverse("task_detail", args=[self.process.plan_task_id]))
        # Three more tasks led by 市工业和信息化局, each with a step waiting for it.
        task_dispatch(
            tasks=[self.task_of(n) for n in (6, 8, 10)], by=None, today=datetime.date(2024, 1, 8)
        )
        self.assertEqual(self.count(reverse("my_tasks")), few)
        self.assertEqual(
            self.count(reverse("task_detail", args=[self.process.plan_task_id])), page_few
        )
