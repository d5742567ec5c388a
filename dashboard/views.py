"""The leadership dashboard of a plan: the whole city's for supervisors and
leadership readers, a unit's own for its liaisons and leaders.

Another unit's view answers 404, as if it did not exist, and the attempt is kept
in the audit trail (departments/access.py); so does a plan the person's unit has
no part in. The administrator and the auditor touch no ledger data (三员): the
dashboard answers them 404 too.
"""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from common.urls import url_maker
from dashboard import charts
from dashboard.figures import LIGHT_KEYS, Dashboard, schedule_label
from dashboard.selectors import dashboard
from departments.access import get_visible_or_404, refuse_as_missing
from departments.models import Unit, User
from plans.models import Plan
from plans.selectors import plans_visible_to
from rounds.category_progress import SCHEDULE_KEYS
from supervision.models import Light

UNIT_ROLES = {User.Role.LIAISON, User.Role.LEADER}


def _visible_plan(request: HttpRequest, plan_pk: int) -> Plan:
    user = request.user
    if not user.sees_whole_city and (user.role not in UNIT_ROLES or user.unit_id is None):
        plan = Plan.objects.filter(pk=plan_pk).first()
        if plan is None:
            raise Http404
        raise refuse_as_missing(request, plan)
    return get_visible_or_404(request, Plan.objects.all(), plans_visible_to(user), pk=plan_pk)


@dataclass(frozen=True)
class Cell:
    """A count in a table, with the ledger rows it counts (no link: "")."""

    key: str  # the data-schedule or data-light attribute's value
    count: int
    url: str = ""


@dataclass(frozen=True)
class Linked:
    """A row of the page's tables, with its links."""

    row: Any
    url: str = ""  # the row's own page: a unit's dashboard, a round, a report
    unit_url: str = ""  # the unit's page
    cells: tuple[Cell, ...] = ()  # the counts by schedule
    lights: tuple[Cell, ...] | None = ()  # the counts by light; None: not stored


def tables(board: Dashboard, *, plan: Plan, unit_query: str, city: bool) -> dict[str, Any]:
    """The page's long tables (the rankings, the trend, the categories, the reports
    due) with their links made here: one reverse() per kind of link, not a {% url %}
    and a few lookups per cell in the template, which made these tables most of the
    page's rendering time."""
    ledger = reverse("plan_ledger", args=[plan.pk])
    current = board.current.pk if board.current is not None else None

    def schedule_cells(counts: dict[str, int], query: str) -> tuple[Cell, ...]:
        cells = []
        for key in SCHEDULE_KEYS:
            count = counts[key]
            if not count:
                url = ""
            elif key:
                url = f"{ledger}?{query}&status={key}&reported=yes{unit_query}"
            else:
                url = f"{ledger}?{query}&reported=no{unit_query}"
            cells.append(Cell(key or "none", count, url))
        return tuple(cells)

    def light_cells(counts: dict[str, int] | None, round_pk: int) -> tuple[Cell, ...] | None:
        if counts is None:
            return None
        return tuple(
            Cell(
                color,
                counts.get(color) or 0,
                f"{ledger}?round={round_pk}&light={color}{unit_query}",
            )
            for color in LIGHT_KEYS
        )

    unit_dashboard = url_maker("unit_dashboard", plan.pk)
    unit_page = url_maker("unit_detail")
    round_page = url_maker("round_detail")
    report_page = url_maker("report_detail")
    return {
        "timeliness": [
            Linked(row, unit_dashboard(row.unit_id) if city else "", unit_page(row.unit_id))
            for row in board.timeliness.rows
        ],
        "completion": [
            Linked(row, unit_dashboard(row.unit_id) if city else "")
            for row in board.completion.rows
        ],
        "categories": [
            Linked(
                row,
                f"{ledger}?round={current}&category={row.pk}{unit_query}",
                cells=schedule_cells(row.counts, f"round={current}&category={row.pk}"),
            )
            for row in board.categories
        ],
        "trend": [
            Linked(
                row,
                round_page(row.round.pk),
                cells=schedule_cells(row.schedule, f"round={row.round.pk}"),
                lights=light_cells(row.lights, row.round.pk),
            )
            for row in reversed(board.trend)
        ],
        "due": [
            (group, [Linked(row, report_page(row.pk)) for row in group.reports])
            for group in board.due.by_round
        ],
    }


def page_context(*, plan: Plan, unit: Unit | None, user: User) -> dict[str, Any]:
    """What templates/dashboard/plan.html needs, for `user` looking at `unit`'s view
    (the whole city's when None)."""
    board = dashboard(plan=plan, unit=unit, today=timezone.localdate())
    # Links to the ledger name the unit for whole-city readers; a liaison's
    # ledger is their unit's already (and takes no unit).
    unit_query = f"&unit={unit.pk}" if unit is not None and user.sees_whole_city else ""
    return {
        "plan": plan,
        "board": board,
        "unit": unit,
        "unit_query": unit_query,
        "tables": tables(board, plan=plan, unit_query=unit_query, city=user.sees_whole_city),
        "schedules": [(key, schedule_label(key)) for key in SCHEDULE_KEYS],
        "light_keys": LIGHT_KEYS,
        "light_labels": {value: str(label) for value, label in Light.choices},
        "charts": {
            "categories": charts.categories_chart(board.categories),
            "schedule_trend": charts.schedule_trend(board.trend),
            "light_trend": charts.light_trend(board.trend),
        },
    }


def _page(request: HttpRequest, plan: Plan, unit: Unit | None) -> HttpResponse:
    context = page_context(plan=plan, unit=unit, user=request.user)
    return render(request, "dashboard/plan.html", context)


@require_GET
@login_required
def plan_dashboard(request: HttpRequest, plan_pk: int) -> HttpResponse:
    """The whole city's view for those who see it; anyone else's unit's own."""
    plan = _visible_plan(request, plan_pk)
    user = request.user
    return _page(request, plan, None if user.sees_whole_city else user.unit)


@require_GET
@login_required
def unit_dashboard(request: HttpRequest, plan_pk: int, unit_pk: int) -> HttpResponse:
    plan = _visible_plan(request, plan_pk)
    user = request.user
    if user.sees_whole_city:
        unit = get_object_or_404(Unit.objects.exclude(kind=Unit.Kind.GROUP), pk=unit_pk)
    else:
        unit = get_visible_or_404(
            request, Unit.objects.all(), Unit.objects.filter(pk=user.unit_id), pk=unit_pk
        )
    return _page(request, plan, unit)
