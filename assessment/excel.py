"""The assessment as an Excel workbook: a ranking sheet and a breakdown sheet, in the
house style of the workbooks (documents.workbook): a merged title, a bold shaded header,
widths, wrapped text, the header frozen and repeated on every printed page, A4 landscape.
"""

import io
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from assessment.models import Assessment
from assessment.scoring import text
from assessment.selectors import ScoreRow, adjustments_of, ranking
from assessment.wording import describe, grade_label, rule_label, summary
from documents.workbook import (
    BOLD,
    BORDER,
    RIGHT,
    SECTION_FILL,
    TITLE_FONT,
    WRAP,
    WRAP_CENTER,
    column_widths,
    header_cell,
    print_setup,
    set_text,
    sheet_title,
)


def _put(sheet: Worksheet, row: int, column: int, value: Any, **style: Any) -> None:
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, int | float | Decimal):
        cell.value = value
    else:
        set_text(cell, value)
    cell.alignment = style.get("align", WRAP)
    if style.get("border", True):
        cell.border = BORDER
    if "font" in style:
        cell.font = style["font"]
    if "fill" in style:
        cell.fill = style["fill"]


def _banners(sheet: Worksheet, width: int, title: str, subtitle: str) -> None:
    last = get_column_letter(width)
    _put(sheet, 1, 1, title, font=TITLE_FONT, align=WRAP_CENTER, border=False)
    sheet.merge_cells(f"A1:{last}1")
    sheet.row_dimensions[1].height = 30
    _put(sheet, 2, 1, subtitle, align=RIGHT, border=False)
    sheet.merge_cells(f"A2:{last}2")


def _header(sheet: Worksheet, labels: list[str], widths: list[int]) -> None:
    for column, label in enumerate(labels, start=1):
        header_cell(sheet.cell(row=3, column=column), label)
    column_widths(sheet, dict(enumerate(widths, start=1)))


def _number(value: str | Decimal) -> Decimal:
    return Decimal(value) if isinstance(value, str) else value


def _ranking_sheet(sheet: Worksheet, rows: list[ScoreRow], criteria: list[Any]) -> None:
    labels = [_("Rank"), _("Unit")]
    labels += [
        _("%(criterion)s (%(points)s)")
        % {"criterion": rule_label(c.rule), "points": text(c.weight)}
        for c in criteria
    ]
    labels += [_("Bonus and deductions"), _("Total"), _("Grade")]
    widths = [7, 22, *([12] * len(criteria)), 12, 10, 9]
    _header(sheet, labels, widths)
    for number, row in enumerate(rows, start=4):
        values: list[Any] = [row.rank, row.unit]
        for criterion in criteria:
            found = row.criterion(criterion.rule)
            values.append(_number(found["points"]) if found else "")
        values += [row.adjustment_points, row.total, grade_label(row.grade)]
        for column, value in enumerate(values, start=1):
            _put(sheet, number, column, value, align=WRAP if column == 2 else WRAP_CENTER)
    sheet.freeze_panes = "C4"


def _breakdown_sheet(sheet: Worksheet, rows: list[ScoreRow], adjustments: dict) -> None:
    labels = [_("Unit"), _("Criterion"), _("Points available"), _("Points"), _("Details")]
    labels.append(_("Effect"))
    _header(sheet, labels, [20, 20, 10, 9, 70, 9])
    line = 4
    for row in rows:
        heading = _("%(unit)s: %(total)s points, rank %(rank)d, %(grade)s") % {
            "unit": row.unit,
            "total": text(row.total),
            "rank": row.rank,
            "grade": grade_label(row.grade),
        }
        for column in range(1, 7):
            _put(sheet, line, column, heading if column == 1 else "", font=BOLD, fill=SECTION_FILL)
        sheet.merge_cells(f"A{line}:F{line}")
        line += 1
        for criterion in row.criteria:
            values = [
                row.unit,
                rule_label(criterion["rule"]),
                _number(criterion["weight"]),
                _number(criterion["points"]),
                summary(criterion),
                "",
            ]
            for column, value in enumerate(values, start=1):
                _put(
                    sheet,
                    line,
                    column,
                    value,
                    font=BOLD,
                    align=WRAP_CENTER if column in (3, 4) else WRAP,
                )
            line += 1
            for record in criterion["lines"]:
                effect = _number(record["points"]) if record.get("points") else ""
                for column, value in enumerate(
                    [row.unit, rule_label(criterion["rule"]), "", "", describe(record), effect],
                    start=1,
                ):
                    _put(sheet, line, column, value, align=WRAP_CENTER if column == 6 else WRAP)
                line += 1
        for adjustment in adjustments.get(row.unit_id, []):
            label = _("Bonus") if adjustment.points > 0 else _("Deduction")
            reason = adjustment.reason
            if adjustment.objection_id:
                reason = _("%(reason)s (objection accepted)") % {"reason": reason}
            for column, value in enumerate(
                [row.unit, label, "", adjustment.points, reason, adjustment.points], start=1
            ):
                _put(sheet, line, column, value, align=WRAP_CENTER if column in (4, 6) else WRAP)
            line += 1
    sheet.freeze_panes = "C4"


def assessment_xlsx(assessment: Assessment) -> bytes:
    """The workbook: the ranking, then every unit's breakdown record by record."""
    rows = ranking(assessment)
    criteria = list(assessment.criteria.order_by("order"))
    adjustments: dict[int, list[Any]] = {}
    for adjustment in adjustments_of(assessment):
        adjustments.setdefault(adjustment.unit_id, []).append(adjustment)
    title = _("%(plan)s: assessment of %(year)d") % {
        "plan": assessment.plan.title,
        "year": assessment.year,
    }
    as_of = assessment.as_of or timezone.localdate()
    subtitle = _("%(status)s · scores as of %(as_of)s · exported on %(today)s") % {
        "status": assessment.get_status_display(),
        "as_of": as_of.isoformat(),
        "today": timezone.localdate().isoformat(),
    }
    if assessment.doc_number:
        subtitle = f"{assessment.doc_number} · {subtitle}"
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title(_("Ranking"))
    _banners(sheet, len(criteria) + 5, title, subtitle)
    _ranking_sheet(sheet, rows, criteria)
    print_setup(sheet, title_rows="3:3")
    details = workbook.create_sheet(sheet_title(_("Breakdown")))
    _banners(details, 6, title, subtitle)
    _breakdown_sheet(details, rows, adjustments)
    print_setup(details, title_rows="3:3")
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()
