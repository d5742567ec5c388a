"""The ledger and the unit sheets as Excel workbooks, and the sheets' way back in.

- `ledger_xlsx`: the ledger in its classic layout, written row by row
  (openpyxl's write-only mode) so an export of any size keeps memory flat.
- `unit_sheet_xlsx`: a unit's report for a round, pre-filled, for those who
  fill offline: a sheet of tasks, a sheet of indicator values, and a hidden
  sheet (with the same in the workbook's custom properties) naming the
  round, the unit and the report, so a sheet of another round or unit is
  recognised when it comes back.
- `report_import_xlsx`: reads a filled sheet, checks every cell, and either
  writes it all through the same path as the report form or writes nothing
  and lists every faulty cell.

Both files open in Excel and WPS: strings are always written as strings
(never formulas), control characters are removed, no cell is longer than
Excel allows.
"""

import datetime
import io
import zipfile
from collections.abc import Iterable
from copy import copy
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.packaging.custom import IntProperty, StringProperty
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from audit.services import audit_record
from departments.models import User
from ledger.rows import LedgerRow
from plans.models import Plan, Task, TaskTarget
from rounds import services
from rounds.models import TEXT_MAX, Entry, ReportEvent, UnitReport
from rounds.selectors import entries_with_details

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel refuses a cell longer than this and calls the whole file damaged.
EXCEL_CELL_LIMIT = 32_767
# A filled sheet is a few hundred kilobytes; anything far larger is not one.
SHEET_MAX_BYTES = 5 * 1024 * 1024
SHEET_MAX_UNPACKED = 60 * 1024 * 1024
SHEET_MAX_ROWS = 5_000
SHEET_FORMAT = "xingtai-ledger-sheet/1"
META_SHEET = "_meta"

THIN = Side(style="thin", color="FF808080")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
WRAP_CENTER = Alignment(wrap_text=True, vertical="center", horizontal="center")
TITLE_FONT = Font(bold=True, size=16)
BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="FFEDEFF2")
SECTION_FILL = PatternFill("solid", fgColor="FFF6F7F9")
LOCKED_FILL = PatternFill("solid", fgColor="FFF0F0F0")
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


def clean_text(value: Any) -> str:
    """Text Excel and WPS accept: no control characters, not longer than a cell holds."""
    text = "" if value is None else str(value)
    if not text:
        return text
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    if len(text) > EXCEL_CELL_LIMIT:
        text = text[: EXCEL_CELL_LIMIT - 1] + "…"
    return text


def _set_text(cell: Any, value: Any) -> Any:
    cell.value = clean_text(value)
    # Text, never a formula: "=HYPERLINK(...)" typed in a report must not run in Excel.
    cell.data_type = "s"
    return cell


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


# The ledger export ---------------------------------------------------------


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
    sheet = workbook.create_sheet(title=clean_text(_("Ledger"))[:31])
    for index, (_title, width, _c) in enumerate(LEDGER_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
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
    writer.banner(
        subtitle, font=Font(), align=Alignment(horizontal="right", vertical="center"), border=False
    )
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


# The unit sheet --------------------------------------------------------------

# Sheet "report": the row of the column headers, then one row per task.
HEADER_ROW = 3
FIRST_ROW = HEADER_ROW + 1
COL_KEY, COL_TITLE, COL_PROGRESS, COL_SCHEDULE, COL_PROBLEMS, COL_NEXT, COL_STATUS = range(1, 8)
TEXT_COLUMNS = {
    COL_PROGRESS: ("progress", gettext_lazy("Progress this period")),
    COL_PROBLEMS: ("problems", gettext_lazy("Problems")),
    COL_NEXT: ("next_steps", gettext_lazy("Next steps")),
}
# Sheet "indicators": the header row, then one row per (task, target).
V_FIRST_ROW = 2
V_KEY, V_INDICATOR, V_TARGET, V_UNIT, V_VALUE, V_TARGET_ID = range(1, 7)


def schedule_labels() -> dict[str, str]:
    """The four labels of 序时进度 in Chinese, as the sheets and their users write them."""
    with translation.override("zh-hans"):
        return {value: str(label) for value, label in Entry.Schedule.choices}


def schedule_codes() -> dict[str, str]:
    """Every way a sheet may write a 序时进度 (either language's label, or the code) -> code."""
    codes = {value: value for value, _label in Entry.Schedule.choices}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for value, label in Entry.Schedule.choices:
                codes[str(label).strip().lower()] = value
    return codes


def task_keys(plan: Plan) -> dict[int, str]:
    """task pk -> how the sheet names it in 序号: its number, or category.number
    when the plan's numbering restarts in each category."""
    rows = list(Task.objects.filter(plan=plan).values_list("pk", "number", "category__number"))
    numbers = [number for _pk, number, _c in rows]
    unique = len(numbers) == len(set(numbers))
    return {pk: str(number) if unique else f"{cat}.{number}" for pk, number, cat in rows}


def _key_cell(cell: Any, key: str) -> Any:
    # A plain task number as a number, so Excel does not flag "number stored as text".
    if key.isdigit():
        cell.value = int(key)
        return cell
    return _set_text(cell, key)


def _sheet_titles() -> tuple[str, str]:
    return clean_text(_("Report sheet"))[:31], clean_text(_("Indicators"))[:31]


def _target_label(target: TaskTarget) -> str:
    if target.value is None:
        return target.text
    label = f"{target.get_comparator_display()} {target.value.normalize():f}".strip()
    year = target.year_label
    return f"{label}（{year}）" if year else label


def _stored_value(entry: Entry, target: TaskTarget) -> Decimal | None:
    for value in entry.values.all():
        if value.target_id == target.pk:
            return value.value
    return None


def _editable(entry: Entry) -> bool:
    return entry.status in (Entry.Status.DRAFT, Entry.Status.RETURNED)


def _style_cell(cell: Any, *, editable: bool, align: Alignment = WRAP) -> None:
    cell.border = BORDER
    cell.alignment = align
    if editable:
        cell.protection = Protection(locked=False)
    else:
        cell.fill = LOCKED_FILL


def _protect(sheet: Worksheet) -> None:
    # No password: the lock keeps the layout the import reads, it is not a secret.
    sheet.protection.sheet = True
    sheet.protection.formatColumns = False
    sheet.protection.formatRows = False
    sheet.protection.formatCells = False


def unit_sheet_xlsx(report: UnitReport, stream: IO[bytes]) -> None:
    """The unit's report for the round as a pre-filled workbook, written into `stream`."""
    rnd, unit = report.round, report.unit
    plan = rnd.plan
    entries = entries_with_details(report)
    keys = task_keys(plan)
    labels = schedule_labels()
    report_title, values_title = _sheet_titles()

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = report_title
    widths = {COL_KEY: 7, COL_TITLE: 26, COL_PROGRESS: 50, COL_SCHEDULE: 12}
    widths |= {COL_PROBLEMS: 36, COL_NEXT: 36, COL_STATUS: 12}
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = width
    last = get_column_letter(COL_STATUS)
    title = _("%(unit)s: report for %(period)s") % {"unit": unit.name, "period": rnd.period}
    _set_text(sheet.cell(1, 1), f"{plan.title}\n{title}")
    sheet.cell(1, 1).font = Font(bold=True, size=14)
    sheet.cell(1, 1).alignment = WRAP_CENTER
    sheet.row_dimensions[1].height = 42
    sheet.merge_cells(f"A1:{last}1")
    note = _(
        "Fill the white cells; grey cells cannot be changed. Choose the progress against "
        "schedule from the list. The values of the indicators go on the sheet “%(sheet)s”. "
        "Upload the file on the round's sheet page; it is due on %(deadline)s."
    ) % {"sheet": values_title, "deadline": rnd.deadline.isoformat()}
    _set_text(sheet.cell(2, 1), note)
    sheet.cell(2, 1).alignment = WRAP
    sheet.row_dimensions[2].height = 32
    sheet.merge_cells(f"A2:{last}2")
    headers = {
        COL_KEY: _("No."),
        COL_TITLE: _("Task"),
        COL_PROGRESS: _("Progress this period"),
        COL_SCHEDULE: _("Progress against schedule"),
        COL_PROBLEMS: _("Problems"),
        COL_NEXT: _("Next steps"),
        COL_STATUS: _("Status"),
    }
    for column, header in headers.items():
        cell = _set_text(sheet.cell(HEADER_ROW, column), header)
        cell.font, cell.fill, cell.border, cell.alignment = BOLD, HEADER_FILL, BORDER, WRAP_CENTER
    row = FIRST_ROW
    for entry in entries:
        editable = _editable(entry)
        task = entry.task
        cells = {
            COL_KEY: keys.get(task.pk, str(task.number)),
            COL_TITLE: task.title,
            COL_PROGRESS: entry.progress,
            COL_SCHEDULE: labels.get(entry.schedule, ""),
            COL_PROBLEMS: entry.problems,
            COL_NEXT: entry.next_steps,
            COL_STATUS: entry.get_status_display(),
        }
        for column, value in cells.items():
            cell = sheet.cell(row, column)
            if column == COL_KEY:
                _key_cell(cell, value)
            else:
                _set_text(cell, value)
            can_edit = editable and column not in (COL_KEY, COL_TITLE, COL_STATUS)
            centred = column in (COL_KEY, COL_SCHEDULE, COL_STATUS)
            _style_cell(cell, editable=can_edit, align=WRAP_CENTER if centred else WRAP)
        row += 1
    if entries:
        choices = ",".join(labels[value] for value, _label in Entry.Schedule.choices)
        validation = DataValidation(
            type="list",
            formula1=f'"{choices}"',
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=_("Progress against schedule"),
            error=_("Choose one of: %(choices)s.") % {"choices": choices.replace(",", "、")},
        )
        column = get_column_letter(COL_SCHEDULE)
        validation.add(f"{column}{FIRST_ROW}:{column}{row - 1}")
        sheet.add_data_validation(validation)
    sheet.freeze_panes = sheet.cell(FIRST_ROW, COL_PROGRESS)
    print_setup(sheet, title_rows=f"{HEADER_ROW}:{HEADER_ROW}")
    _protect(sheet)

    values = workbook.create_sheet(values_title)
    v_headers = {
        V_KEY: _("No."),
        V_INDICATOR: _("Indicator"),
        V_TARGET: _("Target value"),
        V_UNIT: _("Unit of measure"),
        V_VALUE: _("Value this period"),
        V_TARGET_ID: "id",
    }
    v_widths = {V_KEY: 7, V_INDICATOR: 40, V_TARGET: 20, V_UNIT: 10, V_VALUE: 14, V_TARGET_ID: 8}
    for column, header in v_headers.items():
        cell = _set_text(values.cell(1, column), header)
        cell.font, cell.fill, cell.border, cell.alignment = BOLD, HEADER_FILL, BORDER, WRAP_CENTER
        values.column_dimensions[get_column_letter(column)].width = v_widths[column]
    # The target's id identifies the row on the way back; people need not see it.
    values.column_dimensions[get_column_letter(V_TARGET_ID)].hidden = True
    row = V_FIRST_ROW
    for entry in entries:
        editable = _editable(entry)
        for target in entry.task.targets.all():
            stored = _stored_value(entry, target)
            cells = {
                V_KEY: keys.get(entry.task_id, str(entry.task.number)),
                V_INDICATOR: target.indicator or target.text,
                V_TARGET: _target_label(target),
                V_UNIT: target.unit_of_measure,
            }
            for column, value in cells.items():
                cell = values.cell(row, column)
                if column == V_KEY:
                    _key_cell(cell, value)
                else:
                    _set_text(cell, value)
                _style_cell(cell, editable=False)
            cell = values.cell(row, V_VALUE)
            if stored is not None:
                cell.value = stored.normalize()
            _style_cell(cell, editable=editable, align=WRAP_CENTER)
            values.cell(row, V_TARGET_ID).value = target.pk
            row += 1
    values.freeze_panes = "A2"
    print_setup(values, title_rows="1:1")
    _protect(values)

    meta = workbook.create_sheet(META_SHEET)
    facts = [
        ("format", SHEET_FORMAT),
        ("round", rnd.pk),
        ("unit", unit.pk),
        ("report", report.pk),
        ("period", rnd.period),
        ("unit_name", unit.name),
    ]
    for index, (name, value) in enumerate(facts, start=1):
        meta.cell(index, 1).value = name
        if isinstance(value, int):
            meta.cell(index, 2).value = value
        else:
            _set_text(meta.cell(index, 2), value)
    meta.sheet_state = "hidden"
    _protect(meta)
    # The same facts where Excel's file properties show them, in case a program drops the sheet.
    workbook.custom_doc_props.append(StringProperty(name="ledger_sheet", value=SHEET_FORMAT))
    workbook.custom_doc_props.append(IntProperty(name="ledger_round", value=rnd.pk))
    workbook.custom_doc_props.append(IntProperty(name="ledger_unit", value=unit.pk))
    workbook.custom_doc_props.append(IntProperty(name="ledger_report", value=report.pk))
    workbook.properties.title = clean_text(title)
    workbook.properties.creator = clean_text(_("Action plan supervision"))
    # Sheets cannot be added, removed, renamed or unhidden: the import reads this layout.
    workbook.security.lockStructure = True
    workbook.active = 0
    workbook.save(stream)


# The way back in ---------------------------------------------------------------


@dataclass(frozen=True)
class SheetError:
    sheet: str
    cell: str
    message: str

    def __str__(self) -> str:
        if not self.cell:
            return self.message
        return _("Sheet “%(sheet)s”, cell %(cell)s: %(message)s") % {
            "sheet": self.sheet,
            "cell": self.cell,
            "message": self.message,
        }


class SheetRejected(Exception):
    """An uploaded sheet refused as a whole, with every faulty cell."""

    def __init__(self, errors: list[SheetError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return str(value).strip()


def _number_text(value: Any) -> str:
    """A value cell as text for services.parse_value: numbers as the person typed them."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return repr(value) if not value.is_integer() else str(int(value))
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return _text(value)


def _open_workbook(data: bytes) -> Any:
    not_xlsx = SheetRejected([SheetError("", "", _("The file is not an Excel workbook (.xlsx)."))])
    if len(data) > SHEET_MAX_BYTES:
        raise SheetRejected(
            [SheetError("", "", _("The file is larger than a filled sheet can be."))]
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > SHEET_MAX_UNPACKED:
                raise not_xlsx
        return load_workbook(io.BytesIO(data), data_only=True)
    except SheetRejected:
        raise
    except Exception as exc:  # openpyxl raises many kinds on a file that is not a workbook
        raise not_xlsx from exc


def _sheet_facts(workbook: Any) -> dict[str, Any]:
    """What the sheet says it is: from the hidden sheet, else the custom properties."""
    facts: dict[str, Any] = {}
    if META_SHEET in workbook.sheetnames:
        for name, value in workbook[META_SHEET].iter_rows(
            min_row=1, max_row=20, max_col=2, values_only=True
        ):
            if isinstance(name, str):
                facts[name] = value
    if facts.get("format") != SHEET_FORMAT:
        props = workbook.custom_doc_props
        names = set(props.names)
        if "ledger_sheet" in names:
            facts = {"format": props["ledger_sheet"].value}
            for name in ("round", "unit", "report"):
                if f"ledger_{name}" in names:
                    facts[name] = props[f"ledger_{name}"].value
    return facts


def _as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@dataclass
class _Given:
    """What the sheet holds for one task of the report."""

    entry: Entry
    fields: dict[str, str]
    values: dict[int, tuple[str, Decimal | None]]  # target pk -> (text, parsed)


class _SheetReader:
    def __init__(self, report: UnitReport) -> None:
        self.report = report
        self.errors: list[SheetError] = []
        self.entries = {e.task_id: e for e in entries_with_details(report)}
        self.keys = {key: pk for pk, key in task_keys(report.round.plan).items()}
        self.codes = schedule_codes()
        self.choices = "、".join(schedule_labels().values())
        self.given: dict[int, _Given] = {}

    def error(self, sheet: str, column: int, row: int, message: str) -> None:
        self.errors.append(SheetError(sheet, f"{get_column_letter(column)}{row}", message))

    def check_identity(self, facts: dict[str, Any], sheet: str) -> None:
        rnd, unit = self.report.round, self.report.unit
        if facts.get("format") != SHEET_FORMAT:
            self.errors.append(
                SheetError(
                    "",
                    "",
                    _(
                        "This workbook is not a sheet downloaded from this system: download "
                        "your unit's sheet for the round and fill that one."
                    ),
                )
            )
            return
        if _as_int(facts.get("round")) != rnd.pk:
            self.error(
                sheet,
                1,
                1,
                _(
                    "This sheet is for another round (%(period)s), not %(expected)s: "
                    "download the sheet of this round."
                )
                % {"period": facts.get("period") or "?", "expected": rnd.period},
            )
        if _as_int(facts.get("unit")) != unit.pk:
            self.error(
                sheet,
                1,
                1,
                _("This sheet is another unit's (%(unit)s), not %(expected)s's.")
                % {"unit": facts.get("unit_name") or "?", "expected": unit.name},
            )

    def task_for(self, sheet: str, row: int, key_value: Any) -> Entry | None:
        key = _text(key_value)
        if key not in self.keys:
            self.error(
                sheet, COL_KEY, row, _("There is no task %(number)s in the plan.") % {"number": key}
            )
            return None
        entry = self.entries.get(self.keys[key])
        if entry is None:
            self.error(
                sheet,
                COL_KEY,
                row,
                _("Task %(number)s is not one of your unit's tasks in this round.")
                % {"number": key},
            )
        return entry

    def read_tasks(self, sheet: Worksheet) -> None:
        title = sheet.title
        seen: dict[int, int] = {}
        for row, cells in enumerate(
            sheet.iter_rows(min_row=FIRST_ROW, max_col=COL_NEXT, values_only=True),
            start=FIRST_ROW,
        ):
            cells = tuple(cells) + (None,) * (COL_NEXT - len(cells))
            if all(_text(value) == "" for value in cells):
                continue
            key_value = cells[COL_KEY - 1]
            if _text(key_value) == "":
                self.error(title, COL_KEY, row, _("The row names no task: fill in its number."))
                continue
            entry = self.task_for(title, row, key_value)
            if entry is None:
                continue
            number = _text(key_value)
            if entry.task_id in seen:
                self.error(
                    title,
                    COL_KEY,
                    row,
                    _("Task %(number)s is already on row %(row)d: keep one row per task.")
                    % {"number": number, "row": seen[entry.task_id]},
                )
                continue
            seen[entry.task_id] = row
            fields = {}
            for column, (name, label) in TEXT_COLUMNS.items():
                text = _text(cells[column - 1])
                if len(text) > TEXT_MAX:
                    self.error(
                        title,
                        column,
                        row,
                        _("%(field)s is %(length)d characters long; at most %(max)d fit.")
                        % {"field": label, "length": len(text), "max": TEXT_MAX},
                    )
                fields[name] = text
            schedule = _text(cells[COL_SCHEDULE - 1])
            code = self.codes.get(schedule.lower(), None) if schedule else ""
            if code is None:
                self.error(
                    title,
                    COL_SCHEDULE,
                    row,
                    _("“%(text)s” is not a progress against schedule: choose %(choices)s.")
                    % {"text": schedule, "choices": self.choices},
                )
                code = ""
            fields["schedule"] = code
            self.given[entry.task_id] = _Given(entry=entry, fields=fields, values={})
            if not _editable(entry):
                self._same_as_stored(title, row, entry, fields)

    def _same_as_stored(self, title: str, row: int, entry: Entry, fields: dict[str, str]) -> None:
        columns = {name: column for column, (name, _label) in TEXT_COLUMNS.items()}
        columns["schedule"] = COL_SCHEDULE
        for name, column in columns.items():
            # As the sheet was written: a stored control character never reached it.
            if fields[name] != clean_text(getattr(entry, name)).strip():
                self.error(title, column, row, self._frozen_message(entry))

    def _frozen_message(self, entry: Entry) -> str:
        if entry.status == Entry.Status.APPROVED:
            return _("Task %(number)s is already approved: it cannot be changed.") % {
                "number": entry.task.number
            }
        return _("Task %(number)s is with the reviewers: it cannot be changed now.") % {
            "number": entry.task.number
        }

    def read_values(self, sheet: Worksheet) -> None:
        title = sheet.title
        seen: set[int] = set()
        for row, cells in enumerate(
            sheet.iter_rows(min_row=V_FIRST_ROW, max_col=V_TARGET_ID, values_only=True),
            start=V_FIRST_ROW,
        ):
            cells = tuple(cells) + (None,) * (V_TARGET_ID - len(cells))
            if all(_text(value) == "" for value in cells):
                continue
            entry = self.task_for(title, row, cells[V_KEY - 1])
            if entry is None:
                continue
            targets = {t.pk: t for t in entry.task.targets.all()}
            target = targets.get(_as_int(cells[V_TARGET_ID - 1]))
            if target is None or target.pk in seen:
                self.error(
                    title,
                    V_INDICATOR,
                    row,
                    _("The row names no indicator of task %(number)s: keep the rows as downloaded.")
                    % {"number": entry.task.number},
                )
                continue
            seen.add(target.pk)
            text = _number_text(cells[V_VALUE - 1])
            try:
                value = services.parse_value(text, target, entry.task)
            except services.RoundError as exc:
                self.error(title, V_VALUE, row, exc.message)
                continue
            if not _editable(entry):
                if value != _stored_value(entry, target):
                    self.error(title, V_VALUE, row, self._frozen_message(entry))
                continue
            given = self.given.get(entry.task_id)
            if given is None:
                # Only the values of this task are on the sheet: its texts stay as they are.
                given = _Given(
                    entry=entry,
                    fields={
                        "progress": entry.progress,
                        "problems": entry.problems,
                        "next_steps": entry.next_steps,
                        "schedule": entry.schedule,
                    },
                    values={},
                )
                self.given[entry.task_id] = given
            given.values[target.pk] = (text, value)

    def inputs(self) -> dict[int, services.EntryInput]:
        return {
            task_id: services.EntryInput(
                progress=given.fields["progress"],
                schedule=given.fields["schedule"],
                problems=given.fields["problems"],
                next_steps=given.fields["next_steps"],
                values={pk: text for pk, (text, _value) in given.values.items()},
            )
            for task_id, given in self.given.items()
            if _editable(given.entry)
        }


def read_sheet(report: UnitReport, data: bytes) -> dict[int, services.EntryInput]:
    """Every cell of a filled sheet checked against the report: what to save, task by task.

    Raises SheetRejected with all the faults found, each at its cell.
    """
    workbook = _open_workbook(data)
    reader = _SheetReader(report)
    report_title, values_title = _sheet_titles()
    visible = [ws for ws in workbook.worksheets if ws.title != META_SHEET]
    tasks_sheet = workbook[report_title] if report_title in workbook.sheetnames else None
    values_sheet = workbook[values_title] if values_title in workbook.sheetnames else None
    # A sheet downloaded in the other language has its sheets named in it: go by position.
    if tasks_sheet is None and visible:
        tasks_sheet = visible[0]
    if values_sheet is None and len(visible) > 1:
        values_sheet = visible[1]
    reader.check_identity(_sheet_facts(workbook), tasks_sheet.title if tasks_sheet else "")
    if report.state not in (UnitReport.Status.DRAFT, UnitReport.Status.RETURNED):
        reader.errors.append(
            SheetError("", "", _("This report is not with the unit for editing now."))
        )
    for sheet in (tasks_sheet, values_sheet):
        if sheet is not None and sheet.max_row > SHEET_MAX_ROWS:
            reader.errors.append(
                SheetError(
                    sheet.title,
                    "",
                    _("The sheet “%(sheet)s” has more rows than a unit's report can.")
                    % {"sheet": sheet.title},
                )
            )
            raise SheetRejected(reader.errors)
    if tasks_sheet is not None:
        reader.read_tasks(tasks_sheet)
    if values_sheet is not None:
        reader.read_values(values_sheet)
    if reader.errors:
        raise SheetRejected(reader.errors)
    return reader.inputs()


@transaction.atomic
def report_import_xlsx(
    *, report: UnitReport, by: User, data: bytes, client_ip: str | None = None
) -> UnitReport:
    """Save a unit's report from its filled sheet, all of it or nothing.

    Every cell is checked first (task numbers, numbers, lengths, the list of
    序时进度, the round and the unit the sheet was made for); any fault
    rejects the whole file with SheetRejected listing them all. Then the
    entries still with the unit are written through services.report_save,
    the same path as the report form.
    """
    report = (
        UnitReport.objects.select_for_update()
        .select_related("round__plan", "unit")
        .get(pk=report.pk)
    )
    data_by_task = read_sheet(report, data)
    try:
        services.report_save(report=report, by=by, data=data_by_task)
    except services.RoundError as exc:
        raise SheetRejected([SheetError("", "", exc.message)]) from exc
    ReportEvent.objects.create(report=report, action=ReportEvent.Action.IMPORT, by=by)
    numbers = sorted(
        report.entries.filter(task_id__in=list(data_by_task)).values_list("task__number", flat=True)
    )
    audit_record(
        action="report.import",
        by=by,
        obj=report,
        client_ip=client_ip,
        summary={"tasks": numbers, "bytes": len(data)},
    )
    return report
