"""Lights for tasks and units, each with the reasons for its colour.

green: on schedule. yellow: a deadline within SUPERVISION["YELLOW_DAYS"], or
欠进度 reported in the round, or a report returned RETURNS_FOR_YELLOW times.
red: a deadline passed with the step undone or the report unsent, or 欠进度
in two consecutive rounds. done: the task is closed.

One source for a light, read by every page, the bulletins and the assessment:

- today's light (`lights_today`, `task_lights_today`, `unit_lights_today`):
  computed from what is open now. A task has one once dispatched; a unit's
  light is the same whichever plan's page shows it (all plans, all items).
- a round's light (`round_lights`): in the plan's current round (its latest
  open one) the light of today, which the sweep stores as the round goes; in an
  earlier round, the light the sweep stored for it, frozen when the next opened.

欠进度 is what the task's report says: the lead unit's entry in a sent report,
as the ledger, the dashboard and the bulletin count it. A co-unit's part feeds
the lead unit's entry; it lights neither the task nor the co-unit.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import gettext as _
from viewflow.workflow.status import STATUS

from plans.models import Plan, Task
from rounds.models import Entry, Round, UnitReport
from supervision.items import Item, conf, open_items
from supervision.models import LIGHT_ORDER, Light, LightRecord


@dataclass
class LightInfo:
    color: str = Light.GREEN
    reasons: list[str] = field(default_factory=list)

    def raise_to(self, color: str, reason: str) -> None:
        if LIGHT_ORDER[color] > LIGHT_ORDER[self.color]:
            self.color = color
        if reason and reason not in self.reasons:
            self.reasons.append(reason)

    @property
    def label(self) -> str:
        return str(Light(self.color).label)


@dataclass
class RoundLight:
    """A task's or a unit's light in one round: `today` marks the plan's current
    round, whose light is today's (not yet a stored one)."""

    round: Round
    color: str
    reasons: list[str]
    today: bool = False

    @property
    def label(self) -> str:
        return str(Light(self.color).label)


def _item_light(item: Item, today: datetime.date, yellow_days: int | None = None) -> str | None:
    """The colour an open item gives (None: green); `yellow_days`: the setting, when
    the caller read it once for many items."""
    days = (item.due - today).days
    if days < 0:
        return Light.RED
    if days <= (conf("YELLOW_DAYS") if yellow_days is None else yellow_days):
        return Light.YELLOW
    return None


def current_rounds(plan_ids: list[int] | None) -> dict[int, list[Round]]:
    """plan pk -> its open rounds, newest first (two are enough: this one and the last);
    every plan's when `plan_ids` is None."""
    found: dict[int, list[Round]] = defaultdict(list)
    rounds = Round.objects.filter(status=Round.Status.OPEN)
    if plan_ids is not None:
        rounds = rounds.filter(plan_id__in=plan_ids)
    for rnd in rounds.order_by("plan_id", "-opens_on", "-id"):
        if len(found[rnd.plan_id]) < 2:
            found[rnd.plan_id].append(rnd)
    return found


def compute_lights(
    *, today: datetime.date, plans: list[Plan] | None = None, items: list[Item] | None = None
) -> tuple[dict[int, LightInfo], dict[int, LightInfo]]:
    """(task pk -> light, unit pk -> light) for the dispatched tasks of the given
    plans (all when None), in a fixed number of queries. The engine under
    `lights_today`: with `plans` or plan-scoped `items`, the units' lights are
    partial (use `task_lights_today` then)."""
    plan_ids = [p.pk for p in plans] if plans is not None else None
    items = open_items() if items is None else items
    tasks = Task.objects.all() if plan_ids is None else Task.objects.filter(plan_id__in=plan_ids)
    tasks = tasks.values_list("pk", "process__status")
    task_lights: dict[int, LightInfo] = {}
    for pk, status in tasks:
        if status is None:
            continue  # not dispatched: no light yet
        info = LightInfo()
        if status == STATUS.DONE:
            info.color = Light.DONE
        task_lights[pk] = info
    unit_lights: dict[int, LightInfo] = defaultdict(LightInfo)
    reasons: dict[tuple[str, datetime.date], str] = {}  # items alike read alike
    yellow_days = conf("YELLOW_DAYS")
    for item in sorted(items, key=lambda i: i.due):
        color = _item_light(item, today, yellow_days)
        if color is None:
            continue
        reason = reasons.get((item.label, item.due))
        if reason is None:
            reason = reasons[(item.label, item.due)] = item.reason(today)
        unit_lights[item.unit_id].raise_to(color, reason)
        if item.task_id in task_lights and item.kind in ("ack", "completion", "decision"):
            task_lights[item.task_id].raise_to(color, reason)
    _light_rounds(plan_ids, today, task_lights, unit_lights)
    return task_lights, dict(unit_lights)


def _light_rounds(
    plan_ids: list[int] | None,
    today: datetime.date,
    task_lights: dict[int, LightInfo],
    unit_lights: defaultdict[int, LightInfo],
) -> None:
    """Raise the lights for what the plans' latest two open rounds say: reports
    returned too often, unsent, or behind schedule. The lead unit's entry is the
    task's report."""
    rounds = current_rounds(plan_ids)
    latest = {plan: rs[0] for plan, rs in rounds.items()}
    previous = {plan: rs[1] for plan, rs in rounds.items() if len(rs) > 1}
    round_ids = [r.pk for r in latest.values()] + [r.pk for r in previous.values()]
    by_round = {r.pk: r for r in list(latest.values()) + list(previous.values())}
    # In the entries' own order (plan, round, unit, task), sorted here: PostgreSQL
    # sorting thousands of rows by the plan's title under the database's collation
    # costs more than reading them. Reasons are listed in that order.
    plan_rank = {
        pk: rank
        for rank, pk in enumerate(
            Plan.objects.filter(pk__in={r.plan_id for r in by_round.values()}).values_list(
                "pk", flat=True
            )
        )
    }
    latest_ids = {r.pk for r in latest.values()}
    # Only the entries that can light anything, chosen in SQL (a round's entries are
    # mostly sent and on schedule): a lead unit's sent 欠进度, in either round; in the
    # latest round, an entry returned often enough, or a lead unit's entry unsent.
    counts = (
        Q(is_lead=True, schedule=Entry.Schedule.BEHIND, report__sent_at__isnull=False)
        | Q(report__round_id__in=latest_ids, times_returned__gte=conf("RETURNS_FOR_YELLOW"))
        | Q(report__round_id__in=latest_ids, is_lead=True, report__sent_at__isnull=True)
    )
    rows = (
        Entry.objects.filter(report__round_id__in=round_ids)
        .filter(counts)
        .order_by()
        .values_list(
            "task_id",
            "is_lead",
            "schedule",
            "times_returned",
            "report__round_id",
            "report__sent_at",
            "report__unit_id",
            "report__unit__sort_order",
            "task__order",
        )
    )

    def order(row: tuple) -> tuple:
        rnd = by_round[row[4]]
        return (plan_rank[rnd.plan_id], rnd.opens_on, rnd.pk, row[7], row[8])

    entries = [row[:7] for row in sorted(rows, key=order)]
    # Read once, not per entry (a thousand-task round has a thousand entries here).
    returns_for_yellow, yellow_days = conf("RETURNS_FOR_YELLOW"), conf("YELLOW_DAYS")
    returned_reason = _("The %(period)s report was returned %(count)d times")
    report_label = _("The %(period)s report")
    behind: dict[int, set[int]] = defaultdict(set)  # task -> rounds where the lead was behind
    unit_behind: dict[int, set[int]] = defaultdict(set)
    for task_id, is_lead, schedule, returned, round_id, sent_at, unit_id in entries:
        rnd = by_round[round_id]
        # 欠进度 is what a task's sent report says: the lead unit's entry.
        if schedule == Entry.Schedule.BEHIND and is_lead and sent_at is not None:
            unit_behind[unit_id].add(round_id)
            behind[task_id].add(round_id)
        if round_id not in latest_ids:
            continue
        if returned >= returns_for_yellow:
            reason = returned_reason % {
                "period": rnd.period,
                "count": returned,
            }
            unit_lights[unit_id].raise_to(Light.YELLOW, reason)
            if is_lead and task_id in task_lights:
                task_lights[task_id].raise_to(Light.YELLOW, reason)
        if is_lead and sent_at is None and task_id in task_lights:
            # The lead unit's unsent report is the task's own item in the round.
            label = report_label % {"period": rnd.period}
            report = Item(key="", kind="report", unit_id=unit_id, due=rnd.deadline, label=label)
            color = _item_light(report, today, yellow_days)
            if color is not None:
                task_lights[task_id].raise_to(color, report.reason(today))
    _light_behind_schedule(behind, unit_behind, by_round, latest_ids, task_lights, unit_lights)


def _light_behind_schedule(
    behind: dict[int, set[int]],
    unit_behind: dict[int, set[int]],
    by_round: dict[int, Round],
    latest_ids: set[int],
    task_lights: dict[int, LightInfo],
    unit_lights: defaultdict[int, LightInfo],
) -> None:
    """欠进度: yellow in the plan's latest round, red in its latest two (`behind` and
    `unit_behind`: task or unit pk -> the rounds it was reported behind in). A
    round of one plan and one of another are not two consecutive rounds."""
    previous_of = _previous_rounds(by_round, latest_ids)
    twice = _("Behind schedule in two consecutive rounds")
    behind_in = {
        pk: _("Behind schedule in %(period)s") % {"period": by_round[pk].period}
        for pk in latest_ids
    }

    def light(info: LightInfo, rounds_behind: set[int]) -> None:
        for latest in sorted(rounds_behind & latest_ids):
            if previous_of.get(latest) in rounds_behind:
                info.raise_to(Light.RED, twice)
            else:
                info.raise_to(Light.YELLOW, behind_in[latest])

    for task_id, rounds_behind in behind.items():
        if task_id in task_lights and task_lights[task_id].color != Light.DONE:
            light(task_lights[task_id], rounds_behind)
    for unit_id, rounds_behind in unit_behind.items():
        light(unit_lights[unit_id], rounds_behind)


def _previous_rounds(by_round: dict[int, Round], latest_ids: set[int]) -> dict[int, int]:
    """latest round pk -> the pk of the plan's round before it (among `by_round`)."""
    found = {}
    for rnd in by_round.values():
        if rnd.pk in latest_ids:
            continue
        for latest in latest_ids:
            if by_round[latest].plan_id == rnd.plan_id:
                found[latest] = rnd.pk
    return found


# --- Today's light and a round's: the one definition every page reads ----------


def lights_today(
    *, today: datetime.date, items: list[Item] | None = None
) -> tuple[dict[int, LightInfo], dict[int, LightInfo]]:
    """(task pk -> today's light, unit pk -> today's light) for every dispatched task
    and every unit with something lit (a unit absent is green). `items`: every open
    item (open_items()), when the caller has them already."""
    return compute_lights(today=today, items=open_items() if items is None else items)


def task_lights_today(*, today: datetime.date, plan_ids: list[int]) -> dict[int, LightInfo]:
    """task pk -> today's light for the dispatched tasks of the plans: the same as
    `lights_today` gives them (a task's light reads its own plan only), cheaper."""
    plans = [Plan(pk=pk) for pk in plan_ids]  # only their keys are read
    task_lights, _units = compute_lights(
        today=today, plans=plans, items=open_items(plan_ids=plan_ids)
    )
    return task_lights


def unit_lights_today(
    *, today: datetime.date, items: list[Item] | None = None
) -> dict[int, LightInfo]:
    """unit pk -> today's light (absent: green), the same on every page."""
    return lights_today(today=today, items=items)[1]


def round_lights(
    rounds: list[Round], *, today: datetime.date, now: tuple[dict, dict] | None = None
) -> tuple[dict[tuple[int, int], RoundLight], dict[tuple[int, int], RoundLight]]:
    """((round pk, task pk) -> light, (round pk, unit pk) -> light) in the rounds: in
    a plan's current round today's light for its tasks and the units reporting in
    it (green when nothing is lit), in an earlier round the stored record. `now`:
    lights_today()'s answer when the caller has it. A fixed number of queries."""
    if not rounds:
        return {}, {}
    current = {rs[0].pk for rs in current_rounds(list({r.plan_id for r in rounds})).values()}
    by_pk = {r.pk: r for r in rounds}
    tasks: dict[tuple[int, int], RoundLight] = {}
    units: dict[tuple[int, int], RoundLight] = {}
    # The rounds' records are read whichever rounds are asked (the query count stays
    # the same); the current round's are skipped: its light is today's.
    for record in LightRecord.objects.filter(round_id__in=list(by_pk)).only(
        "round_id", "task_id", "unit_id", "color", "reasons"
    ):
        if record.round_id in current:
            continue
        light = RoundLight(by_pk[record.round_id], record.color, list(record.reasons or []))
        if record.task_id:
            tasks[(record.round_id, record.task_id)] = light
        elif record.unit_id:
            units[(record.round_id, record.unit_id)] = light
    live = [by_pk[pk] for pk in by_pk if pk in current]
    if live:
        task_now, unit_now = now if now is not None else lights_today(today=today)
        for round_id, task_id in Round.tasks.through.objects.filter(
            round_id__in=[r.pk for r in live]
        ).values_list("round_id", "task_id"):
            info = task_now.get(task_id)
            if info is not None:
                tasks[(round_id, task_id)] = RoundLight(
                    by_pk[round_id], info.color, list(info.reasons), today=True
                )
        for round_id, unit_id in UnitReport.objects.filter(
            round_id__in=[r.pk for r in live]
        ).values_list("round_id", "unit_id"):
            info = unit_now.get(unit_id) or LightInfo()
            units[(round_id, unit_id)] = RoundLight(
                by_pk[round_id], info.color, list(info.reasons), today=True
            )
    return tasks, units
