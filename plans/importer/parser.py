"""Read a published action plan (行动方案 / 实施方案) into plain data.

Pure: text in, `ParsedPlan` out, no database and no I/O. Every problem with the
text is a `PlanParseError` carrying one translated line and, where it helps, the
line number; no other exception escapes for any input.

The shape read (see DOMAIN.md, "The source document"):

    front matter (portal navigation, metadata lines, the circular 通知)
    plan title
    一、… prose            二、目标任务 (numeric targets)
    三、重点任务
      (一)category
        1.title。clause…(责任单位:A、B)clause…(A牵头,B配合)
    四、保障措施 …
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from django.utils.translation import gettext

from departments.names import normalize_unit_name
from plans.importer.frontmatter import read_front_matter
from plans.importer.parsed import (
    ParsedCategory,
    ParsedMeasure,
    ParsedPlan,
    ParsedTarget,
    ParsedTask,
    PlanParseError,
    UnitMention,
)
from plans.importer.structure import Item, Outline, as_raw_task, numbered, outline, read_outline
from plans.importer.table import find_tables, read_table
from plans.importer.targets import section_targets
from plans.importer.tasks import Line, TaskReader, drop_trailer
from plans.importer.textutil import WHITESPACE, fold

__all__ = [
    "ParsedCategory",
    "ParsedMeasure",
    "ParsedPlan",
    "ParsedTarget",
    "ParsedTask",
    "PlanParseError",
    "UnitMention",
    "decode_plan_bytes",
    "parse_plan",
]

_APPENDIX = re.compile(r"^(?:附件|附表)\s*(?:\d{1,2}|[一二三四五六七八九十])?\s*(?::|$)")
_DEFAULT_CATEGORY_TITLE = "重点任务"  # the usual heading of a plan's task section

_TITLE_TRAILING = WHITESPACE + "。,;:"
_BINARY_SHARE = 0.01  # a text file has (almost) no control characters


def decode_plan_bytes(data: bytes) -> str:
    """Decode an uploaded plan: UTF-8 (with or without BOM), else GB18030; newlines become "\\n"."""
    if not data:
        raise PlanParseError(gettext("The file is empty."))
    if b"\x00" in data:
        raise _not_text()
    text = _decode(data)
    if text is None:
        raise _not_text()
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    if not text.strip():
        raise PlanParseError(gettext("The file contains nothing but blank space."))
    if _control_share(text) > _BINARY_SHARE:
        raise _not_text()
    return text


def _decode(data: bytes) -> str | None:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        if error.start >= len(data) - 3 and error.reason == "unexpected end of data":
            # A UTF-8 file cut inside its last character: read what is there, so that the
            # parser can say the text is cut short rather than show GB18030 mojibake.
            return data[: error.start].decode("utf-8-sig")
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        return None


def _not_text() -> PlanParseError:
    return PlanParseError(
        gettext(
            "The file is not plain text: save the plan as a .txt file (UTF-8 or GB18030) "
            "and upload it again."
        )
    )


def _control_share(text: str) -> float:
    odd = sum(
        1
        for char in text
        if char not in "\n\t\f\v" and unicodedata.category(char) in ("Cc", "Co", "Cn", "Cs")
    )
    return odd / len(text)


def parse_plan(text: str, *, canonical: Callable[[str], str] = normalize_unit_name) -> ParsedPlan:
    """Read a plan's text; unit names in notes are mapped through `canonical`."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    if not text.strip():
        raise PlanParseError(gettext("The file is empty."))
    lines = []
    raw_lines = text.split("\n")
    for number, raw in enumerate(raw_lines, start=1):
        stripped = raw.strip(WHITESPACE)
        lines.append(Line(number, stripped, fold(stripped)))

    body_start = _body_start(lines)
    appendix_start = _appendix_start(lines, body_start)
    body = [
        line for line in lines[body_start:appendix_start] if "\t" not in raw_lines[line.number - 1]
    ]
    roots = outline(body)
    resolver = _resolver(canonical)
    read = read_outline(roots, ends_text=appendix_start == len(lines))
    mentions: list[UnitMention]
    if read.tasks:
        reader = TaskReader(resolver)
        categories = _categories(read, reader, ends_text=appendix_start == len(lines))
        mentions = reader.mentions
    else:
        # Table rows keep their outer tabs: an empty first or last cell is still a cell.
        tables = find_tables(
            [
                (number, raw_lines[number - 1].strip(" \u3000\ufeff\xa0"))
                for number in range(body_start + 1, len(raw_lines) + 1)
            ]
        )
        if not tables:
            raise PlanParseError(
                gettext(
                    "No tasks were found: no numbered item carries a responsibility note such "
                    "as “(牵头单位:…)” and no division-of-labour table (重点任务分工表) names "
                    "responsible units. This does not look like an action plan."
                )
            )
        categories, mentions = [], []
        for columns, rows in tables:
            table = read_table(columns, rows, canonical=resolver)
            categories += table.categories
            mentions += table.mentions
        if not categories:
            raise PlanParseError(gettext("The division-of-labour table has no numbered rows."))
    front = read_front_matter([line.text for line in lines], body_start)
    targets = []
    if read.targets is not None:
        paragraphs = [
            (line.number, _target_paragraph(line)) for line in read.targets.lines() if line.text
        ]
        # （二）主要目标。到2025年，…: the heading's own line states the first target.
        statement = _heading_statement(read.targets.rest)
        if statement:
            paragraphs.insert(0, (read.targets.line.number, statement))
        targets = section_targets(paragraphs)
    return ParsedPlan(
        title=front.title,
        doc_number=front.doc_number,
        issuer=front.issuer,
        issued_on=front.issued_on,
        targets=targets,
        categories=categories,
        unit_mentions=mentions,
    )


def _target_paragraph(line: Line) -> str:
    """A line of the targets section without its number and a short heading (1.目标。…)."""
    found = numbered(line)
    if found is None:
        return line.text
    heading, full_stop, statement = found[2].partition("。")
    return statement if full_stop and len(heading) <= 12 and statement else found[2]


def _heading_statement(rest: str) -> str:
    """What a targets heading's line states after its short title (主要目标。…), else ""."""
    heading, stop, _ = fold(rest).partition("。")
    if not stop or len(heading) > 12:
        heading, stop, _ = fold(rest).partition(":")
    if not stop or len(heading) > 12:
        return ""
    return rest[len(heading) + 1 :].strip(WHITESPACE)


def _resolver(canonical: Callable[[str], str]) -> Callable[[str], str]:
    # A registry that does not know a name may hand back ""; keep the name as written then.
    return lambda name: canonical(name) or name


def _body_start(lines: list[Line]) -> int:
    """Where the numbered body starts: its first 一、 heading, else its first numbered line."""
    first_numbered = None
    for index, line in enumerate(lines):
        found = numbered(line) if line.text else None
        if found is None:
            continue
        if found[0] == "cn":
            return index
        if first_numbered is None:
            first_numbered = index
    return first_numbered if first_numbered is not None else 0


def _appendix_start(lines: list[Line], body_start: int) -> int:
    """The line an appendix (附件) starts on; the end of the text when there is none."""
    for index in range(body_start + 1, len(lines)):
        if _APPENDIX.match(lines[index].folded):
            return index
    return len(lines)


def _categories(read: Outline, reader: TaskReader, *, ends_text: bool) -> list[ParsedCategory]:
    """The tasks grouped under their categories (two levels at most) in text order."""
    top: list[ParsedCategory] = []
    made: dict[Item, ParsedCategory] = {}
    implicit: ParsedCategory | None = None
    last_task = read.tasks[-1][1]
    if ends_text:
        raw_last = as_raw_task(last_task)
    for chain, item in read.tasks:
        raw = as_raw_task(item)
        if item is last_task and ends_text:
            drop_trailer(raw_last)
            raw = raw_last
        task = reader.read(raw, ends_text=ends_text and item is last_task)
        if not chain:
            if implicit is None or (top and top[-1] is not implicit):
                wrapper = read.wrapper
                implicit = ParsedCategory(
                    1,
                    wrapper.title if wrapper else _DEFAULT_CATEGORY_TITLE,
                    wrapper.line.number if wrapper else item.line.number,
                    [],
                )
                top.append(implicit)
            implicit.tasks.append(task)
            continue
        parent: ParsedCategory | None = None
        for heading in chain[:2]:
            category = made.get(heading)
            if category is None:
                category = ParsedCategory(
                    heading.number, heading.title, heading.line.number, [], label=heading.label
                )
                made[heading] = category
                (parent.subcategories if parent else top).append(category)
            parent = category
        assert parent is not None
        parent.tasks.append(task)
    if implicit is not None and len(top) > 1 and top[0] is implicit:
        implicit.number = 0  # tasks written before the first (一): numbered ahead of it
    if len(top) == 1 and top[0] is implicit:
        implicit.label = ""
    return top
