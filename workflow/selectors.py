import datetime
import re
from dataclasses import dataclass

from django.db.models import Max, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import ngettext, pgettext, pgettext_lazy
from guardian.models import GroupObjectPermission, UserObjectPermission
from viewflow.workflow.models import Process as FlowProcess
from viewflow.workflow.models import Task as FlowTask
from viewflow.workflow.status import STATUS

from departments.models import Unit, User
from departments.permissions import may_supervise, step_permissions
from plans.models import Task
from rounds.models import ReportEvent, UnitReport
from workflow.models import Milestone, TaskEvent, TaskProcess, WorkPlanPart


def latest_parts(process: TaskProcess) -> list[WorkPlanPart]:
    """Each unit's latest revision of its work-plan part, lead unit first."""
    parts = (
        WorkPlanPart.objects.filter(process=process)
        .select_related("unit", "submitted_by")
        .prefetch_related(Prefetch("milestones", queryset=Milestone.objects.order_by("order")))
        .order_by("-is_lead", "unit__sort_order", "-revision")
    )
    seen: set[int] = set()
    latest = []
    for part in parts:
        if part.unit_id not in seen:
            seen.add(part.unit_id)
            latest.append(part)
    return latest


@dataclass
class OpenStep:
    task: FlowTask
    title: str
    unit: Unit
    can_claim: bool
    can_do: bool
    claim_url: str
    do_url: str


@dataclass
class ProcessPanel:
    process: TaskProcess
    steps: list[OpenStep]
    parts: list[WorkPlanPart]
    events: list[TaskEvent]
    can_manage: bool


def _open_step(task: FlowTask, user: User, units: dict[int, Unit], lead: Unit) -> OpenStep:
    node = task.flow_task
    unit = units.get((task.data or {}).get("unit"), lead)
    can_claim = task.status == STATUS.NEW and node.can_assign(user, task)
    can_do = task.status == STATUS.ASSIGNED and task.owner_id == user.pk
    return OpenStep(
        task=task,
        title=str(task.title),
        unit=unit,
        can_claim=can_claim,
        can_do=can_do,
        claim_url=node.reverse("assign", args=[task.process_id, task.pk]) if can_claim else "",
        do_url=node.reverse("execute", args=[task.process_id, task.pk]) if can_do else "",
    )


def open_steps(
    *, process_pk: int, user: User, default_unit: Unit, process: FlowProcess | None = None
) -> list[OpenStep]:
    """The open human steps of a process (a task's lifecycle or a round report)
    and what this person can do on each; `default_unit` for steps with no
    branch unit of their own. Three queries whatever the number of steps.
    `process`: the process itself (as its flow's class), when the caller has
    it: the steps' permission checks use it instead of reading it again."""
    open_tasks = list(
        FlowTask.objects.filter(process_id=process_pk, flow_task_type="HUMAN")
        .exclude(status__in=[STATUS.DONE, STATUS.CANCELED])
        .select_related("owner")
        .order_by("created", "pk")
    )
    if process is not None:
        for task in open_tasks:
            task.process = process
    unit_ids = {(t.data or {}).get("unit") for t in open_tasks} - {None}
    units = {u.pk: u for u in Unit.objects.filter(pk__in=unit_ids)}
    return [_open_step(task, user, units, default_unit) for task in open_tasks]


def process_panel(*, plan_task: Task, user: User) -> ProcessPanel | None:
    """What the task page shows of the lifecycle: open steps and what this
    person can do on each, each unit's part of the work plan, the history."""
    process = TaskProcess.objects.filter(plan_task=plan_task).first()
    if process is None:
        return None
    return ProcessPanel(
        process=process,
        steps=open_steps(
            process_pk=process.pk, user=user, default_unit=plan_task.lead_unit, process=process
        ),
        parts=latest_parts(process),
        events=list(process.events.select_related("by").prefetch_related("units", "evidence")),
        can_manage=may_supervise(user),
    )


# --- 我的待办 (My steps) ------------------------------------------------------

# The inbox offers each person only the steps of their role (see
# departments.permissions.STEP_PERMISSIONS_BY_ROLE): a unit leader also holds
# ACT_FOR_UNIT, which would put every liaison step in their queue.
OPEN_STATUSES = [STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED]
DONE_SIZE = 20
# A task in progress can be applied for completion any time before its deadline:
# until it comes this close, it waits below the list rather than in it.
COMPLETION_SOON_DAYS = 30
# "还剩 N 天" is said only this close to a deadline; further off the date is enough.
SOON_DAYS = 30
REASON_CHARS = 60


@dataclass(frozen=True)
class Deadline:
    """A deadline as a person reads it: the date and how far it is from today."""

    on: datetime.date | None
    days_left: int | None

    @classmethod
    def of(cls, on: datetime.date | None, today: datetime.date) -> "Deadline":
        return cls(on=on, days_left=None if on is None else (on - today).days)

    @property
    def overdue(self) -> bool:
        return self.days_left is not None and self.days_left < 0

    @property
    def days_overdue(self) -> int:
        return -self.days_left if self.overdue else 0  # type: ignore[operator]

    @property
    def soon(self) -> bool:
        return self.days_left is not None and 0 <= self.days_left <= SOON_DAYS

    @property
    def note(self) -> str:
        """已逾期 N 天 / 今天截止 / 还剩 N 天 (near ones only) / nothing."""
        days = self.days_left
        if days is None or days > SOON_DAYS:
            return ""
        if days < 0:
            return ngettext("%(days)s day overdue", "%(days)s days overdue", -days) % {
                "days": -days
            }
        if days == 0:
            return pgettext("deadline", "Due today")
        return ngettext("%(days)s day left", "%(days)s days left", days) % {"days": days}


@dataclass(frozen=True)
class StepKind:
    what: Promise  # what to do, in the liaison's words
    status: Promise  # the status word while it waits
    tone: str  # for the badge's colour: todo, sign, review, progress
    due: str  # which deadline: "acknowledge", "complete", "round", or "" for none
    returned_what: Promise | None = None  # what to do once it was sent back


TO_FILL = pgettext_lazy("inbox status", "To fill in")
TO_SIGN = pgettext_lazy("inbox status", "To sign off")
TO_REVIEW = pgettext_lazy("inbox status", "To review")
RETURNED = pgettext_lazy("inbox status", "Returned")
SUSPENDED = pgettext_lazy("inbox status", "Suspended")

# By node name (unique across the task lifecycle and the round report flows).
STEP_KINDS: dict[str, StepKind] = {
    "acknowledge": StepKind(
        what=pgettext_lazy("inbox", "Confirm receipt of the task"),
        status=pgettext_lazy("inbox status", "To acknowledge"),
        tone="todo",
        due="acknowledge",
    ),
    "write_part": StepKind(
        what=pgettext_lazy("inbox", "Fill in the work plan"),
        status=TO_FILL,
        tone="todo",
        due="complete",
        returned_what=pgettext_lazy("inbox", "Revise the work plan"),
    ),
    "sign_work_plan": StepKind(
        what=pgettext_lazy("inbox", "Sign off the work plan"),
        status=TO_SIGN,
        tone="sign",
        due="complete",
    ),
    "review_work_plan": StepKind(
        what=pgettext_lazy("inbox", "Review the work plan"),
        status=TO_REVIEW,
        tone="review",
        due="complete",
    ),
    "apply_completion": StepKind(
        what=pgettext_lazy("inbox", "Apply for completion"),
        status=pgettext_lazy("inbox status", "In progress"),
        tone="progress",
        due="complete",
        returned_what=pgettext_lazy("inbox", "Revise the completion application"),
    ),
    "sign_completion": StepKind(
        what=pgettext_lazy("inbox", "Sign off the completion application"),
        status=TO_SIGN,
        tone="sign",
        due="complete",
    ),
    "verify_completion": StepKind(
        what=pgettext_lazy("inbox", "Verify the completion"),
        status=TO_REVIEW,
        tone="review",
        due="complete",
    ),
    "fill": StepKind(
        what=pgettext_lazy("inbox", "Fill in this period's progress"),
        status=TO_FILL,
        tone="todo",
        due="round",
        returned_what=pgettext_lazy("inbox", "Revise and send again"),
    ),
    "sign": StepKind(
        what=pgettext_lazy("inbox", "Sign off the round report"),
        status=TO_SIGN,
        tone="sign",
        due="round",
    ),
    "review": StepKind(
        what=pgettext_lazy("inbox", "Review the round report"),
        status=TO_REVIEW,
        tone="review",
        due="",
    ),
}


@dataclass
class InboxRow:
    """One open step, as the person reads it."""

    step_id: int
    kind: str
    what: str
    subject: str  # the task (number and title) or the round report
    subject_url: str
    context: str  # the plan, and for whole-city readers the unit
    deadline: Deadline
    received: datetime.datetime  # when the step reached the unit
    status: str
    tone: str
    reason: str = ""  # why it was sent back, shortened
    full_reason: str = ""
    held_by: str = ""  # a colleague who is handling it
    claim: bool = False  # the button takes the step, then opens it
    open_url: str = ""  # the button opens it (already the person's)

    @property
    def returned(self) -> bool:
        return bool(self.full_reason)


@dataclass
class DoneRow:
    kind: str
    what: str
    subject: str
    subject_url: str
    context: str
    finished: datetime.datetime


@dataclass
class Inbox:
    rows: list[InboxRow]  # what waits for the person, the soonest deadline first
    later: list[InboxRow]  # tasks in progress, to apply for completion when done
    done: list[DoneRow]  # the last steps the person finished, each step once

    @property
    def overdue_count(self) -> int:
        return sum(1 for row in self.rows if row.deadline.overdue)


def _object_permissions(user: User) -> set[str]:
    """The person's object permissions (their own and their groups') as
    viewflow's user_queue matches them, "<app>.<codename>_<object pk>". viewflow
    reads them as guardian's rows and loads each row's content type and
    permission, two queries per row; these are two queries in all."""
    fields = ("content_type__app_label", "permission__codename", "object_pk")
    rows = [
        *UserObjectPermission.objects.filter(user=user).values_list(*fields),
        *GroupObjectPermission.objects.filter(group__in=user.groups.all()).values_list(*fields),
    ]
    return {f"{app}.{codename}_{pk}" for app, codename, pk in rows}


def inbox_steps(user: User) -> QuerySet[FlowTask]:
    """The open steps a person may act on: their own, and those waiting for the
    permission their role acts under on their unit (guardian's object permissions,
    so never another unit's). One query (and viewflow's permission look-ups)."""
    permissions = step_permissions(user)
    if not user.is_superuser and not hasattr(user, "_viewflow_per_object_perm_cache"):
        user._viewflow_per_object_perm_cache = _object_permissions(user)
    return (
        FlowTask.objects.user_queue(user)
        .filter(status__in=OPEN_STATUSES)
        .filter(Q(owner=user) | Q(owner_permission__in=permissions))
    )


@dataclass
class _Subject:
    title: str
    url: str
    plan_id: int
    plan_title: str
    unit_name: str
    deadlines: dict[str, datetime.date | None]
    suspended: bool = False


def _subjects(process_ids: set[int]) -> dict[int, _Subject]:
    """process pk -> what it is about, two queries whatever the count."""
    subjects: dict[int, _Subject] = {}
    processes = (
        TaskProcess.objects.filter(pk__in=process_ids)
        .select_related("plan_task__plan", "plan_task__lead_unit")
        .only(
            "acknowledge_by",
            "complete_by",
            "suspended",
            "plan_task__number",
            "plan_task__title",
            "plan_task__plan__title",
            "plan_task__lead_unit__name",
        )
    )
    for process in processes:
        task = process.plan_task
        subjects[process.pk] = _Subject(
            title=pgettext("inbox", "Task %(number)s · %(title)s")
            % {"number": task.number, "title": task.title},
            url=reverse("task_detail", args=[task.pk]),
            plan_id=task.plan_id,
            plan_title=task.plan.title,
            unit_name=task.lead_unit.name,
            deadlines={"acknowledge": process.acknowledge_by, "complete": process.complete_by},
            suspended=process.suspended,
        )
    reports = (
        UnitReport.objects.filter(pk__in=process_ids)
        .select_related("round__plan", "unit")
        .only("round__period", "round__deadline", "round__plan__title", "unit__name")
    )
    for report in reports:
        subjects[report.pk] = _Subject(
            title=pgettext("inbox", "%(period)s round report") % {"period": report.round.period},
            url=reverse("report_detail", args=[report.pk]),
            plan_id=report.round.plan_id,
            plan_title=report.round.plan.title,
            unit_name=report.unit.name,
            deadlines={"round": report.round.deadline},
        )
    return subjects


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= REASON_CHARS else text[: REASON_CHARS - 1] + "…"


def _report_returns(report_ids: set[int]) -> dict[int, str]:
    """Report pk -> why it is back with the unit: the leader's reason, or the
    bureau's for each task it returned, since the report was last sent. One query."""
    actions = [ReportEvent.Action.SUBMIT, ReportEvent.Action.SIGN, ReportEvent.Action.RETURN]
    current: dict[int, list[tuple[int | None, str]]] = {}
    events = (
        ReportEvent.objects.filter(report_id__in=report_ids, action__in=actions)
        .order_by("at", "id")
        .values_list("report_id", "action", "task__number", "reason")
    )
    for report_id, action, number, reason in events:
        if action == ReportEvent.Action.RETURN:
            current.setdefault(report_id, []).append((number, reason))
        else:
            current[report_id] = []
    reasons = {}
    for report_id, returns in current.items():
        if returns:
            reasons[report_id] = pgettext("inbox", "; ").join(
                pgettext("inbox", "Task %(number)s: %(reason)s")
                % {"number": number, "reason": reason}
                if number is not None
                else reason
                for number, reason in returns
            )
    return reasons


# A lifecycle stage's events: the last one says whether the stage was sent back.
_STAGE_EVENTS = {
    "write_part": (TaskEvent.Action.RETURN, [TaskEvent.Action.SIGN, TaskEvent.Action.APPROVE]),
    "apply_completion": (
        TaskEvent.Action.COMPLETION_RETURN,
        [TaskEvent.Action.APPLY, TaskEvent.Action.CLOSE],
    ),
}


def _task_returns(process_ids: set[int]) -> dict[tuple[int, str], str]:
    """(process pk, step kind) -> the reviewer's reason, when the work plan or the
    completion application came back and was not sent again. One query."""
    actions = [a for returned, others in _STAGE_EVENTS.values() for a in [returned, *others]]
    last: dict[tuple[int, str], tuple[str, str]] = {}
    events = (
        TaskEvent.objects.filter(process_id__in=process_ids, action__in=actions)
        .order_by("at", "id")
        .values_list("process_id", "action", "reason")
    )
    for process_id, action, reason in events:
        for kind, (returned, others) in _STAGE_EVENTS.items():
            if action == returned or action in others:
                last[(process_id, kind)] = (action, reason)
    return {
        key: reason for key, (action, reason) in last.items() if action == _STAGE_EVENTS[key[1]][0]
    }


def _row(
    task: FlowTask,
    *,
    user: User,
    subject: _Subject,
    reason: str,
    today: datetime.date,
    context: str,
) -> InboxRow:
    node = task.flow_task
    kind = STEP_KINDS.get(node.name)
    what = str(kind.what if kind else task.title)
    status = str(kind.status) if kind else str(TO_FILL)
    tone = kind.tone if kind else "todo"
    if reason:
        what = str(kind.returned_what or kind.what) if kind else what
        status, tone = str(RETURNED), "returned"
    row = InboxRow(
        step_id=task.pk,
        kind=node.name,
        what=what,
        subject=subject.title,
        subject_url=subject.url,
        context=context,
        deadline=Deadline.of(subject.deadlines.get(kind.due) if kind else None, today),
        received=task.created,
        status=status,
        tone=tone,
        reason=_shorten(reason),
        full_reason=reason,
    )
    if subject.suspended:
        row.status, row.tone = str(SUSPENDED), "paused"
    elif task.owner_id == user.pk:
        row.open_url = node.reverse("execute", args=[task.process_id, task.pk])
    elif task.owner_id is not None:
        row.held_by = str(task.owner)
        row.status = pgettext("inbox status", "%(name)s is on it") % {"name": task.owner}
        row.tone = "held"
    else:
        row.claim = True
    return row


def _context(subject: _Subject, *, whole_city: bool, many_plans: bool) -> str:
    parts = []
    if whole_city:
        parts.append(subject.unit_name)
    if many_plans:
        parts.append(subject.plan_title)
    return " · ".join(parts)


def _sort_key(row: InboxRow) -> tuple:
    # Soonest deadline first (the overdue before all), the sent back first on a
    # day; steps with no deadline (a report to review) last, the oldest first.
    on = row.deadline.on
    return (on is None, on or datetime.date.max, not row.returned, row.received, row.step_id)


def my_steps(user: User, today: datetime.date | None = None) -> Inbox:
    """我的待办: what waits for the person (their own steps, and their unit's steps
    that their role acts on), each with what to do, for which task or round, its
    deadline and status, why it came back; and the last steps they finished.

    A fixed number of queries whatever the number of steps: at most six of its
    own (the open steps, the finished ones, their tasks, their reports, the
    returns of each) after viewflow's permission look-ups, which depend on the
    person's permissions only.
    """
    today = today or timezone.localdate()
    open_tasks = list(inbox_steps(user).select_related("owner").order_by("created", "pk"))
    done = list(
        FlowTask.objects.filter(flow_task_type="HUMAN", owner=user, status=STATUS.DONE)
        .values("process_id", "flow_task")
        .annotate(last=Max("finished"))
        .order_by("-last")[:DONE_SIZE]
    )
    subjects = _subjects({t.process_id for t in open_tasks} | {d["process_id"] for d in done})
    fills = {t.process_id for t in open_tasks if t.flow_task.name == "fill"}
    returnable = {t.process_id for t in open_tasks if t.flow_task.name in _STAGE_EVENTS}
    report_reasons = _report_returns(fills) if fills else {}
    task_reasons = _task_returns(returnable) if returnable else {}

    many_plans = len({s.plan_id for s in subjects.values()}) > 1
    whole_city = user.sees_whole_city
    rows, later = [], []
    for task in open_tasks:
        subject = subjects.get(task.process_id)
        if subject is None:  # a step of a flow this page does not know
            continue
        name = task.flow_task.name
        reason = (
            report_reasons.get(task.process_id, "")
            if name == "fill"
            else task_reasons.get((task.process_id, name), "")
        )
        context = _context(subject, whole_city=whole_city, many_plans=many_plans)
        row = _row(task, user=user, subject=subject, reason=reason, today=today, context=context)
        waits = (
            name == "apply_completion"
            and not row.returned
            and row.deadline.days_left is not None
            and row.deadline.days_left > COMPLETION_SOON_DAYS
        )
        (later if waits else rows).append(row)

    done_rows = []
    for item in done:
        subject = subjects.get(item["process_id"])
        node = item["flow_task"]
        if subject is None or node is None:
            continue
        kind = STEP_KINDS.get(node.name)
        done_rows.append(
            DoneRow(
                kind=node.name,
                what=str(kind.what if kind else node),
                subject=subject.title,
                subject_url=subject.url,
                context=_context(subject, whole_city=whole_city, many_plans=many_plans),
                finished=item["last"],
            )
        )
    return Inbox(
        rows=sorted(rows, key=_sort_key), later=sorted(later, key=_sort_key), done=done_rows
    )


_YEARS = re.compile(r"(20\d{2})")


def default_deadlines(task: Task, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """Acknowledge within a week; complete by the plan's own 完成时限 for the task, else
    by the end of the last year the task's own targets name, or else the last year in
    the plan's title ("2023—2027").

    Dates and years already past do not count, so a task dispatched late never gets a
    completion deadline before its acknowledgement.
    """
    acknowledge_by = today + datetime.timedelta(days=7)
    if task.deadline is not None and task.deadline >= acknowledge_by:
        return acknowledge_by, task.deadline
    target_years = [t.year for t in task.targets.all() if t.year and t.year >= today.year]
    plan_years = [int(y) for y in _YEARS.findall(task.plan.title) if int(y) >= today.year]
    end_year = max(target_years or plan_years or [today.year + 1])
    complete_by = max(datetime.date(end_year, 12, 31), acknowledge_by)
    return acknowledge_by, complete_by
