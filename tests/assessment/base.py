"""A hand-made year 2026 of the Xingtai plan, for the assessment tests.

Tasks 4 and 8 (lead 市工业和信息化局) and 5 (lead 市科技局; 市工业和信息化局 a co-unit)
are dispatched. Five rounds on those tasks: 2025年12月 (opens 2025-12-20, so of 2025
though due in 2026), then 2026年3月, 6月, 9月 and 12月 (opens 2026-12-20, due
2027-01-05: of 2026). The assessment is made on 2027-01-10.

市工业和信息化局 (by hand: 48.17 points):
- reports: 3月 on time, 6月 3 days late, 9月 never sent, 12月 on time (2025年12月 late,
  another year): 2 of 4 on time → 25 × 2/4 = 12.50;
- two task entries returned by the bureau (3月 task 8, 6月 task 4); a leader's return
  of the whole 9月 report and a return in 2025年12月 do not count → 10 − 2 × 1 = 8;
- indicators: 研发机构 85 of ≥ 80 (met), 技改项目 320 of ≥ 500 (not met), 高新技术企业
  not reported (not met), 质量标杆 with a target for 2027 only (not counted)
  → 20 × 1/3 = 6.67;
- lead tasks due in 2026: task 4 (due 6-30, closed 6-20) on time, task 8 (due 9-30,
  closed 10-15) late → 20 × 1/2 = 10;
- unit light red in 3月 and 9月 (yellow in 6月, red in 2025年12月; a red task light
  in 3月 is the task's) → 10 − 2 × 2 = 6;
- 督办单 issued 2026-05-10 and 2026-08-01 (one in 2025 does not count, nor one with
  no plan) → 10 − 2 × 2.5 = 5;
- interviewed on 2026-08-15 (held; one scheduled and not held, one held in 2025)
  → 5 − 5 = 0.

市科技局 (80 points): every 2026 report on time → 25; no return → 10; no indicator →
20 with a note; task 5 (due 12-31) not closed → 0; no red light, notice or interview
→ 10 + 10 + 5.

Each county government (75 points): reports on every round, never sent → 0; the rest
full: 10 + 20 + 20 + 10 + 10 + 5. All tie.
"""

import datetime
from decimal import Decimal

from django.utils import timezone
from viewflow.workflow.status import PROCESS

from assessment import services
from assessment.models import Assessment, Objection, Rule, UnitScore
from departments.models import Unit, User
from indicators.models import Indicator, IndicatorTarget, IndicatorValue
from plans.models import Task
from rounds.models import ReportEvent, Round, UnitReport
from rounds.opening import round_create
from supervision import services as supervision_services
from supervision.models import Interview, Light, LightRecord
from tests.base import PlanTestCase, make_person
from tests.clock import FrozenClockMixin
from workflow.dispatch import task_dispatch
from workflow.models import TaskEvent, TaskProcess

YEAR = 2026
AS_OF = datetime.date(2027, 1, 10)


def at(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def day(month: int, dom: int, year: int = YEAR) -> datetime.date:
    return datetime.date(year, month, dom)


class YearTestCase(FrozenClockMixin, PlanTestCase):
    """The year described in the module docstring, the clock on 2027-01-10 09:00."""

    start = at(AS_OF)
    rounds: dict[str, Round]

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.keji = Unit.objects.get(code="keji")
        cls.keji_liaison = make_person("t.keji", User.Role.LIAISON, cls.keji)
        cls.keji_leader = make_person("t.keji.leader", User.Role.LEADER, cls.keji)
        cls.tasks = {n: cls.plan.tasks.get(number=n) for n in (4, 5, 8)}
        task_dispatch(
            tasks=list(cls.tasks.values()),
            by=None,
            today=day(12, 1, 2025),
            acknowledge_by=day(12, 15, 2025),
            complete_by=day(12, 31),
        )
        cls.plan.refresh_from_db()
        cls.make_rounds()
        cls.make_reports()
        cls.make_returns()
        cls.make_indicators()
        cls.make_tasks()
        cls.make_lights()
        cls.make_notices()
        cls.make_interviews()

    # --- the data ---------------------------------------------------------------

    @classmethod
    def make_rounds(cls) -> None:
        cls.rounds = {}
        for label, opens_on, deadline in (
            ("2025年12月", day(12, 20, 2025), day(1, 5)),
            ("2026年3月", day(3, 20), day(4, 5)),
            ("2026年6月", day(6, 20), day(7, 5)),
            ("2026年9月", day(9, 20), day(10, 5)),
            ("2026年12月", day(12, 20), day(1, 5, 2027)),
        ):
            cls.rounds[label] = round_create(
                plan=cls.plan,
                by=None,
                period=label,
                deadline=deadline,
                today=opens_on,
                tasks=list(cls.tasks.values()),
            )

    @classmethod
    def report(cls, unit: Unit, period: str) -> UnitReport:
        return UnitReport.objects.get(round=cls.rounds[period], unit=unit)

    @classmethod
    def send(cls, unit: Unit, period: str, sent_on: datetime.date) -> UnitReport:
        report = cls.report(unit, period)
        report.sent_at = at(sent_on)
        report.late_days = max((sent_on - report.round.deadline).days, 0)
        report.state = UnitReport.Status.SENT
        report.save(update_fields=["sent_at", "late_days", "state"])
        return report

    @classmethod
    def make_reports(cls) -> None:
        cls.send(cls.gongxin, "2025年12月", day(1, 9))
        cls.send(cls.gongxin, "2026年3月", day(4, 3))
        cls.send(cls.gongxin, "2026年6月", day(7, 8))
        cls.send(cls.gongxin, "2026年12月", day(1, 4, 2027))
        for period in ("2026年3月", "2026年6月", "2026年9月", "2026年12月"):
            deadline = cls.rounds[period].deadline
            cls.send(cls.keji, period, deadline - datetime.timedelta(days=1))

    @classmethod
    def returned(cls, period: str, task: Task | None, reason: str, on: datetime.date) -> None:
        event = ReportEvent.objects.create(
            report=cls.report(cls.gongxin, period),
            task=task,
            action=ReportEvent.Action.RETURN,
            by=cls.supervisor if task else cls.leader,
            reason=reason,
        )
        ReportEvent.objects.filter(pk=event.pk).update(at=at(on))

    @classmethod
    def make_returns(cls) -> None:
        cls.returned("2026年3月", cls.tasks[8], "技改项目数据不全，请补充。", day(4, 4))
        cls.returned("2026年6月", cls.tasks[4], "佐证材料缺失。", day(7, 9))
        cls.returned("2026年9月", None, "请补充本期进展。", day(10, 2))
        cls.returned("2025年12月", cls.tasks[4], "上年退回。", day(1, 10))

    @classmethod
    def indicator(
        cls, name: str, owner: Unit, targets: dict[int, str], values: dict[str, str]
    ) -> Indicator:
        indicator = Indicator.objects.create(
            plan=cls.plan,
            name=name,
            unit_of_measure="家",
            kind=Indicator.Kind.ANNUAL,
            owner=owner,
        )
        for year, value in targets.items():
            IndicatorTarget.objects.create(indicator=indicator, year=year, value=Decimal(value))
        for period, value in values.items():
            IndicatorValue.objects.create(
                indicator=indicator,
                round=cls.rounds[period],
                unit=owner,
                value=Decimal(value),
                reported_by=cls.lead_liaison,
            )
        return indicator

    @classmethod
    def make_indicators(cls) -> None:
        # Only these, not those the dispatch drew from the plan's text.
        Indicator.objects.filter(plan=cls.plan).delete()
        cls.research = cls.indicator(
            "新增工业企业研发机构",
            cls.gongxin,
            {YEAR: "80"},
            {"2026年3月": "40", "2026年9月": "85"},
        )
        cls.upgrades = cls.indicator(
            "实施技改项目", cls.gongxin, {YEAR: "500"}, {"2026年6月": "320"}
        )
        cls.hightech = cls.indicator("新增高新技术企业", cls.gongxin, {YEAR: "100"}, {})
        cls.benchmark = cls.indicator("质量标杆企业", cls.gongxin, {YEAR + 1: "10"}, {})

    @classmethod
    def close(cls, task: Task, complete_by: datetime.date, closed_on: datetime.date) -> None:
        process = TaskProcess.objects.get(plan_task=task)
        TaskProcess.objects.filter(pk=process.pk).update(
            complete_by=complete_by,
            status=PROCESS.DONE,
            completion_closed=True,
            finished=at(closed_on),
        )
        event = TaskEvent.objects.create(
            process=process, by=cls.supervisor, action=TaskEvent.Action.CLOSE
        )
        TaskEvent.objects.filter(pk=event.pk).update(at=at(closed_on))

    @classmethod
    def make_tasks(cls) -> None:
        cls.close(cls.tasks[4], day(6, 30), day(6, 20))
        cls.close(cls.tasks[8], day(9, 30), day(10, 15))

    @classmethod
    def light(cls, period: str, color: str, reasons: list[str]) -> LightRecord:
        return LightRecord.objects.create(
            round=cls.rounds[period],
            subject=f"unit:{cls.gongxin.pk}",
            unit=cls.gongxin,
            color=color,
            reasons=reasons,
        )

    @classmethod
    def make_lights(cls) -> None:
        cls.light("2025年12月", Light.RED, ["上年红灯"])
        cls.light("2026年3月", Light.RED, ["任务8完成逾期12天"])
        cls.light("2026年6月", Light.YELLOW, ["任务4三天内到期"])
        cls.light("2026年9月", Light.RED, ["2026年9月报告逾期5天"])
        LightRecord.objects.create(
            round=cls.rounds["2026年3月"],
            subject=f"task:{cls.tasks[4].pk}",
            task=cls.tasks[4],
            color=Light.RED,
            reasons=["任务红灯"],
        )

    @classmethod
    def notice(cls, issued_on: datetime.date, reason: str, plan: bool = True) -> object:
        return supervision_services.notice_issue(
            unit=cls.gongxin,
            plan=cls.plan if plan else None,
            now=at(issued_on),
            items=[{"item": f"report:{issued_on}", "task": 8, "label": "报告", "reason": reason}],
        )

    @classmethod
    def make_notices(cls) -> None:
        cls.notice(day(12, 28, 2025), "上年督办")
        cls.notice_may = cls.notice(day(5, 10), "任务8完成逾期")
        cls.notice_august = cls.notice(day(8, 1), "2026年6月报告逾期3天")
        cls.notice(day(9, 1), "无方案的督办", plan=False)

    @classmethod
    def interview(cls, held_on: datetime.date, status: str) -> Interview:
        interview = Interview.objects.create(
            unit=cls.gongxin,
            interviewee="副局长 李某某",
            held_at=at(held_on, 15),
            place="市政府二楼会议室",
            reason="任务8逾期，督办后仍未整改。",
            status=status,
            created_by=cls.supervisor,
        )
        interview.tasks.set([cls.tasks[8]])
        return interview

    @classmethod
    def make_interviews(cls) -> None:
        cls.interview(day(11, 20, 2025), Interview.Status.HELD)
        cls.held = cls.interview(day(8, 15), Interview.Status.HELD)
        cls.interview(day(11, 1), Interview.Status.SCHEDULED)

    # --- helpers ----------------------------------------------------------------

    def login(self, user: User) -> None:
        self.client.force_login(user)

    def create(self) -> Assessment:
        return services.assessment_create(plan=self.plan, year=YEAR, by=self.supervisor)

    def publicise(self, assessment: Assessment | None = None, days: int = 5) -> Assessment:
        return services.assessment_publicise(
            assessment=assessment or self.create(),
            by=self.supervisor,
            now=timezone.now(),
            days=days,
        )

    def score(self, assessment: Assessment, unit: Unit) -> UnitScore:
        return UnitScore.objects.get(assessment=assessment, unit=unit)

    def object(self, assessment: Assessment, by: User | None = None) -> Objection:
        return services.objection_file(
            assessment=assessment,
            by=by or self.lead_liaison,
            reason="任务8已于9月28日办结，系统记录有误。",
            now=timezone.now(),
        )


def assessment_of_other_units(case: PlanTestCase) -> Assessment:
    """For the URL walk: a publicised assessment scoring 市工业和信息化局 only, with its
    objection and a manual item (made directly: the walk needs the records)."""
    found = Assessment.objects.filter(plan=case.plan, year=2024).first()
    if found is not None:
        return found
    assessment = Assessment.objects.create(
        plan=case.plan,
        year=2024,
        title="关于2024年度质量强市建设工作考核结果的通报",
        status=Assessment.Status.PUBLICITY,
        as_of=datetime.date(2024, 1, 8),
        publicised_at=at(datetime.date(2024, 1, 8)),
        objections_until=at(datetime.date(2024, 1, 13), 0),
        created_by=case.supervisor,
    )
    UnitScore.objects.create(
        assessment=assessment,
        unit=case.gongxin,
        criteria=[],
        criteria_points=Decimal(90),
        adjustment_points=Decimal(1),
        total=Decimal(91),
        rank=1,
        grade="excellent",
    )
    Objection.objects.create(
        assessment=assessment,
        unit=case.gongxin,
        reason="得分有误。",
        filed_by=case.lead_liaison,
        filed_at=at(datetime.date(2024, 1, 9)),
    )
    assessment.adjustments.create(
        unit=case.gongxin, points=Decimal(1), reason="获评省级示范。", created_by=case.supervisor
    )
    return assessment


# The default scheme: (weight, deduction per record) of each criterion.
DEFAULT_WEIGHTS = {
    Rule.ON_TIME: ("25", "0"),
    Rule.RETURNS: ("10", "1"),
    Rule.INDICATORS: ("20", "0"),
    Rule.TASKS: ("20", "0"),
    Rule.RED_LIGHTS: ("10", "2"),
    Rule.NOTICES: ("10", "2.5"),
    Rule.INTERVIEWS: ("5", "5"),
}
