import datetime
import re
from dataclasses import dataclass

from django.db.models import Prefetch
from django.urls import reverse
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task as FlowTask
from viewflow.workflow.status import STATUS

from departments.models import Unit, User
from departments.permissions import may_supervise
from plans.models import Task
from rounds.models import UnitReport
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


def open_steps(*, process_pk: int, user: User, default_unit: Unit) -> list[OpenStep]:
    """The open human steps of a process (a task's lifecycle or a round report)
    and what this person can do on each; `default_unit` for steps with no
    branch unit of their own. Three queries whatever the number of steps."""
    open_tasks = list(
        FlowTask.objects.filter(process_id=process_pk, flow_task_type="HUMAN")
        .exclude(status__in=[STATUS.DONE, STATUS.CANCELED])
        .select_related("owner")
        .order_by("created", "pk")
    )
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
        steps=open_steps(process_pk=process.pk, user=user, default_unit=plan_task.lead_unit),
        parts=latest_parts(process),
        events=list(process.events.select_related("by").prefetch_related("units", "evidence")),
        can_manage=may_supervise(user),
    )


ARCHIVE_SIZE = 50


@dataclass
class MyStep:
    task: FlowTask
    subject: str  # the plan task, or the round report, the step belongs to
    subject_url: str
    title: str
    url: str


def _step_subjects(process_ids: set[int]) -> dict[int, tuple[str, str]]:
    """process pk -> (what it is about, its page), two queries whatever the count."""
    subjects = {}
    for process in TaskProcess.objects.filter(pk__in=process_ids).select_related("plan_task"):
        task = process.plan_task
        subjects[process.pk] = (
            f"{task.number}. {task.title}",
            reverse("task_detail", args=[task.pk]),
        )
    for report in UnitReport.objects.filter(pk__in=process_ids).select_related("round", "unit"):
        label = _("Round report %(period)s · %(unit)s") % {
            "period": report.round.period,
            "unit": report.unit.name,
        }
        subjects[report.pk] = (label, reverse("report_detail", args=[report.pk]))
    return subjects


def my_steps(user: User) -> tuple[list[MyStep], list[MyStep], list[MyStep]]:
    """The person's steps: assigned to them, claimable by them (their unit's
    steps, through guardian's object permissions on the unit), and the last
    ones they finished, from the task lifecycle and the round reports alike.
    A fixed number of queries whatever the number of steps."""
    mine = list(
        FlowTask.objects.filter(
            flow_task_type="HUMAN", owner=user, status=STATUS.ASSIGNED
        ).order_by("created")
    )
    claimable = list(
        FlowTask.objects.user_queue(user).filter(status=STATUS.NEW).order_by("created")
    )
    done = list(FlowTask.objects.user_archive(user).order_by("-finished")[:ARCHIVE_SIZE])
    subjects = _step_subjects({t.process_id for t in mine + claimable + done})

    def rows(tasks: list[FlowTask], view: str | None) -> list[MyStep]:
        return [
            MyStep(
                task=task,
                subject=subjects[task.process_id][0],
                subject_url=subjects[task.process_id][1],
                title=str(task.title),
                url=task.flow_task.reverse(view, args=[task.process_id, task.pk]) if view else "",
            )
            for task in tasks
            if task.process_id in subjects
        ]

    return rows(mine, "execute"), rows(claimable, "assign"), rows(done, None)


_YEARS = re.compile(r"(20\d{2})")


def default_deadlines(task: Task, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """Acknowledge within a week; complete by the end of the last year the task's
    own targets name, or else the last year in the plan's title ("2023—2027").

    Years already past do not count, so a task dispatched late never gets a
    completion deadline before its acknowledgement.
    """
    acknowledge_by = today + datetime.timedelta(days=7)
    target_years = [t.year for t in task.targets.all() if t.year and t.year >= today.year]
    plan_years = [int(y) for y in _YEARS.findall(task.plan.title) if int(y) >= today.year]
    end_year = max(target_years or plan_years or [today.year + 1])
    complete_by = max(datetime.date(end_year, 12, 31), acknowledge_by)
    return acknowledge_by, complete_by
