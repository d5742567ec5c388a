"""What the round tests share: a plan with tasks 5 and 8 dispatched, the people
who report on them, and the clicks of the report's steps through their URLs."""

import datetime
from datetime import timedelta

from django.urls import reverse
from viewflow.workflow.models import Task as FlowTask
from viewflow.workflow.status import STATUS

from departments.models import Unit, User
from rounds.flows import ReportFlow
from rounds.models import Round, UnitReport
from tests.base import PlanTestCase, make_person
from tests.clock import FrozenClockMixin
from workflow.dispatch import task_dispatch

START = datetime.datetime(2024, 3, 20, 9, 0, tzinfo=datetime.timezone(timedelta(hours=8)))
TODAY = START.date()
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class RoundTestCase(FrozenClockMixin, PlanTestCase):
    start = START

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        unit = Unit.objects.get
        cls.keji = unit(code="keji")
        cls.fagai = unit(code="fagai")
        cls.keji_liaison = make_person("t.keji", User.Role.LIAISON, cls.keji)
        cls.keji_leader = make_person("t.keji.leader", User.Role.LEADER, cls.keji)
        cls.tax_leader = make_person("t.shuiwu.leader", User.Role.LEADER, cls.tax)
        # Task 5: lead 市科技局; co 市市场监管局, 市工业和信息化局, 市税务局, the counties.
        # Task 8: lead 市工业和信息化局; co 市发展改革委, the counties.
        cls.task5 = cls.plan.tasks.get(number=5)
        cls.task8 = cls.plan.tasks.get(number=8)
        task_dispatch(tasks=[cls.task5, cls.task8], by=None, today=TODAY)

    def setUp(self) -> None:
        super().setUp()
        reverse("home")

    def open_round(self, period: str = "2024年第一季度", deadline: str = "2024-04-05") -> Round:
        self.client.force_login(self.supervisor)
        response = self.client.post(
            reverse("plan_rounds", args=[self.plan.pk]),
            {"one-period": period, "one-deadline": deadline},
        )
        self.assertEqual(response.status_code, 302, response.content[:2000])
        return Round.objects.get(plan=self.plan, period=period)

    def report(self, rnd: Round, unit: Unit) -> UnitReport:
        return UnitReport.objects.get(round=rnd, unit=unit)

    def claim(self, user: User, report: UnitReport, node) -> FlowTask:  # type: ignore[no-untyped-def]
        self.client.force_login(user)
        task = FlowTask.objects.user_queue(user).get(
            process_id=report.pk, flow_task=node, status=STATUS.NEW
        )
        response = self.client.post(
            node.reverse("assign", args=[report.pk, task.pk]), {"_continue": 1}
        )
        self.assertEqual(response.status_code, 302)
        return task

    def fill(self, user: User, report: UnitReport, fields: dict, action: str = "submit"):  # type: ignore[no-untyped-def]
        task = (
            FlowTask.objects.filter(process_id=report.pk, flow_task=ReportFlow.fill)
            .exclude(status=STATUS.DONE)
            .first()
        )
        if task is None or task.owner_id != user.pk:
            task = self.claim(user, report, ReportFlow.fill)
        self.client.force_login(user)
        url = ReportFlow.fill.reverse("execute", args=[report.pk, task.pk])
        return self.client.post(url, {"action": action, **fields})

    def step_url(self, user: User, report: UnitReport, node) -> str:  # type: ignore[no-untyped-def]
        task = self.claim(user, report, node)
        return node.reverse("execute", args=[report.pk, task.pk])

    def entry_fields(self, task, progress: str, schedule: str = "on", **values: str) -> dict:  # type: ignore[no-untyped-def]
        fields = {
            f"e{task.pk}-progress": progress,
            f"e{task.pk}-schedule": schedule,
            f"e{task.pk}-problems": "",
            f"e{task.pk}-next_steps": "继续推进",
        }
        for target_pk, value in values.items():
            fields[f"e{task.pk}-v{target_pk}"] = value
        return fields
