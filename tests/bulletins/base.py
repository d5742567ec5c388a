"""A round of the Xingtai plan with hand-made reports, for the bulletin tests.

Round 2026年第一季度 (opened 3-10, due 3-31) on tasks 4 and 8 (lead 市工业和信息化局),
5 (lead 市科技局) and 7 (lead 市市场监管局); the bulletin is made on 4-5:
- 市工业和信息化局 sent on time: task 4 on schedule (新增工业企业研发机构 85 of at
  least 80 家), task 8 behind (实施技改项目 320 of at least 500 项), returned once;
- 市科技局 sent 3 days late: task 5 ahead of schedule;
- 市市场监管局 never sent (task 7), got a 督办单 on 4-2 and was interviewed on 4-3
  with one commitment due 4-30; every other unit never sent either.
"""

import datetime
from decimal import Decimal

from django.utils import timezone

from bulletins.models import Bulletin
from departments.models import Unit, User
from rounds.models import Entry, TargetValue, UnitReport
from rounds.opening import round_create
from supervision import services as supervision_services
from supervision.models import Commitment, Interview
from tests.base import PlanTestCase, make_person
from workflow.dispatch import task_dispatch

OPENED = datetime.date(2026, 3, 10)
DEADLINE = datetime.date(2026, 3, 31)
TODAY = datetime.date(2026, 4, 5)
PERIOD = "2026年第一季度"


def at(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


class RoundTestCase(PlanTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.keji = Unit.objects.get(code="keji")
        cls.keji_liaison = make_person("t.keji", User.Role.LIAISON, cls.keji)
        cls.tasks = {n: cls.plan.tasks.get(number=n) for n in (4, 5, 7, 8)}
        task_dispatch(
            tasks=list(cls.tasks.values()),
            by=None,
            today=OPENED,
            acknowledge_by=datetime.date(2026, 12, 31),
            complete_by=datetime.date(2027, 12, 31),
        )
        cls.round = round_create(
            plan=cls.plan, by=None, period=PERIOD, deadline=DEADLINE, today=OPENED
        )
        cls.fill(cls.gongxin, DEADLINE - datetime.timedelta(days=1), {4: "on", 8: "behind"})
        cls.fill(cls.keji, DEADLINE + datetime.timedelta(days=3), {5: "ahead"}, late_days=3)
        Entry.objects.filter(report__round=cls.round, task=cls.tasks[8], is_lead=True).update(
            times_returned=1
        )
        for number, value in ((4, "85"), (8, "320")):
            entry = Entry.objects.get(report__round=cls.round, task=cls.tasks[number], is_lead=True)
            TargetValue.objects.create(
                entry=entry,
                target=cls.tasks[number].targets.exclude(value=None).order_by("order").first(),
                value=Decimal(value),
            )
        cls.notice = supervision_services.notice_issue(
            unit=cls.bureau,
            plan=cls.plan,
            now=at(datetime.date(2026, 4, 2)),
            items=[
                {
                    "item": "report:x",
                    "task": 7,
                    "label": "2026年第一季度调度报告",
                    "reason": "2026年第一季度调度报告逾期2天",
                    "due": DEADLINE.isoformat(),
                }
            ],
        )
        interview = Interview.objects.create(
            unit=cls.bureau,
            interviewee="副局长 李某某",
            held_at=at(datetime.date(2026, 4, 3), 15),
            place="市政府二楼会议室",
            reason="调度报告逾期未报送。",
            status=Interview.Status.HELD,
            created_by=cls.supervisor,
        )
        Commitment.objects.create(
            interview=interview,
            number=1,
            text="4月10日前补报调度报告。",
            due_on=datetime.date(2026, 4, 30),
        )

    @classmethod
    def fill(
        cls, unit: Unit, sent_on: datetime.date, schedules: dict[int, str], late_days: int = 0
    ) -> UnitReport:
        report = UnitReport.objects.get(round=cls.round, unit=unit)
        for number, schedule in schedules.items():
            Entry.objects.filter(report=report, task=cls.tasks[number]).update(
                schedule=schedule,
                progress=f"任务{number}按计划推进，已召开专题会议部署落实。",
                status=Entry.Status.SUBMITTED,
            )
        report.sent_at = at(sent_on)
        report.state = UnitReport.Status.SENT
        report.late_days = late_days
        report.save()
        return report


def bulletin_of_other_units(case: PlanTestCase) -> Bulletin:
    """An issued bulletin on `case.round` circulated to 市工业和信息化局 only (made
    directly: the URL walk needs the record, not its PDF)."""
    found = Bulletin.objects.filter(round=case.round, number=1).first()
    if found is not None:
        return found
    bulletin = Bulletin.objects.create(
        plan=case.plan,
        round=case.round,
        year=case.round.opens_on.year,
        number=1,
        status=Bulletin.Status.ISSUED,
        issuer="邢台市质量强市建设工作专班",
        issued_on=case.round.opens_on,
        snapshot={"data": {}, "fields": {}},
        created_by=case.supervisor,
    )
    bulletin.units.set([case.gongxin])
    return bulletin
