"""The ledger (台账) as the users know it: one row per task and round.

序号 | 任务 | 牵头单位 | 配合单位 | 目标/任务要求 | 完成时限 | 本期进展 | 序时进度 |
存在问题 | 下步打算 | 佐证材料 | 备注

A row is the lead unit's entry for the task in the round (the task's
consolidated report); the co-units' entries are parts of it and are read on
the report pages. The page and the export run a fixed number of queries
whatever the number of tasks, units and rounds: the page loads one page of
entries and the details of the tasks on it; the export loads the plan's
tasks once and streams the entries in chunks.

Each row also shows the task's light (supervision): the light now for the
plan's latest round, the stored one for an earlier round; the light filter
reads the same.
"""

import datetime
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from departments.models import Unit, User
from meetings.selectors import decisions_for_ledger
from plans.models import Category, Measure, Plan, Task, TaskTarget, TaskUnit
from plans.selectors import tasks_visible_to
from rounds.models import Entry, ReportFile, Round, TargetValue, UnitReport
from rounds.selectors import entries_readable_by, report_status
from supervision.lights import current_rounds
from supervision.models import Light, LightRecord
from supervision.selectors import info_of, plan_task_lights, stored_task_lights
from workflow.models import TaskProcess

PAGE_SIZE = 50
EXPORT_CHUNK = 1000

# The status filter takes an entry's review status or its progress against schedule.
ENTRY_STATUSES = {value for value, _label in Entry.Status.choices}
SCHEDULES = {value for value, _label in Entry.Schedule.choices}


def light_choices() -> list[tuple[str, str]]:
    """The lights the light filter understands, labelled in the active language."""
    return [(value, str(label)) for value, label in Light.choices]


def status_choices() -> list[tuple[str, str]]:
    """The values the status filter understands, labelled in the active language."""
    return [(v, str(label)) for v, label in Entry.Status.choices] + [
        (v, str(label)) for v, label in Entry.Schedule.choices
    ]


@dataclass(frozen=True)
class LedgerFilters:
    round: Round | None = None
    category: Category | None = None
    unit: Unit | None = None
    status: str = ""
    light: str = ""
    # "yes": only entries of reports sent to the bureau; "no": only those not sent yet
    # (what the bulletins and the dashboard count as 未报送).
    reported: str = ""


REPORTED_VALUES = ("yes", "no")


def reported_choices() -> list[tuple[str, str]]:
    """The values the reported filter understands, labelled in the active language."""
    return [("yes", str(_("Sent to the working group"))), ("no", str(_("Not sent yet")))]


@dataclass
class TaskFacts:
    """What the ledger says of a task whatever the round: units, requirements, deadline."""

    task: Task
    lead_units: list[str]
    co_units: list[str]
    targets: list[TaskTarget]
    measures: list[str]
    complete_by: datetime.date | None

    @property
    def requirements(self) -> str:
        """目标/任务要求: the task's clauses (their targets are written in them), or
        the targets alone when the task has no clause."""
        if len(self.measures) > 1:
            return "\n".join(f"{n}. {text}" for n, text in enumerate(self.measures, start=1))
        if self.measures:
            return self.measures[0]
        return "；".join(t.text for t in self.targets)


@dataclass
class LedgerFile:
    pk: int
    name: str


@dataclass
class LedgerRow:
    """One row of the ledger: the lead unit's entry for a task in a round, read as plain
    values (the export builds tens of thousands of them; model instances cost too much)."""

    pk: int  # the entry's
    report_id: int
    unit_id: int  # the lead unit's report's unit
    round: Round
    facts: TaskFacts
    progress: str
    schedule: str
    schedule_label: str
    problems: str
    next_steps: str
    status: str
    status_label: str
    values: list[tuple[str, str]] = field(default_factory=list)  # (indicator, value as read)
    files: list[LedgerFile] = field(default_factory=list)
    remarks: list[str] = field(default_factory=list)
    light: Any = None  # the task's light in the row's round (supervision.lights.LightInfo)

    @property
    def task(self) -> Task:
        return self.facts.task

    @property
    def category(self) -> Category:
        return self.facts.task.category

    @property
    def progress_text(self) -> str:
        """本期进展 with the values reported for the task's targets, as the export writes it."""
        lines = [self.progress] if self.progress else []
        lines += [f"{indicator}：{value}" for indicator, value in self.values]
        return "\n".join(lines)

    @property
    def file_names(self) -> list[str]:
        return [f.name for f in self.files]


@dataclass
class LedgerPage:
    rows: list[LedgerRow]
    page: Page


@dataclass
class LedgerLights:
    """The tasks' lights for the ledger: in the plan's latest round, the light now
    (computed); in an earlier round, the light the sweep stored for it then."""

    latest_round_id: int | None
    live: dict[int, Any]  # task pk -> LightInfo

    @classmethod
    def load(cls, plan: Plan, today: datetime.date) -> "LedgerLights":
        rounds = current_rounds([plan.pk]).get(plan.pk) or []
        return cls(
            latest_round_id=rounds[0].pk if rounds else None,
            live=plan_task_lights(plan, today),
        )

    def q(self, color: str) -> Q:
        """Entries whose task had `color` in the entry's round."""
        stored = Exists(
            LightRecord.objects.filter(
                round_id=OuterRef("report__round_id"), task_id=OuterRef("task_id"), color=color
            )
        )
        if self.latest_round_id is None:
            return Q(stored)
        now = [pk for pk, info in self.live.items() if info.color == color]
        latest = Q(report__round_id=self.latest_round_id)
        return (latest & Q(task_id__in=now)) | (~latest & Q(stored))

    def attach(self, rows: Sequence[LedgerRow]) -> None:
        """Set each row's light: one query for the stored ones, whatever the rows."""
        # The latest round's pairs are asked too, so the query runs whatever rounds
        # the page shows (an empty question would skip it and change the count).
        stored = stored_task_lights((row.round.pk, row.task.pk) for row in rows)
        for row in rows:
            if row.round.pk == self.latest_round_id:
                row.light = self.live.get(row.task.pk)
            else:
                row.light = info_of(stored.get((row.round.pk, row.task.pk)))


def _responsible(unit: Unit) -> Exists:
    # A county government also answers for the tasks that fall on the county group.
    links = TaskUnit.objects.filter(task=OuterRef("task_id")).filter(
        Q(unit_id=unit.pk) | Q(unit__members=unit.pk)
    )
    return Exists(links)


# What a row needs of an entry, its report and its round, in one query.
ENTRY_FIELDS = (
    "id",
    "task_id",
    "report_id",
    "report__unit_id",
    "report__state",
    "report__sent_at",
    "report__late_days",
    "report__round_id",
    "report__round__period",
    "report__round__opens_on",
    "report__round__deadline",
    "progress",
    "schedule",
    "problems",
    "next_steps",
    "status",
    "return_reason",
    "times_returned",
    "readable",
)


# What a row shows of an entry the person may not read yet.
HIDDEN_TEXT = {"progress": "", "schedule": "", "problems": "", "next_steps": ""}


def with_readable(entries: QuerySet[Entry], user: User) -> QuerySet[Entry]:
    """Mark each entry `readable` when the person may read its text, values and files
    (rounds.selectors.entries_readable_by): a row of a unit's unsent draft stays in the
    ledger, with its state and remarks, and without the unit's words."""
    readable = entries_readable_by(user)
    return entries.annotate(
        readable=Case(
            When(readable, then=Value(True)), default=Value(False), output_field=BooleanField()
        )
    )


def ledger_entries(
    *, plan: Plan, user: User, filters: LedgerFilters, lights: LedgerLights | None = None
) -> QuerySet[Entry]:
    """The lead units' entries of the plan's open rounds that the person sees,
    newest round first, then in the plan's task order."""
    entries = Entry.objects.filter(
        is_lead=True, report__round__plan=plan, report__round__status=Round.Status.OPEN
    )
    if not user.sees_whole_city:
        entries = entries.filter(task__in=tasks_visible_to(user))
    if filters.round is not None:
        entries = entries.filter(report__round=filters.round)
    if filters.category is not None:
        entries = entries.filter(task__category=filters.category)
    if filters.unit is not None:
        entries = entries.filter(_responsible(filters.unit))
    if filters.status in ENTRY_STATUSES:
        entries = entries.filter(status=filters.status)
    elif filters.status in SCHEDULES:
        # The 序时进度 is the unit's word too: a draft's is not matched for others.
        entries = entries.filter(entries_readable_by(user), schedule=filters.status)
    if filters.reported in REPORTED_VALUES:
        entries = entries.filter(report__sent_at__isnull=filters.reported == "no")
    if filters.light:
        if lights is None:
            lights = LedgerLights.load(plan, timezone.localdate())
        entries = entries.filter(lights.q(filters.light))
    return entries.order_by("-report__round__opens_on", "-report__round_id", "task__order", "pk")


def task_facts(tasks: QuerySet[Task]) -> dict[int, TaskFacts]:
    """The ledger's view of each task, in five queries whatever their number."""
    tasks = tasks.select_related("category", "lead_unit").prefetch_related(
        Prefetch("task_units", queryset=TaskUnit.objects.select_related("unit")),
        Prefetch("measures", queryset=Measure.objects.only("id", "task_id", "order", "text")),
        "targets",
    )
    found = {task.pk: task for task in tasks}
    deadlines = dict(
        TaskProcess.objects.filter(plan_task_id__in=list(found)).values_list(
            "plan_task_id", "complete_by"
        )
    )
    facts = {}
    for pk, task in found.items():
        links = sorted(task.task_units.all(), key=lambda link: link.order)
        lead = [task.lead_unit.name] + [
            link.unit.name
            for link in links
            if link.role == TaskUnit.Role.CO_LEAD and link.unit_id != task.lead_unit_id
        ]
        co = [link.unit.name for link in links if link.role == TaskUnit.Role.CO]
        facts[pk] = TaskFacts(
            task=task,
            lead_units=lead,
            co_units=co,
            targets=list(task.targets.all()),
            measures=[m.text for m in task.measures.all()],
            complete_by=deadlines.get(pk),
        )
    return facts


def _decimal_text(value: Decimal) -> str:
    return format(value.normalize(), "f")


class _RowBuilder:
    """Turns entries (as ENTRY_FIELDS values) into rows, two queries per batch:
    their target values and their evidence files."""

    def __init__(
        self, facts: dict[int, TaskFacts], follow_ups: dict[int, list[Any]], today: datetime.date
    ) -> None:
        self.facts = facts
        self.follow_ups = follow_ups
        self.today = today
        self.targets = {t.pk: t for f in facts.values() for t in f.targets}
        self.rounds: dict[int, Round] = {}
        self.report_status: dict[int, str] = {}
        # Labels resolved once, not per row (lazy translations are slow to format).
        self.schedules = {value: str(label) for value, label in Entry.Schedule.choices}
        self.statuses = {value: str(label) for value, label in Entry.Status.choices}

    def rows(self, batch: Sequence[dict[str, Any]]) -> list[LedgerRow]:
        ids = [entry["id"] for entry in batch]
        values: dict[int, list[tuple[TaskTarget, Decimal]]] = {}
        for entry_id, target_id, value in TargetValue.objects.filter(entry_id__in=ids).values_list(
            "entry_id", "target_id", "value"
        ):
            target = self.targets.get(target_id)
            if target is not None:
                values.setdefault(entry_id, []).append((target, value))
        files: dict[int, list[LedgerFile]] = {}
        for entry_id, pk, name in (
            ReportFile.objects.filter(entry_id__in=ids)
            .order_by("uploaded_at", "id")
            .values_list("entry_id", "id", "original_name")
        ):
            files.setdefault(entry_id, []).append(LedgerFile(pk=pk, name=name))
        rows = []
        for entry in batch:
            facts = self.facts.get(entry["task_id"])
            if facts is None:  # a task the person does not see; the query excludes it
                continue
            given = sorted(values.get(entry["id"], ()), key=lambda tv: (tv[0].order, tv[0].pk))
            if not entry["readable"]:
                # Not sent yet and not the person's unit's: the row keeps its task,
                # state and remarks and loses the unit's words, values and files.
                entry, given = {**entry, **HIDDEN_TEXT}, []
            rows.append(
                LedgerRow(
                    pk=entry["id"],
                    report_id=entry["report_id"],
                    unit_id=entry["report__unit_id"],
                    round=self._round(entry),
                    facts=facts,
                    progress=entry["progress"],
                    schedule=entry["schedule"],
                    schedule_label=self.schedules.get(entry["schedule"], ""),
                    problems=entry["problems"],
                    next_steps=entry["next_steps"],
                    status=entry["status"],
                    status_label=self.statuses.get(entry["status"], entry["status"]),
                    values=[
                        (
                            target.indicator or target.text,
                            _decimal_text(value) + target.unit_of_measure,
                        )
                        for target, value in given
                    ],
                    files=files.get(entry["id"], []) if entry["readable"] else [],
                    remarks=self._remarks(entry),
                )
            )
        return rows

    def _round(self, entry: dict[str, Any]) -> Round:
        pk = entry["report__round_id"]
        rnd = self.rounds.get(pk)
        if rnd is None:
            rnd = self.rounds[pk] = Round(
                pk=pk,
                period=entry["report__round__period"],
                opens_on=entry["report__round__opens_on"],
                deadline=entry["report__round__deadline"],
            )
        return rnd

    def _status(self, entry: dict[str, Any]) -> str:
        """The round page's word for the report (selectors.report_status), once per report."""
        pk = entry["report_id"]
        status = self.report_status.get(pk)
        if status is None:
            report = UnitReport(
                state=entry["report__state"],
                sent_at=entry["report__sent_at"],
                late_days=entry["report__late_days"],
                round=self._round(entry),
            )
            status = self.report_status[pk] = report_status(report, self.today)
        return status

    def _remarks(self, entry: dict[str, Any]) -> list[str]:
        """备注: lateness, returns, and the open follow-ups of on-site meetings."""
        remarks = []
        late_days = entry["report__late_days"]
        if self._status(entry) == "missing":
            remarks.append(
                _("Not reported; it was due on %(date)s.")
                % {"date": entry["report__round__deadline"].isoformat()}
            )
        elif late_days:
            remarks.append(
                ngettext("Reported %(days)d day late.", "Reported %(days)d days late.", late_days)
                % {"days": late_days}
            )
        returned = entry["times_returned"]
        if returned:
            remarks.append(
                ngettext("Returned %(count)d time.", "Returned %(count)d times.", returned)
                % {"count": returned}
            )
        if entry["status"] == Entry.Status.RETURNED and entry["return_reason"]:
            remarks.append(_("Reason for return: %(reason)s") % {"reason": entry["return_reason"]})
        for decision in self.follow_ups.get(entry["task_id"], ()):
            template = (
                _("Overdue follow-up of the meeting of %(held)s: %(text)s (due %(due)s)")
                if getattr(decision, "overdue", False)
                else _("Follow-up of the meeting of %(held)s: %(text)s (due %(due)s)")
            )
            remarks.append(
                template
                % {
                    "held": decision.meeting.held_on.isoformat(),
                    "text": decision.text,
                    "due": decision.due_on.isoformat(),
                }
            )
        return remarks


def ledger_rows(
    *,
    plan: Plan,
    user: User,
    round: Round | None = None,
    category: Category | None = None,
    unit: Unit | None = None,
    status: str | None = None,
    light: str | None = None,
    reported: str | None = None,
    page: int | str = 1,
    per_page: int | None = None,
    today: datetime.date | None = None,
) -> LedgerPage:
    """One page of the ledger, for one round or across rounds (newest first)."""
    today = today or timezone.localdate()
    filters = LedgerFilters(
        round=round,
        category=category,
        unit=unit,
        status=status or "",
        light=light or "",
        reported=reported or "",
    )
    lights = LedgerLights.load(plan, today)
    # The page's ids first, then their rows: sorting narrow rows is much cheaper than
    # sorting every matching entry with its texts only to keep fifty.
    ids = ledger_entries(plan=plan, user=user, filters=filters, lights=lights).values_list(
        "id", flat=True
    )
    current = Paginator(ids, per_page or PAGE_SIZE).get_page(page)
    page_ids = list(current.object_list)
    found = {
        e["id"]: e
        for e in with_readable(Entry.objects.filter(pk__in=page_ids), user).values(*ENTRY_FIELDS)
    }
    batch = [found[pk] for pk in page_ids if pk in found]
    task_ids = {entry["task_id"] for entry in batch}
    if not task_ids:
        return LedgerPage(rows=[], page=current)
    facts = task_facts(Task.objects.filter(pk__in=task_ids))
    follow_ups = decisions_for_ledger(plan, user, tasks=task_ids, today=today)
    builder = _RowBuilder(facts, follow_ups, today)
    rows = builder.rows(batch)
    lights.attach(rows)
    return LedgerPage(rows=rows, page=current)


def ledger_rows_all(
    *,
    plan: Plan,
    user: User,
    filters: LedgerFilters,
    today: datetime.date | None = None,
    chunk_size: int = EXPORT_CHUNK,
) -> Iterator[LedgerRow]:
    """Every row for the export, read in chunks so memory stays flat: the plan's
    tasks once, then the entries `chunk_size` at a time with their values and files."""
    today = today or timezone.localdate()
    facts = task_facts(tasks_visible_to(user).filter(plan=plan))
    follow_ups = decisions_for_ledger(plan, user, tasks=None, today=today)
    builder = _RowBuilder(facts, follow_ups, today)
    lights = LedgerLights.load(plan, today) if filters.light else None
    entries = with_readable(
        ledger_entries(plan=plan, user=user, filters=filters, lights=lights), user
    ).values(*ENTRY_FIELDS)
    batch: list[dict[str, Any]] = []
    for entry in entries.iterator(chunk_size=chunk_size):
        batch.append(entry)
        if len(batch) == chunk_size:
            yield from builder.rows(batch)
            batch = []
    if batch:
        yield from builder.rows(batch)
