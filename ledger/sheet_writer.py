"""A unit's report for a round as a pre-filled workbook, for those who fill it offline
(`ledger.sheet_layout` describes the layout, `ledger.sheet_reader` reads it back).

The cells the unit may change are unlocked and white, the others locked and grey;
the sheets are protected without a password: the lock keeps the layout the import
reads, it is not a secret.
"""

from typing import IO, Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.packaging.custom import IntProperty, StringProperty
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from departments.models import User
from documents.workbook import (
    BORDER,
    WRAP,
    WRAP_CENTER,
    clean_text,
    column_widths,
    header_cell,
    print_setup,
    set_text,
)
from ledger.sheet_layout import (
    COL_KEY,
    COL_NEXT,
    COL_PROBLEMS,
    COL_PROGRESS,
    COL_SCHEDULE,
    COL_STATUS,
    COL_TITLE,
    FIRST_ROW,
    HEADER_ROW,
    META_SHEET,
    SHEET_FORMAT,
    V_FIRST_ROW,
    V_INDICATOR,
    V_KEY,
    V_TARGET,
    V_TARGET_ID,
    V_UNIT,
    V_VALUE,
    editable,
    schedule_labels,
    sheet_titles,
    stored_value,
    task_keys,
)
from plans.models import TaskTarget
from rounds.asks import asked_targets
from rounds.models import Entry, UnitReport
from rounds.selectors import entries_with_details, readable_entry_ids

LOCKED_FILL = PatternFill("solid", fgColor="FFF0F0F0")
TASK_WIDTHS = {COL_KEY: 7, COL_TITLE: 26, COL_PROGRESS: 50, COL_SCHEDULE: 12}
TASK_WIDTHS |= {COL_PROBLEMS: 36, COL_NEXT: 36, COL_STATUS: 12}
VALUE_WIDTHS = {V_KEY: 7, V_INDICATOR: 40, V_TARGET: 20, V_UNIT: 10, V_VALUE: 14, V_TARGET_ID: 8}


def _put(sheet: Worksheet, row: int, column: int, value: str, *, is_key: bool) -> Any:
    """Write a text, or the task's key in 序号; return the cell."""
    cell = sheet.cell(row, column)
    # A plain task number as a number, so Excel does not flag "number stored as text".
    if is_key and value.isdigit():
        cell.value = int(value)
        return cell
    return set_text(cell, value)


def _target_label(target: TaskTarget) -> str:
    if target.value is None:
        return target.text
    label = f"{target.get_comparator_display()} {target.value.normalize():f}".strip()
    year = target.year_label
    return f"{label}（{year}）" if year else label


def _style_cell(cell: Any, *, unlocked: bool, align: Alignment = WRAP) -> None:
    cell.border = BORDER
    cell.alignment = align
    if unlocked:
        cell.protection = Protection(locked=False)
    else:
        cell.fill = LOCKED_FILL


def _protect(sheet: Worksheet) -> None:
    sheet.protection.sheet = True
    sheet.protection.formatColumns = False
    sheet.protection.formatRows = False
    sheet.protection.formatCells = False


def _banner_rows(sheet: Worksheet, title: str, note: str) -> None:
    """The title and the instructions above the table, each merged across it."""
    last = get_column_letter(COL_STATUS)
    set_text(sheet.cell(1, 1), title)
    sheet.cell(1, 1).font = Font(bold=True, size=14)
    sheet.cell(1, 1).alignment = WRAP_CENTER
    sheet.row_dimensions[1].height = 42
    sheet.merge_cells(f"A1:{last}1")
    set_text(sheet.cell(2, 1), note)
    sheet.cell(2, 1).alignment = WRAP
    sheet.row_dimensions[2].height = 32
    sheet.merge_cells(f"A2:{last}2")


def _task_rows(
    sheet: Worksheet,
    entries: list[Entry],
    keys: dict[int, str],
    labels: dict[str, str],
    hidden: set[int],
) -> int:
    """One row per task from FIRST_ROW; return the row after the last. The texts of
    the entries in `hidden` (not sent yet, and the reader not of the unit) stay empty."""
    row = FIRST_ROW
    for entry in entries:
        can_edit_entry = editable(entry)
        task = entry.task
        shown = entry.pk not in hidden
        cells = {
            COL_KEY: keys.get(task.pk, str(task.number)),
            COL_TITLE: task.title,
            COL_PROGRESS: entry.progress if shown else "",
            COL_SCHEDULE: labels.get(entry.schedule, "") if shown else "",
            COL_PROBLEMS: entry.problems if shown else "",
            COL_NEXT: entry.next_steps if shown else "",
            COL_STATUS: entry.get_status_display(),
        }
        for column, value in cells.items():
            cell = _put(sheet, row, column, value, is_key=column == COL_KEY)
            can_edit = can_edit_entry and column not in (COL_KEY, COL_TITLE, COL_STATUS)
            centred = column in (COL_KEY, COL_SCHEDULE, COL_STATUS)
            _style_cell(cell, unlocked=can_edit, align=WRAP_CENTER if centred else WRAP)
        row += 1
    return row


def _schedule_list(sheet: Worksheet, labels: dict[str, str], end_row: int) -> None:
    """序时进度 chosen from a list in the task rows (those before `end_row`)."""
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
    validation.add(f"{column}{FIRST_ROW}:{column}{end_row - 1}")
    sheet.add_data_validation(validation)


def _tasks_sheet(
    sheet: Worksheet,
    report: UnitReport,
    entries: list[Entry],
    keys: dict[int, str],
    *,
    title: str,
    values_title: str,
    hidden: set[int],
) -> None:
    """The sheet of tasks: the texts and the 序时进度 of each task of the report."""
    rnd = report.round
    labels = schedule_labels()
    column_widths(sheet, TASK_WIDTHS)
    note = _(
        "Fill the white cells; grey cells cannot be changed. Choose the progress against "
        "schedule from the list. The values of the indicators go on the sheet “%(sheet)s”. "
        "Upload the file on the round's sheet page; it is due on %(deadline)s."
    ) % {"sheet": values_title, "deadline": rnd.deadline.isoformat()}
    _banner_rows(sheet, f"{rnd.plan.title}\n{title}", note)
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
        header_cell(sheet.cell(HEADER_ROW, column), header)
    end_row = _task_rows(sheet, entries, keys, labels, hidden)
    if entries:
        _schedule_list(sheet, labels, end_row)
    sheet.freeze_panes = sheet.cell(FIRST_ROW, COL_PROGRESS)
    print_setup(sheet, title_rows=f"{HEADER_ROW}:{HEADER_ROW}")
    _protect(sheet)


def _values_sheet(
    sheet: Worksheet,
    entries: list[Entry],
    keys: dict[int, str],
    asked: dict[int, list[TaskTarget]],
    hidden: set[int],
) -> None:
    """One row per target the unit reports on each task: the value is the only cell to fill."""
    headers = {
        V_KEY: _("No."),
        V_INDICATOR: _("Indicator"),
        V_TARGET: _("Target value"),
        V_UNIT: _("Unit of measure"),
        V_VALUE: _("Value this period"),
        V_TARGET_ID: "id",
    }
    for column, header in headers.items():
        header_cell(sheet.cell(1, column), header)
    column_widths(sheet, VALUE_WIDTHS)
    # The target's id identifies the row on the way back; people need not see it.
    sheet.column_dimensions[get_column_letter(V_TARGET_ID)].hidden = True
    row = V_FIRST_ROW
    for entry in entries:
        can_edit = editable(entry)
        for target in asked[entry.task_id]:
            stored = None if entry.pk in hidden else stored_value(entry, target)
            cells = {
                V_KEY: keys.get(entry.task_id, str(entry.task.number)),
                V_INDICATOR: target.indicator or target.text,
                V_TARGET: _target_label(target),
                V_UNIT: target.unit_of_measure,
            }
            for column, value in cells.items():
                cell = _put(sheet, row, column, value, is_key=column == V_KEY)
                _style_cell(cell, unlocked=False)
            cell = sheet.cell(row, V_VALUE)
            if stored is not None:
                cell.value = stored.normalize()
            _style_cell(cell, unlocked=can_edit, align=WRAP_CENTER)
            sheet.cell(row, V_TARGET_ID).value = target.pk
            row += 1
    sheet.freeze_panes = "A2"
    print_setup(sheet, title_rows="1:1")
    _protect(sheet)


def _identity(workbook: Workbook, report: UnitReport) -> None:
    """What the sheet is, for the import: on a hidden sheet and in the file's properties."""
    rnd, unit = report.round, report.unit
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
            set_text(meta.cell(index, 2), value)
    meta.sheet_state = "hidden"
    _protect(meta)
    # The same facts where Excel's file properties show them, in case a program drops the sheet.
    workbook.custom_doc_props.append(StringProperty(name="ledger_sheet", value=SHEET_FORMAT))
    workbook.custom_doc_props.append(IntProperty(name="ledger_round", value=rnd.pk))
    workbook.custom_doc_props.append(IntProperty(name="ledger_unit", value=unit.pk))
    workbook.custom_doc_props.append(IntProperty(name="ledger_report", value=report.pk))


def unit_sheet_xlsx(report: UnitReport, stream: IO[bytes], *, reader: User | None = None) -> None:
    """The unit's report for the round as a pre-filled workbook, written into `stream`.

    For a `reader` of another unit (a supervisor fetching a unit's sheet), the entries
    the unit has not sent yet are written empty (rounds.selectors.entries_readable_by)."""
    rnd, unit = report.round, report.unit
    entries = entries_with_details(report)
    hidden: set[int] = set()
    if reader is not None:
        hidden = {e.pk for e in entries} - readable_entry_ids(reader, report)
    keys = task_keys(rnd.plan)
    report_title, values_title = sheet_titles()
    title = _("%(unit)s: report for %(period)s") % {"unit": unit.name, "period": rnd.period}

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = report_title
    _tasks_sheet(
        sheet, report, entries, keys, title=title, values_title=values_title, hidden=hidden
    )
    _values_sheet(
        workbook.create_sheet(values_title), entries, keys, asked_targets(report, entries), hidden
    )
    _identity(workbook, report)
    workbook.properties.title = clean_text(title)
    workbook.properties.creator = clean_text(_("Action plan supervision"))
    # Sheets cannot be added, removed, renamed or unhidden: the import reads this layout.
    workbook.security.lockStructure = True
    workbook.active = 0
    workbook.save(stream)
