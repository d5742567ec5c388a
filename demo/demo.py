"""The demo's history: three past quarterly rounds of the Xingtai plan, worked through
the product's own services, so that the dashboard, the indicators, the bulletins and
the assessment have something to show on the first start.

The plan is dispatched three quarters back and acknowledged by most lead units, whose
work plans (分解) are written, signed off and approved within the month, so that
the tasks wait at their completion step as a city's would a year in; in each past
round most units report on time, a few late, a few never; the working group returns
some entries and approves the rest; the owner units' indicator values are entered;
the supervision sweep runs a week after each deadline as it would have (reminders,
督办单, lights, interview proposals). One proposal becomes an interview with a
commitment. Only the timestamps of sending and of the work plans' steps are set back
to the days they stand for (the services stamp "now"); the audit trail keeps its
real times. Deterministic: the same history every time.
"""

import datetime
import functools
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from viewflow.workflow.models import Task as FlowTask
from viewflow.workflow.status import STATUS

from departments.models import Unit, User
from indicators.models import Indicator
from indicators.progress import Milestone, expected
from indicators.selectors import plan_span
from indicators.services import indicator_update, indicator_values_report
from plans.models import Plan
from rounds.asks import asked_targets
from rounds.flows import ReportFlow
from rounds.models import ReportEvent, Round, UnitReport
from rounds.opening import round_create
from rounds.periods import period_end, period_label, round_series_dates
from rounds.services import EntryInput, report_review, report_sign, report_submit
from supervision.models import InterviewProposal, SupervisionNotice
from supervision.services import (
    interview_record,
    interview_schedule,
    notice_answer,
    proposal_decide,
)
from supervision.sweep import sweep
from workflow.dispatch import task_dispatch
from workflow.flows import TaskFlow
from workflow.models import TaskEvent, TaskProcess, WorkPlanPart
from workflow.services import (
    MilestoneInput,
    task_acknowledge,
    work_plan_part_submit,
    work_plan_review,
    work_plan_sign,
)

PAST_ROUNDS = 3
DEADLINE_DAY = 10
PROGRESS = [
    "召开专题推进会，印发年度工作方案，明确责任分工和时间节点。",
    "完成阶段性目标任务，开展专项检查，发现问题已全部整改。",
    "组织企业培训，覆盖重点企业，工作按计划推进。",
    "会同相关单位开展联合调研，形成调研报告报市政府。",
    "推进重点项目建设，已完成年度计划的主要节点。",
]
PROBLEMS = ["", "", "部分企业积极性不高。", "资金保障不足，项目推进偏慢。"]
NEXT_STEPS = ["继续按计划推进，加强督导检查。", "加大宣传力度，强化部门协同。"]
RETURN_REASON = "佐证材料不足，请补充相关文件和数据。"
WORK_PLAN_LEAD = "牵头制定年度工作方案，分解目标任务，明确责任分工和时间节点，按季度调度推进。"
WORK_PLAN_CO = "按职责分工配合牵头单位推进，明确专人负责，按时报送本单位承担部分的进展。"
WORK_PLAN_END = 2027  # the plan's last year (2023—2027)


def _quarters_before(today: datetime.date, count: int) -> list[tuple[int, int]]:
    year, quarter = today.year, (today.month - 1) // 3 + 1
    found = []
    for _step in range(count):
        quarter -= 1
        if quarter == 0:
            year, quarter = year - 1, 4
        found.append((year, quarter))
    return list(reversed(found))


# The county governments under 各县(市、区)政府, among whom a broken-down figure is shared.
COUNTIES = 18


def _run(process_pk: int, node, person: User, step, *, unit: int | None = None) -> None:  # type: ignore[no-untyped-def]
    """Do a flow step as its view would: claim it for the person, then act. With
    `unit`, the branch of that unit (a work-plan part)."""
    flow_class = node.flow_class
    with flow_class.lock(process_pk), transaction.atomic():
        tasks = FlowTask.objects.filter(
            process_id=process_pk, flow_task=node, status__in=[STATUS.NEW, STATUS.ASSIGNED]
        )
        task = (tasks.filter(data__unit=unit) if unit is not None else tasks).get()
        activation = task.flow_task.activation_class(task)
        if task.status == STATUS.NEW:
            activation.assign(person)
            task.refresh_from_db()
            activation = task.flow_task.activation_class(task)
        activation.start(None)  # what viewflow's execute wrapper does before the view
        step(activation)


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


class DemoHistory:
    def __init__(self, plan: Plan, today: datetime.date) -> None:
        self.plan = plan
        self.today = today
        self.rng = random.Random(2023)
        # The work plans draw from their own sequence, so the rounds' draws (who is
        # late, what is returned) stay what they were.
        self.plan_rng = random.Random(2024)
        self.last_values: dict[int, Decimal] = {}
        self.supervisor = User.objects.get(username="supervisor")
        self.people = {
            (user.unit_id, user.role): user
            for user in User.objects.filter(username__endswith=(".liaison")).union(
                User.objects.filter(username__endswith=".leader")
            )
        }

    @functools.cached_property
    def laggards(self) -> set[int]:
        """A few units that report late, fall behind and get escalated."""
        codes = ["zhujian", "wenlv", "shangwu", "lincheng"]
        return set(Unit.objects.filter(code__in=codes).values_list("pk", flat=True))

    def person(self, unit_id: int, role: str) -> User:
        return self.people[(unit_id, role)]

    def build(self) -> list[Round]:
        quarters = _quarters_before(self.today, PAST_ROUNDS)
        dates = [
            round_series_dates(Round.Cadence.QUARTERLY, year, quarter, DEADLINE_DAY)
            for year, quarter in quarters
        ]
        self.dispatch(dates[0][1] - datetime.timedelta(days=30))
        self.name_indicator_owners()
        rounds = []
        for index, (period, opens_on, deadline) in enumerate(dates):
            rnd = round_create(
                plan=self.plan,
                by=self.supervisor,
                period=period,
                cadence=Round.Cadence.QUARTERLY,
                opens_on=opens_on,
                deadline=deadline,
                today=opens_on,
            )
            self.report(rnd, late_share=0.04 + 0.02 * index)
            self.indicator_values(rnd, index)
            sweep(now=_at(deadline + datetime.timedelta(days=7), 9))
            self.answer_notices()
            rounds.append(rnd)
        self.interview(dates[-1][2] + datetime.timedelta(days=12))
        return rounds

    def dispatch(self, day: datetime.date) -> None:
        tasks = list(self.plan.tasks.order_by("order"))
        task_dispatch(
            tasks=tasks,
            by=self.supervisor,
            today=day,
            acknowledge_by=day + datetime.timedelta(days=7),
            complete_by=datetime.date(2027, 12, 31),
        )
        processes = TaskProcess.objects.filter(plan_task__plan=self.plan).select_related(
            "plan_task"
        )
        ignored: set[int] = set()
        for process in processes.order_by("plan_task__order"):
            # The laggards leave their first lead task unacknowledged: it stays red.
            lead = process.plan_task.lead_unit_id
            if lead in self.laggards and lead not in ignored:
                ignored.add(lead)
                continue
            liaison = self.person(process.plan_task.lead_unit_id, User.Role.LIAISON)
            _run(
                process.pk,
                TaskFlow.acknowledge,
                liaison,
                lambda activation, liaison=liaison: task_acknowledge(
                    activation=activation, by=liaison
                ),
            )
            self.work_plan(process, day)

    def work_plan(self, process: TaskProcess, day: datetime.date) -> None:
        """The task's work plan (分解) the weeks after dispatch: each branch unit's
        liaison writes its part (the lead unit's with a milestone a year), the lead
        unit's leader signs it off, the working group approves it. The steps and the
        history carry the days they stand for (the services stamp "now")."""
        rng = self.plan_rng
        lead = process.plan_task.lead_unit_id
        acknowledged = day + datetime.timedelta(days=rng.randint(1, 6))
        written = acknowledged
        for task in FlowTask.objects.filter(
            process_id=process.pk, flow_task=TaskFlow.write_part, status=STATUS.NEW
        ).order_by("pk"):
            unit = task.data["unit"]
            liaison = self.person(unit, User.Role.LIAISON)
            is_lead = unit == lead
            milestones = [
                MilestoneInput(
                    title=f"{year}年底前完成年度目标任务",
                    due_on=datetime.date(year, 12, 31),
                    measure="年度目标任务完成率100%",
                )
                for year in range(day.year, WORK_PLAN_END + 1)
            ]
            _run(
                process.pk,
                TaskFlow.write_part,
                liaison,
                lambda a, liaison=liaison, is_lead=is_lead, milestones=milestones: (
                    work_plan_part_submit(
                        activation=a,
                        by=liaison,
                        content=WORK_PLAN_LEAD if is_lead else WORK_PLAN_CO,
                        milestones=milestones if is_lead else [],
                    )
                ),
                unit=unit,
            )
            on = acknowledged + datetime.timedelta(days=rng.randint(5, 15))
            self._date_step(task.pk, acknowledged, on)
            WorkPlanPart.objects.filter(process=process, unit_id=unit).update(submitted_at=_at(on))
            TaskEvent.objects.filter(
                process=process, action=TaskEvent.Action.PART, units=unit
            ).update(at=_at(on))
            written = max(written, on)
        leader = self.person(lead, User.Role.LEADER)
        _run(
            process.pk,
            TaskFlow.sign_work_plan,
            leader,
            lambda a: work_plan_sign(activation=a, by=leader),
        )
        signed = written + datetime.timedelta(days=rng.randint(1, 3))
        _run(
            process.pk,
            TaskFlow.review_work_plan,
            self.supervisor,
            lambda a: work_plan_review(activation=a, by=self.supervisor, approved=True),
        )
        approved = signed + datetime.timedelta(days=rng.randint(2, 5))
        for node, began, ended, action in (
            (TaskFlow.acknowledge, day, acknowledged, TaskEvent.Action.ACKNOWLEDGE),
            (TaskFlow.sign_work_plan, written, signed, TaskEvent.Action.SIGN),
            (TaskFlow.review_work_plan, signed, approved, TaskEvent.Action.APPROVE),
        ):
            step = FlowTask.objects.get(process_id=process.pk, flow_task=node)
            self._date_step(step.pk, began, ended)
            TaskEvent.objects.filter(process=process, action=action).update(at=_at(ended))
        # The completion step has waited since the approval.
        FlowTask.objects.filter(
            process_id=process.pk, flow_task=TaskFlow.apply_completion, status=STATUS.NEW
        ).update(created=_at(approved, 17))

    @staticmethod
    def _date_step(step_pk: int, began: datetime.date, ended: datetime.date) -> None:
        FlowTask.objects.filter(pk=step_pk).update(
            created=_at(began, 9), assigned=_at(ended), started=_at(ended), finished=_at(ended)
        )

    # Who reports the plan's headline numbers (a working group names them on each
    # indicator's page); the rest stay with the bureau.
    OWNERS = (("农产品", "nongye"), ("研发经费", "keji"), ("高新技术", "keji"))
    # Task indicators each county government reports its own share of.
    BY_MEMBER = ("实施技改项目",)

    def name_indicator_owners(self) -> None:
        for indicator in Indicator.objects.filter(plan=self.plan, task__isnull=True):
            for word, code in self.OWNERS:
                if word in indicator.name:
                    indicator_update(
                        indicator=indicator,
                        by=self.supervisor,
                        kind=indicator.kind,
                        owner=Unit.objects.get(code=code),
                        baseline=indicator.baseline,
                        direction=indicator.direction,
                    )
                    break
        # Technology upgrades happen in the counties: each reports its own projects.
        for indicator in Indicator.objects.filter(plan=self.plan, name__in=self.BY_MEMBER):
            indicator_update(
                indicator=indicator,
                by=self.supervisor,
                kind=indicator.kind,
                owner=indicator.owner,
                baseline=indicator.baseline,
                direction=indicator.direction,
                by_member=True,
            )

    def report(self, rnd: Round, *, late_share: float) -> None:
        rng = self.rng
        share_of_year = Decimal(period_label_index(rnd.period)) / 4
        reports = list(
            UnitReport.objects.filter(round=rnd).select_related("unit").order_by("unit__sort_order")
        )
        for report in reports:
            lagging = report.unit_id in self.laggards
            draw = rng.random()
            if draw < (0.2 if lagging else 0.01):
                continue  # never sent
            late = rng.randint(1, 8) if draw < (0.5 if lagging else late_share) else 0
            entries = list(report.entries.select_related("task").prefetch_related("task__targets"))
            asked = asked_targets(report, entries)
            data = {}
            for entry in entries:
                weights = [1, 2, 5, 6] if lagging else [2, 6, 17, 0]
                schedule = rng.choices(["done", "ahead", "on", "behind"], weights)[0]
                values = {}
                for target in asked[entry.task_id]:
                    if target.value is not None:
                        pace = Decimal(rng.randint(85, 125)) / 100
                        if target.unit_of_measure == "%":
                            pace = Decimal(rng.randint(96, 106)) / 100
                        base = target.value * (share_of_year if target.every_year else 1)
                        if target.unit_of_measure == "%":
                            base = min(target.value * pace, Decimal(100))
                        else:
                            base = base * pace
                        if target.by_member:
                            base = base / COUNTIES  # each county its share
                        values[target.pk] = f"{base.quantize(Decimal('0.1')):f}"
                data[entry.task_id] = EntryInput(
                    progress=rng.choice(PROGRESS),
                    schedule=schedule,
                    problems=rng.choice(PROBLEMS),
                    next_steps=rng.choice(NEXT_STEPS),
                    values=values,
                )
            liaison = self.person(report.unit_id, User.Role.LIAISON)
            leader = self.person(report.unit_id, User.Role.LEADER)
            _run(
                report.pk,
                ReportFlow.fill,
                liaison,
                lambda a, liaison=liaison, data=data: report_submit(
                    activation=a, by=liaison, data=data
                ),
            )
            _run(
                report.pk,
                ReportFlow.sign,
                leader,
                lambda a, leader=leader: report_sign(activation=a, by=leader, approve=True),
            )
            sent_on = rnd.deadline + datetime.timedelta(days=late or -rng.randint(1, 4))
            sent = _at(sent_on)
            UnitReport.objects.filter(pk=report.pk).update(sent_at=sent, late_days=late)
            ReportEvent.objects.filter(
                report=report, action__in=[ReportEvent.Action.SUBMIT, ReportEvent.Action.SIGN]
            ).update(at=sent)
            returned = {e.task_id for e in entries if rng.random() < 0.06}
            decisions = {
                e.task_id: (False, RETURN_REASON) if e.task_id in returned else (True, "")
                for e in entries
            }
            _run(
                report.pk,
                ReportFlow.review,
                self.supervisor,
                lambda a, decisions=decisions: report_review(
                    activation=a, by=self.supervisor, decisions=decisions
                ),
            )
            reviewed = _at(sent_on + datetime.timedelta(days=2), 16)
            ReportEvent.objects.filter(
                report=report, action__in=[ReportEvent.Action.RETURN, ReportEvent.Action.APPROVE]
            ).update(at=reviewed)
            if returned:
                self.resend(report, {t: data[t] for t in returned}, liaison, leader)
            # The steps carry the days they were done, as 我已办理 shows them.
            reviewed_on = sent_on + datetime.timedelta(days=2)
            for node, day in (
                (ReportFlow.fill, sent_on),
                (ReportFlow.sign, sent_on),
                (ReportFlow.review, reviewed_on),
            ):
                for step in FlowTask.objects.filter(
                    process_id=report.pk, flow_task=node, status=STATUS.DONE
                ).values_list("pk", flat=True):
                    self._date_step(step, rnd.opens_on, day)

    def resend(self, report: UnitReport, data: dict, liaison: User, leader: User) -> None:
        """The unit adds what was asked for and sends the returned entries again."""
        for value in data.values():
            value.progress += "已补充佐证材料。"
        _run(
            report.pk,
            ReportFlow.fill,
            liaison,
            lambda a: report_submit(activation=a, by=liaison, data=data),
        )
        _run(
            report.pk,
            ReportFlow.sign,
            leader,
            lambda a: report_sign(activation=a, by=leader, approve=True),
        )
        _run(
            report.pk,
            ReportFlow.review,
            self.supervisor,
            lambda a: report_review(
                activation=a, by=self.supervisor, decisions={t: (True, "") for t in data}
            ),
        )

    def answer_notices(self) -> None:
        """Units answer their 督办单, but for the laggards."""
        for notice in SupervisionNotice.objects.filter(answered_at__isnull=True).exclude(
            unit__in=self.laggards
        ):
            liaison = self.person(notice.unit_id, User.Role.LIAISON)
            notice_answer(
                notice=notice,
                by=liaison,
                answer="已补报调度报告，并明确专人负责，确保今后按时报送。",
            )

    def indicator_values(self, rnd: Round, index: int) -> None:
        """The working group enters the headline figures it receives each quarter: near
        what the time-proportional schedule expects, a cumulative count never falling."""
        span = plan_span(self.plan)
        day = period_end(rnd)
        values = {}
        for indicator in Indicator.objects.filter(plan=self.plan, task__isnull=True):
            milestones = [
                Milestone(year=t.year, value=t.value, comparator=t.comparator)
                for t in indicator.targets.all()
            ]
            expectation = expected(
                kind=indicator.kind,
                milestones=milestones,
                day=day,
                plan_start=span.start,
                baseline=indicator.baseline,
            )
            if expectation is None:
                continue
            value = expectation * Decimal(str(round(0.97 + self.rng.random() * 0.1, 3)))
            if indicator.kind == Indicator.Kind.CUMULATIVE:
                value = max(value, self.last_values.get(indicator.pk, Decimal(0)))
            if indicator.unit_of_measure == "%":
                value = min(value, Decimal(100))
            values[indicator.pk] = value.quantize(Decimal("0.1"))
            self.last_values[indicator.pk] = values[indicator.pk]
        if values:
            indicator_values_report(round=rnd, by=self.supervisor, values=values)

    def interview(self, day: datetime.date) -> None:
        proposal = (
            InterviewProposal.objects.filter(
                status=InterviewProposal.Status.PROPOSED, unit__in=self.laggards
            )
            .select_related("unit")
            .order_by("created_at", "id")
            .first()
        )
        if proposal is None:
            return
        proposal = proposal_decide(proposal=proposal, by=self.supervisor, accept=True)
        unit: Unit = proposal.unit
        interview = interview_schedule(
            by=self.supervisor,
            unit=unit,
            interviewee=f"{unit.name}分管负责同志",
            held_at=_at(day, 15),
            place="市市场监管局三楼会议室",
            reason="；".join(proposal.reasons),
            proposal=proposal,
        )
        interview_record(
            interview=interview,
            by=self.supervisor,
            minutes="听取了单位关于任务推进滞后原因的汇报，指出了存在的问题，提出了整改要求。",
            problems="调度报告报送不及时，任务推进偏慢。",
            commitments=[
                ("按时报送调度报告，补报未报送的材料。", day + datetime.timedelta(days=20)),
                ("制定整改方案，明确时间节点。", day + datetime.timedelta(days=45)),
            ],
        )


def period_label_index(period: str) -> int:
    """The quarter of a preset quarterly label (2026年第三季度 -> 3)."""
    for index in range(1, 5):
        if period == period_label(Round.Cadence.QUARTERLY, int(period[:4]), index):
            return index
    return 4


def build_history(plan: Plan, today: datetime.date) -> list[Round]:
    return DemoHistory(plan, today).build()
