"""The ledger (台账) page and its Excel export, and a unit's round sheet for
filling offline: download it pre-filled, upload it back."""

import io
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from audit.services import audit_record
from common.http import int_param
from departments.access import client_ip, get_visible_or_404, refuse_as_missing
from departments.models import Unit, User
from departments.permissions import ACT_FOR_UNIT
from documents.workbook import XLSX_CONTENT_TYPE
from jobs.services import job_create
from ledger.filters import FilterChoices, LedgerFilterSet
from ledger.jobs import EXPORT_KIND, export_filename, export_xlsx_file
from ledger.rows import LedgerFilters, ledger_entries, ledger_rows, ledger_rows_all
from ledger.sheet_reader import SHEET_MAX_BYTES, SheetError, SheetRejected, report_import_xlsx
from ledger.sheet_writer import unit_sheet_xlsx
from plans.models import Plan
from plans.selectors import plans_visible_to
from rounds.models import Round, UnitReport
from rounds.selectors import reports_visible_to, rounds_visible_to


def _filters(request: HttpRequest, plan: Plan) -> tuple[LedgerFilters, FilterChoices]:
    filterset = LedgerFilterSet(request.GET, request=request, plan=plan)
    return filterset.ledger_filters(), filterset.choices


def _filters_for_record(filters: LedgerFilters) -> dict[str, Any]:
    """The filters an export was taken with, as the audit trail keeps them (ids, codes)."""
    chosen = {
        "round": filters.round.pk if filters.round is not None else None,
        "category": filters.category.pk if filters.category is not None else None,
        "unit": filters.unit.pk if filters.unit is not None else None,
        "status": filters.status,
        "light": filters.light,
        "reported": filters.reported,
    }
    return {name: value for name, value in chosen.items() if value not in (None, "")}


def _visible_plan(request: HttpRequest, plan_pk: int) -> Plan:
    return get_visible_or_404(
        request, Plan.objects.all(), plans_visible_to(request.user), pk=plan_pk
    )


@require_GET
@login_required
def plan_ledger(request: HttpRequest, plan_pk: int) -> HttpResponse:
    plan = _visible_plan(request, plan_pk)
    filters, choices = _filters(request, plan)
    page = ledger_rows(
        plan=plan,
        user=request.user,
        round=filters.round,
        category=filters.category,
        unit=filters.unit,
        status=filters.status,
        light=filters.light,
        reported=filters.reported,
        page=request.GET.get("page", 1),
    )
    user = request.user
    sheet_units: list[Unit] = []
    if filters.round is not None and user.sees_whole_city:
        sheet_units = [
            report.unit
            for report in UnitReport.objects.filter(round=filters.round)
            .select_related("unit")
            .order_by("unit__sort_order", "unit_id")
        ]
    return render(
        request,
        "ledger/ledger.html",
        {
            "plan": plan,
            "ledger": page,
            "rows": page.rows,
            "filters": filters,
            "choices": choices,
            "own_unit": None if user.sees_whole_city else user.unit,
            "sheet_units": sheet_units,
            "can_upload": user.role == User.Role.LIAISON,
        },
    )


@require_GET
@login_required
def plan_ledger_xlsx(request: HttpRequest, plan_pk: int) -> HttpResponse:
    plan = _visible_plan(request, plan_pk)
    filters, _choices = _filters(request, plan)
    period = filters.round.period if filters.round is not None else ""
    rows = ledger_entries(plan=plan, user=request.user, filters=filters).count()
    if rows > settings.LEDGER_EXPORT_INLINE_MAX_ROWS:
        # A large export is made by a worker: the request answers at once with the
        # job's page, which shows the progress and then the download.
        job = job_create(
            kind=EXPORT_KIND,
            by=request.user,
            params={"plan": plan.pk, "filters": _filters_for_record(filters), "rows": rows},
            language=get_language() or "",
            client_ip=client_ip(request),
        )
        return redirect(job)
    # FileResponse sends the temporary file in chunks and deletes it on close.
    stream = export_xlsx_file(
        plan=plan,
        by=request.user,
        rows=ledger_rows_all(plan=plan, user=request.user, filters=filters),
        period=period,
        record={"filters": _filters_for_record(filters)},
        client_ip=client_ip(request),
    )
    return FileResponse(
        stream,
        as_attachment=True,
        filename=export_filename(plan, period),
        content_type=XLSX_CONTENT_TYPE,
    )


def _round(request: HttpRequest, pk: int) -> Round:
    return get_visible_or_404(request, Round.objects.all(), rounds_visible_to(request.user), pk=pk)


@require_GET
@login_required
def round_excel(request: HttpRequest, pk: int) -> HttpResponse:
    """A unit's sheet for the round: a liaison's own unit's; a supervisor names the unit."""
    rnd = _round(request, pk)
    unit_id = int_param(request, "unit") or request.user.unit_id
    report = get_visible_or_404(
        request,
        UnitReport.objects.filter(round=rnd),
        reports_visible_to(request.user).filter(round=rnd),
        unit_id=unit_id,
    )
    stream = io.BytesIO()
    unit_sheet_xlsx(report, stream, reader=request.user)
    stream.seek(0)
    audit_record(
        action="ledger.sheet_download",
        by=request.user,
        obj=report,
        client_ip=client_ip(request),
        summary={"format": "xlsx", "round": rnd.pk, "unit": report.unit_id},
    )
    return FileResponse(
        stream,
        as_attachment=True,
        filename=f"{rnd.period}-{report.unit.name}.xlsx",
        content_type=XLSX_CONTENT_TYPE,
    )


def _own_report(request: HttpRequest, rnd: Round) -> UnitReport:
    """The liaison's unit's report in the round; anyone else is answered as if it did not exist."""
    user = request.user
    report = (
        UnitReport.objects.filter(round=rnd, unit_id=user.unit_id)
        .select_related("round__plan", "unit")
        .first()
        if user.unit_id
        else None
    )
    if (
        report is None
        or user.role != User.Role.LIAISON
        or not user.has_perm(ACT_FOR_UNIT, report.unit)
    ):
        raise refuse_as_missing(request, report or rnd)
    return report


@require_http_methods(["GET", "POST"])
@login_required
def round_excel_upload(request: HttpRequest, pk: int) -> HttpResponse:
    rnd = _round(request, pk)
    report = _own_report(request, rnd)
    errors: list[SheetError] = []
    if request.method == "POST":
        upload = request.FILES.get("sheet")
        if upload is None:
            errors = [SheetError("", "", _("Choose the filled sheet to upload."))]
        elif upload.size > SHEET_MAX_BYTES:
            errors = [SheetError("", "", _("The file is larger than a filled sheet can be."))]
        else:
            try:
                report_import_xlsx(
                    report=report, by=request.user, data=upload.read(), client_ip=client_ip(request)
                )
            except SheetRejected as exc:
                errors = exc.errors
            else:
                messages.success(
                    request,
                    _("The sheet is saved in your unit's report for %(period)s.")
                    % {"period": rnd.period},
                )
                return redirect("report_detail", pk=report.pk)
    context: dict[str, Any] = {
        "rnd": rnd,
        "plan": rnd.plan,
        "report": report,
        "editable": report.state in (UnitReport.Status.DRAFT, UnitReport.Status.RETURNED),
        "errors": errors,
    }
    return render(request, "ledger/sheet_upload.html", context)
