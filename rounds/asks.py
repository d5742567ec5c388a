"""What a round asks of a unit, task by task: the clauses that name it, the
values it alone reports, its previous round's entry, and where each entry stands.

The report form, the unit's Excel sheet and the services that store what the
unit sends all read the same answers here, so a value is asked of one unit
only: a task's indicator of its lead unit, or, where the working group asks
for a breakdown (TaskTarget.by_member), of each member of the task's unit
group (each county government) for its own share, the city value being their
sum. Each function runs a fixed number of queries whatever the report's size.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.db.models import Prefetch, Q, QuerySet, Subquery, prefetch_related_objects
from django.utils.html import format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from departments.models import Unit
from plans.models import Measure, MeasureUnit, Task, TaskTarget, TaskUnit
from rounds.models import Entry, ReportEvent, ReportFile, Round, TargetValue, UnitReport
from rounds.selectors import entry_is_released, released_entries

STATE_LABELS = {
    "todo": _("To fill"),
    "filled": _("Filled"),
    "kept": _("No change, last round's kept"),
    "returned": _("Returned: revise"),
    "revised": _("Revised"),
    "submitted": _("Submitted"),
    "kept_submitted": _("Submitted: no change since the last round"),
    "approved": _("Approved"),
}


# An entry's evidence files in the order they came. Their default ordering starts
# with the entry, whose own ordering joins its report, round and plan: needless
# for a prefetch, which groups them by entry anyway.
_FILES = ReportFile.objects.order_by("uploaded_at", "id")


def _entry_prefetches() -> list[Prefetch]:
    """An entry's values (with their targets) and evidence files, as plain lists
    (`value_list`, `file_list`): Django's prefetch into the related managers
    builds a filtered queryset per entry, which cost more CPU than the queries
    on a report's pages. Read them with entry_values and entry_files."""
    return [
        Prefetch(
            "values", queryset=TargetValue.objects.select_related("target"), to_attr="value_list"
        ),
        Prefetch("files", queryset=_FILES, to_attr="file_list"),
    ]


def task_targets(task: Task) -> list[TaskTarget]:
    """The task's targets: prefetched as a list by report_form, else through
    the related manager (prefetched by the caller or read)."""
    found = getattr(task, "target_list", None)
    return list(task.targets.all()) if found is None else found


def entry_values(entry: Entry) -> list[TargetValue]:
    """The entry's values: prefetched by this module, else read."""
    found = getattr(entry, "value_list", None)
    return list(entry.values.all()) if found is None else found


def entry_files(entry: Entry) -> list[ReportFile]:
    """The entry's evidence files in the order they came: prefetched by this module, else read."""
    found = getattr(entry, "file_list", None)
    return list(entry.files.all()) if found is None else found


def previous_round(rnd: Round) -> Round | None:
    """The plan's round opened just before this one, if any."""
    return _previous_rounds(rnd).first()


def _previous_rounds(rnd: Round) -> QuerySet[Round]:
    return (
        Round.objects.filter(plan_id=rnd.plan_id, status=Round.Status.OPEN)
        .filter(Q(opens_on__lt=rnd.opens_on) | Q(opens_on=rnd.opens_on, id__lt=rnd.pk))
        .order_by("-opens_on", "-id")
    )


def previous_entries(report: UnitReport, task_ids: Iterable[int]) -> dict[int, Entry]:
    """task pk -> the unit's entry on it in the previous round, when it wrote one:
    with its round, values and evidence files, in three queries."""
    entries = (
        Entry.objects.filter(
            report__round_id=Subquery(_previous_rounds(report.round).values("pk")[:1]),
            report__unit_id=report.unit_id,
        )
        .filter(task_id__in=list(task_ids))
        .exclude(progress="")
        .select_related("report__round")
        .prefetch_related(*_entry_prefetches())
        .order_by()
    )
    return {entry.task_id: entry for entry in entries}


def group_ids(unit_id: int) -> list[int]:
    """The unit groups (各县(市、区)政府) the unit is a member of."""
    return list(
        Unit.objects.filter(kind=Unit.Kind.GROUP, members=unit_id)
        .order_by()
        .values_list("pk", flat=True)
    )


def member_tasks(
    unit_id: int, task_ids: Iterable[int], groups: Iterable[int] | None = None
) -> set[int]:
    """The tasks the unit answers for as a member of a unit group (a county
    government under 各县(市、区)政府) rather than by name; `groups`: the
    unit's groups (group_ids), when already known."""
    groups = group_ids(unit_id) if groups is None else list(groups)
    named: set[int] = set()
    via_group: set[int] = set()
    for task_id, linked in (
        TaskUnit.objects.filter(task_id__in=list(task_ids), unit_id__in=[unit_id, *groups])
        .order_by()
        .values_list("task_id", "unit_id")
    ):
        (named if linked == unit_id else via_group).add(task_id)
    return via_group - named


def asked_targets(
    report: UnitReport, entries: list[Entry], groups: Iterable[int] | None = None
) -> dict[int, list[TaskTarget]]:
    """task pk -> the targets whose values this unit reports on the task.

    `entries` come with task__targets prefetched. The lead unit reports a
    task's targets, but those broken down by member; a member of the task's
    unit group reports only those, each its own share; other co-units none.
    `groups`: the unit's groups (group_ids), when already known.
    """
    co_tasks = [e.task_id for e in entries if not e.is_lead]
    members_on = member_tasks(report.unit_id, co_tasks, groups) if co_tasks else set()
    asked: dict[int, list[TaskTarget]] = {}
    for entry in entries:
        targets = task_targets(entry.task)
        if entry.is_lead:
            asked[entry.task_id] = [t for t in targets if not t.by_member]
        elif entry.task_id in members_on:
            asked[entry.task_id] = [t for t in targets if t.by_member]
        else:
            asked[entry.task_id] = []
    return asked


@dataclass
class MemberSum:
    """A broken-down target's city value so far: the members' shares summed."""

    target: TaskTarget
    total: Decimal | None
    reported: int
    members: int


@dataclass
class EntryAsk:
    """One task of the report as the form shows it."""

    entry: Entry
    clauses: list[Measure]
    whole_task: bool  # no clause names the unit: it answers for the task as a whole
    targets: list[TaskTarget]
    previous: Entry | None
    returned_at: datetime.datetime | None = None
    parts: list[Entry] = field(default_factory=list)  # the co-units' entries (lead only)
    member_sums: list[MemberSum] = field(default_factory=list)
    # The field the page marks as wrong in this entry, if any (set by the step view).
    error_field: str | None = None
    # The fill page's fields of an editable entry (rounds.form_fields.EntryFields,
    # set by the step view).
    fields: object | None = None

    @cached_property
    def number(self) -> str:
        """The task's number as the page prints it (an int, never grouped)."""
        return str(self.entry.task.number)

    @cached_property
    def clause_count(self) -> str:
        """ "3 clauses", as the page heads the clauses naming the unit."""
        n = len(self.clauses)
        return ngettext("%(n)s clause", "%(n)s clauses", n) % {"n": n}

    @cached_property
    def clause_items(self) -> SafeString:
        """The clauses as <li>s (the fill page lists them for each entry)."""
        return format_html_join("", "<li>{}</li>", ((m.text,) for m in self.clauses))

    @cached_property
    def prefix(self) -> str:
        """The start of the names of the entry's form fields: e<task pk>-."""
        return f"e{self.entry.task_id}-"

    @cached_property
    def editable(self) -> bool:
        return self.entry.status in (Entry.Status.DRAFT, Entry.Status.RETURNED)

    @property
    def filled(self) -> bool:
        """Written for this round: the texts given (or kept from the last round),
        and for a returned entry, changed since it came back."""
        entry = self.entry
        if entry.status == Entry.Status.RETURNED:
            return self.returned_at is not None and entry.updated_at > self.returned_at
        return entry.kept_previous or bool(entry.progress and entry.schedule)

    @property
    def needs_work(self) -> bool:
        return self.editable and not self.filled

    @cached_property
    def state(self) -> str:
        """The entry's state in the liaison's words: a code for styling, and its label."""
        status = self.entry.status
        if status == Entry.Status.RETURNED:
            return "revised" if self.filled else "returned"
        if status == Entry.Status.DRAFT:
            if self.entry.kept_previous:
                return "kept"
            return "filled" if self.filled else "todo"
        if status == Entry.Status.SUBMITTED and self.entry.kept_previous:
            return "kept_submitted"
        return status

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])

    @property
    def given_parts(self) -> list[Entry]:
        return [part for part in self.parts if entry_is_released(part)]

    @property
    def waiting_parts(self) -> list[Entry]:
        return [part for part in self.parts if not entry_is_released(part)]


@dataclass
class ReportForm:
    report: UnitReport
    asks: list[EntryAsk]
    leader_return: ReportEvent | None  # the unit leader's latest return, while it stands

    @property
    def editable(self) -> list[EntryAsk]:
        return [ask for ask in self.asks if ask.editable]

    @property
    def done(self) -> int:
        return sum(1 for ask in self.editable if ask.filled)

    @property
    def returned(self) -> list[EntryAsk]:
        return [ask for ask in self.asks if ask.entry.status == Entry.Status.RETURNED]

    @property
    def first_open(self) -> int | None:
        """The task the form opens on: the first entry that needs work."""
        for ask in self.asks:
            if ask.needs_work:
                return ask.entry.task_id
        return None


def _clauses(entries: list[Entry], unit_ids: set[int]) -> dict[int, tuple[list[Measure], bool]]:
    task_ids = [e.task_id for e in entries]
    measures = Measure.objects.filter(task_id__in=task_ids).order_by("task_id", "order")
    by_task: dict[int, list[Measure]] = defaultdict(list)
    for measure in measures:
        by_task[measure.task_id].append(measure)
    # The clauses that name one of the units: their pks, read as plain pairs.
    naming = {
        measure_id
        for measure_id, unit_id in MeasureUnit.objects.filter(measure__task_id__in=task_ids)
        .order_by()
        .values_list("measure_id", "unit_id")
        if unit_id in unit_ids
    }
    found = {}
    for entry in entries:
        every = by_task.get(entry.task_id, [])
        mine = [m for m in every if m.pk in naming]
        found[entry.task_id] = (mine, False) if mine else (every, True)
    return found


def _member_sums(
    rnd: Round, lead_entries: list[Entry], asked_of_members: dict[int, list[TaskTarget]]
) -> dict[int, list[MemberSum]]:
    """For the lead unit's tasks: each broken-down target's sum of the members' given shares."""
    target_ids = [t.pk for targets in asked_of_members.values() for t in targets]
    if not target_ids:
        return {}
    members = Entry.objects.filter(
        report__round=rnd, task_id__in=[e.task_id for e in lead_entries], is_lead=False
    )
    group_links = list(
        TaskUnit.objects.filter(task_id__in=list(asked_of_members), unit__kind=Unit.Kind.GROUP)
        .order_by()
        .values_list("task_id", "unit_id")
    )
    group_members: dict[int, set[int]] = defaultdict(set)
    for group_id, member_id in Unit.members.through.objects.filter(
        from_unit_id__in=[unit_id for _task, unit_id in group_links]
    ).values_list("from_unit_id", "to_unit_id"):
        group_members[group_id].add(member_id)
    expected: dict[int, set[int]] = defaultdict(set)
    for task_id, group_id in group_links:
        expected[task_id] |= group_members[group_id]
    totals: dict[int, Decimal] = {}
    counts: dict[int, int] = defaultdict(int)
    for row in TargetValue.objects.filter(
        entry__in=members.filter(released_entries()), target_id__in=target_ids
    ).values("target_id", "value"):
        totals[row["target_id"]] = totals.get(row["target_id"], Decimal(0)) + row["value"]
        counts[row["target_id"]] += 1
    return {
        task_id: [
            MemberSum(
                target=t,
                total=totals.get(t.pk),
                reported=counts[t.pk],
                members=len(expected[task_id]),
            )
            for t in targets
        ]
        for task_id, targets in asked_of_members.items()
    }


_PART_FIELDS = (
    "report",
    "task",
    "is_lead",
    "status",
    "progress",
    "schedule",
    "problems",
    "next_steps",
    "report__state",
    "report__unit",
    "report__unit__name",
    "report__unit__sort_order",
)


def _co_parts(report: UnitReport, lead_task_ids: list[int]) -> dict[int, list[Entry]]:
    """The co-units' entries of this round on the lead unit's tasks; their text is
    read only once given (rounds.selectors.released_entries: signed off by the
    co-unit's leader), so a draft is never shown to another unit. The values and
    files of the given ones only are read: of the others the page shows the unit."""
    if not lead_task_ids:  # a unit that leads none of its tasks (a county)
        return {}
    parts = list(
        Entry.objects.filter(
            report__round_id=report.round_id, task_id__in=lead_task_ids, is_lead=False
        )
        .select_related("report__unit")
        # What the parts' lines show (rounds/_co_parts.html, entry_facts) and
        # whether each is given: not the reports' process rows, nor the units'
        # other fields, for some 76 parts on a lead unit's pages.
        .only(*_PART_FIELDS)
        .order_by("report__unit__sort_order", "report__unit_id")
    )
    prefetch_related_objects(
        [part for part in parts if entry_is_released(part)], *_entry_prefetches()
    )
    found: dict[int, list[Entry]] = defaultdict(list)
    for part in parts:
        found[part.task_id].append(part)
    return found


def _returns(report: UnitReport) -> tuple[ReportEvent | None, dict[int, datetime.datetime]]:
    """The unit leader's return still standing, and when each returned task came back."""
    events = list(
        ReportEvent.objects.filter(
            report=report,
            action__in=[ReportEvent.Action.SUBMIT, ReportEvent.Action.RETURN],
        )
        .select_related("by")
        .order_by("at", "id")
    )
    leader_return = None
    task_returned: dict[int, datetime.datetime] = {}
    for event in events:
        if event.action == ReportEvent.Action.SUBMIT:
            leader_return = None
        elif event.task_id is None:
            leader_return = event
        else:
            task_returned[event.task_id] = event.at
    if report.state != UnitReport.Status.DRAFT:
        leader_return = None
    return leader_return, task_returned


def report_form(report: UnitReport, *, asked: bool = True) -> ReportForm:
    """Everything the report's pages show of each task, in a fixed number of queries.

    `asked=False` for a page showing the entries as stored and the co-units'
    parts only (the report page): what the unit is asked (clauses, targets,
    last round's entry, the members' sums) is left out, and its queries."""
    prefetches: list = _entry_prefetches()
    if asked:
        prefetches.append(Prefetch("task__targets", to_attr="target_list"))
    entries = list(
        report.entries.select_related("task").prefetch_related(*prefetches).order_by("task__order")
    )
    lead_entries = [e for e in entries if e.is_lead]
    parts = _co_parts(report, [e.task_id for e in lead_entries])
    clauses: dict[int, tuple[list[Measure], bool]] = {}
    targets: dict[int, list[TaskTarget]] = {}
    previous: dict[int, Entry] = {}
    sums: dict[int, list[MemberSum]] = {}
    if asked:
        groups = group_ids(report.unit_id)
        clauses = _clauses(entries, {report.unit_id, *groups})
        targets = asked_targets(report, entries, groups)
        previous = previous_entries(report, [e.task_id for e in entries])
        sums = _member_sums(
            report.round,
            lead_entries,
            {
                e.task_id: [t for t in task_targets(e.task) if t.by_member]
                for e in lead_entries
                if any(t.by_member for t in task_targets(e.task))
            },
        )
    leader_return, task_returned = _returns(report)
    asks = []
    for entry in entries:
        mine, whole = clauses.get(entry.task_id, ([], False))
        asks.append(
            EntryAsk(
                entry=entry,
                clauses=mine,
                whole_task=whole,
                targets=targets.get(entry.task_id, []),
                previous=previous.get(entry.task_id),
                returned_at=task_returned.get(entry.task_id),
                parts=parts.get(entry.task_id, []),
                member_sums=sums.get(entry.task_id, []),
            )
        )
    return ReportForm(report=report, asks=asks, leader_return=leader_return)
