"""The security auditor's view of the audit trail: read and export, nothing else.

No view here changes or deletes a row, and every one refuses any method but
GET (and HEAD for the page), so the trail cannot be altered through the application.
"""

import tempfile
from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_safe

from audit.export import (
    XLSX_CONTENT_TYPE,
    audit_events_xlsx,
    column_labels,
    role_labels,
    summary_json,
)
from audit.forms import AuditFilterForm
from audit.selectors import audit_events_filtered
from audit.services import audit_record
from departments.access import client_ip
from departments.models import User

PAGE_SIZE = 50
SUMMARY_SHOWN = 120

View = Callable[..., HttpResponse]


def auditor_required(view: View) -> View:
    """Let only security auditors in; anyone else logged in gets 403, and the attempt is kept."""

    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        # 三员 separation: the system administrator, even a superuser, does not
        # read the trail that records their own work.
        if request.user.role != User.Role.AUDITOR:
            # The 403 handler (departments.refusals) records the attempt.
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@require_safe
@auditor_required
def audit_events(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET)
    page = None
    rows: list[dict[str, object]] = []
    # Bad input computes nothing: the page shows the form's errors and no rows.
    if form.is_valid():
        paginator = Paginator(audit_events_filtered(data=form.cleaned_data), PAGE_SIZE)
        page = paginator.get_page(request.GET.get("page"))
        roles = role_labels()
        for event in page.object_list:
            summary = summary_json(event.summary) if event.summary else ""
            rows.append(
                {
                    "event": event,
                    "role": roles.get(event.role, event.role),
                    "summary": summary,
                    "summary_short": _shorten(summary, SUMMARY_SHOWN),
                }
            )
    return render(
        request,
        "audit/events.html",
        {"form": form, "page": page, "rows": rows, "labels": column_labels()},
    )


# GET only: a HEAD would build the whole workbook and record an export nobody received.
@require_GET
@auditor_required
def audit_export(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET)
    if not form.is_valid():
        return render(
            request,
            "audit/events.html",
            {"form": form, "page": None, "rows": [], "labels": column_labels()},
            status=400,
        )
    # A temporary file, not memory: openpyxl needs somewhere to assemble the
    # zip, and FileResponse then sends it in chunks and deletes it on close.
    stream = tempfile.TemporaryFile(suffix=".xlsx")
    try:
        count = audit_events_xlsx(audit_events_filtered(data=form.cleaned_data), stream)
    except BaseException:
        stream.close()
        raise
    stream.seek(0)
    audit_record(
        action="audit.export",
        by=request.user,
        client_ip=client_ip(request),
        summary={"filters": form.filters_for_record(), "rows": count},
    )
    now = timezone.localtime(timezone.now(), timezone.get_default_timezone())
    return FileResponse(
        stream,
        as_attachment=True,
        filename=f"audit-{now:%Y%m%d-%H%M}.xlsx",
        content_type=XLSX_CONTENT_TYPE,
    )
