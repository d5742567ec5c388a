"""Pages of the reporting rounds: the plan's rounds, a round's status board,
a unit report, and the report's steps (fill, sign off, review) which viewflow
reaches through its task URLs (taking the flow's lock on POST)."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from departments.access import client_ip, get_visible_or_404, refuse_as_missing
from departments.permissions import may_supervise
from indicators.models import Indicator
from plans.models import Plan
from plans.selectors import plans_visible_to
from rounds import services
from rounds.forms import RoundForm, ScheduleForm
from rounds.models import Entry, ReportFile, Round, UnitReport
from rounds.selectors import (
    co_parts,
    editable_entries,
    entries_with_details,
    plan_rounds,
    report_files_visible_to,
    report_status,
    reports_visible_to,
    round_page,
    rounds_visible_to,
)
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
                    created = services.rounds_schedule(
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
                    rnd = services.round_create(
                        plan=plan,
                        by=request.user,
                        today=today,
                        period=data["period"],
                        deadline=data["deadline"],
                        opens_on=data.get("opens_on"),
                        tasks=list(data["tasks"]) or None,
                    )
                    return redirect("round_detail", pk=rnd.pk)
        except services.RoundError as exc:
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
    categories = list(rnd.plan.categories.order_by("number"))
    category = request.GET.get("category", "")
    chosen = next((c for c in categories if str(c.pk) == category), None)
    page = round_page(rnd=rnd, user=request.user, category=chosen.pk if chosen else None)
    return render(
        request,
        "rounds/round_detail.html",
        {"page": page, "rnd": rnd, "plan": rnd.plan, "categories": categories, "chosen": chosen},
    )


@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_visible_or_404(
        request, UnitReport.objects.all(), reports_visible_to(request.user), pk=pk
    )
    return render(
        request,
        "rounds/report_detail.html",
        {
            "report": report,
            "rnd": report.round,
            "status": report_status(report, timezone.localdate()),
            "entries": entries_with_details(report),
            "parts": co_parts(report),
            "events": report.events.select_related("by", "task"),
            "steps": open_steps(process_pk=report.pk, user=request.user, default_unit=report.unit),
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


class ReportStepView(TemplateView):
    """Base of the report's steps: the report, its entries, the co-units' parts."""

    template_name = "rounds/report_step.html"
    mode = ""

    @property
    def activation(self) -> Any:
        return self.request.activation

    @property
    def report(self) -> UnitReport:
        return self.activation.process

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        report = self.report
        return super().get_context_data(
            report=report,
            rnd=report.round,
            mode=self.mode,
            entries=entries_with_details(report),
            parts=co_parts(report),
            step=self.activation.task,
            schedules=Entry.Schedule.choices,
            owned_indicators=Indicator.objects.filter(
                plan=report.round.plan_id, task__isnull=True, owner=report.unit_id
            ).count(),
            **kwargs,
        )

    def done(self) -> HttpResponse:
        return HttpResponseRedirect(reverse("report_detail", args=[self.report.pk]))

    def failed(self, message: str, **context: Any) -> HttpResponse:
        return self.render_to_response(self.get_context_data(error=message, **context))


def _entry_inputs(request: HttpRequest, entries: list[Entry]) -> dict[int, services.EntryInput]:
    data = {}
    for entry in entries:
        prefix = f"e{entry.task_id}-"
        data[entry.task_id] = services.EntryInput(
            progress=request.POST.get(prefix + "progress", ""),
            schedule=request.POST.get(prefix + "schedule", ""),
            problems=request.POST.get(prefix + "problems", ""),
            next_steps=request.POST.get(prefix + "next_steps", ""),
            values={
                t.pk: request.POST.get(f"{prefix}v{t.pk}", "") for t in entry.task.targets.all()
            },
            files=request.FILES.getlist(prefix + "files"),
        )
    return data


class FillReportView(ReportStepView):
    mode = "fill"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        editable = editable_entries(self.report)
        data = _entry_inputs(request, editable)
        try:
            if request.POST.get("action") == "save":
                services.report_save(report=self.report, by=request.user, data=data)
                messages.success(request, _("The draft is saved."))
                return HttpResponseRedirect(request.path)
            services.report_submit(activation=self.activation, by=request.user, data=data)
        except services.RoundError as exc:
            return self.failed(exc.message, posted=request.POST)
        messages.success(request, _("The report is with the unit leader for sign-off."))
        return self.done()


class SignReportView(ReportStepView):
    mode = "sign"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        approve = request.POST.get("decision") != "return"
        try:
            services.report_sign(
                activation=self.activation,
                by=request.user,
                approve=approve,
                reason=request.POST.get("reason", ""),
            )
        except services.RoundError as exc:
            return self.failed(exc.message, posted=request.POST)
        return self.done()


class ReviewReportView(ReportStepView):
    mode = "review"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        decisions = {}
        for entry in self.report.entries.filter(status=Entry.Status.SUBMITTED):
            choice = request.POST.get(f"e{entry.task_id}-decision", "")
            decisions[entry.task_id] = (
                choice != "return",
                request.POST.get(f"e{entry.task_id}-reason", ""),
            )
            if choice not in ("approve", "return"):
                return self.failed(_("Decide on every task of the report."), posted=request.POST)
        try:
            services.report_review(activation=self.activation, by=request.user, decisions=decisions)
        except services.RoundError as exc:
            return self.failed(exc.message, posted=request.POST)
        return self.done()
