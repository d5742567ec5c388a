"""The audit trail as an Excel workbook, written row by row so memory stays flat."""

import json
from datetime import datetime
from typing import IO, Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from audit.models import AuditEvent
from departments.models import User

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# (model field, column width in characters)
COLUMNS: list[tuple[str, int]] = [
    ("at", 20),
    ("username", 16),
    ("unit_name", 22),
    ("role", 14),
    ("action", 22),
    ("object_type", 18),
    ("object_id", 10),
    ("object_repr", 36),
    ("outcome", 10),
    ("client_ip", 16),
    ("summary", 60),
]
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
# Excel refuses a cell longer than this and calls the whole file damaged.
EXCEL_CELL_LIMIT = 32_767
CHUNK_SIZE = 2_000


def summary_json(summary: Any) -> str:
    """A row's summary as compact JSON text, keys sorted so equal summaries read alike."""
    return json.dumps(summary, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def role_labels() -> dict[str, str]:
    """Role codes as people read them, in the active language."""
    return {value: str(label) for value, label in User.Role.choices}


def column_labels() -> dict[str, str]:
    """Column titles by field name, in the active language.

    The model's own field names, so the page and the export say the same thing
    and need no translations of their own.
    """
    return {
        name: capfirst(str(AuditEvent._meta.get_field(name).verbose_name)) for name, _w in COLUMNS
    }


def _text_cell(sheet: WriteOnlyWorksheet, value: str) -> WriteOnlyCell:
    value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    if len(value) > EXCEL_CELL_LIMIT:
        value = value[: EXCEL_CELL_LIMIT - 1] + "…"
    cell = WriteOnlyCell(sheet, value=value)
    # Text, never a formula: a user name typed at the login form such as
    # "=HYPERLINK(...)" must not run in the auditor's Excel.
    cell.data_type = "s"
    return cell


def _time_cell(sheet: WriteOnlyWorksheet, at: datetime) -> WriteOnlyCell:
    # Excel has no time zones: write the city's wall-clock time.
    local = timezone.localtime(at, timezone.get_default_timezone()).replace(tzinfo=None)
    cell = WriteOnlyCell(sheet, value=local)
    cell.number_format = DATETIME_FORMAT
    return cell


def audit_events_xlsx(queryset: QuerySet[AuditEvent], stream: IO[bytes]) -> int:
    """Write the rows of `queryset`, in its order, as an .xlsx into `stream`; return the count.

    The workbook is write-only and the rows come from a chunked iterator, so
    neither the ORM nor openpyxl holds more than a chunk at a time.
    """
    # Labels resolved once, not per row; a code no longer known is written as stored.
    outcomes = {value: str(label) for value, label in AuditEvent.Outcome.choices}
    roles = role_labels()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Audit trail"))
    for index, (_name, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for title in column_labels().values():
        cell = _text_cell(sheet, title)
        cell.font = bold
        header.append(cell)
    sheet.append(header)

    count = 0
    rows = queryset.values_list(*(name for name, _w in COLUMNS)).iterator(chunk_size=CHUNK_SIZE)
    for at, username, unit, role, action, otype, oid, orepr, outcome, ip, summary in rows:
        sheet.append(
            [
                _time_cell(sheet, at),
                _text_cell(sheet, username),
                _text_cell(sheet, unit),
                _text_cell(sheet, roles.get(role, role)),
                _text_cell(sheet, action),
                _text_cell(sheet, otype),
                _text_cell(sheet, oid),
                _text_cell(sheet, orepr),
                _text_cell(sheet, outcomes.get(outcome, outcome)),
                _text_cell(sheet, ip or ""),
                _text_cell(sheet, summary_json(summary)),
            ]
        )
        count += 1
    workbook.save(stream)
    return count
