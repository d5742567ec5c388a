"""The report's steps (fill, sign off, review): the pages viewflow reaches
through its task URLs, taking the flow's lock on POST. rounds.flows imports
these; the other round pages are in rounds.views."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse, QueryDict
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.generic import TemplateView

from indicators.selectors import owned_indicator_count
from rounds import services
from rounds.asks import report_form
from rounds.drafts import (
    TEXT_FIELDS,
    DraftConflict,
    DraftOutdated,
    EntryConflict,
    conflict_rows,
    stored_state,
)
from rounds.errors import RoundError
from rounds.form_fields import Options, entry_fields
from rounds.models import Entry, UnitReport
from rounds.selectors import editable_entries, editable_targets


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
        if kwargs.get("error_task"):
            for ask in form.asks:
                if ask.entry.task_id == kwargs["error_task"]:
                    ask.error_field = kwargs.get("error_field")
        if self.mode == "fill":
            posted = kwargs.get("posted")
            schedules = Options(Entry.Schedule.choices)
            for ask in form.editable:
                ask.fields = entry_fields(ask, posted, schedules)
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


def _entry_inputs(
    request: HttpRequest, editable: dict[int, list[int]], *, sending: bool
) -> dict[int, services.EntryInput]:
    """What the form sent for each task still with the unit (fields named
    e<task>-<field>); `editable`: those tasks and their targets' pks
    (rounds.selectors.editable_targets).

    A save leaves out a task the form sent nothing for (the conflict page sends
    only the entries in question), where sending the report reads it as empty;
    "stored" as an entry's choice leaves it as stored."""
    data = {}
    post = request.POST
    sent_tasks = None if sending else _prefixed_tasks(post)
    for task_id, target_ids in editable.items():
        prefix = f"e{task_id}-"
        if sent_tasks is not None and prefix not in sent_tasks:
            continue
        choice = post.get(prefix + "choice", "")
        if choice == "stored":
            data[task_id] = services.EntryInput(choice=choice)
            continue
        data[task_id] = services.EntryInput(
            progress=post.get(prefix + "progress", ""),
            schedule=post.get(prefix + "schedule", ""),
            problems=post.get(prefix + "problems", ""),
            next_steps=post.get(prefix + "next_steps", ""),
            values={pk: post[f"{prefix}v{pk}"] for pk in target_ids if f"{prefix}v{pk}" in post},
            files=request.FILES.getlist(prefix + "files"),
            same_as_before=post.get(prefix + "same") == "1",
            base=post.get(prefix + "base") or None,
            choice="mine" if choice == "mine" else "",
        )
    return data


def _prefixed_tasks(post: QueryDict) -> set[str]:
    """The prefixes (e<task>-) of the entries the form sent any field of."""
    return {key[: key.index("-") + 1] for key in post if key.startswith("e") and "-" in key}


def _as_chosen(request: HttpRequest, entries: list[Entry]) -> QueryDict:
    """The form as sent, but with the stored version in the entries the person chose
    to keep as stored on the conflict page: a submit refused afterwards (a field
    still missing) shows the form with what was chosen, not the page's old text."""
    posted = request.POST.copy()
    for entry in entries:
        prefix = f"e{entry.task_id}-"
        if posted.get(prefix + "choice") != "stored":
            continue
        fields, values = stored_state(entry)
        for name in TEXT_FIELDS:
            posted[prefix + name] = fields.get(name) or ""
        if fields.get("kept_previous"):
            posted[prefix + "same"] = "1"
        else:
            posted.pop(prefix + "same", None)
        for pk, value in values.items():
            posted[f"{prefix}v{pk}"] = "" if value is None else format(value.normalize(), "f")
        posted.pop(prefix + "choice", None)
        posted.pop(prefix + "base", None)
    return posted


def _draft_version(request: HttpRequest) -> int | None:
    """The draft version the page was drawn from; None when it carries none (an
    older page, a script), which saves as before versions were kept."""
    try:
        return int(request.POST["draft_version"])
    except (KeyError, ValueError):
        return None


class FillReportView(ReportStepView):
    mode = "fill"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        editable = editable_targets(self.report)
        autosave = request.headers.get("X-Autosave") == "1"
        sending = not autosave and request.POST.get("action") != "save"
        data = _entry_inputs(request, editable, sending=sending)
        based_on = _draft_version(request)
        try:
            if autosave or request.POST.get("action") == "save":
                result = services.report_save(
                    report=self.report,
                    by=request.user,
                    data=data,
                    based_on=based_on,
                    merge=not autosave,
                )
                if autosave:
                    # The form saves by itself as the liaison types (static/js/report_form.js).
                    saved_at = timezone.localtime().strftime("%H:%M")
                    return JsonResponse(
                        {
                            "saved": _("Saved %(time)s") % {"time": saved_at},
                            "version": result.report.draft_version,
                            "bases": {f"e{task}-base": base for task, base in result.bases.items()},
                        }
                    )
                if result.conflicts:
                    return self.conflicted(
                        result.conflicts, version=result.report.draft_version, action="save"
                    )
                messages.success(request, _("The draft is saved."))
                kept = result.newer
                if kept:
                    # Not a surprise later: say which entries are as another page saved them.
                    messages.info(
                        request,
                        _(
                            "Tasks %(numbers)s were saved from another page after this one "
                            "was opened and you had not changed them here: they are kept "
                            "as saved there."
                        )
                        % {"numbers": "、".join(str(e.task.number) for e in kept)},
                    )
                return HttpResponseRedirect(request.path)
            services.report_submit(
                activation=self.activation, by=request.user, data=data, based_on=based_on
            )
        except DraftOutdated as exc:
            return JsonResponse(
                {
                    "outdated": _(
                        "%(name)s saved a newer version of this report at %(time)s. "
                        "What you typed on this page since is not saved."
                    )
                    % {"name": exc.by, "time": timezone.localtime(exc.at).strftime("%H:%M")}
                    if exc.at
                    else exc.message,
                    "version": exc.version,
                },
                status=409,
            )
        except DraftConflict as exc:
            return self.conflicted(
                exc.conflicts, version=exc.version, action="submit", kept=exc.kept
            )
        except services.RoundError as exc:
            if autosave:
                return JsonResponse(
                    {"error": exc.message, "task": exc.task_id, "field": exc.field}, status=400
                )
            return self.failed(exc, posted=_as_chosen(request, editable_entries(self.report)))
        messages.success(request, _("The report is with the unit leader for sign-off."))
        return self.done()

    def conflicted(
        self,
        conflicts: list[EntryConflict],
        *,
        version: int,
        action: str,
        kept: list[Entry] | None = None,
    ) -> HttpResponse:
        """The conflict page (409): each entry both sides changed, the stored
        version and this page's side by side, a choice for each, in a form that
        posts back here with the current version. A save's other entries are
        already written; a submit wrote nothing and carries them all."""
        post = self.request.POST
        in_conflict = {c.entry.task_id for c in conflicts}
        carried: list[tuple[str, str]] = []
        files_dropped = False
        if action == "submit":
            kept_ids = {e.task_id for e in kept or []}
            for key in post:
                if not key.startswith("e") or "-" not in key:
                    continue
                task = key[1 : key.index("-")]
                if not task.isdigit() or int(task) in in_conflict:
                    continue
                if int(task) in kept_ids:
                    continue
                carried.extend((key, value) for value in post.getlist(key))
            carried.extend((f"e{task_id}-choice", "stored") for task_id in sorted(kept_ids))
            files_dropped = bool(self.request.FILES)
        return TemplateResponse(
            self.request,
            "rounds/draft_conflict.html",
            {
                "report": self.report,
                "rnd": self.report.round,
                "step": self.activation.task,
                "conflicts": [conflict_rows(c) for c in conflicts],
                "clashes": sum(not c.unseen for c in conflicts),
                "unseen": sum(c.unseen for c in conflicts),
                "version": version,
                "action": action,
                "carried": carried,
                "files_dropped": files_dropped,
            },
            status=409,
        )


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
