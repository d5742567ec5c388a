"""The leadership dashboard of a plan: the whole city's for supervisors and
leadership readers, a unit's own for its liaisons and leaders.

Another unit's view answers 404, as if it did not exist, and the attempt is kept
in the audit trail (departments/access.py); so does a plan the person's unit has
no part in. The administrator and the auditor touch no ledger data (三员): the
dashboard answers them 404 too.
"""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from dashboard import charts
from dashboard.figures import LIGHT_KEYS, schedule_label
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


def page_context(*, plan: Plan, unit: Unit | None, user: User) -> dict[str, Any]:
    """What templates/dashboard/plan.html needs, for `user` looking at `unit`'s view
    (the whole city's when None)."""
    board = dashboard(plan=plan, unit=unit, today=timezone.localdate())
    return {
        "plan": plan,
        "board": board,
        "unit": unit,
        # Links to the ledger name the unit for whole-city readers; a liaison's
        # ledger is their unit's already (and takes no unit).
        "unit_query": f"&unit={unit.pk}" if unit is not None and user.sees_whole_city else "",
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
