"""Pages of the reporting rounds: the plan's rounds (where a supervisor opens
or schedules them), a round's status board, a unit report. The report's steps
are in rounds.step_views."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from departments.access import client_ip, get_visible_or_404, refuse_as_missing
from departments.permissions import may_supervise
from plans.models import Plan
from plans.selectors import plans_visible_to
from rounds import opening, services
from rounds.asks import report_form
from rounds.errors import RoundError
from rounds.forms import RoundForm, ScheduleForm
from rounds.models import ReportFile, Round, UnitReport
from rounds.selectors import (
    plan_rounds,
    readable_entry_ids,
    report_files_visible_to,
    report_status,
    reports_visible_to,
    round_page,
    rounds_visible_to,
)
from supervision.selectors import round_unit_lights
from workflow.selectors import open_steps


def _can_supervise(request: HttpRequest) -> bool:
    return may_supervise(request.user)


@login_required
def plan_rounds_page(request: HttpRequest, plan_pk: int) -> HttpResponse:
    plan = get_visible_or_404(
        request, Plan.objects.all(), plans_visible_to(request.user), pk=plan_pk
    )
    can_open = _can_supervise(request)
    today = timezone.localdate()
    round_form = RoundForm(plan=plan, prefix="one") if can_open else None
    schedule_form = (
        ScheduleForm(prefix="series", initial={"year": today.year}) if can_open else None
    )
    if request.method == "POST":
        if not can_open:
            raise refuse_as_missing(request, plan)
        try:
            if "series-cadence" in request.POST:
                schedule_form = ScheduleForm(request.POST, prefix="series")
                if schedule_form.is_valid():
                    data = schedule_form.cleaned_data
                    created = opening.rounds_schedule(
                        plan=plan,
                        by=request.user,
                        today=today,
                        cadence=data["cadence"],
                        year=data["year"],
                        first=data["first"],
                        count=data["count"],
                        deadline_day=data["deadline_day"],
                    )
                    messages.success(
                        request, _("%(count)d rounds scheduled.") % {"count": len(created)}
                    )
                    return redirect("plan_rounds", plan_pk=plan.pk)
            else:
                round_form = RoundForm(request.POST, plan=plan, prefix="one")
                if round_form.is_valid():
                    data = round_form.cleaned_data
                    rnd = opening.round_create(
                        plan=plan,
                        by=request.user,
                        today=today,
                        period=data["period"],
                        deadline=data["deadline"],
                        opens_on=data.get("opens_on"),
                        tasks=list(data["tasks"]) or None,
                    )
                    return redirect("round_detail", pk=rnd.pk)
        except RoundError as exc:
            messages.error(request, exc.message)
    return render(
        request,
        "rounds/plan_rounds.html",
        {
            "plan": plan,
            "rounds": plan_rounds(plan=plan, user=request.user),
            "round_form": round_form,
            "schedule_form": schedule_form,
        },
    )


@login_required
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    rnd = get_visible_or_404(request, Round.objects.all(), rounds_visible_to(request.user), pk=pk)
    categories = list(rnd.plan.categories.order_by("order", "number"))
    category = request.GET.get("category", "")
    chosen = next((c for c in categories if str(c.pk) == category), None)
    page = round_page(rnd=rnd, user=request.user, category=chosen.pk if chosen else None)
    unit_lights, lights_today = round_unit_lights(rnd)
    return render(
        request,
        "rounds/round_detail.html",
        {
            "page": page,
            "rnd": rnd,
            "plan": rnd.plan,
            "categories": categories,
            "chosen": chosen,
            "unit_lights": unit_lights,
            "page_lights_today": lights_today,
        },
    )


@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_visible_or_404(
        request, UnitReport.objects.all(), reports_visible_to(request.user), pk=pk
    )
    # The page shows each entry as stored, not what the unit is asked.
    form = report_form(report, asked=False)
    return render(
        request,
        "rounds/report_detail.html",
        {
            "report": report,
            "rnd": report.round,
            "status": report_status(report, timezone.localdate()),
            "form": form,
            # Another unit's draft shows its state, not its text (rounds.selectors).
            "readable": readable_entry_ids(request.user, report, [ask.entry for ask in form.asks]),
            "events": report.events.select_related("by", "task"),
            "steps": open_steps(
                process_pk=report.pk, user=request.user, default_unit=report.unit, process=report
            ),
        },
    )


@login_required
def report_file_download(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_visible_or_404(
        request, ReportFile.objects.all(), report_files_visible_to(request.user), pk=pk
    )
    return services.report_file_download(
        record=record, by=request.user, client_ip=client_ip(request)
    )
