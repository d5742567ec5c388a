"""The ledger as an .xlsx in its classic layout, written row by row (openpyxl's
write-only mode) so an export of any size keeps memory flat."""

import datetime
from collections.abc import Iterable
from copy import copy
from decimal import Decimal
from typing import IO, Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from documents.workbook import (
    BOLD,
    BORDER,
    HEADER_FILL,
    RIGHT,
    SECTION_FILL,
    TITLE_FONT,
    WRAP,
    WRAP_CENTER,
    clean_text,
    column_widths,
    print_setup,
    sheet_title,
)
from ledger.rows import LedgerRow
from plans.models import Plan

DATE_FORMAT = "yyyy-mm-dd"

# The ledger's columns: (header, width in characters, centred).
LEDGER_COLUMNS: list[tuple[Any, int, bool]] = [
    (gettext_lazy("No."), 6, True),
    (gettext_lazy("Task"), 22, False),
    (gettext_lazy("Lead unit"), 14, True),
    (gettext_lazy("Co-responsible units"), 18, False),
    (gettext_lazy("Targets and requirements"), 46, False),
    (gettext_lazy("Complete by"), 12, True),
    (gettext_lazy("Progress this period"), 40, False),
    (gettext_lazy("Progress against schedule"), 10, True),
    (gettext_lazy("Problems"), 28, False),
    (gettext_lazy("Next steps"), 28, False),
    (gettext_lazy("Evidence"), 20, False),
    (gettext_lazy("Remarks"), 26, False),
]
# The header's upper row groups the columns: the task as dispatched, then this period's report.
TASK_COLUMNS = 6
PERIOD_COLUMNS = 5


class _LedgerWriter:
    """Appends styled rows to a write-only sheet, keeping count of them for the merges.

    Each combination of styles is set once on a prototype cell and copied to
    the cells by its style ids: assigning style objects cell by cell makes
    openpyxl hash them every time, which took most of an export's time.
    """

    def __init__(self, sheet: Any) -> None:
        self.sheet = sheet
        self.row = 0
        self.width = len(LEDGER_COLUMNS)
        self.last = get_column_letter(self.width)
        self.styles: dict[tuple, Any] = {}

    def _style(
        self,
        font: Font | None,
        fill: PatternFill | None,
        align: Alignment,
        border: bool,
        date: bool,
    ) -> Any:
        key = (id(font), id(fill), id(align), border, date)
        style = self.styles.get(key)
        if style is None:
            prototype = WriteOnlyCell(self.sheet)
            prototype.alignment = align
            if font is not None:
                prototype.font = font
            if fill is not None:
                prototype.fill = fill
            if border:
                prototype.border = BORDER
            if date:
                prototype.number_format = DATE_FORMAT
            style = self.styles[key] = prototype._style
        return style

    def cell(
        self,
        value: Any,
        *,
        font: Font | None = None,
        fill: PatternFill | None = None,
        align: Alignment = WRAP,
        border: bool = True,
    ) -> WriteOnlyCell:
        cell = WriteOnlyCell(self.sheet)
        is_date = isinstance(value, datetime.date)
        if isinstance(value, int | float | Decimal) or is_date:
            cell.value = value
        elif value:
            # Straight to the cell's text, past openpyxl's type guessing (which would take
            # "=..." for a formula): tens of thousands of cells make the difference.
            cell._value = clean_text(value)
            cell.data_type = "s"
        cell._style = copy(self._style(font, fill, align, border, is_date))
        return cell

    def append(self, cells: list[Any]) -> None:
        self.sheet.append(cells)
        self.row += 1

    def banner(self, text: str, *, font: Font, align: Alignment, border: bool) -> None:
        """A row merged across the width of the table."""
        fill = SECTION_FILL if border else None
        cells = [self.cell(text, font=font, align=align, border=border, fill=fill)]
        cells += [self.cell("", border=border, fill=fill) for _n in range(self.width - 1)]
        self.append(cells)
        self.sheet.merged_cells.add(f"A{self.row}:{self.last}{self.row}")

    def header(self) -> None:
        labels = [str(title) for title, _w, _c in LEDGER_COLUMNS]
        group = {"font": BOLD, "fill": HEADER_FILL, "align": WRAP_CENTER}
        top = [self.cell(_("The task"), **group)]
        top += [self.cell("", **group) for _n in range(TASK_COLUMNS - 1)]
        top += [self.cell(_("This period"), **group)]
        top += [self.cell("", **group) for _n in range(PERIOD_COLUMNS - 1)]
        top += [self.cell(labels[-1], **group)]
        self.append(top)
        first = self.row
        self.append([self.cell(label, **group) for label in labels[:-1]] + [self.cell("", **group)])
        task_end = get_column_letter(TASK_COLUMNS)
        period_start = get_column_letter(TASK_COLUMNS + 1)
        period_end = get_column_letter(TASK_COLUMNS + PERIOD_COLUMNS)
        self.sheet.merged_cells.add(f"A{first}:{task_end}{first}")
        self.sheet.merged_cells.add(f"{period_start}{first}:{period_end}{first}")
        self.sheet.merged_cells.add(f"{self.last}{first}:{self.last}{first + 1}")

    def ledger_row(self, row: LedgerRow) -> None:
        facts = row.facts
        values = [
            row.task.number,
            row.task.title,
            "、".join(facts.lead_units),
            "、".join(facts.co_units),
            facts.requirements,
            facts.complete_by or "",
            row.progress_text,
            row.schedule_label,
            row.problems,
            row.next_steps,
            "\n".join(row.file_names),
            "\n".join(row.remarks),
        ]
        self.append(
            [
                self.cell(value, align=WRAP_CENTER if centred else WRAP)
                for value, (_t, _w, centred) in zip(values, LEDGER_COLUMNS, strict=True)
            ]
        )


def ledger_title(plan: Plan, period: str) -> str:
    if period:
        return _("%(plan)s: ledger for %(period)s") % {"plan": plan.title, "period": period}
    return _("%(plan)s: ledger, all rounds") % {"plan": plan.title}


def ledger_xlsx(*, rows: Iterable[LedgerRow], stream: IO[bytes], plan: Plan, period: str) -> int:
    """Write the ledger rows, in their order, as an .xlsx into `stream`; return the count.

    `period` names the round when the export is of one round; across rounds
    each round and, within it, each category starts with a row of its own.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title(_("Ledger")))
    column_widths(
        sheet, {index: width for index, (_t, width, _c) in enumerate(LEDGER_COLUMNS, start=1)}
    )
    # Title and subtitle, the two header rows; then the 序号 and 任务 columns stay in view.
    sheet.freeze_panes = "C5"
    print_setup(sheet, title_rows="3:4")
    writer = _LedgerWriter(sheet)
    writer.banner(ledger_title(plan, period), font=TITLE_FONT, align=WRAP_CENTER, border=False)
    exported = timezone.localdate().isoformat()
    subtitle = _("%(doc_number)s · exported on %(date)s") % {
        "doc_number": plan.doc_number,
        "date": exported,
    }
    writer.banner(subtitle, font=Font(), align=RIGHT, border=False)
    writer.header()
    count = 0
    round_id = category_id = None
    for row in rows:
        if not period and row.round.pk != round_id:
            round_id, category_id = row.round.pk, None
            heading = _("%(period)s (due %(deadline)s)") % {
                "period": row.round.period,
                "deadline": row.round.deadline.isoformat(),
            }
            writer.banner(heading, font=BOLD, align=WRAP, border=True)
        if row.category.pk != category_id:
            category_id = row.category.pk
            writer.banner(str(row.category), font=BOLD, align=WRAP, border=True)
        writer.ledger_row(row)
        count += 1
    workbook.save(stream)
    return count
