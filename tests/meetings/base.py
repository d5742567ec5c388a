"""Shared data for the meeting tests: the Xingtai plan under way, and a way to minute a meeting."""

import datetime
from typing import Any

from departments.models import Unit, User
from meetings.models import Meeting
from meetings.services import DecisionInput, decision_close, meeting_record
from plans.models import Plan
from workflow.dispatch import task_dispatch

HELD_ON = datetime.date(2024, 3, 5)
DUE_ON = datetime.date(2024, 4, 30)


class MeetingTestMixin:
    """To mix into a PlanTestCase: dispatches task 4 so the plan is under way."""

    plan: Plan
    supervisor: User
    gongxin: Unit
    county: Unit

    @classmethod
    def start_work(cls) -> None:
        # Meetings are recorded on a plan whose tasks went out (交办).
        task_dispatch(tasks=[cls.plan.tasks.get(number=4)], by=None, today=HELD_ON)
        cls.plan.refresh_from_db()

    def record(self, **overrides: Any) -> Meeting:
        return meeting_record(**{**self.meeting_fields(), **overrides})

    def meeting_fields(self) -> dict[str, Any]:
        task4 = self.plan.tasks.get(number=4)
        return {
            "plan": self.plan,
            "by": self.supervisor,
            "held_on": HELD_ON,
            "place": "临城县经济开发区",
            "chair": "副市长 王某某",
            "units": [self.gongxin, self.county],
            "attendees": "市市场监管局 张某；市工业和信息化局 李某",
            "tasks": [task4],
            "summary": "听取质量提升工作进展汇报，研究推进措施。",
            "decisions": [
                DecisionInput("四月底前完成企业研发机构摸底。", self.gongxin, DUE_ON, task4),
                DecisionInput("临城县落实首席质量官制度。", self.county, DUE_ON, None),
            ],
        }


def meeting_of_other_units(case: Any) -> Meeting:
    """For the URL walk: a meeting of the plan that 市工业和信息化局 attended and owns
    an item of, recorded once per test (the plan is under way in that fixture)."""
    meeting = Meeting.objects.filter(plan=case.plan, place="URL walk").first()
    if meeting is not None:
        return meeting
    task4 = case.plan.tasks.get(number=4)
    meeting = meeting_record(
        plan=case.plan,
        by=case.supervisor,
        held_on=HELD_ON,
        place="URL walk",
        chair="副市长 王某某",
        units=[case.gongxin],
        attendees="",
        tasks=[task4],
        summary="",
        decisions=[
            DecisionInput("完成摸底。", case.gongxin, DUE_ON, task4),
            DecisionInput("报送摸底结果。", case.gongxin, DUE_ON, task4),
        ],
    )
    # The second is closed, so that a missing check on reopening would let it act.
    decision_close(decision=meeting.decisions.get(number=2), by=case.supervisor, note="已报送。")
    return meeting
