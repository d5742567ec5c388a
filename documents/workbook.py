"""The house style of the Excel workbooks (the ledger, the unit sheets, the assessment),
and the rules every cell follows so the files open in Excel and WPS.

Strings are always written as strings, never formulas ("=HYPERLINK(...)" typed in a
report must not run in Excel), control characters are removed, and no cell is longer
than Excel allows.
"""

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel refuses a cell longer than this and calls the whole file damaged.
EXCEL_CELL_LIMIT = 32_767
# Excel refuses a sheet name longer than this.
SHEET_TITLE_LIMIT = 31

THIN = Side(style="thin", color="FF808080")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
WRAP_CENTER = Alignment(wrap_text=True, vertical="center", horizontal="center")
RIGHT = Alignment(horizontal="right", vertical="center")
TITLE_FONT = Font(bold=True, size=16)
BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="FFEDEFF2")
SECTION_FILL = PatternFill("solid", fgColor="FFF6F7F9")


def clean_text(value: Any) -> str:
    """Text Excel and WPS accept: no control characters, not longer than a cell holds."""
    text = "" if value is None else str(value)
    if not text:
        return text
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    if len(text) > EXCEL_CELL_LIMIT:
        text = text[: EXCEL_CELL_LIMIT - 1] + "…"
    return text


def sheet_title(text: str) -> str:
    """A sheet's name as Excel accepts it."""
    return clean_text(text)[:SHEET_TITLE_LIMIT]


def set_text(cell: Any, value: Any) -> Any:
    """Write `value` into `cell` as text, never as a formula; return the cell."""
    cell.value = clean_text(value)
    cell.data_type = "s"
    return cell


def header_cell(cell: Any, label: str) -> Any:
    """A column header: bold, shaded, bordered, centred."""
    set_text(cell, label)
    cell.font, cell.fill, cell.border, cell.alignment = BOLD, HEADER_FILL, BORDER, WRAP_CENTER
    return cell


def column_widths(sheet: Any, widths: Mapping[int, float]) -> None:
    """Set the widths, in characters, of the columns numbered from 1."""
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = width


def print_setup(sheet: Any, *, title_rows: str | None = None) -> None:
    """A4 landscape, fitted to the page width, header rows repeated on every page."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    sheet.print_options.horizontalCentered = True
    if title_rows:
        sheet.print_title_rows = title_rows
    sheet.oddFooter.center.text = _("Page &P of &N")
