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
from dataclasses import dataclass

from django.utils.translation import gettext

from departments.names import normalize_unit_name
from plans.importer.frontmatter import chinese_number, read_front_matter
from plans.importer.parsed import (
    ParsedCategory,
    ParsedMeasure,
    ParsedPlan,
    ParsedTarget,
    ParsedTask,
    PlanParseError,
    UnitMention,
)
from plans.importer.targets import section_targets
from plans.importer.tasks import Line, RawCategory, RawTask, TaskReader
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

# Matched against the folded line (full-width forms made half-width).
_SECTION = re.compile(r"^(?P<number>[一二三四五六七八九十]{1,3})\s*、\s*(?P<title>.*)$")
_CATEGORY = re.compile(r"^\(\s*(?P<number>[一二三四五六七八九十]{1,3})\s*\)\s*(?P<title>.*)$")
_TASK = re.compile(r"^(?P<number>\d{1,3})\s*[.、](?!\d)\s*(?P<rest>.*)$")
_TASK_HEADING = re.compile(r"任务|工作|举措|措施")
_NOT_TASK_HEADING = re.compile(r"目标|保障|组织实施|组织领导")
_DEFAULT_CATEGORY_TITLE = "重点任务"  # the usual heading of a plan's task section

_TITLE_TRAILING = WHITESPACE + "。,;:"
_BINARY_SHARE = 0.01  # a text file has (almost) no control characters


@dataclass
class _Section:
    title: str
    line: int
    index: int  # position of the heading in the list of lines; -1 for a plan without headings
    body: list[Line]


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
    for number, raw in enumerate(text.split("\n"), start=1):
        stripped = raw.strip(WHITESPACE)
        lines.append(Line(number, stripped, fold(stripped)))

    sections = _sections(lines)
    task_section = _task_section(sections)
    if task_section is None:
        raise PlanParseError(
            gettext(
                "No numbered tasks were found (lines such as “1.…” under a heading such as "
                "“三、重点任务”): this does not look like an action plan."
            )
        )
    targets_section = next(
        (s for s in sections if "目标" in s.title and s is not task_section), None
    )
    body_start = (
        sections[0].index if sections[0].index >= 0 else _first_structured_index(task_section)
    )
    front = read_front_matter([line.text for line in lines], body_start)
    ends_text = task_section is sections[-1]

    reader = TaskReader(_resolver(canonical))
    categories = reader.read(_categories(task_section), ends_text=ends_text)
    targets = []
    if targets_section is not None:
        paragraphs = [(line.number, line.text) for line in targets_section.body if line.text]
        targets = section_targets(paragraphs)
    return ParsedPlan(
        title=front.title,
        doc_number=front.doc_number,
        issuer=front.issuer,
        issued_on=front.issued_on,
        targets=targets,
        categories=categories,
        unit_mentions=reader.mentions,
    )


def _resolver(canonical: Callable[[str], str]) -> Callable[[str], str]:
    # A registry that does not know a name may hand back ""; keep the name as written then.
    return lambda name: canonical(name) or name


# --- structure ------------------------------------------------------------------------------


def _sections(lines: list[Line]) -> list[_Section]:
    sections: list[_Section] = []
    for index, line in enumerate(lines):
        match = _SECTION.match(line.folded)
        if match:
            title = _heading_title(line.text[match.start("title") :])
            sections.append(_Section(title, line.number, index, []))
        elif sections:
            sections[-1].body.append(line)
    if not sections:
        # A short plan may be nothing but numbered tasks: read the whole text as one section.
        return [_Section("", lines[0].number, -1, list(lines))]
    return sections


def _heading_title(text: str) -> str:
    return text.split("。", 1)[0].strip(_TITLE_TRAILING)


def _task_section(sections: list[_Section]) -> _Section | None:
    """The section whose body holds the numbered tasks (重点任务 / 主要任务 / 重点工作…)."""
    candidates = [s for s in sections if any(_TASK.match(line.folded) for line in s.body)]
    for accept in (
        lambda s: _TASK_HEADING.search(s.title) and not _NOT_TASK_HEADING.search(s.title),
        lambda s: not _NOT_TASK_HEADING.search(s.title),
        lambda s: True,
    ):
        for section in candidates:
            if accept(section):
                return section
    return None


def _first_structured_index(section: _Section) -> int:
    for line in section.body:
        if _TASK.match(line.folded) or _CATEGORY.match(line.folded):
            return line.number - 1
    return 0  # pragma: no cover - a task section always holds a task line


def _categories(section: _Section) -> list[RawCategory]:
    categories: list[RawCategory] = []
    implicit: RawCategory | None = None
    task: RawTask | None = None
    for line in section.body:
        if not line.text:
            continue
        category = _CATEGORY.match(line.folded)
        numbered = _TASK.match(line.folded)
        if category:
            title = _heading_title(line.text[category.start("title") :])
            categories.append(
                RawCategory(chinese_number(category.group("number")), title, line.number)
            )
            task = None
        elif numbered:
            if not categories:
                title = section.title or _DEFAULT_CATEGORY_TITLE
                implicit = RawCategory(
                    1, title, section.line if section.index >= 0 else line.number
                )
                categories.append(implicit)
            task = RawTask(int(numbered.group("number")), line, line.text[numbered.start("rest") :])
            categories[-1].tasks.append(task)
        elif task is not None:
            task.more.append(line)
        # Prose before a category's first task (an introduction) carries no task.
    if implicit is not None and len(categories) > 1:
        implicit.number = 0  # tasks written before the first (一): numbered ahead of it
    return categories
