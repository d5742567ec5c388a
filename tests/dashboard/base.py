"""The bulletin tests' round of the Xingtai plan (tests/bulletins/base.py) with a second
round, lights stored by hand, a closed, a suspended and an acknowledged task, and an
interview scheduled; the dashboard is looked at on TODAY, Wednesday 2026-04-08.

Tasks 4 and 8 (lead 市工业和信息化局), 5 (lead 市科技局) and 7 (lead 市市场监管局),
categories （二） for 4, 5, 7 and （三） for 8; 23 units report in each round (the
four leads, 市税务局 and 市发展改革委 as co-units, 18 county governments).

- 2026年第一季度 (due 3-31): 市工业和信息化局 sent on time (4 on schedule, 8
  behind), 市科技局 3 days late (5 ahead), nobody else ever sent.
- 2026年4月 (opened 4-6, due 4-10, this week): 市工业和信息化局 sent on 4-7 (4
  completed, 8 on schedule), nobody else yet.
- Task 4 is closed, task 7 suspended, task 8's acknowledgement done (it is drawing up
  its work plan), task 5 awaits its acknowledgement, due on 4-1.
- Lights now (April): 4 done; 5 red (acknowledgement 7 days overdue); 7 yellow (its
  April report due in 2 days); 8 green. Units: 市科技局 red (the acknowledgement), and
  every unit that never sent its first-round report.
- Lights stored: first round tasks 4, 5 green, 7 red, 8 yellow; 市市场监管局 red,
  市工业和信息化局 yellow. April (a sweep of some days ago, since outdated): 4 done, 5
  yellow, 7 red, 8 green; 市市场监管局 red, 市科技局 yellow, 市工业和信息化局 green.
- From the bulletin tests: a 督办单 to 市市场监管局 (answer by 4-12), and its interview
  held on 4-3 with one commitment open (due 4-30). Here: 市科技局's interview
  scheduled for 4-15, and 市审计局's (no part in the plan) for 4-16.
"""

import datetime

from django.test import Client
from django.urls import reverse
from viewflow.workflow.models import Task as FlowTask
from viewflow.workflow.status import PROCESS, STATUS

from dashboard.summaries import refresh_round_summary
from departments.models import Unit
from rounds.models import Entry, Round, UnitReport
from rounds.opening import round_create
from supervision.models import Light, LightRecord
from tests.bulletins.base import RoundTestCase, at
from tests.clock import FrozenClockMixin
from tests.supervision.base import schedule
from workflow.flows import TaskFlow
from workflow.models import TaskProcess

TODAY = datetime.date(2026, 4, 8)
APRIL = "2026年4月"
APRIL_OPENS = datetime.date(2026, 4, 6)
APRIL_DEADLINE = datetime.date(2026, 4, 10)
REPORTING_UNITS = 23


def send(
    rnd: Round, unit: Unit, sent_on: datetime.date, schedules: dict[int, str], late_days: int = 0
) -> UnitReport:
    """The unit's report in the round, sent on `sent_on` with each task's (by number) schedule."""
    report = UnitReport.objects.get(round=rnd, unit=unit)
    for number, schedule_key in schedules.items():
        Entry.objects.filter(report=report, task__number=number).update(
            schedule=schedule_key, progress="按计划推进。", status=Entry.Status.SUBMITTED
        )
    report.sent_at = at(sent_on)
    report.state = UnitReport.Status.SENT
    report.late_days = late_days
    report.save()
    refresh_round_summary(round_id=rnd.pk)
    return report


def store_lights(rnd: Round, tasks: dict[int, tuple[str, list[str]]], units: dict) -> None:
    """LightRecords as the sweep stores them: task number or Unit -> (colour, reasons)."""
    records = [
        LightRecord(
            round=rnd,
            subject=f"task:{task.pk}",
            task=task,
            color=color,
            reasons=reasons,
        )
        for task, (color, reasons) in (
            (rnd.plan.tasks.get(number=number), light) for number, light in tasks.items()
        )
    ]
    records += [
        LightRecord(round=rnd, subject=f"unit:{unit.pk}", unit=unit, color=color, reasons=reasons)
        for unit, (color, reasons) in units.items()
    ]
    LightRecord.objects.bulk_create(records)
    refresh_round_summary(round_id=rnd.pk)


def acknowledge(process: TaskProcess, liaison: object) -> None:
    """The lead unit's liaison acknowledges the task, through the pages."""
    reverse("home")  # viewflow's node URLs know their namespace once the URLconf loads
    step = FlowTask.objects.get(
        process_id=process.pk, flow_task=TaskFlow.acknowledge, status=STATUS.NEW
    )
    client = Client()
    client.force_login(liaison)
    args = [process.pk, step.pk]
    assert client.post(TaskFlow.acknowledge.reverse("assign", args=args)).status_code == 302
    response = client.post(TaskFlow.acknowledge.reverse("execute", args=args), {})
    assert response.status_code == 302, response.content[:500]


class DashboardTestCase(FrozenClockMixin, RoundTestCase):
    start = at(TODAY, 10)

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.first = cls.round
        acknowledge(TaskProcess.objects.get(plan_task=cls.tasks[8]), cls.lead_liaison)
        cls.april = round_create(
            plan=cls.plan, by=None, period=APRIL, deadline=APRIL_DEADLINE, today=APRIL_OPENS
        )
        send(cls.april, cls.gongxin, datetime.date(2026, 4, 7), {4: "done", 8: "on"})
        TaskProcess.objects.filter(plan_task=cls.tasks[4]).update(status=PROCESS.DONE)
        TaskProcess.objects.filter(plan_task=cls.tasks[7]).update(suspended=True)
        TaskProcess.objects.filter(plan_task=cls.tasks[5]).update(
            acknowledge_by=datetime.date(2026, 4, 1)
        )
        store_lights(
            cls.first,
            {
                4: (Light.GREEN, []),
                5: (Light.GREEN, []),
                7: (Light.RED, ["2026年第一季度调度报告逾期1天"]),
                8: (Light.YELLOW, ["2026年第一季度欠进度"]),
            },
            {
                cls.bureau: (Light.RED, ["2026年第一季度调度报告逾期1天"]),
                cls.gongxin: (Light.YELLOW, ["本期报告欠进度"]),
                cls.keji: (Light.GREEN, []),
            },
        )
        store_lights(
            cls.april,
            {
                4: (Light.DONE, []),
                5: (Light.YELLOW, ["2026年4月调度报告还有2天到期"]),
                7: (Light.RED, ["2026年第一季度调度报告逾期8天", "督办单未反馈"]),
                8: (Light.GREEN, []),
            },
            {
                cls.bureau: (Light.RED, ["2026年第一季度调度报告逾期8天"]),
                cls.keji: (Light.YELLOW, ["2026年4月调度报告还有2天到期"]),
                cls.gongxin: (Light.GREEN, []),
            },
        )
        cls.keji_interview = schedule(cls.supervisor, cls.keji, day=datetime.date(2026, 4, 15))
        cls.other_interview = schedule(
            cls.supervisor, cls.audit_office, day=datetime.date(2026, 4, 16)
        )

    def login(self, user: object) -> Client:
        self.client.force_login(user)
        return self.client
