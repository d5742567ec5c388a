"""What a bulletin says, drawn from one round of a plan: plain JSON-serialisable data.

`gather` reads in a fixed number of queries whatever the plan's size; the result is
what a draft previews and what an issued bulletin freezes as its snapshot. Labels
are Chinese: a bulletin is a Chinese official document whatever the UI language.
"""

import datetime
from collections import Counter
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone, translation

from indicators import progress
from indicators.models import Indicator
from indicators.selectors import indicator_rows
from plans.models import Category, Comparator, Plan, Task
from rounds.models import Entry, Round, UnitReport
from supervision.lights import compute_lights
from supervision.models import Commitment, Interview, Light, LightRecord, SupervisionNotice

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


def _number(value: Decimal | None) -> str:
    return "" if value is None else f"{value.normalize():f}"


def _report_state(report: UnitReport, deadline: datetime.date) -> tuple[str, int]:
    """("on_time" | "late" | "missing", days late)."""
    if report.sent_at is None:
        return "missing", 0
    sent_on = timezone.localdate(report.sent_at)
    late = max(report.late_days, (sent_on - deadline).days)
    return ("late", late) if late > 0 else ("on_time", 0)


def _lights(plan: Plan, rnd: Round, today: datetime.date) -> tuple[dict, dict]:
    """(task pk -> (colour, reasons), unit pk -> (colour, reasons)) for the round: the
    sweep's records when it has run on the round, else computed now."""
    records = list(LightRecord.objects.filter(round=rnd))
    if records:
        tasks = {r.task_id: (r.color, list(r.reasons)) for r in records if r.task_id}
        units = {r.unit_id: (r.color, list(r.reasons)) for r in records if r.unit_id}
        return tasks, units
    task_lights, unit_lights = compute_lights(today=today, plans=[plan])
    return (
        {pk: (info.color, info.reasons) for pk, info in task_lights.items()},
        {pk: (info.color, info.reasons) for pk, info in unit_lights.items()},
    )


def gather(
    plan: Plan, round: Round, today: datetime.date, picks: list[dict] | None = None
) -> dict[str, Any]:
    """The sections of a bulletin on `round` as of `today` (see the module docstring)."""
    with translation.override("zh-hans"):
        return _gather(plan, round, today, picks or [])


def _gather(plan: Plan, rnd: Round, today: datetime.date, picks: list[dict]) -> dict[str, Any]:
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
    lead_entries = {
        entry.task_id: entry
        for entry in Entry.objects.filter(report__round=rnd, is_lead=True).only(
            "id", "task_id", "schedule", "report_id"
        )
    }
    sent_reports = {report.pk for report in reports if report.sent_at is not None}
    task_lights, unit_lights = _lights(plan, rnd, today)

    def schedule_of(task: Task) -> str:
        entry = lead_entries.get(task.pk)
        if entry is None or entry.report_id not in sent_reports:
            return ""
        return entry.schedule or ""

    # Overall progress and progress by category.
    schedules = {task.pk: schedule_of(task) for task in tasks}
    overall = Counter(schedules.values())
    categories: dict[int, dict[str, Any]] = {}
    for category in Category.objects.filter(plan=plan).order_by("number"):
        categories[category.pk] = {
            "number": category.number,
            "title": category.title,
            "tasks": 0,
            "counts": dict.fromkeys((key for key, _word in SCHEDULES), 0),
        }
    for task in tasks:
        row = categories[task.category_id]
        row["tasks"] += 1
        row["counts"][schedules[task.pk]] += 1
    report_states = Counter()
    units = []
    for report in reports:
        state, late = _report_state(report, rnd.deadline)
        report_states[state] += 1
        color, reasons = unit_lights.get(report.unit_id, (Light.GREEN, []))
        units.append(
            {
                "unit_id": report.unit_id,
                "unit": report.unit.name,
                "tasks": len(report.entries.all()),
                "state": state,
                "late_days": late,
                "returned": sum(entry.times_returned for entry in report.entries.all()),
                "light": color,
                "reasons": reasons,
            }
        )
    unit_names = {report.unit_id: report.unit.name for report in reports}

    # Red and yellow lists: tasks, then units.
    warnings: dict[str, list[dict[str, Any]]] = {Light.RED: [], Light.YELLOW: []}
    for task in tasks:
        color, reasons = task_lights.get(task.pk, (Light.GREEN, []))
        if color in warnings:
            warnings[color].append(
                {
                    "task": task.number,
                    "title": task.title,
                    "unit": task.lead_unit.name,
                    "reasons": reasons,
                }
            )
    # Units by colour, those with the same reasons together (twenty counties late alike
    # make one line, not twenty).
    unit_warnings: dict[str, dict[tuple, list[str]]] = {Light.RED: {}, Light.YELLOW: {}}
    for row in units:
        if row["light"] in unit_warnings:
            unit_warnings[row["light"]].setdefault(tuple(row["reasons"]), []).append(row["unit"])

    # Units named for delay: the ladder's 督办单 marked for naming, since the round opened.
    named: dict[int, dict[str, Any]] = {}
    notices = SupervisionNotice.objects.filter(
        plan=plan,
        to_name=True,
        issued_at__date__gte=rnd.opens_on,
        issued_at__date__lte=today,
    ).select_related("unit")
    for notice in notices.order_by("unit__sort_order", "issued_at", "number"):
        row = named.setdefault(
            notice.unit_id, {"unit": notice.unit.name, "notices": [], "reasons": []}
        )
        row["notices"].append(notice.doc_number)
        row["reasons"].extend(item.get("reason", "") for item in notice.items if item.get("reason"))

    # Indicators: the values reported in this round against the year's target and
    # the time-proportional schedule (序时进度), the plan's targets section first.
    indicators = []
    followed = list(
        Indicator.objects.filter(plan=plan)
        .select_related("task", "owner")
        .order_by("task__order", "order", "id")
    )
    for row in indicator_rows(plan, followed, today):
        point = next((p for p in row.points if p.round_id == rnd.pk), None)
        if point is None or point.value is None:
            continue
        indicator = row.indicator
        comparator = next(
            (m.comparator for m in row.milestones if m.year == point.day.year),
            indicator.direction,
        )
        indicators.append(
            {
                "task": indicator.task.number if indicator.task else "",
                "indicator": indicator.name,
                "unit": indicator.owner.name if indicator.owner else "",
                "target": (
                    f"{COMPARATOR_WORDS.get(comparator, '')}"
                    f"{_number(point.target)}{indicator.unit_of_measure}"
                    if point.target is not None
                    else ""
                ),
                "target_value": float(point.target) if point.target is not None else None,
                "expected": _number(point.expected),
                "value": _number(point.value),
                "value_number": float(point.value),
                "unit_of_measure": indicator.unit_of_measure,
                "year": str(point.day.year),
                "status": INDICATOR_WORDS.get(point.status, ""),
                "met": None if point.target is None else point.status == progress.MET,
            }
        )

    # Interviews held since the round opened, and the commitments still open.
    plan_units = set(unit_names) | {task.lead_unit_id for task in tasks}
    interviews = list(
        Interview.objects.filter(
            unit_id__in=plan_units,
            status=Interview.Status.HELD,
            held_at__date__gte=rnd.opens_on,
            held_at__date__lte=today,
        )
        .select_related("unit")
        .order_by("held_at", "id")
    )
    commitments = list(
        Commitment.objects.filter(
            interview__unit_id__in=plan_units,
            status__in=[Commitment.Status.OPEN, Commitment.Status.REPORTED],
        )
        .select_related("interview__unit")
        .order_by("due_on", "interview_id", "number")
    )

    return {
        "plan": {"title": plan.title, "doc_number": plan.doc_number},
        "round": {
            "period": rnd.period,
            "opens_on": rnd.opens_on.isoformat(),
            "deadline": rnd.deadline.isoformat(),
        },
        "as_of": today.isoformat(),
        "overall": {
            "tasks": len(tasks),
            "schedule": {key: overall.get(key, 0) for key, _word in SCHEDULES},
            "reports": {
                "due": len(reports),
                "on_time": report_states["on_time"],
                "late": report_states["late"],
                "missing": report_states["missing"],
            },
        },
        "categories": [row for row in categories.values() if row["tasks"]],
        "units": units,
        "red": warnings[Light.RED],
        "yellow": warnings[Light.YELLOW],
        "red_units": [
            {"units": names, "reasons": list(reasons)}
            for reasons, names in unit_warnings[Light.RED].items()
        ],
        "yellow_units": [
            {"units": names, "reasons": list(reasons)}
            for reasons, names in unit_warnings[Light.YELLOW].items()
        ],
        "named": list(named.values()),
        "indicators": indicators,
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
                "overdue": commitment.due_on < today,
                "reported": commitment.status == Commitment.Status.REPORTED,
            }
            for commitment in commitments
        ],
        "picks": list(picks),
    }


def pick_choices(round: Round) -> list[dict[str, Any]]:
    """The round's sent report entries with progress text, for the good-practice picks."""
    entries = (
        Entry.objects.filter(report__round=round, report__sent_at__isnull=False)
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


def json_ready(data: Any) -> Any:
    """`data` with dict keys as strings (JSONField round trip gives the same back)."""
    if isinstance(data, dict):
        return {str(key): json_ready(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [json_ready(value) for value in data]
    return data
