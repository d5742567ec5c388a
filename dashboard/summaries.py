"""Keep the dashboard's round summaries (dashboard.models.RoundSummary) in step.

A round's rows are rebuilt whole, from the round's tasks, its lead entries in sent
reports and the task lights stored for it, by `refresh_round_summary`, which the
services that change those call in their own transaction: opening a round
(rounds.opening), signing and reviewing a report, saving or submitting one that
was sent before and returned (rounds.services; a report never sent counts for
nothing, so its drafts leave the summaries alone), and the sweep storing the
lights (supervision.sweep). So the
page never shows a count older than the last change: a liaison's report counts
the moment its sign-off commits. Rebuilding one round reads its tasks and entries
only (a thousand tasks: a few milliseconds); `manage.py dashboard_summaries`
rebuilds every round and checks them against a full count.

Counted here as dashboard.selectors counted them from the entries: a task of the
round counts under its lead unit's entry's schedule once that unit's report is sent
(rounds.category_progress); a unit's view holds the tasks it answers for itself or
through a group it belongs to (a county through 各县(市、区)政府), each once.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from dashboard.models import RoundSummary
from departments.models import Unit
from plans.models import TaskUnit
from rounds.models import Entry, Round
from supervision.models import Light, LightRecord

# The sent lead entries' schedules counted, and the stored lights, by column.
SENT_COLUMNS = {
    Entry.Schedule.DONE: "sent_done",
    Entry.Schedule.AHEAD: "sent_ahead",
    Entry.Schedule.ON: "sent_on",
    Entry.Schedule.BEHIND: "sent_behind",
}
LIGHT_COLUMNS = {
    Light.RED: "light_red",
    Light.YELLOW: "light_yellow",
    Light.GREEN: "light_green",
    Light.DONE: "light_done",
}
# Rounds rebuilt together by `refresh_round_summaries`: their reads stay small.
CHUNK = 20


@dataclass(frozen=True)
class Sources:
    """The models the rows are counted from: the project's, or a migration's
    historical ones (dashboard/migrations/0002_build_round_summaries.py)."""

    round: Any = Round
    entry: Any = Entry
    light_record: Any = LightRecord
    task_unit: Any = TaskUnit
    unit: Any = Unit
    summary: Any = RoundSummary


def _viewers(sources: Sources, plan_ids: set[int]) -> dict[int, set[int | None]]:
    """task pk -> the views that show it: None (the city's), each unit answering for
    it, and each member of a group answering for it."""
    members: dict[int, set[int]] = defaultdict(set)
    for group_id, member_id in sources.unit.members.through.objects.values_list(
        "from_unit_id", "to_unit_id"
    ):
        members[group_id].add(member_id)
    viewers: dict[int, set[int | None]] = defaultdict(lambda: {None})
    for task_id, unit_id in sources.task_unit.objects.filter(
        task__plan_id__in=plan_ids
    ).values_list("task_id", "unit_id"):
        viewers[task_id].add(unit_id)
        viewers[task_id].update(members.get(unit_id, ()))
    return viewers


def _counted(sources: Sources, round_ids: list[int]) -> list[Any]:
    """The summary rows of the rounds, unsaved."""
    plan_ids = set(sources.round.objects.filter(pk__in=round_ids).values_list("plan_id", flat=True))
    viewers = _viewers(sources, plan_ids)
    # (round, view, category) -> column -> count
    counts: dict[tuple[int, int | None, int], dict[str, int]] = defaultdict(
        lambda: defaultdict(int)
    )

    def add(round_id: int, task_id: int, category_id: int, column: str) -> None:
        for view in viewers[task_id]:
            counts[(round_id, view, category_id)][column] += 1

    in_round = set()
    for round_id, task_id, category_id in sources.round.tasks.through.objects.filter(
        round_id__in=round_ids
    ).values_list("round_id", "task_id", "task__category_id"):
        in_round.add((round_id, task_id))
        add(round_id, task_id, category_id, "tasks")
    for round_id, task_id, category_id, schedule in sources.entry.objects.filter(
        report__round_id__in=round_ids,
        is_lead=True,
        report__sent_at__isnull=False,
        schedule__in=list(SENT_COLUMNS),
    ).values_list("report__round_id", "task_id", "task__category_id", "schedule"):
        # Only the round's own tasks, as rounds.category_progress counts them.
        if (round_id, task_id) in in_round:
            add(round_id, task_id, category_id, SENT_COLUMNS[schedule])
    for round_id, task_id, category_id, color in sources.light_record.objects.filter(
        round_id__in=round_ids, task__isnull=False
    ).values_list("round_id", "task_id", "task__category_id", "color"):
        if color in LIGHT_COLUMNS:
            add(round_id, task_id, category_id, LIGHT_COLUMNS[color])
    return [
        sources.summary(round_id=round_id, unit_id=view, category_id=category_id, **columns)
        for (round_id, view, category_id), columns in counts.items()
    ]


def _rebuild(sources: Sources, round_ids: list[int]) -> int:
    # The rounds' rows locked first, in order: two refreshes of one round (two
    # reports signed at once) take turns, and the second counts what the first wrote.
    list(
        sources.round.objects.select_for_update()
        .filter(pk__in=round_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    sources.summary.objects.filter(round_id__in=round_ids).delete()
    rows = _counted(sources, round_ids)
    sources.summary.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def refresh_round_summaries(*, round_ids: Iterable[int], sources: Sources | None = None) -> int:
    """Rebuild the rounds' summary rows; returns how many rows they have now. Call it
    in the transaction that changed what they count."""
    sources = sources or Sources()
    ids = sorted(set(round_ids))
    written = 0
    with transaction.atomic():
        for start in range(0, len(ids), CHUNK):
            written += _rebuild(sources, ids[start : start + CHUNK])
    return written


def refresh_round_summary(*, round_id: int) -> None:
    """Rebuild one round's summary rows (a report of it saved, sent, signed, reviewed;
    the round opened), in the caller's transaction."""
    refresh_round_summaries(round_ids=[round_id])


def _key(row: Any) -> tuple:
    return (
        row.round_id,
        row.unit_id,
        row.category_id,
        row.tasks,
        *(getattr(row, column) for column in SENT_COLUMNS.values()),
        *(getattr(row, column) for column in LIGHT_COLUMNS.values()),
    )


def stale_rounds(*, round_ids: Iterable[int]) -> list[int]:
    """The rounds whose stored rows differ from a count made now (something changed
    their reports or lights without going through the services); writes nothing."""
    ids = sorted(set(round_ids))
    stale: set[int] = set()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        fresh = {_key(row) for row in _counted(Sources(), chunk)}
        stored = {_key(row) for row in RoundSummary.objects.filter(round_id__in=chunk)}
        stale.update(key[0] for key in fresh ^ stored)
    return sorted(stale)


def rebuild_all(*, sources: Sources | None = None) -> int:
    """Rebuild every round's rows; idempotent."""
    sources = sources or Sources()
    return refresh_round_summaries(
        round_ids=sources.round.objects.values_list("pk", flat=True), sources=sources
    )
