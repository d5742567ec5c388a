import datetime
from functools import partial

from django.urls import reverse
from viewflow.workflow.models import Task as FlowTask
from viewflow.workflow.status import STATUS

from audit.models import AuditEvent
from departments.models import Unit, User
from plans.models import Plan
from tests.audit_coverage import audited
from tests.base import PlanTestCase, make_person
from workflow import dispatch, services
from workflow.dispatch import task_dispatch
from workflow.flows import TaskFlow
from workflow.models import TaskEvent, TaskProcess, WorkPlanPart

TODAY = datetime.date(2024, 1, 8)


class LifecycleTests(PlanTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.kexie = Unit.objects.get(code="keji")
        cls.keji_liaison = make_person("t.keji", User.Role.LIAISON, cls.kexie)
        cls.bureau_liaison = make_person("t.shichang", User.Role.LIAISON, cls.bureau)
        cls.keji_leader = make_person("t.keji.leader", User.Role.LEADER, cls.kexie)

    def open_step(self, user: User, node) -> FlowTask:  # type: ignore[no-untyped-def]
        """Claim the person's step of `node` the way they would: from their queue."""
        self.client.force_login(user)
        # viewflow's node URLs know their namespace once the URLconf is loaded.
        reverse("home")
        queue = FlowTask.objects.user_queue(user).filter(flow_task=node, status=STATUS.NEW)
        task = queue.get()
        url = node.reverse("assign", args=[task.process_id, task.pk])
        response = self.client.post(url, {"_continue": 1})
        self.assertEqual(response.status_code, 302, response.content[:500])
        return task

    def do_step(self, user: User, node, data: dict | None = None):  # type: ignore[no-untyped-def]
        task = self.open_step(user, node)
        url = node.reverse("execute", args=[task.process_id, task.pk])
        self.assertEqual(self.client.get(url).status_code, 200)
        return self.client.post(url, data or {})

    def test_a_task_goes_from_dispatch_to_closure_with_a_return_on_the_way(self) -> None:
        task5 = self.task(5)  # lead 市科技局; co 市场监管局, 工信局, 税务局, the counties
        # Each step's row is written by the step's service through the history helper.
        audited_step = partial(audited, services._event, obj=task5, count=1)
        with audited_step(dispatch.task_dispatch, action="task.dispatch", by=self.supervisor):
            (process,) = task_dispatch(tasks=[task5], by=self.supervisor, today=TODAY)
        self.assertEqual(Plan.objects.get().status, Plan.Status.ACTIVE)
        self.assertEqual(process.acknowledge_by, datetime.date(2024, 1, 15))
        self.assertEqual(process.complete_by, datetime.date(2025, 12, 31))

        # Only the lead unit's people find the acknowledgement in their queue.
        self.assertFalse(FlowTask.objects.user_queue(self.co_liaison).filter(status=STATUS.NEW))
        with audited_step(
            services.task_acknowledge, action="task.acknowledge", by=self.keji_liaison
        ):
            response = self.do_step(self.keji_liaison, TaskFlow.acknowledge)
        self.assertEqual(response.status_code, 302)

        # One branch per unit, the county group informed, not branched.
        branches = FlowTask.objects.filter(flow_task=TaskFlow.write_part, status=STATUS.NEW)
        self.assertEqual(
            sorted(Unit.objects.get(pk=t.data["unit"]).name for t in branches),
            sorted(["市科技局", "市市场监管局", "市工业和信息化局", "市税务局"]),
        )
        # A co-unit writes only its own part.
        self.assertEqual(
            FlowTask.objects.user_queue(self.co_liaison)
            .filter(flow_task=TaskFlow.write_part, status=STATUS.NEW)
            .count(),
            1,
        )
        part = {
            "content": "按季度报送研发费用加计扣除落实情况。",
            "milestones-TOTAL_FORMS": "0",
            "milestones-INITIAL_FORMS": "0",
        }
        lead_part = {
            "content": "推进国家级科技创新平台建设。",
            "milestones-TOTAL_FORMS": "1",
            "milestones-INITIAL_FORMS": "0",
            "milestones-0-title": "完成平台申报",
            "milestones-0-due_on": "2024-06-30",
            "milestones-0-measure": "申报1项",
        }
        with audited_step(
            services.work_plan_part_submit,
            action="task.work_plan.part",
            by=self.co_liaison,
            summary={"units": ["市税务局"], "revision": 1},
        ):
            response = self.do_step(self.co_liaison, TaskFlow.write_part, part)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(
            self.do_step(self.keji_liaison, TaskFlow.write_part, lead_part).status_code, 302
        )
        self.assertEqual(
            self.do_step(self.lead_liaison, TaskFlow.write_part, part).status_code, 302
        )
        self.assertEqual(
            self.do_step(self.bureau_liaison, TaskFlow.write_part, part).status_code, 302
        )
        # The leader signs; the supervisor returns it to the lead and the tax bureau.
        with audited_step(
            services.work_plan_sign, action="task.work_plan.sign", by=self.keji_leader
        ):
            response = self.do_step(self.keji_leader, TaskFlow.sign_work_plan)
        self.assertEqual(response.status_code, 302)
        with audited_step(
            services.work_plan_review,
            action="task.work_plan.return",
            by=self.supervisor,
            summary={"reason": "里程碑不够具体"},
        ):
            response = self.do_step(
                self.supervisor,
                TaskFlow.review_work_plan,
                {"decision": "return", "reason": "里程碑不够具体", "returned_units": [self.tax.pk]},
            )
        self.assertEqual(response.status_code, 302)
        branches = FlowTask.objects.filter(flow_task=TaskFlow.write_part, status=STATUS.NEW)
        self.assertEqual(
            sorted(Unit.objects.get(pk=t.data["unit"]).name for t in branches),
            sorted(["市科技局", "市税务局"]),
        )
        self.assertEqual(self.do_step(self.co_liaison, TaskFlow.write_part, part).status_code, 302)
        self.assertEqual(
            self.do_step(self.keji_liaison, TaskFlow.write_part, lead_part).status_code, 302
        )
        self.assertEqual(self.do_step(self.keji_leader, TaskFlow.sign_work_plan).status_code, 302)
        self.assertEqual(
            self.do_step(
                self.supervisor, TaskFlow.review_work_plan, {"decision": "approve"}
            ).status_code,
            302,
        )
        self.assertEqual(WorkPlanPart.objects.filter(process=process, unit=self.tax).count(), 2)
        # Completion: applied, signed, returned once, then closed.
        summary = {"summary": "平台已获批。"}
        with audited_step(
            services.completion_apply, action="task.completion.apply", by=self.keji_liaison
        ):
            response = self.do_step(self.keji_liaison, TaskFlow.apply_completion, summary)
        self.assertEqual(response.status_code, 302)
        with audited_step(
            services.completion_sign, action="task.completion.sign", by=self.keji_leader
        ):
            response = self.do_step(self.keji_leader, TaskFlow.sign_completion)
        self.assertEqual(response.status_code, 302)
        with audited_step(
            services.completion_verify,
            action="task.completion.return",
            by=self.supervisor,
            summary={"reason": "缺少批复文件"},
        ):
            response = self.do_step(
                self.supervisor,
                TaskFlow.verify_completion,
                {"decision": "return", "reason": "缺少批复文件"},
            )
        self.assertEqual(response.status_code, 302)
        self.do_step(self.keji_liaison, TaskFlow.apply_completion, summary)
        self.do_step(self.keji_leader, TaskFlow.sign_completion)
        # Closing is final: not without ticking the confirmation.
        step = self.open_step(self.supervisor, TaskFlow.verify_completion)
        url = TaskFlow.verify_completion.reverse("execute", args=[step.process_id, step.pk])
        response = self.client.post(url, {"decision": "approve"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(TaskProcess.objects.get(pk=process.pk).status, "NEW")
        self.client.post(url, {"decision": "approve", "confirm": "on"})
        process = TaskProcess.objects.get(pk=process.pk)
        self.assertEqual(process.status, "DONE")
        self.assertEqual(
            list(TaskEvent.objects.filter(process=process).values_list("action", flat=True)),
            [
                "dispatch",
                "acknowledge",
                "work_plan.part",
                "work_plan.part",
                "work_plan.part",
                "work_plan.part",
                "work_plan.sign",
                "work_plan.return",
                "work_plan.part",
                "work_plan.part",
                "work_plan.sign",
                "work_plan.approve",
                "completion.apply",
                "completion.sign",
                "completion.return",
                "completion.apply",
                "completion.sign",
                "completion.close",
            ],
        )
        # Every step is in the audit trail too, with the person who took it.
        trail = AuditEvent.objects.filter(action__startswith="task.", object_id=str(task5.pk))
        self.assertEqual(
            [event.action for event in trail],
            [
                "task." + action
                for action in TaskEvent.objects.filter(process=process).values_list(
                    "action", flat=True
                )
            ],
        )
        self.assertEqual(trail.get(action="task.work_plan.return").username, "t.supervisor")
