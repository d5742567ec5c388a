"""Shared data for the supervision pages: the Xingtai plan under way with overdue
acknowledgements, a 督办单 to 市工业和信息化局, an interview proposal, and ways to
schedule and minute an interview."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from departments.models import Unit, User
from plans.models import Task
from supervision import services
from supervision.models import Commitment, Interview, InterviewProposal, SupervisionNotice
from tests.base import PlanTestCase, make_person
from tests.clock import FrozenClockMixin
from workflow.dispatch import task_dispatch
from workflow.models import TaskProcess

DISPATCHED = datetime.date(2024, 1, 8)  # acknowledgements due 2024-01-15
TODAY = datetime.date(2024, 1, 17)


def at(day: datetime.date, hour: int = 9, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def overdue_items(processes: list[TaskProcess]) -> list[dict[str, Any]]:
    """Items as the sweep freezes them in a 督办单."""
    return [
        {
            "item": f"ack:{process.pk}",
            "task": process.plan_task.number,
            "label": f"任务{process.plan_task.number}签收",
            "reason": f"任务{process.plan_task.number}签收逾期1天",
            "due": process.acknowledge_by.isoformat(),
        }
        for process in processes
    ]


def issue_notice(unit: Unit, processes: list[TaskProcess], day: datetime.date) -> SupervisionNotice:
    return services.notice_issue(unit=unit, items=overdue_items(processes), now=at(day))


def propose(unit: Unit, reason: str = "督办单逾期未反馈", day: datetime.date = TODAY) -> Any:
    return InterviewProposal.objects.create(
        unit=unit, cause=f"test:{unit.pk}:{reason}", reasons=[reason], created_at=at(day)
    )


def schedule(supervisor: User, unit: Unit, day: datetime.date = TODAY, **fields: Any) -> Interview:
    return services.interview_schedule(
        **{
            "by": supervisor,
            "unit": unit,
            "interviewee": "副局长 李某某",
            "held_at": at(day, 15),
            "place": "市市场监管局三楼会议室",
            "reason": "任务签收逾期，督办单逾期未反馈。",
            **fields,
        }
    )


def hold(supervisor: User, interview: Interview, *due: datetime.date) -> Interview:
    return services.interview_record(
        interview=interview,
        by=supervisor,
        minutes="听取整改情况汇报。",
        problems="签收不及时。",
        commitments=[(f"整改事项{n}。", day) for n, day in enumerate(due, start=1)],
    )


class SupervisionTestCase(FrozenClockMixin, PlanTestCase):
    """Tasks 4 and 8 (市工业和信息化局 leads) and 5 (市科技局 leads) dispatched on
    2024-01-08 and not acknowledged: red on 2024-01-17. A 督办单 to 市工业和信息化局
    for tasks 4 and 8, and a proposal to interview it."""

    start = at(TODAY)

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.keji = Unit.objects.get(code="keji")
        cls.keji_liaison = make_person("t.keji", User.Role.LIAISON, cls.keji)
        cls.p4, cls.p8, cls.p5 = task_dispatch(
            tasks=[cls.plan.tasks.get(number=n) for n in (4, 8, 5)],
            by=cls.supervisor,
            today=DISPATCHED,
        )
        cls.plan.refresh_from_db()
        cls.notice = issue_notice(cls.gongxin, [cls.p4, cls.p8], datetime.date(2024, 1, 16))
        cls.proposal = propose(cls.gongxin)

    def login(self, user: User) -> None:
        self.client.force_login(user)

    def task(self, number: int) -> Task:
        return Task.objects.get(plan=self.plan, number=number)


@dataclass
class OtherUnitRecords:
    notice: SupervisionNotice
    proposal: InterviewProposal
    interview: Interview
    open_commitment: Commitment
    reported_commitment: Commitment


def supervision_of_other_units(case: Any) -> OtherUnitRecords:
    """For the URL walk: a 督办单, a proposal and a held interview of 市工业和信息化局
    (one commitment open, one reported), made once per test."""
    notice = SupervisionNotice.objects.filter(unit=case.gongxin).first()
    if notice is None:
        processes = list(TaskProcess.objects.filter(plan_task__lead_unit=case.gongxin)[:1])
        notice = issue_notice(case.gongxin, processes, datetime.date(2024, 1, 16))
        proposal = propose(case.gongxin)
        interview = schedule(case.supervisor, case.gongxin, day=datetime.date(2024, 1, 20))
        hold(case.supervisor, interview, datetime.date(2024, 3, 1), datetime.date(2024, 3, 2))
        services.commitment_report(
            commitment=interview.commitments.get(number=2), by=case.lead_liaison, report="已完成。"
        )
    proposal = InterviewProposal.objects.get(unit=case.gongxin)
    interview = Interview.objects.get(unit=case.gongxin)
    return OtherUnitRecords(
        notice=notice,
        proposal=proposal,
        interview=interview,
        open_commitment=interview.commitments.get(number=1),
        reported_commitment=interview.commitments.get(number=2),
    )
