"""The report's steps (fill, sign off, review): the pages viewflow reaches
through its task URLs, taking the flow's lock on POST. rounds.flows imports
these; the other round pages are in rounds.views."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from indicators.models import Indicator
from rounds import services
from rounds.models import Entry, UnitReport
from rounds.selectors import (
    co_parts,
    editable_entries,
    entries_with_details,
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
