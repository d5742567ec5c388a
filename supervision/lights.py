"""Lights for tasks and units, each with the reasons for its colour.

green: on schedule. yellow: a deadline within SUPERVISION["YELLOW_DAYS"], or
欠进度 reported in the round, or a report returned RETURNS_FOR_YELLOW times.
red: a deadline passed with the step undone or the report unsent, or 欠进度
in two consecutive rounds. done: the task is closed.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from viewflow.workflow.status import STATUS

from plans.models import Plan, Task
from rounds.models import Entry, Round
from supervision.items import Item, conf, open_items
from supervision.models import LIGHT_ORDER, Light


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


def _item_light(item: Item, today: datetime.date) -> str | None:
    days = (item.due - today).days
    if days < 0:
        return Light.RED
    if days <= conf("YELLOW_DAYS"):
        return Light.YELLOW
    return None


def current_rounds(plan_ids: list[int]) -> dict[int, list[Round]]:
    """plan pk -> its open rounds, newest first (two are enough: this one and the last)."""
    found: dict[int, list[Round]] = defaultdict(list)
    for rnd in Round.objects.filter(plan_id__in=plan_ids, status=Round.Status.OPEN).order_by(
        "plan_id", "-opens_on", "-id"
    ):
        if len(found[rnd.plan_id]) < 2:
            found[rnd.plan_id].append(rnd)
    return found


def compute_lights(
    *, today: datetime.date, plans: list[Plan] | None = None, items: list[Item] | None = None
) -> tuple[dict[int, LightInfo], dict[int, LightInfo]]:
    """(task pk -> light, unit pk -> light) for the given plans (all when None),
    in a fixed number of queries."""
    plan_ids = (
        [p.pk for p in plans]
        if plans is not None
        else list(Plan.objects.values_list("pk", flat=True))
    )
    items = open_items() if items is None else items
    tasks = Task.objects.filter(plan_id__in=plan_ids).values_list("pk", "process__status")
    task_lights: dict[int, LightInfo] = {}
    for pk, status in tasks:
        info = LightInfo()
        if status == STATUS.DONE:
            info.color = Light.DONE
        task_lights[pk] = info
    unit_lights: dict[int, LightInfo] = defaultdict(LightInfo)
    for item in sorted(items, key=lambda i: i.due):
        color = _item_light(item, today)
        if color is None:
            continue
        reason = item.reason(today)
        unit_lights[item.unit_id].raise_to(color, reason)
        if item.task_id in task_lights and item.kind in ("ack", "completion", "decision"):
            task_lights[item.task_id].raise_to(color, reason)
    _light_rounds(plan_ids, today, task_lights, unit_lights)
    return task_lights, dict(unit_lights)


def _light_rounds(
    plan_ids: list[int],
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
    entries = Entry.objects.filter(report__round_id__in=round_ids).values_list(
        "task_id",
        "is_lead",
        "schedule",
        "times_returned",
        "report__round_id",
        "report__sent_at",
        "report__unit_id",
    )
    by_round = {r.pk: r for r in list(latest.values()) + list(previous.values())}
    latest_ids = {r.pk for r in latest.values()}
    behind: dict[int, set[int]] = defaultdict(set)  # task -> rounds where the lead was behind
    unit_behind: dict[int, set[int]] = defaultdict(set)
    for task_id, is_lead, schedule, returned, round_id, sent_at, unit_id in entries:
        rnd = by_round[round_id]
        if schedule == Entry.Schedule.BEHIND:
            unit_behind[unit_id].add(round_id)
            if is_lead:
                behind[task_id].add(round_id)
        if round_id not in latest_ids:
            continue
        if returned >= conf("RETURNS_FOR_YELLOW"):
            reason = _("The %(period)s report was returned %(count)d times") % {
                "period": rnd.period,
                "count": returned,
            }
            unit_lights[unit_id].raise_to(Light.YELLOW, reason)
            if is_lead and task_id in task_lights:
                task_lights[task_id].raise_to(Light.YELLOW, reason)
        if is_lead and sent_at is None and task_id in task_lights:
            # The lead unit's unsent report is the task's own item in the round.
            label = _("The %(period)s report") % {"period": rnd.period}
            report = Item(key="", kind="report", unit_id=unit_id, due=rnd.deadline, label=label)
            color = _item_light(report, today)
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
    """欠进度: yellow in the latest round, red in two consecutive ones (`behind`
    and `unit_behind`: task or unit pk -> the rounds it was reported behind in)."""
    for task_id, rounds_behind in behind.items():
        if task_id not in task_lights or task_lights[task_id].color == Light.DONE:
            continue
        plan_rounds = list(rounds_behind)
        if len(plan_rounds) >= 2:
            task_lights[task_id].raise_to(Light.RED, _("Behind schedule in two consecutive rounds"))
        elif set(plan_rounds) & latest_ids:
            period = by_round[plan_rounds[0]].period
            task_lights[task_id].raise_to(
                Light.YELLOW, _("Behind schedule in %(period)s") % {"period": period}
            )
    for unit_id, rounds_behind in unit_behind.items():
        if len(rounds_behind & latest_ids) and len(rounds_behind) >= 2:
            unit_lights[unit_id].raise_to(Light.RED, _("Behind schedule in two consecutive rounds"))
        elif rounds_behind & latest_ids:
            unit_lights[unit_id].raise_to(Light.YELLOW, _("Reported behind schedule this round"))
