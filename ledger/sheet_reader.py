"""A filled unit sheet back in: every cell checked against the report, then either all
of it saved through the same path as the report form, or nothing saved and every
faulty cell listed (`ledger.sheet_layout` describes the layout it reads).
"""

import datetime
import io
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl.reader.excel import ExcelReader
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import DATA_TAG, DIMENSION_TAG
from openpyxl.worksheet.dimensions import SheetDimension
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.xml.functions import iterparse

from audit.services import audit_record
from departments.models import User
from documents.workbook import clean_text
from ledger.sheet_layout import (
    COL_KEY,
    COL_NEXT,
    COL_SCHEDULE,
    FIRST_ROW,
    META_SHEET,
    SHEET_FORMAT,
    TEXT_COLUMNS,
    V_FIRST_ROW,
    V_INDICATOR,
    V_KEY,
    V_TARGET_ID,
    V_VALUE,
    editable,
    schedule_codes,
    schedule_labels,
    sheet_titles,
    stored_value,
    task_keys,
)
from rounds import services
from rounds.asks import asked_targets
from rounds.models import TEXT_MAX, Entry, ReportEvent, UnitReport
from rounds.selectors import entries_with_details

# A filled sheet is a few hundred kilobytes; anything far larger is not one.
SHEET_MAX_BYTES = 5 * 1024 * 1024
SHEET_MAX_UNPACKED = 60 * 1024 * 1024
# The texts of a whole report (tasks × three texts × TEXT_MAX characters) fit many times.
SHEET_MAX_STRINGS = 8 * 1024 * 1024
# Rows read from one sheet at most, blank ones included (formatted empty rows are read too).
SHEET_MAX_ROWS = 5_000
# Filled rows a sheet may hold beyond its layout's own (one per task, or per indicator).
SHEET_ROW_SLACK = 20
# How long reading one upload may take.
SHEET_MAX_SECONDS = 15.0
# Any cell longer than this is refused with its cell named (texts are TEXT_MAX at most).
CELL_MAX = TEXT_MAX


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


@dataclass
class ReadBudget:
    """What reading one upload may spend: rows pulled from the workbook (counted, so a
    sheet of a hundred thousand rows is refused after a few) and time."""

    seconds: float = SHEET_MAX_SECONDS
    rows: int = 0
    started: float = field(default_factory=time.monotonic)

    def spend_row(self) -> bool:
        """Count a row read; False once the time is up."""
        self.rows += 1
        return time.monotonic() - self.started <= self.seconds


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


class _StreamedSheet(ReadOnlyWorksheet):
    """openpyxl's read-only sheet, minus a whole pass over the sheet when it is opened.

    To learn a sheet's size openpyxl looks for its <dimension> element, which comes
    before the rows; when there is none it gives up only at the end of <sheetData>
    (it waits for the element's end), so a sheet without one (a program's, or a
    hostile one) is parsed whole before the first row is read: 14 to 23 s for 165,000
    rows here. This looks no further than the start of the rows.
    """

    def _get_size(self) -> None:
        with self._get_source() as source:
            for _event, element in iterparse(source, events=("start",)):
                if element.tag == DIMENSION_TAG:
                    boundaries = SheetDimension.from_tree(element).boundaries
                    self._min_column, self._min_row, self._max_column, self._max_row = boundaries
                    return
                if element.tag == DATA_TAG:
                    return  # no dimension: the rows are read until they end or the budget does


class _StreamingExcelReader(ExcelReader):
    """load_workbook(read_only=True) with _StreamedSheet for its sheets."""

    def read_worksheets(self) -> None:
        for sheet, rel in self.parser.find_sheets():
            if rel.target not in self.valid_files:
                continue
            if "chartsheet" in rel.Type:
                self.read_chartsheet(sheet, rel)
                continue
            worksheet = _StreamedSheet(self.wb, sheet.name, rel.target, self.shared_strings)
            worksheet.sheet_state = sheet.state
            self.wb._sheets.append(worksheet)


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
            strings = [i for i in archive.infolist() if i.filename.endswith("sharedStrings.xml")]
            if sum(info.file_size for info in strings) > SHEET_MAX_STRINGS:
                raise SheetRejected(
                    [SheetError("", "", _("The file holds more text than a filled sheet can."))]
                )
        # Streaming: rows are parsed as they are asked for, never the whole sheet at once
        # (not even to learn its size: _StreamedSheet).
        reader = _StreamingExcelReader(io.BytesIO(data), read_only=True, data_only=True)
        reader.read()
        return reader.wb
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


class _TooLong(Exception):
    """A sheet read past its budget; the reader's errors say why."""


def _too_many_rows(title: str, expected: int) -> SheetError:
    return SheetError(
        title,
        "",
        _(
            "The sheet “%(sheet)s” has more rows than your unit's report (%(count)d): "
            "keep the rows as downloaded."
        )
        % {"sheet": title, "count": expected},
    )


@dataclass
class _Given:
    """What the sheet holds for one task of the report."""

    entry: Entry
    fields: dict[str, str]
    values: dict[int, tuple[str, Decimal | None]]  # target pk -> (text, parsed)


class _SheetReader:
    def __init__(self, report: UnitReport, budget: ReadBudget) -> None:
        self.report = report
        self.budget = budget
        self.errors: list[SheetError] = []
        self.entries = {e.task_id: e for e in entries_with_details(report)}
        self.asked = asked_targets(report, list(self.entries.values()))
        self.keys = {key: pk for pk, key in task_keys(report.round.plan).items()}
        self.codes = schedule_codes()
        self.choices = "、".join(schedule_labels().values())
        self.given: dict[int, _Given] = {}

    def error(self, sheet: str, column: int, row: int, message: str) -> None:
        self.errors.append(SheetError(sheet, f"{get_column_letter(column)}{row}", message))

    def filled_rows(
        self,
        sheet: Worksheet,
        first_row: int,
        width: int,
        expected: int,
        named: frozenset[int] = frozenset(),
    ) -> Iterator[tuple[int, tuple]]:
        """(row number, its first `width` values) of each row from `first_row` not left
        blank, streamed. A filled row past the `expected` rows (and some slack), more
        than SHEET_MAX_ROWS rows, or the time running out stops the reading: _TooLong."""
        title = sheet.title
        last_row = first_row + expected - 1 + SHEET_ROW_SLACK
        rows = sheet.iter_rows(min_row=first_row, max_col=width, values_only=True)
        for row, cells in enumerate(rows, start=first_row):
            if not self.budget.spend_row():
                self.errors.append(
                    SheetError(
                        title, "", _("The sheet took too long to read: it is not a filled sheet.")
                    )
                )
                raise _TooLong
            if row - first_row >= SHEET_MAX_ROWS:
                self.errors.append(_too_many_rows(title, expected))
                raise _TooLong
            cells = tuple(cells)[:width] + (None,) * (width - len(cells))
            texts = [_text(value) for value in cells]
            if not any(texts):
                continue
            if row > last_row:
                self.errors.append(_too_many_rows(title, expected))
                raise _TooLong
            # A cell over the cap is named and its row left out; the text columns of the
            # tasks sheet say it with the field's name (read_tasks).
            long = [
                n
                for n, text in enumerate(texts, start=1)
                if len(text) > CELL_MAX and n not in named
            ]
            for column in long:
                self.error(
                    title,
                    column,
                    row,
                    _("The cell holds %(length)d characters; at most %(max)d fit.")
                    % {"length": len(texts[column - 1]), "max": CELL_MAX},
                )
            if long:
                continue
            yield row, cells

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
        rows = self.filled_rows(
            sheet, FIRST_ROW, COL_NEXT, len(self.entries), named=frozenset(TEXT_COLUMNS)
        )
        for row, cells in rows:
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
            if not editable(entry):
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
        expected = sum(len(targets) for targets in self.asked.values())
        for row, cells in self.filled_rows(sheet, V_FIRST_ROW, V_TARGET_ID, expected):
            entry = self.task_for(title, row, cells[V_KEY - 1])
            if entry is None:
                continue
            targets = {t.pk: t for t in self.asked[entry.task_id]}
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
            if not editable(entry):
                if value != stored_value(entry, target):
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
            if editable(given.entry)
        }


def read_sheet(
    report: UnitReport, data: bytes, *, budget: ReadBudget | None = None
) -> dict[int, services.EntryInput]:
    """Every cell of a filled sheet checked against the report: what to save, task by task.

    Raises SheetRejected with all the faults found, each at its cell. The workbook is
    streamed: a sheet with more filled rows than the report has tasks (or indicators)
    is refused as soon as the first extra row is read.
    """
    budget = budget or ReadBudget()  # its time counts from before the workbook is opened
    workbook = _open_workbook(data)
    try:
        return _read_workbook(workbook, report, budget)
    finally:
        workbook.close()


def _read_workbook(
    workbook: Any, report: UnitReport, budget: ReadBudget
) -> dict[int, services.EntryInput]:
    reader = _SheetReader(report, budget)
    report_title, values_title = sheet_titles()
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
    try:
        if tasks_sheet is not None:
            reader.read_tasks(tasks_sheet)
        if values_sheet is not None:
            reader.read_values(values_sheet)
    except _TooLong:
        raise SheetRejected(reader.errors) from None
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
