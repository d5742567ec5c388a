"""Read-side queries for rounds and reports, scoped by the unit rule; each
runs a fixed number of queries whatever the number of tasks, units and rounds."""

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from viewflow.workflow.status import STATUS

from departments.access import unit_scope
from departments.models import User
from plans.models import Plan, Task
from plans.selectors import tasks_visible_to
from rounds.models import Entry, ReportFile, Round, TargetValue, UnitReport


def rounds_visible_to(user: User) -> QuerySet[Round]:
    scope = unit_scope(user)
    rounds = Round.objects.select_related("plan")
    if scope is None:
        return rounds
    return rounds.filter(reports__unit_id__in=scope).distinct()


def reports_visible_to(user: User) -> QuerySet[UnitReport]:
    reports = UnitReport.objects.select_related("round__plan", "unit")
    if user.sees_whole_city:
        return reports
    return reports.filter(unit_id=user.unit_id) if user.unit_id else reports.none()


# The one rule for a report entry's text, its values and its evidence files.
#
# The unit's own people read their entries at any stage. Anyone else reads an
# entry only once it has left the unit: its leader signed the report off to the
# working group (state SENT, the entry SUBMITTED), or the working group approved
# it. A draft, a report awaiting its leader's sign-off, and an entry returned and
# being revised are the unit's alone. Then, of another unit's released entries:
# the city (supervisors, leadership readers) reads all; a unit reads the lead
# unit's entry of a task it answers for (the ledger row) and, as the lead unit,
# the co-units' parts of its tasks. So one co-unit (or one county of the county
# group) never reads another's part, nor its files.


def released_entries() -> Q:
    """Entries (as a filter on Entry) whose text has left their unit."""
    return Q(status=Entry.Status.APPROVED) | Q(
        status=Entry.Status.SUBMITTED, report__state=UnitReport.Status.SENT
    )


def entry_is_released(entry: Entry) -> bool:
    """`released_entries` for one loaded entry (its report loaded with it)."""
    if entry.status == Entry.Status.APPROVED:
        return True
    return entry.status == Entry.Status.SUBMITTED and entry.report.state == UnitReport.Status.SENT


def entries_readable_by(user: User) -> Q:
    """The entries (as a filter on Entry) whose text, values and files the person reads."""
    own = Q(report__unit_id=user.unit_id) if user.unit_id else Q(pk__in=[])
    if user.sees_whole_city:
        return own | released_entries()
    if user.unit_id is None:
        return Q(pk__in=[])
    ledger_row = Q(is_lead=True, task__in=tasks_visible_to(user))
    co_part = Q(is_lead=False, task__lead_unit_id=user.unit_id)
    return own | (released_entries() & (ledger_row | co_part))


def report_files_visible_to(user: User) -> QuerySet[ReportFile]:
    """A file is read exactly where its entry's text is (`entries_readable_by`)."""
    readable = Entry.objects.filter(entries_readable_by(user)).values("pk")
    return ReportFile.objects.select_related("entry__report").filter(entry_id__in=readable)


def readable_entry_ids(
    user: User, report: UnitReport, entries: list[Entry] | None = None
) -> set[int]:
    """Which of the report's entries the person reads, in one query; none for
    a person of the report's own unit, who reads all of them, when the
    report's `entries` are given."""
    if entries is not None and user.unit_id is not None and user.unit_id == report.unit_id:
        return {entry.pk for entry in entries}
    return set(
        Entry.objects.filter(report=report)
        .filter(entries_readable_by(user))
        .values_list("pk", flat=True)
    )


def report_status(report: UnitReport, today: datetime.date) -> str:
    """submitted / late / missing / returned / approved / pending, as the round page says it.

    A report sent once and now back with the unit (returned by the working group,
    or sent back again by its leader on the way) reads "returned" until it is
    with the working group again: it is not on time just because it once was."""
    if report.state == UnitReport.Status.APPROVED:
        return "approved"
    if report.state == UnitReport.Status.SENT:
        return "late" if report.late_days else "submitted"
    if report.sent_at is not None:
        return "returned"
    if today > report.round.deadline:
        return "missing"
    return "pending"


@dataclass
class RoundUnitRow:
    report: UnitReport
    status: str
    entries: dict[int, Entry]
    counts: Counter = field(default_factory=Counter)


@dataclass
class RoundPage:
    round: Round
    tasks: list[Task]  # the task-by-unit table's rows
    rows: list[RoundUnitRow]
    totals: list[tuple[str, int]]  # status -> reports, in a fixed order


MATRIX_MAX_TASKS = 40


def round_page(
    *,
    rnd: Round,
    user: User,
    today: datetime.date | None = None,
    category: int | None = None,
) -> RoundPage:
    """Per unit and per task: submitted / late / missing / returned / approved.

    The task-by-unit table covers one category when one is chosen; a round
    of more than MATRIX_MAX_TASKS tasks shows it only per category.
    """
    today = today or timezone.localdate()
    scope = unit_scope(user)
    reports = UnitReport.objects.filter(round=rnd).select_related("unit", "round")
    if scope is not None:
        reports = reports.filter(unit_id__in=scope)
    reports = reports.prefetch_related(
        Prefetch(
            "entries",
            queryset=Entry.objects.only(
                "id", "report_id", "task_id", "status", "is_lead", "times_returned"
            ),
        )
    ).order_by("unit__sort_order", "unit_id")
    rows = []
    totals: Counter = Counter()
    for report in reports:
        status = report_status(report, today)
        totals[status] += 1
        entries = {e.task_id: e for e in report.entries.all()}
        rows.append(
            RoundUnitRow(
                report=report,
                status=status,
                entries=entries,
                counts=Counter(e.status for e in entries.values()),
            )
        )
    task_ids = {task_id for row in rows for task_id in row.entries}
    tasks = (
        list(Task.objects.filter(pk__in=task_ids).order_by("order"))
        if scope is not None
        else list(rnd.tasks.order_by("order"))
    )
    order = ["approved", "submitted", "late", "returned", "missing", "pending"]
    return RoundPage(
        round=rnd, tasks=tasks, rows=rows, totals=[(s, totals[s]) for s in order if totals[s]]
    )


def plan_rounds(*, plan: Plan, user: User) -> list[Round]:
    rounds = Round.objects.filter(plan=plan).annotate(
        report_count=Count("reports", distinct=True),
        sent_count=Count("reports", filter=Q(reports__sent_at__isnull=False), distinct=True),
    )
    scope = unit_scope(user)
    if scope is not None:
        rounds = rounds.filter(Q(status=Round.Status.OPEN, reports__unit_id__in=scope)).distinct()
    return list(rounds.order_by("-opens_on", "-id"))


def entries_with_details(report: UnitReport) -> list[Entry]:
    return list(
        report.entries.select_related("task__lead_unit", "task__category")
        .prefetch_related(
            "task__targets",
            Prefetch("values", queryset=TargetValue.objects.select_related("target")),
            "files",
        )
        .order_by("task__order")
    )


def tasks_in_progress(plan: Plan) -> list[Task]:
    """Dispatched tasks that are neither closed, terminated nor suspended."""
    return list(
        Task.objects.filter(
            plan=plan,
            process__status=STATUS.NEW,
            process__suspended=False,
        ).order_by("order")
    )


EDITABLE = (Entry.Status.DRAFT, Entry.Status.RETURNED)


def editable_entries(report: UnitReport) -> list[Entry]:
    """The entries the unit may still edit, each task's targets as a list
    (`task.target_list`, read by rounds.asks.task_targets)."""
    return list(
        report.entries.filter(status__in=EDITABLE)
        .select_related("task")
        .prefetch_related(Prefetch("task__targets", to_attr="target_list"))
    )


def editable_targets(report: UnitReport) -> dict[int, list[int]]:
    """task pk -> the pks of its targets, for each entry of the report the unit
    may still edit: what a posted form is read against, in one query (the
    services read the entries themselves, under the report's lock)."""
    found: dict[int, list[int]] = {}
    rows = (
        Entry.objects.filter(report_id=report.pk, status__in=EDITABLE)
        .order_by("task_id", "task__targets__id")
        .values_list("task_id", "task__targets__id")
    )
    for task_id, target_id in rows:
        targets = found.setdefault(task_id, [])
        if target_id is not None:
            targets.append(target_id)
    return found
