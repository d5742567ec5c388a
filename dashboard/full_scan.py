"""The dashboard as it was computed before the round summaries (dashboard.summaries):
the trend and the categories counted from every entry and stored light of the
rounds shown. Not read by the page: kept to check that the summaries give it the
very same figures (`manage.py dashboard_summaries --check`, the tests) and to time
the previous code path (benchmarks/dashboard_bench.py)."""

import datetime
from collections import defaultdict

from django.db.models import Case, Count, Q, Value, When

from dashboard import selectors
from dashboard.figures import Dashboard, Lights, TrendRow
from dashboard.selectors import TREND_ROUNDS, Scope, scope_of
from departments.models import Unit
from plans.models import Plan
from rounds.category_progress import SCHEDULE_KEYS, category_progress, schedule_counts
from rounds.models import Entry, Round
from supervision.lights import LightInfo
from supervision.models import LightRecord


def light_trend(
    rounds: list[int], scope: Scope
) -> tuple[dict[int, dict[str, int]], dict[int, str]]:
    wanted = Q(task__isnull=False) & scope.tasks("task_id")
    if scope.unit is not None:
        wanted |= Q(unit_id=scope.unit.pk)
    rows = (
        LightRecord.objects.filter(round_id__in=rounds)
        .filter(wanted)
        .annotate(is_task=Case(When(task__isnull=False, then=Value(1)), default=Value(0)))
        .order_by()
        .values("round_id", "color", "is_task")
        .annotate(n=Count("id"))
    )
    tasks: dict[int, dict[str, int]] = defaultdict(dict)
    own: dict[int, str] = {}
    for row in rows:
        if row["is_task"]:
            tasks[row["round_id"]][row["color"]] = row["n"]
        else:
            own[row["round_id"]] = row["color"]
    return dict(tasks), own


def schedule_trend(
    rounds: list[int], scope: Scope
) -> tuple[dict[int, int], dict[int, dict[str, int]]]:
    links = Round.tasks.through.objects.filter(round_id__in=rounds).filter(scope.tasks("task_id"))
    totals = dict(
        links.order_by().values("round_id").annotate(n=Count("id")).values_list("round_id", "n")
    )
    entries = (
        Entry.objects.filter(
            is_lead=True, report__round_id__in=rounds, report__sent_at__isnull=False
        )
        .filter(scope.tasks("task_id"))
        .order_by()
        .values("report__round_id", "schedule")
        .annotate(n=Count("id"))
    )
    sent: dict[int, dict[str, int]] = defaultdict(dict)
    for row in entries:
        sent[row["report__round_id"]][row["schedule"]] = row["n"]
    return totals, dict(sent)


def dashboard(*, plan: Plan, unit: Unit | None, today: datetime.date) -> Dashboard:
    """dashboard.selectors.dashboard as it was, counting the entries and lights."""
    scope = scope_of(unit)
    rounds = selectors._rounds(plan, scope)
    current = rounds[-1] if rounds else None
    shown = rounds[-TREND_ROUNDS:]
    round_ids = [rnd.pk for rnd in shown]
    round_totals, round_sent = schedule_trend(round_ids, scope)
    stored, own_lights = light_trend(round_ids, scope)
    ranking, round_units = selectors.timeliness(plan, scope, today, current)
    if current is None:
        own = LightInfo() if scope.unit is not None else None
        lights = Lights(counts=selectors._light_counts({}), red_tasks=[], red_units=[], own=own)
    else:
        lights = selectors._lights_now(plan, current, scope, today, round_units)
    trend = []
    for rnd in shown:
        counts, own_light = stored.get(rnd.pk), own_lights.get(rnd.pk, "")
        if rnd is current:
            counts = {row.key: row.count for row in lights.counts}
            own_light = lights.own.color if lights.own is not None else ""
        tasks = round_totals.get(rnd.pk, 0)
        trend.append(
            TrendRow(
                round=rnd,
                tasks=tasks,
                schedule=schedule_counts(tasks, round_sent.get(rnd.pk, {})),
                lights=counts,
                own_light=own_light,
            )
        )
    rows = (
        []
        if current is None
        else category_progress(plan=plan, round_id=current.pk, task_ids=scope.task_ids())
    )
    schedule = {key: sum(row.counts[key] for row in rows) for key in SCHEDULE_KEYS}
    return Dashboard(
        plan=plan,
        unit=unit,
        today=today,
        current=current,
        lifecycle=selectors.lifecycle(plan, scope),
        lights=lights,
        categories=rows,
        schedule=schedule,
        round_tasks=sum(row.tasks for row in rows),
        timeliness=ranking,
        completion=selectors.completion(plan, scope),
        due=selectors.reports_due(plan, scope, today),
        interviews=selectors.interviews(plan, scope),
        commitments=selectors.commitments(plan, scope, today),
        notices=selectors.notices(plan, scope, today),
        indicators=selectors.indicator_summary(plan, scope, today),
        trend=trend,
        round_count=len(rounds),
    )
