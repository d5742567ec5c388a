"""The sections of a bulletin, one selector each, as plain JSON-serialisable data:
overall progress, progress by category, the per-unit table, the red and yellow
lists, the units named for delay, indicators, interviews and commitments.

`round_facts` reads once what several sections share (the round's tasks, its
reports, the lights); each section then reads in a fixed number of queries whatever
the plan's size. bulletins.content.gather composes them. Labels are Chinese: a
bulletin is a Chinese official document whatever the UI language.
"""

import datetime
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone

from indicators import progress
from indicators.models import Indicator
from indicators.selectors import indicator_rows
from plans.models import Comparator, Plan, Task
from rounds.category_progress import category_progress
from rounds.models import Entry, Round, UnitReport
from rounds.selectors import released_entries
from supervision.lights import round_lights
from supervision.models import Commitment, Interview, Light, SupervisionNotice

# The order the bulletin counts tasks in, with the official words for each.
SCHEDULES = [
    (Entry.Schedule.DONE, "已完成"),
    (Entry.Schedule.AHEAD, "超进度"),
    (Entry.Schedule.ON, "达进度"),
    (Entry.Schedule.BEHIND, "欠进度"),
    ("", "未报送"),
]
INDICATOR_WORDS = {
    progress.MET: "已达标",
    progress.AHEAD: "超序时进度",
    progress.ON: "达序时进度",
    progress.BEHIND: "滞后序时进度",
}
LIGHT_WORDS = {Light.RED: "红灯", Light.YELLOW: "黄灯", Light.GREEN: "绿灯", Light.DONE: "已完成"}
COMPARATOR_WORDS = {
    Comparator.AT_LEAST: "不低于",
    Comparator.AT_MOST: "不高于",
    Comparator.MORE_THAN: "高于",
    Comparator.LESS_THAN: "低于",
    Comparator.EQUAL: "达到",
    Comparator.ABOUT: "约",
}
# (colour, reasons) of a task or a unit.
Lit = tuple[str, list[str]]


@dataclass(frozen=True)
class RoundFacts:
    """What several sections read: the round's tasks (with lead unit and category), its
    reports (with their entries' return counts), and the lights of tasks and units."""

    plan: Plan
    round: Round
    today: datetime.date
    tasks: list[Task]
    reports: list[UnitReport]
    task_lights: dict[int, Lit]
    unit_lights: dict[int, Lit]


def round_facts(plan: Plan, rnd: Round, today: datetime.date) -> RoundFacts:
    tasks = list(
        Task.objects.filter(rounds=rnd).select_related("lead_unit", "category").order_by("order")
    )
    reports = list(
        UnitReport.objects.filter(round=rnd)
        .select_related("unit")
        .prefetch_related(
            Prefetch("entries", queryset=Entry.objects.only("id", "report_id", "times_returned"))
        )
        .order_by("unit__sort_order", "unit_id")
    )
    task_lights, unit_lights = _lights(plan, rnd, today)
    return RoundFacts(plan, rnd, today, tasks, reports, task_lights, unit_lights)


def _lights(plan: Plan, rnd: Round, today: datetime.date) -> tuple[dict, dict]:
    """(task pk -> (colour, reasons), unit pk -> (colour, reasons)) for the round, as
    every page shows them (supervision.lights.round_lights): today's in the plan's
    current round, else those stored for the round."""
    tasks, units = round_lights([rnd], today=today)
    return (
        {task_id: (light.color, light.reasons) for (_r, task_id), light in tasks.items()},
        {unit_id: (light.color, light.reasons) for (_r, unit_id), light in units.items()},
    )


def category_section(facts: RoundFacts) -> list[dict[str, Any]]:
    """The round's tasks by category and progress (rounds.category_progress, as the
    dashboard counts them); categories with no task in the round are left out."""
    return [
        {"number": row.number, "title": row.title, "tasks": row.tasks, "counts": row.counts}
        for row in category_progress(plan=facts.plan, round_id=facts.round.pk)
    ]


def _report_state(report: UnitReport, deadline: datetime.date) -> tuple[str, int]:
    """("on_time" | "late" | "missing", days late)."""
    if report.sent_at is None:
        return "missing", 0
    sent_on = timezone.localdate(report.sent_at)
    late = max(report.late_days, (sent_on - deadline).days)
    return ("late", late) if late > 0 else ("on_time", 0)


def unit_section(facts: RoundFacts) -> list[dict[str, Any]]:
    """One row per report of the round: the unit's tasks in it, whether it was sent on
    time, how often its entries were returned, and the unit's light."""
    units = []
    for report in facts.reports:
        state, late = _report_state(report, facts.round.deadline)
        color, reasons = facts.unit_lights.get(report.unit_id, (Light.GREEN, []))
        entries = report.entries.all()
        units.append(
            {
                "unit_id": report.unit_id,
                "unit": report.unit.name,
                "tasks": len(entries),
                "state": state,
                "late_days": late,
                "returned": sum(entry.times_returned for entry in entries),
                "light": color,
                "reasons": reasons,
            }
        )
    return units


def overall_section(
    facts: RoundFacts, categories: list[dict[str, Any]], units: list[dict[str, Any]]
) -> dict[str, Any]:
    """The round's tasks by progress (the categories' counts added up) and its reports
    by timeliness (the unit table's states counted)."""
    states = Counter(row["state"] for row in units)
    return {
        "tasks": len(facts.tasks),
        "schedule": {
            key: sum(row["counts"].get(key, 0) for row in categories) for key, _word in SCHEDULES
        },
        "reports": {
            "due": len(units),
            "on_time": states["on_time"],
            "late": states["late"],
            "missing": states["missing"],
        },
    }


def warning_section(facts: RoundFacts, units: list[dict[str, Any]]) -> dict[str, list]:
    """The red and yellow lists: the tasks with their lead unit and reasons, then the
    units, those with the same reasons together (twenty counties late alike make one
    line, not twenty)."""
    tasks: dict[str, list[dict[str, Any]]] = {Light.RED: [], Light.YELLOW: []}
    for task in facts.tasks:
        color, reasons = facts.task_lights.get(task.pk, (Light.GREEN, []))
        if color in tasks:
            tasks[color].append(
                {
                    "task": task.number,
                    "title": task.title,
                    "unit": task.lead_unit.name,
                    "reasons": reasons,
                }
            )
    grouped: dict[str, dict[tuple, list[str]]] = {Light.RED: {}, Light.YELLOW: {}}
    for row in units:
        if row["light"] in grouped:
            grouped[row["light"]].setdefault(tuple(row["reasons"]), []).append(row["unit"])
    return {
        "red": tasks[Light.RED],
        "yellow": tasks[Light.YELLOW],
        "red_units": [
            {"units": names, "reasons": list(reasons)}
            for reasons, names in grouped[Light.RED].items()
        ],
        "yellow_units": [
            {"units": names, "reasons": list(reasons)}
            for reasons, names in grouped[Light.YELLOW].items()
        ],
    }


def named_section(facts: RoundFacts) -> list[dict[str, Any]]:
    """Units named for delay: the ladder's 督办单 marked for naming, issued since the
    round opened, with their numbers and reasons."""
    named: dict[int, dict[str, Any]] = {}
    notices = SupervisionNotice.objects.filter(
        plan=facts.plan,
        to_name=True,
        issued_at__date__gte=facts.round.opens_on,
        issued_at__date__lte=facts.today,
    ).select_related("unit")
    for notice in notices.order_by("unit__sort_order", "issued_at", "number"):
        row = named.setdefault(
            notice.unit_id, {"unit": notice.unit.name, "notices": [], "reasons": []}
        )
        row["notices"].append(notice.doc_number)
        row["reasons"].extend(item.get("reason", "") for item in notice.items if item.get("reason"))
    return list(named.values())


def _number(value: Decimal | None) -> str:
    return "" if value is None else f"{value.normalize():f}"


def indicator_section(facts: RoundFacts) -> list[dict[str, Any]]:
    """The values reported in the round against the year's target and the
    time-proportional schedule (序时进度), the plan's targets section first."""
    followed = list(
        Indicator.objects.filter(plan=facts.plan)
        .select_related("task", "owner")
        .order_by("task__order", "order", "id")
    )
    indicators = []
    for row in indicator_rows(facts.plan, followed, facts.today):
        point = next((p for p in row.points if p.round_id == facts.round.pk), None)
        if point is None or point.value is None:
            continue
        indicator = row.indicator
        comparator = next(
            (m.comparator for m in row.milestones if m.year == point.day.year),
            indicator.direction,
        )
        target = point.target
        indicators.append(
            {
                "task": indicator.task.number if indicator.task else "",
                "indicator": indicator.name,
                "unit": indicator.owner.name if indicator.owner else "",
                "target": (
                    f"{COMPARATOR_WORDS.get(comparator, '')}"
                    f"{_number(target)}{indicator.unit_of_measure}"
                    if target is not None
                    else ""
                ),
                "target_value": float(target) if target is not None else None,
                "expected": _number(point.expected),
                "value": _number(point.value),
                "value_number": float(point.value),
                "unit_of_measure": indicator.unit_of_measure,
                "year": str(point.day.year),
                "status": INDICATOR_WORDS.get(point.status, ""),
                "met": None if target is None else point.status == progress.MET,
            }
        )
    return indicators


def interview_section(facts: RoundFacts) -> dict[str, list[dict[str, Any]]]:
    """Interviews of the plan's units held since the round opened, and their
    commitments still open (or reported done and to be checked)."""
    plan_units = {report.unit_id for report in facts.reports} | {
        task.lead_unit_id for task in facts.tasks
    }
    interviews = (
        Interview.objects.filter(
            unit_id__in=plan_units,
            status=Interview.Status.HELD,
            held_at__date__gte=facts.round.opens_on,
            held_at__date__lte=facts.today,
        )
        .select_related("unit")
        .order_by("held_at", "id")
    )
    commitments = (
        Commitment.objects.filter(
            interview__unit_id__in=plan_units,
            status__in=[Commitment.Status.OPEN, Commitment.Status.REPORTED],
        )
        .select_related("interview__unit")
        .order_by("due_on", "interview_id", "number")
    )
    return {
        "interviews": [
            {
                "unit": interview.unit.name,
                "held_on": interview.held_at.date().isoformat(),
                "interviewee": interview.interviewee,
                "reason": interview.reason,
            }
            for interview in interviews
        ],
        "commitments": [
            {
                "unit": commitment.interview.unit.name,
                "text": commitment.text,
                "due_on": commitment.due_on.isoformat(),
                "overdue": commitment.due_on < facts.today,
                "reported": commitment.status == Commitment.Status.REPORTED,
            }
            for commitment in commitments
        ],
    }


def pick_choices(round: Round) -> list[dict[str, Any]]:
    """The round's sent report entries with progress text, for the good-practice picks."""
    entries = (
        # Only text that has left its unit: a returned entry being rewritten is not.
        Entry.objects.filter(released_entries(), report__round=round)
        .exclude(progress="")
        .select_related("task", "report__unit")
        .order_by("report__unit__sort_order", "task__order")
    )
    return [
        {
            "entry": entry.pk,
            "unit": entry.report.unit.name,
            "task": entry.task.number,
            "title": entry.task.title,
            "text": entry.progress,
        }
        for entry in entries
    ]
