"""The report's steps (fill, sign off, review): the pages viewflow reaches
through its task URLs, taking the flow's lock on POST. rounds.flows imports
these; the other round pages are in rounds.views."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.generic import TemplateView

from indicators.selectors import owned_indicator_count
from rounds import services
from rounds.asks import report_form
from rounds.errors import RoundError
from rounds.models import Entry, UnitReport
from rounds.selectors import editable_entries


class ReportStepView(TemplateView):
    """Base of the report's steps: each task as the unit is asked it, the co-units' parts."""

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
        form = report_form(report)
        today = timezone.localdate()
        return super().get_context_data(
            report=report,
            rnd=report.round,
            mode=self.mode,
            form=form,
            open_task=kwargs.get("error_task") or form.first_open,
            days_left=(report.round.deadline - today).days,
            step=self.activation.task,
            schedules=Entry.Schedule.choices,
            owned_indicators=owned_indicator_count(report),
            **kwargs,
        )

    def done(self) -> HttpResponse:
        return HttpResponseRedirect(reverse("report_detail", args=[self.report.pk]))

    def failed(self, error: RoundError, **context: Any) -> HttpResponse:
        return self.render_to_response(
            self.get_context_data(
                error=error.message, error_task=error.task_id, error_field=error.field, **context
            )
        )


def _entry_inputs(request: HttpRequest, entries: list[Entry]) -> dict[int, services.EntryInput]:
    """What the form sent for each task still with the unit (fields named e<task>-<field>)."""
    data = {}
    post = request.POST
    for entry in entries:
        prefix = f"e{entry.task_id}-"
        data[entry.task_id] = services.EntryInput(
            progress=post.get(prefix + "progress", ""),
            schedule=post.get(prefix + "schedule", ""),
            problems=post.get(prefix + "problems", ""),
            next_steps=post.get(prefix + "next_steps", ""),
            values={
                t.pk: post[f"{prefix}v{t.pk}"]
                for t in entry.task.targets.all()
                if f"{prefix}v{t.pk}" in post
            },
            files=request.FILES.getlist(prefix + "files"),
            same_as_before=post.get(prefix + "same") == "1",
        )
    return data


class FillReportView(ReportStepView):
    mode = "fill"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        editable = editable_entries(self.report)
        data = _entry_inputs(request, editable)
        autosave = request.headers.get("X-Autosave") == "1"
        try:
            if autosave or request.POST.get("action") == "save":
                services.report_save(report=self.report, by=request.user, data=data)
                if autosave:
                    # The form saves by itself as the liaison types (static/js/report_form.js).
                    saved_at = timezone.localtime().strftime("%H:%M")
                    return JsonResponse({"saved": _("Saved %(time)s") % {"time": saved_at}})
                messages.success(request, _("The draft is saved."))
                return HttpResponseRedirect(request.path)
            services.report_submit(activation=self.activation, by=request.user, data=data)
        except services.RoundError as exc:
            if autosave:
                return JsonResponse(
                    {"error": exc.message, "task": exc.task_id, "field": exc.field}, status=400
                )
            return self.failed(exc, posted=request.POST)
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
            return self.failed(exc, posted=request.POST)
        return self.done()


class ReviewReportView(ReportStepView):
    mode = "review"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # 全部通过: every task not marked for return is approved.
        default = "approve" if request.POST.get("all") == "approve" else ""
        decisions = {}
        undecided = []
        for entry in self.report.entries.filter(status=Entry.Status.SUBMITTED).select_related(
            "task"
        ):
            choice = request.POST.get(f"e{entry.task_id}-decision") or default
            if choice not in ("approve", "return"):
                undecided.append(entry)
                continue
            decisions[entry.task_id] = (
                choice != "return",
                request.POST.get(f"e{entry.task_id}-reason", ""),
            )
        if undecided:
            numbers = "、".join(str(entry.task.number) for entry in undecided)
            return self.failed(
                RoundError(
                    ngettext(
                        "Decide on task %(numbers)s, or approve all the others at once.",
                        "Decide on tasks %(numbers)s, or approve all the others at once.",
                        len(undecided),
                    )
                    % {"numbers": numbers},
                    task_id=undecided[0].task_id,
                ),
                posted=request.POST,
            )
        try:
            services.report_review(activation=self.activation, by=request.user, decisions=decisions)
        except services.RoundError as exc:
            return self.failed(exc, posted=request.POST)
        return self.done()
