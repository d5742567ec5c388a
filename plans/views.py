"""The supervisor's import page: upload a published plan, review and correct it, import it."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from departments.access import get_visible_or_404, refuse_as_missing
from departments.permissions import may_supervise
from departments.selectors import unit_resolver
from plans.importer.corrections import CorrectionsError, ImportCorrections
from plans.importer.review import UNKNOWN, PlanReview, plan_review
from plans.importer.service import (
    PlanImportError,
    PlanImportResult,
    plan_import,
    targets_unsaved,
)
from plans.importer.sources import SUPPORTED_SUFFIXES
from plans.models import Plan, PlanUpload, Task
from plans.selectors import tasks_visible_to
from plans.services import PlanChangeError, task_unassigned_settle
from plans.staging import (
    CREATE,
    OTHER,
    USE,
    co_units_text,
    name_corrections,
    names_from_task_fixes,
    plan_upload_correct,
    plan_upload_discard,
    plan_upload_stage,
    read_name_choices,
    task_corrections,
)


def _require_supervisor(request: HttpRequest) -> None:
    if not may_supervise(request.user):
        raise Http404


def _own_upload(request: HttpRequest, pk: int) -> PlanUpload:
    """The upload, for the supervisor who made it; 404 for anyone else."""
    upload = PlanUpload.objects.filter(pk=pk).first()
    if upload is None:
        raise Http404
    if not may_supervise(request.user) or upload.uploaded_by_id != request.user.pk:
        raise refuse_as_missing(request, upload)
    return upload


@login_required
@require_http_methods(["GET", "POST"])
def plan_import_upload(request: HttpRequest) -> HttpResponse:
    _require_supervisor(request)
    error = ""
    if request.method == "POST":
        error, upload = _stage(request)
        if upload is not None:
            return redirect("plan_import_review", upload.pk)
    uploads = PlanUpload.objects.filter(uploaded_by=request.user).only(
        "pk", "source_name", "uploaded_at"
    )
    return render(
        request,
        "plans/import_upload.html",
        {
            "error": error,
            "accept": ",".join(SUPPORTED_SUFFIXES),
            "suffixes": " ".join(SUPPORTED_SUFFIXES),
            "max_size": filesizeformat(settings.PLAN_UPLOAD_MAX_BYTES),
            "uploads": uploads,
        },
    )


def _stage(request: HttpRequest) -> tuple[str, PlanUpload | None]:
    """Keep the posted file once it reads as a plan; else one line saying why."""
    file = request.FILES.get("file")
    if file is None or not file.name:
        return _("Choose the plan's file."), None
    name = Path(file.name).name
    if Path(name).suffix.lower() not in SUPPORTED_SUFFIXES:
        return (
            _("%(name)s is not a file the importer reads: use one of %(suffixes)s.")
            % {"name": name, "suffixes": " ".join(SUPPORTED_SUFFIXES)},
            None,
        )
    if file.size > settings.PLAN_UPLOAD_MAX_BYTES:
        return (
            _("%(name)s is %(size)s: a plan file may be at most %(limit)s.")
            % {
                "name": name,
                "size": filesizeformat(file.size),
                "limit": filesizeformat(settings.PLAN_UPLOAD_MAX_BYTES),
            },
            None,
        )
    data = file.read()
    try:
        plan_review(data=data, source_name=name, corrections=None)
    except PlanImportError as exc:
        return exc.message, None
    return "", plan_upload_stage(by=request.user, source_name=name, data=data)


def _stored_corrections(upload: PlanUpload) -> ImportCorrections:
    try:
        return ImportCorrections.from_json(upload.corrections or None)
    except CorrectionsError:
        return ImportCorrections()


@login_required
@require_http_methods(["GET", "POST"])
def plan_import_review(request: HttpRequest, pk: int) -> HttpResponse:
    upload = _own_upload(request, pk)
    data = bytes(upload.data)
    stored = _stored_corrections(upload)
    error = ""
    existing: Plan | None = None
    if request.method == "POST" and "discard" in request.POST:
        plan_upload_discard(upload=upload, by=request.user)
        messages.info(
            request, _("The uploaded file %(name)s was discarded.") % {"name": upload.source_name}
        )
        return redirect("plan_import_upload")
    if request.method == "POST":
        try:
            corrections = _posted_corrections(request, upload, data, stored)
        except PlanImportError as exc:
            corrections, error = stored, exc.message
        else:
            plan_upload_correct(upload=upload, by=request.user, corrections=corrections)
            stored = corrections
        if not error and "import" in request.POST:
            try:
                result = plan_import(
                    data=data,
                    source_name=upload.source_name,
                    by=request.user,
                    corrections=stored,
                )
            except PlanImportError as exc:
                error = exc.message
            else:
                if result.existed:
                    existing = result.plan
                    error = _("Plan %(doc_number)s is already imported: nothing was changed.") % {
                        "doc_number": result.parsed.doc_number
                    }
                else:
                    plan = result.plan
                    upload.delete()
                    messages.success(
                        request,
                        _("Imported %(title)s (%(doc_number)s): %(tasks)d tasks.")
                        % {
                            "title": plan.title,
                            "doc_number": plan.doc_number,
                            "tasks": plan.tasks.count(),
                        },
                    )
                    _after_import_messages(request, result)
                    return redirect("plan_detail", plan.pk)
        elif not error:
            return redirect("plan_import_review", upload.pk)
    try:
        review = plan_review(data=data, source_name=upload.source_name, corrections=stored)
    except PlanImportError as exc:
        return render(
            request,
            "plans/import_upload.html",
            {"error": exc.message, "accept": ",".join(SUPPORTED_SUFFIXES), "uploads": []},
        )
    return render(
        request,
        "plans/import_review.html",
        {
            "upload": upload,
            "review": review,
            "error": error,
            "existing": existing,
            # Known before the Import button: the same number imported already.
            "imported_already": existing
            or Plan.objects.filter(doc_number=review.prepared.doc_number).first(),
            **_review_context(review, stored),
        },
    )


def _after_import_messages(request: HttpRequest, result: PlanImportResult) -> None:
    """What the import summary adds: units created and responsibilities still to assign."""
    if result.new_units:
        messages.info(
            request,
            _("New units created: %(units)s.") % {"units": "、".join(result.new_units)},
        )
    vague = [task.number for task in result.parsed.tasks if task.vague]
    if vague:
        messages.warning(
            request,
            ngettext(
                "%(count)d task names a responsibility vaguely (such as 各有关单位): it is "
                "marked “to be assigned” below; settle it on the task before dispatch "
                "(task %(numbers)s).",
                "%(count)d tasks name a responsibility vaguely (such as 各有关单位): they are "
                "marked “to be assigned” below; settle each on its task before dispatch "
                "(tasks %(numbers)s).",
                len(vague),
            )
            % {"count": len(vague), "numbers": _list_of(str(number) for number in vague)},
        )


def _list_of(items: Iterable[str]) -> str:
    # Chinese lists take the enumeration comma, other languages a comma and a space.
    return ("、" if (get_language() or "").startswith("zh") else ", ").join(items)


def _posted_corrections(
    request: HttpRequest, upload: PlanUpload, data: bytes, stored: ImportCorrections
) -> ImportCorrections:
    """The corrections the review form states: only what differs from the parsed plan."""
    raw = plan_review(data=data, source_name=upload.source_name, corrections=None)
    choices = read_name_choices(request.POST)
    doc_number = request.POST.get("doc_number", stored.doc_number)
    corrections = name_corrections(choices, doc_number, raw.parsed.doc_number)
    baseline = plan_review(data=data, source_name=upload.source_name, corrections=corrections)
    resolver = unit_resolver()
    corrections.tasks = task_corrections(
        request.POST, baseline=baseline, stored=stored, resolver=resolver
    )
    names_from_task_fixes(corrections, baseline, resolver)
    return corrections


def _review_context(review: PlanReview, stored: ImportCorrections) -> dict[str, Any]:
    resolver = unit_resolver()
    names: list[dict[str, Any]] = []
    for check in review.unknown:
        names.append({"name": check.name, "suggestions": check.suggestions, "lines": check.lines})
    listed = {row["name"] for row in names}
    for name in [*stored.names, *stored.create]:
        if name not in listed:
            listed.add(name)
            suggestions = tuple(unit.name for unit in resolver.suggestions(name))
            names.append({"name": name, "suggestions": suggestions, "lines": ()})
    for row in names:
        target = stored.names.get(row["name"], "")
        if row["name"] in stored.create:
            row["choice"] = CREATE
        elif target and target in row["suggestions"]:
            row["choice"] = f"{USE}:{target}"
        elif target:
            row["choice"], row["other"] = OTHER, target
        else:
            row["choice"] = ""
        row["settled"] = bool(row["choice"])

    sections: list[dict[str, Any]] = []
    for task_review in review.tasks:
        if not sections or sections[-1]["category"] != task_review.category:
            sections.append({"category": task_review.category, "tasks": []})
        lead = task_review.lead
        sections[-1]["tasks"].append(
            {
                "review": task_review,
                "lead": lead.name if lead else "",
                "lead_bad": lead is None or lead.status == UNKNOWN,
                "co": co_units_text(task_review),
                "co_unknown": [c.name for c in task_review.co_units if c.status == UNKNOWN],
                "deadline": task_review.deadline.text if task_review.deadline else "",
                "corrected": task_review.position in stored.tasks,
                "targets": targets_unsaved(task_review.task.targets),
            }
        )
    to_settle = len(review.unknown) + len(review.problems)
    return {
        "names": names,
        "sections": sections,
        "targets": targets_unsaved(review.parsed.targets),
        "category_count": sum(_count_categories(c) for c in review.parsed.categories),
        "to_settle": to_settle,
        "use": USE,
        "create": CREATE,
        "other": OTHER,
        "show_doc_number_input": review.prepared.doc_number_generated or bool(stored.doc_number),
        "doc_number_value": stored.doc_number,
    }


def _count_categories(category: Any) -> int:
    return 1 + sum(_count_categories(sub) for sub in category.subcategories)


@login_required
@require_http_methods(["POST"])
def task_unassigned_settle_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Give a task's 各有关单位 to a particular unit, or drop it (supervisors, before dispatch)."""
    task = get_visible_or_404(request, Task.objects.all(), tasks_visible_to(request.user), pk=pk)
    if not may_supervise(request.user):
        raise refuse_as_missing(request, task)
    phrase = request.POST.get("phrase", "")
    unit = None
    if "drop" not in request.POST:
        written = request.POST.get("unit", "").strip()
        unit = unit_resolver().resolve(written) if written else None
        if unit is None:
            messages.error(
                request,
                _("“%(name)s” is not a unit in the registry: choose one from the list.")
                % {"name": written}
                if written
                else _("Choose the unit that answers for “%(phrase)s”.") % {"phrase": phrase},
            )
            return redirect("task_detail", task.pk)
    try:
        task_unassigned_settle(task=task, phrase=phrase, unit=unit, by=request.user)
    except PlanChangeError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("“%(phrase)s” is now %(unit)s.") % {"phrase": phrase, "unit": unit.name}
            if unit is not None
            else _("“%(phrase)s” was dropped: the task's own units answer for it.")
            % {"phrase": phrase},
        )
    return redirect("task_detail", task.pk)
