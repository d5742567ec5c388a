"""The division-of-labour table (重点任务分工表) some plans put their responsibilities in.

The file readers write a table as one line per row with its cells separated by
tabs (see sources). A table is a division of labour when its header names a
responsible unit (牵头单位, 责任单位…); each numbered row is then a task:

    序号 | 重点任务 | 具体措施 | 牵头单位 | 配合单位 | 完成时限

Rows that span the table (一、提升产品质量) are its categories; a row without a
number continues the task above; an empty cell under a merged one repeats it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from plans.importer.deadlines import read_deadline
from plans.importer.frontmatter import chinese_number
from plans.importer.notes import read_unit_list
from plans.importer.parsed import ParsedCategory, ParsedMeasure, ParsedTask, UnitMention
from plans.importer.structure import label_of
from plans.importer.targets import clause_targets
from plans.importer.textutil import WHITESPACE, fold

_COLUMNS: dict[str, tuple[str, ...]] = {
    "number": ("序号", "编号"),
    "category": ("类别", "领域", "重点领域", "任务类别", "工作类别", "板块", "分类"),
    "title": ("重点任务", "工作任务", "主要任务", "任务名称", "任务", "工作事项", "重点工作"),
    "measure": (
        "具体措施",
        "工作措施",
        "主要措施",
        "主要内容",
        "工作内容",
        "任务内容",
        "具体内容",
        "具体任务",
        "措施",
    ),
    "lead": ("牵头单位", "牵头部门", "主责单位", "主责部门", "牵头责任单位"),
    "co": ("配合单位", "配合部门", "参与单位", "协办单位", "协同单位"),
    "listed": ("责任单位", "责任部门", "责任主体", "实施单位"),
    "deadline": ("完成时限", "完成时间", "时间节点", "时限要求", "完成期限", "时限"),
}
_HEADING = re.compile(
    r"^(?:(?P<cn>[一二三四五六七八九十]{1,3})、|\((?P<pcn>[一二三四五六七八九十]{1,3})\))"
)
_NUMBER = re.compile(r"^(?P<number>\d{1,3})\.?$")


@dataclass(frozen=True)
class TableRow:
    line: int
    cells: list[str]


@dataclass
class TablePlan:
    categories: list[ParsedCategory]
    mentions: list[UnitMention]


def find_tables(lines: list[tuple[int, str]]) -> list[tuple[dict[str, int], list[TableRow]]]:
    """Division-of-labour tables among `lines` ((line number, text)): columns and rows."""
    tables: list[tuple[dict[str, int], list[TableRow]]] = []
    columns: dict[str, int] | None = None
    header: list[str] = []
    rows: list[TableRow] = []
    for number, text in lines:
        if "\t" not in text:
            continue
        cells = [cell.strip(WHITESPACE) for cell in text.split("\t")]
        found = _columns(cells)
        if found is not None and ("lead" in found or "listed" in found):
            if columns is not None and [fold(c) for c in cells] == header:
                continue  # the header repeated on the next page
            if columns is not None:
                tables.append((columns, rows))
            columns, header, rows = found, [fold(c) for c in cells], []
        elif columns is not None and len(cells) == len(header):
            rows.append(TableRow(number, cells))
    if columns is not None:
        tables.append((columns, rows))
    return [(columns, rows) for columns, rows in tables if rows]


def _columns(cells: list[str]) -> dict[str, int] | None:
    found: dict[str, int] = {}
    for index, cell in enumerate(cells):
        key = fold(cell).replace(" ", "")
        for name, headings in _COLUMNS.items():
            if key in headings and name not in found:
                found[name] = index
                break
    return found if len(found) >= 2 else None


def read_table(
    columns: dict[str, int], rows: list[TableRow], *, canonical: Callable[[str], str]
) -> TablePlan:
    categories: list[ParsedCategory] = []
    mentions: list[UnitMention] = []
    top: ParsedCategory | None = None
    current: ParsedCategory | None = None
    task: ParsedTask | None = None
    above: dict[str, str] = {}  # the last non-empty cell of each column, for merged cells

    def cell(row: TableRow, name: str) -> str:
        index = columns.get(name)
        return row.cells[index] if index is not None and index < len(row.cells) else ""

    for row in rows:
        filled = [value for value in row.cells if value]
        if not filled:
            continue
        heading = _HEADING.match(fold(filled[0]))
        if len(filled) == 1 or (len(set(filled)) == 1 and heading):
            # A row spanning the table: a category (一、…) or sub-category (（一）…).
            title = filled[0][heading.end() :].strip(WHITESPACE + "。") if heading else filled[0]
            number = chinese_number(heading["cn"] or heading["pcn"]) if heading else 0
            label = label_of("cn" if heading["cn"] else "pcn", number) if heading else ""
            category = ParsedCategory(number, title, row.line, [], label=label)
            if heading and heading["pcn"] and top is not None:
                top.subcategories.append(category)
            else:
                categories.append(category)
                top = category
            current, task = category, None
            continue
        if column := cell(row, "category"):
            if current is None or current.title != column:
                current = ParsedCategory(len(categories) + 1, column, row.line, [])
                categories.append(current)
                top = current
        for name in ("title", "measure", "lead", "co", "listed", "deadline"):
            if value := cell(row, name):
                above[name] = value
        number = _NUMBER.match(fold(cell(row, "number")))
        measure_text = cell(row, "measure")
        if number is None and task is not None:
            # A row without a number continues the task above with another measure.
            if measure_text:
                leads, others, vague = _units(row, cell, canonical, mentions, {})
                task.measures.append(_measure(measure_text, [*leads, *others], row.line))
                _add_co_units(task, [*leads, *others])
                task.vague += [phrase for phrase in vague if phrase not in task.vague]
            continue
        if number is None:
            continue
        title = cell(row, "title") or above.get("title", "")
        measure_text = measure_text or ("" if cell(row, "title") else above.get("measure", ""))
        if not title:
            title = measure_text.split("。", 1)[0][:60]
        leads, co_units, vague = _units(row, cell, canonical, mentions, above)
        measures = [_measure(measure_text, [*leads, *co_units], row.line)] if measure_text else []
        if not measures:
            measures = [_measure(title, [*leads, *co_units], row.line)]
        deadline_text = cell(row, "deadline") or above.get("deadline", "")
        task = ParsedTask(
            number=int(number["number"]),
            title=title.strip(WHITESPACE + "。;,"),
            line=row.line,
            lead_unit=leads[0] if leads else "",
            co_units=[(name, True) for name in leads[1:]]
            + [(name, False) for name in co_units if name not in leads],
            measures=measures,
            targets=[target for measure in measures for target in measure.targets],
            deadline=read_deadline(deadline_text) if deadline_text else None,
            vague=vague,
        )
        if current is None:
            current = ParsedCategory(1, "重点任务", row.line, [])
            categories.append(current)
        current.tasks.append(task)
    return TablePlan(_non_empty(categories), mentions)


def _units(
    row: TableRow,
    cell: Callable[[TableRow, str], str],
    canonical: Callable[[str], str],
    mentions: list[UnitMention],
    inherit: dict[str, str],
) -> tuple[list[str], list[str], list[str]]:
    """(leads, co-units, vague phrases) of a row; merged (empty) unit cells repeat the row above."""
    lead_text = cell(row, "lead") or inherit.get("lead", "")
    # An empty 配合单位 cell is as likely "none" as "merged with the row above": read as none.
    co_text = cell(row, "co")
    listed_text = cell(row, "listed") or inherit.get("listed", "")
    leads, vague = read_unit_list(lead_text)
    co, co_vague = read_unit_list(co_text)
    listed, listed_vague = read_unit_list(listed_text)
    vague = list(dict.fromkeys([*vague, *co_vague, *listed_vague]))
    if not leads and listed:
        leads, listed = listed[:1], listed[1:]
    names = [canonical(name) for name in leads]
    others = [canonical(name) for name in [*co, *listed]]
    for name in [*leads, *co, *listed]:
        mentions.append(UnitMention(name, row.line))
    leads = list(dict.fromkeys(names))
    others = [name for name in dict.fromkeys(others) if name not in leads]
    return leads, others, vague


def _measure(text: str, units: list[str], line: int) -> ParsedMeasure:
    return ParsedMeasure(
        text, list(dict.fromkeys(units)), line, clause_targets(text, lambda _: line)
    )


def _add_co_units(task: ParsedTask, names: list[str]) -> None:
    for name in names:
        if name != task.lead_unit and all(name != co for co, _ in task.co_units):
            task.co_units.append((name, False))


def _non_empty(categories: list[ParsedCategory]) -> list[ParsedCategory]:
    kept = []
    for category in categories:
        category.subcategories = _non_empty(category.subcategories)
        if category.all_tasks():
            kept.append(category)
    return kept
