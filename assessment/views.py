"""Assessment pages: a plan's assessments by year, one assessment (its scheme, the
ranking and the actions of its life cycle), the scheme's form, a unit's breakdown with
its objections, answering an objection, and the exports.

The unit rule (departments/access.py): a unit sees an assessment only once it is
publicised, and then only its own line and breakdown; another unit's answers 404, as
if it did not exist, and the attempt is recorded. City leadership reads everything;
only supervisors change anything.
"""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.base import ContentFile
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessment import services
from assessment.document import render_pdf
from assessment.excel import assessment_xlsx
from assessment.forms import (
    AdjustmentForm,
    AnswerForm,
    ConfirmForm,
    CreateForm,
    ObjectionForm,
    PubliciseForm,
    SchemeForm,
)
from assessment.jobs import PDF_KIND, assessed_units, file_name
from assessment.models import Adjustment, Assessment, Objection, UnitScore
from assessment.scoring import text
from assessment.selectors import (
    ScoreRow,
    adjustments_of,
    assessments_visible_to,
    last_objection_day,
    objection_counts,
    objections_visible_to,
    publish_refusal,
    ranking,
    scores_visible_to,
    unit_choices,
    unit_row,
)
from assessment.services import WINDOW_DEFAULT_DAYS
from assessment.wording import criterion_view, grade_label, rule_explanation, rule_label
from audit.services import audit_record
from departments.access import client_ip, get_visible_or_404, refuse_as_missing, unit_scope
from departments.models import Unit
from departments.permissions import ACT_FOR_UNIT, may_supervise
from documents.workbook import XLSX_CONTENT_TYPE
from files.responses import attachment_response
from jobs.services import job_create
from plans.models import Plan
from plans.selectors import plans_visible_to


def _visible(request: HttpRequest, pk: int) -> Assessment:
    return get_visible_or_404(
        request, Assessment.objects.all(), assessments_visible_to(request.user), pk=pk
    )


def _supervising(request: HttpRequest, assessment: Assessment) -> None:
    """An action only supervisors take: anyone else is answered as if it did not exist."""
    if not may_supervise(request.user):
        raise refuse_as_missing(request, assessment)


# --- A plan's assessments ------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def plan_assessments(request: HttpRequest, plan_pk: int) -> HttpResponse:
    plan = get_visible_or_404(
        request, Plan.objects.all(), plans_visible_to(request.user), pk=plan_pk
    )
    supervisor = may_supervise(request.user)
    form = None
    if supervisor:
        # The assessment is made around the turn of the year: in the first half of a
        # year it is usually of the year before.
        today = timezone.localdate()
        form = CreateForm(
            request.POST if request.method == "POST" else None,
            initial={"year": today.year if today.month > 6 else today.year - 1},
        )
    if request.method == "POST":
        if not supervisor:
            raise refuse_as_missing(request, plan)
        if form.is_valid():
            try:
                assessment = services.assessment_create(
                    plan=plan, year=form.cleaned_data["year"], by=request.user
                )
            except services.AssessmentError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request,
                    _("The %(year)d assessment is started with the default scheme.")
                    % {"year": assessment.year},
                )
                return redirect(assessment)
    assessments = assessments_visible_to(request.user).filter(plan=plan).order_by("-year")
    own = {}
    scope = unit_scope(request.user)
    if scope is not None:
        for score in scores_visible_to(request.user).filter(assessment__plan=plan):
            own[score.assessment_id] = score
    rows = [{"assessment": a, "own": own.get(a.pk)} for a in assessments]
    return render(
        request,
        "assessment/list.html",
        {"plan": plan, "rows": rows, "form": form, "supervisor": supervisor},
    )


# --- One assessment --------------------------------------------------------------------


def _criteria_rows(assessment: Assessment) -> list[dict[str, Any]]:
    return [
        {
            "criterion": criterion,
            "label": rule_label(criterion.rule),
            "weight": text(criterion.weight),
            "deduction": text(criterion.deduction) if not criterion.is_share else "",
            "explanation": rule_explanation(
                criterion.rule, text(criterion.weight), text(criterion.deduction)
            ),
        }
        for criterion in assessment.criteria.order_by("order")
    ]


def _ranking_rows(rows: list[ScoreRow], criteria: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "row": row,
            "points": [
                (row.criterion(c["criterion"].rule) or {}).get("points", "") for c in criteria
            ],
            "total": text(row.total),
            "adjustment": text(row.adjustment_points),
            "grade": grade_label(row.grade),
        }
        for row in rows
    ]


def _detail_page(
    request: HttpRequest,
    assessment: Assessment,
    *,
    adjustment_form: AdjustmentForm | None = None,
    publicise_form: PubliciseForm | None = None,
) -> HttpResponse:
    user = request.user
    whole_city = user.sees_whole_city
    supervisor = may_supervise(user)
    criteria = _criteria_rows(assessment)
    rows = ranking(assessment)
    if not whole_city:
        scope = set(unit_scope(user) or ())
        visible_rows = [row for row in rows if row.unit_id in scope]
    else:
        visible_rows = rows
    context: dict[str, Any] = {
        "assessment": assessment,
        "criteria": criteria,
        "weight_total": text(sum((c["criterion"].weight for c in criteria), start=0)),
        "rows": _ranking_rows(visible_rows, criteria),
        "unit_count": len(rows),
        "whole_city": whole_city,
        "supervisor": supervisor,
        "objections_open": assessment.objections_open(timezone.now()),
        "objections": objections_visible_to(user).filter(assessment=assessment),
        "counts": objection_counts(assessment) if whole_city else {},
        "adjustments": adjustments_of(assessment) if whole_city else [],
    }
    if supervisor and assessment.is_draft:
        context["adjustment_form"] = adjustment_form or AdjustmentForm(units=unit_choices(rows))
        context["publicise_form"] = publicise_form or PubliciseForm()
    return render(request, "assessment/detail.html", context)


@require_GET
@login_required
def assessment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, _visible(request, pk))


@require_http_methods(["GET", "POST"])
@login_required
def assessment_scheme(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _visible(request, pk)
    _supervising(request, assessment)
    if not assessment.is_draft:
        messages.info(
            request,
            _("The scheme is frozen once the assessment is publicised: it can no longer change."),
        )
        return redirect(assessment)
    form = SchemeForm(request.POST if request.method == "POST" else None, assessment=assessment)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            services.assessment_scheme_update(
                assessment=assessment,
                by=request.user,
                criteria=form.criteria_values(),
                grades=(data["excellent_from"], data["good_from"], data["fair_from"]),
                title=data["title"],
            )
        except services.AssessmentError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The scheme is saved."))
            return redirect(assessment)
    return render(request, "assessment/scheme.html", {"assessment": assessment, "form": form})


@require_POST
@login_required
def assessment_adjustment_add(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _visible(request, pk)
    _supervising(request, assessment)
    rows = ranking(assessment) if assessment.is_draft else []
    form = AdjustmentForm(request.POST, units=unit_choices(rows))
    if form.is_valid():
        try:
            services.adjustment_add(
                assessment=assessment,
                by=request.user,
                unit=Unit.objects.get(pk=form.cleaned_data["unit"]),
                points=form.cleaned_data["points"],
                reason=form.cleaned_data["reason"],
            )
        except services.AssessmentError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The bonus or deduction is added."))
            return redirect(assessment)
    if not assessment.is_draft:
        messages.error(
            request,
            _("The scheme is frozen once the assessment is publicised: it can no longer change."),
        )
        return redirect(assessment)
    return _detail_page(request, assessment, adjustment_form=form)


@require_POST
@login_required
def assessment_adjustment_remove(request: HttpRequest, pk: int) -> HttpResponse:
    adjustment = get_visible_or_404(
        request,
        Adjustment.objects.all(),
        Adjustment.objects.filter(assessment__in=assessments_visible_to(request.user)),
        pk=pk,
    )
    assessment = adjustment.assessment
    _supervising(request, assessment)
    try:
        services.adjustment_remove(adjustment=adjustment, by=request.user)
    except services.AssessmentError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The bonus or deduction is removed."))
    return redirect(assessment)


def _publicise_form(data: Any = None) -> ConfirmForm:
    return ConfirmForm(
        data,
        label=_(
            "I have read what publicising does: the scores are stored, the scheme is frozen "
            "and the objection window opens."
        ),
        refusal=_(
            "Nothing was publicised: tick the box to confirm you have read what publicising does."
        ),
    )


def _publish_form(data: Any = None) -> ConfirmForm:
    return ConfirmForm(
        data,
        label=_(
            "I have read what publishing does: the scheme and the scores become final and "
            "cannot be changed afterwards."
        ),
        refusal=_(
            "Nothing was published: tick the box to confirm you have read what publishing does."
        ),
    )


def _confirm_page(
    request: HttpRequest,
    assessment: Assessment,
    *,
    step: str,
    form: ConfirmForm,
    effects: list[str],
    refusal: str = "",
    days: int | None = None,
) -> HttpResponse:
    """What a step that cannot be undone will do, and the tick that lets it happen."""
    return render(
        request,
        "assessment/confirm.html",
        {
            "assessment": assessment,
            "step": step,
            "form": form,
            "effects": effects,
            "refusal": refusal,
            "days": days,
        },
    )


def _publicise_effects(assessment: Assessment, days: int) -> list[str]:
    today = timezone.localdate()
    units = len(ranking(assessment, today))
    return [
        ngettext(
            "The score of the %(count)d unit assessed is computed on the data as of today, "
            "%(day)s, and stored.",
            "The scores of the %(count)d units assessed are computed on the data as of today, "
            "%(day)s, and stored.",
            units,
        )
        % {"count": units, "day": today.isoformat()},
        _(
            "The scheme and the bonuses and deductions are frozen: after this a score "
            "changes only by an accepted objection."
        ),
        _("Each assessed unit's liaisons and leaders are told their score, rank and grade."),
        ngettext(
            "An objection window of %(days)d day opens, today being the first: units may "
            "object until the end of %(last)s.",
            "An objection window of %(days)d days opens, today being the first: units may "
            "object until the end of %(last)s.",
            days,
        )
        % {
            "days": days,
            "last": last_objection_day(today, days).isoformat(),
        },
        _("Publicising cannot be undone."),
    ]


def _publish_effects(assessment: Assessment) -> list[str]:
    units = assessment.scores.count()
    return [
        _("The assessment document gets its number and the results are published."),
        ngettext(
            "The scheme and the score of the %(count)d unit assessed become final: no "
            "objection, bonus or deduction can change them.",
            "The scheme and the scores of the %(count)d units assessed become final: no "
            "objection, bonus or deduction can change them.",
            units,
        )
        % {"count": units},
        _("Each assessed unit's liaisons and leaders are told their final score."),
        _("Publishing cannot be undone."),
    ]


@require_http_methods(["GET", "POST"])
@login_required
def assessment_publicise(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: what publicising for the days asked will do, and the tick to confirm it;
    POST with the tick: publicise. Without it nothing is written."""
    assessment = _visible(request, pk)
    _supervising(request, assessment)
    if not assessment.is_draft:
        messages.info(request, _("This assessment has already been publicised."))
        return redirect(assessment)
    data = request.POST if request.method == "POST" else request.GET
    days_form = PubliciseForm(data if "days" in data else None)
    if days_form.is_bound and not days_form.is_valid():
        return _detail_page(request, assessment, publicise_form=days_form)
    days = days_form.cleaned_data["days"] if days_form.is_bound else WINDOW_DEFAULT_DAYS
    form = _publicise_form(request.POST if request.method == "POST" else None)
    if request.method == "GET" or not form.is_valid():
        return _confirm_page(
            request,
            assessment,
            step="publicise",
            form=form,
            effects=_publicise_effects(assessment, days),
            days=days,
        )
    try:
        assessment = services.assessment_publicise(
            assessment=assessment, by=request.user, now=timezone.now(), days=days
        )
    except services.AssessmentError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("The scores are publicised; objections are taken until the end of %(day)s.")
            % {"day": assessment.last_objection_day.isoformat()},
        )
    return redirect(assessment)


@require_http_methods(["GET", "POST"])
@login_required
def assessment_publish(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: what publishing will do (or why it cannot be done yet), and the tick to
    confirm it; POST with the tick: publish. Without it nothing is written."""
    assessment = _visible(request, pk)
    _supervising(request, assessment)
    form = _publish_form(request.POST if request.method == "POST" else None)
    if request.method == "GET" or not form.is_valid():
        if assessment.status == Assessment.Status.PUBLISHED:
            messages.info(request, _("This assessment has already been published."))
            return redirect(assessment)
        return _confirm_page(
            request,
            assessment,
            step="publish",
            form=form,
            effects=_publish_effects(assessment),
            refusal=publish_refusal(assessment, timezone.now()),
        )
    try:
        assessment = services.assessment_publish(
            assessment=assessment, by=request.user, now=timezone.now()
        )
    except services.AssessmentError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The assessment is published; the units are told."))
    return redirect(assessment)


# --- A unit's breakdown and its objections -----------------------------------------------


def _unit_row(request: HttpRequest, assessment: Assessment, unit_pk: int) -> tuple[ScoreRow, int]:
    """The unit's line and the number of units assessed: any unit's for city leadership,
    the person's own unit's otherwise."""
    if not request.user.sees_whole_city:
        get_visible_or_404(
            request,
            UnitScore.objects.filter(assessment=assessment),
            scores_visible_to(request.user).filter(assessment=assessment),
            unit_id=unit_pk,
        )
    rows = ranking(assessment)
    row = next((row for row in rows if row.unit_id == unit_pk), None)
    if row is None:
        raise Http404
    return row, len(rows)


def _may_object(request: HttpRequest, assessment: Assessment, unit_pk: int) -> bool:
    user = request.user
    return (
        user.unit_id == unit_pk
        and assessment.objections_open(timezone.now())
        and user.has_perm(ACT_FOR_UNIT, user.unit)
    )


def _unit_page(
    request: HttpRequest,
    assessment: Assessment,
    row: ScoreRow,
    unit_count: int,
    form: ObjectionForm | None,
) -> HttpResponse:
    return render(
        request,
        "assessment/unit.html",
        {
            "assessment": assessment,
            "row": row,
            "total": text(row.total),
            "criteria_points": text(row.criteria_points),
            "grade": grade_label(row.grade),
            "criteria": [criterion_view(c) for c in row.criteria],
            "adjustments": adjustments_of(assessment, row.unit_id),
            "objections": objections_visible_to(request.user).filter(
                assessment=assessment, unit_id=row.unit_id
            ),
            "form": form,
            "unit_count": unit_count,
            "supervisor": may_supervise(request.user),
        },
    )


@require_GET
@login_required
def assessment_unit(request: HttpRequest, pk: int, unit_pk: int) -> HttpResponse:
    assessment = _visible(request, pk)
    row, unit_count = _unit_row(request, assessment, unit_pk)
    form = ObjectionForm() if _may_object(request, assessment, unit_pk) else None
    return _unit_page(request, assessment, row, unit_count, form)


@require_POST
@login_required
def assessment_objection_file(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _visible(request, pk)
    user = request.user
    if user.sees_whole_city or user.unit_id is None:
        raise refuse_as_missing(request, assessment)
    row, unit_count = _unit_row(request, assessment, user.unit_id)
    form = ObjectionForm(request.POST)
    if form.is_valid():
        try:
            services.objection_file(
                assessment=assessment,
                by=user,
                reason=form.cleaned_data["reason"],
                now=timezone.now(),
            )
        except services.AssessmentError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, _("Your objection is sent; the working group will answer it.")
            )
            return redirect("assessment_unit", assessment.pk, user.unit_id)
    return _unit_page(request, assessment, row, unit_count, form)


@require_http_methods(["GET", "POST"])
@login_required
def assessment_objection_answer(request: HttpRequest, pk: int) -> HttpResponse:
    objection = get_visible_or_404(
        request, Objection.objects.all(), objections_visible_to(request.user), pk=pk
    )
    assessment = objection.assessment
    _supervising(request, assessment)
    if objection.status != Objection.Status.OPEN:
        messages.info(request, _("This objection has already been answered."))
        return redirect("assessment_unit", assessment.pk, objection.unit_id)
    form = AnswerForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            services.objection_answer(
                objection=objection,
                by=request.user,
                accept=data["decision"] == "accept",
                reply=data["reply"],
                points=data["points"],
                points_reason=data["points_reason"],
                now=timezone.now(),
            )
        except services.AssessmentError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The objection is answered; the unit is told."))
            return redirect(assessment)
    row = unit_row(assessment, objection.unit_id)
    return render(
        request,
        "assessment/objection_answer.html",
        {
            "assessment": assessment,
            "objection": objection,
            "row": row,
            "total": text(row.total) if row else "",
            "grade": grade_label(row.grade) if row else "",
            "form": form,
        },
    )


# --- Exports ------------------------------------------------------------------------------


def _whole_city(request: HttpRequest, pk: int) -> Assessment:
    """The exports hold every unit's scores: city leadership's and the working group's."""
    assessment = _visible(request, pk)
    if not request.user.sees_whole_city:
        raise refuse_as_missing(request, assessment)
    return assessment


def _record_export(request: HttpRequest, assessment: Assessment, kind: str) -> None:
    """Every unit's scores leaving the system: who took them, which, in what form."""
    audit_record(
        action="assessment.export",
        by=request.user,
        obj=assessment,
        client_ip=client_ip(request),
        summary={"format": kind, "year": assessment.year, "status": assessment.status},
    )


@require_GET
@login_required
def assessment_xlsx_download(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _whole_city(request, pk)
    _record_export(request, assessment, "xlsx")
    data = ContentFile(assessment_xlsx(assessment), name="assessment.xlsx")
    return attachment_response(data, file_name(assessment, "xlsx"), content_type=XLSX_CONTENT_TYPE)


@require_GET
@login_required
def assessment_pdf_download(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _whole_city(request, pk)
    if assessed_units(assessment) > settings.ASSESSMENT_PDF_INLINE_MAX_UNITS:
        # Many units: laid out by a worker; the job's page follows it to the download.
        job = job_create(
            kind=PDF_KIND,
            by=request.user,
            params={"assessment": assessment.pk},
            language=get_language() or "",
            client_ip=client_ip(request),
        )
        return redirect(job)
    _record_export(request, assessment, "pdf")
    data = ContentFile(render_pdf(assessment), name="assessment.pdf")
    return attachment_response(data, file_name(assessment, "pdf"), content_type="application/pdf")
