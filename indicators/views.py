"""Indicator pages: a plan's indicators with where each stands, one indicator's values
over the rounds against its target and the time-proportional line, the working
group's settings, and the owner unit's values for the current round.

Another unit's indicator answers 404, as if it did not exist (departments/access.py).
"""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from departments.access import get_visible_or_404, refuse_as_missing, unit_scope
from departments.models import User
from departments.permissions import may_supervise
from indicators import services
from indicators.charts import indicator_chart
from indicators.forms import IndicatorForm
from indicators.models import Indicator, IndicatorValue
from indicators.selectors import (
    breakdown_possible,
    current_round,
    indicator_rows,
    indicators_visible_to,
    owned_for_round,
    plan_indicator_rows,
    plan_span,
)
from plans.models import Plan, TaskTarget
from plans.selectors import plans_visible_to
from rounds.models import Round


def _visible(request: HttpRequest, pk: int) -> Indicator:
    return get_visible_or_404(
        request, Indicator.objects.all(), indicators_visible_to(request.user), pk=pk
    )


def _plain(value: Decimal | None) -> str:
    return "" if value is None else f"{value.normalize():f}"


@require_http_methods(["GET", "POST"])
@login_required
def plan_indicators(request: HttpRequest, plan_pk: int) -> HttpResponse:
    plan = get_visible_or_404(
        request, Plan.objects.all(), plans_visible_to(request.user), pk=plan_pk
    )
    supervisor = may_supervise(request.user)
    if request.method == "POST":
        if not supervisor:
            raise refuse_as_missing(request, plan)
        try:
            made = services.indicators_build(plan=plan, by=request.user)
        except services.IndicatorError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("%(count)d indicators made from the plan's targets.") % {"count": made}
            )
        return redirect("plan_indicators", plan.pk)
    today = timezone.localdate()
    rows = plan_indicator_rows(plan, today, indicators_visible_to(request.user))
    scope = unit_scope(request.user)
    rnd = current_round(plan)
    owned = (
        [
            row
            for row in rows
            if row.indicator.task_id is None and row.indicator.owner_id == request.user.unit_id
        ]
        if scope is not None
        else []
    )
    return render(
        request,
        "indicators/list.html",
        {
            "plan": plan,
            "today": today,
            "section_rows": [row for row in rows if row.indicator.task_id is None],
            "task_rows": [row for row in rows if row.indicator.task_id is not None],
            "supervisor": supervisor,
            "current_round": rnd,
            "reports_some": bool(owned) and request.user.role == User.Role.LIAISON,
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def indicator_detail(request: HttpRequest, pk: int) -> HttpResponse:
    indicator = _visible(request, pk)
    supervisor = may_supervise(request.user)
    span = plan_span(indicator.plan)
    stated = list(indicator.targets.all())
    form = None
    by_member = TaskTarget.objects.filter(
        pk__in=[t.task_target_id for t in stated if t.task_target_id], by_member=True
    ).exists()
    if supervisor:
        targets = {t.year: _plain(t.value) for t in stated}
        breakdown = breakdown_possible(indicator)
        form = IndicatorForm(
            request.POST or None,
            indicator=indicator,
            years=span.years,
            breakdown=breakdown,
            initial={
                "by_member": by_member,
                "kind": indicator.kind,
                "direction": indicator.direction,
                "owner": indicator.owner_id,
                "baseline": _plain(indicator.baseline),
                **{f"target_{year}": value for year, value in targets.items()},
            },
        )
    if request.method == "POST":
        if form is None:
            raise refuse_as_missing(request, indicator)
        if form.is_valid():
            try:
                services.indicator_update(
                    indicator=indicator,
                    by=request.user,
                    kind=form.cleaned_data["kind"],
                    owner=form.cleaned_data["owner"]
                    if indicator.task_id is None
                    else indicator.owner,
                    baseline=form.cleaned_data["baseline"],
                    direction=form.cleaned_data["direction"],
                    targets=form.targets(),
                    by_member=form.cleaned_data.get("by_member") if breakdown else None,
                )
            except services.IndicatorError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("The indicator is saved."))
                return redirect("indicator_detail", indicator.pk)
    today = timezone.localdate()
    row = indicator_rows(indicator.plan, [indicator], today)[0]
    notes = dict(IndicatorValue.objects.filter(indicator=indicator).values_list("round_id", "note"))
    rnd = current_round(indicator.plan)
    scope = unit_scope(request.user)
    may_report = indicator.task_id is None and (
        supervisor
        or (
            request.user.role == User.Role.LIAISON
            and scope is not None
            # The person's own unit: not a unit group it belongs to.
            and indicator.owner_id == request.user.unit_id
        )
    )
    return render(
        request,
        "indicators/detail.html",
        {
            "indicator": indicator,
            "row": row,
            "points": [(point, notes.get(point.round_id, "")) for point in reversed(row.points)],
            "chart": indicator_chart(row),
            "targets": stated,
            "by_member": by_member,
            "form": form,
            "supervisor": supervisor,
            "current_round": rnd,
            "may_report": may_report and rnd is not None,
            "rounds": list(
                Round.objects.filter(plan=indicator.plan, status=Round.Status.OPEN).order_by(
                    "-opens_on", "-id"
                )
            )
            if supervisor
            else [],
            "today": today,
        },
    )


@require_POST
@login_required
def indicator_report(request: HttpRequest, pk: int) -> HttpResponse:
    """One indicator's value for a round, from its page."""
    indicator = _visible(request, pk)
    round_pk = request.POST.get("round", "")
    rnd = (
        Round.objects.filter(plan=indicator.plan, pk=int(round_pk)).first()
        if round_pk.isdigit()
        else None
    )
    if rnd is None:
        messages.error(request, _("Choose a round of this plan."))
        return redirect("indicator_detail", indicator.pk)
    try:
        services.indicator_values_report(
            round=rnd,
            by=request.user,
            values={indicator.pk: request.POST.get("value", "")},
            notes={indicator.pk: request.POST.get("note", "")},
        )
    except services.IndicatorError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The value for %(period)s is saved.") % {"period": rnd.period})
    return redirect("indicator_detail", indicator.pk)


@require_http_methods(["GET", "POST"])
@login_required
def round_indicators(request: HttpRequest, round_pk: int) -> HttpResponse:
    """The plan indicators the person's unit owns, with their values in the round: the
    liaison fills them in one go (a supervisor sees and corrects every unit's)."""
    rnd = get_visible_or_404(
        request,
        Round.objects.select_related("plan"),
        Round.objects.select_related("plan").filter(plan__in=plans_visible_to(request.user)),
        pk=round_pk,
    )
    scope = unit_scope(request.user)
    # The person's own unit's indicators: a unit group's are nobody's to fill.
    rows = owned_for_round(rnd, None if scope is None else [request.user.unit_id])
    if scope is not None and not rows:
        raise refuse_as_missing(request, rnd)
    errors = None
    if request.method == "POST":
        try:
            services.indicator_values_report(
                round=rnd,
                by=request.user,
                values={ind.pk: request.POST.get(f"value-{ind.pk}", "") for ind, _v in rows},
                notes={ind.pk: request.POST.get(f"note-{ind.pk}", "") for ind, _v in rows},
            )
        except services.IndicatorError as error:
            errors = error.message
        else:
            messages.success(request, _("The indicators' values are saved."))
            return redirect("round_indicators", rnd.pk)
    notes = dict(
        IndicatorValue.objects.filter(round=rnd, indicator__in=[i for i, _v in rows]).values_list(
            "indicator_id", "note"
        )
    )
    editable = may_supervise(request.user) or (
        request.user.role == User.Role.LIAISON and current_round(rnd.plan) == rnd
    )
    return render(
        request,
        "indicators/round.html",
        {
            "round": rnd,
            "plan": rnd.plan,
            "rows": [
                {
                    "indicator": indicator,
                    "value": request.POST.get(f"value-{indicator.pk}", _plain(value))
                    if errors
                    else _plain(value),
                    "note": request.POST.get(f"note-{indicator.pk}", notes.get(indicator.pk, ""))
                    if errors
                    else notes.get(indicator.pk, ""),
                }
                for indicator, value in rows
            ],
            "editable": editable,
            "error": errors,
        },
    )
