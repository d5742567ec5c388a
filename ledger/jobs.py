"""The ledger's .xlsx export as a background job (jobs/), for exports of more than
settings.LEDGER_EXPORT_INLINE_MAX_ROWS rows: the same file as the direct download,
made in a worker with the rows written as its progress."""

import tempfile
from collections.abc import Iterator
from typing import IO, Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.services import audit_record
from departments.models import Unit
from documents.workbook import XLSX_CONTENT_TYPE
from jobs.models import Job
from jobs.registry import JobRefused, JobResult, Progress, register
from ledger.export import ledger_xlsx
from ledger.rows import LedgerFilters, LedgerRow, ledger_rows_all
from plans.models import Category, Plan
from plans.selectors import plans_visible_to
from rounds.models import Round

EXPORT_KIND = "ledger.export"
# Progress is written every this many rows (a row update per 1% or so at 50k rows).
PROGRESS_EVERY = 500


def export_filename(plan: Plan, period: str) -> str:
    today = timezone.localdate().isoformat()
    return f"{_('Ledger')}-{period or plan.doc_number}-{today}.xlsx"


def export_xlsx_file(
    *,
    plan: Plan,
    by: Any,
    rows: Iterator[LedgerRow],
    period: str,
    record: dict[str, Any],
    client_ip: str | None = None,
) -> IO[bytes]:
    """The ledger's rows as an .xlsx in a temporary file (openpyxl assembles the zip
    there, not in memory; the file is deleted when closed), rewound, and the ledger
    leaving the system recorded: who took it, of which plan, filtered how (`record`),
    how many rows. The direct download and the export job both write through here."""
    stream = tempfile.TemporaryFile(suffix=".xlsx")
    try:
        count = ledger_xlsx(rows=rows, stream=stream, plan=plan, period=period)
    except BaseException:
        stream.close()
        raise
    stream.seek(0)
    audit_record(
        action="ledger.export",
        by=by,
        obj=plan,
        client_ip=client_ip,
        summary={"format": "xlsx", "filters": record.pop("filters"), "rows": count, **record},
    )
    return stream


def filters_from_params(plan: Plan, chosen: dict[str, Any]) -> LedgerFilters:
    """The filters an export job was asked with (ledger.views records them as ids and
    codes), read back; the request already checked that the person may use them."""
    return LedgerFilters(
        round=Round.objects.filter(plan=plan, pk=chosen.get("round")).first()
        if chosen.get("round")
        else None,
        category=Category.objects.filter(plan=plan, pk=chosen.get("category")).first()
        if chosen.get("category")
        else None,
        unit=Unit.objects.filter(pk=chosen.get("unit")).first() if chosen.get("unit") else None,
        status=chosen.get("status", ""),
        light=chosen.get("light", ""),
        reported=chosen.get("reported", ""),
    )


def _counted(rows: Iterator[LedgerRow], total: int, progress: Progress) -> Iterator[LedgerRow]:
    stage = _("Writing the rows")
    for done, row in enumerate(rows, start=1):
        if done % PROGRESS_EVERY == 0:
            progress(5 + 90 * done // max(total, 1), stage)
        yield row


@register(EXPORT_KIND, label=gettext_lazy("Ledger export"))
def ledger_export_job(job: Job, progress: Progress) -> JobResult:
    user = job.requested_by
    plan = plans_visible_to(user).filter(pk=job.params.get("plan")).first()
    if plan is None:
        raise JobRefused(_("The plan of this export is no longer available to you."))
    progress(2, _("Reading the ledger"))
    filters = filters_from_params(plan, job.params.get("filters", {}))
    period = filters.round.period if filters.round is not None else ""
    stream = export_xlsx_file(
        plan=plan,
        by=user,
        rows=_counted(
            ledger_rows_all(plan=plan, user=user, filters=filters),
            job.params.get("rows", 0),
            progress,
        ),
        period=period,
        record={"filters": job.params.get("filters", {}), "job": job.pk},
    )
    return JobResult(
        file=stream, filename=export_filename(plan, period), content_type=XLSX_CONTENT_TYPE
    )
