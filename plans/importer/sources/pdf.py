"""PDF: the text outside the tables and the tables, page by page, top to bottom.

Page numbers ("— 3 —") and running headers/footers repeated on most pages are left
out; the lines a paragraph was wrapped into are joined again; a table that goes on
over the next page goes on as one table (its repeated header row dropped).
"""

from __future__ import annotations

import io
import math
import re
from collections import Counter
from dataclasses import dataclass, field

import pdfplumber
from django.utils.translation import gettext
from pdfminer.pdfdocument import PDFEncryptionError

from plans.importer.parsed import PlanParseError
from plans.importer.sources.layout import Block, Table, clean_line, normalize_table

_PAGE_NUMBER = re.compile(
    r"^(?:[-—–－~～\s]*\d{1,4}[-—–－~～\s]*|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*/\s*\d{1,4})$"
)
# A line that starts a paragraph of its own: never joined to the line above.
_OPENING = re.compile(
    r"^(?:[一二三四五六七八九十]{1,3}\s*[、.．]|[（(]\s*[一二三四五六七八九十\d]{1,3}\s*[)）]"
    r"|\d{1,3}\s*[.、．](?!\d)|第[一二三四五六七八九十\d]{1,3}[章节条部]|附件|附表)"
)
# A wrapped line ends this many characters short of the right edge at most: line-breaking
# rules ("，" never starts a line, "“" never ends one) push a few characters down.
_WRAP_SLACK = 3.5
_MARGIN = 0.12  # share of the page height where running headers and footers sit


@dataclass
class _Line:
    text: str
    top: float
    x0: float
    x1: float
    size: float
    page: int
    in_margin: bool


@dataclass
class _Table:
    top: float
    rows: Table
    columns: int


@dataclass
class _Page:
    items: list[_Line | _Table] = field(default_factory=list)


def encrypted_error() -> PlanParseError:
    return PlanParseError(
        gettext("The PDF is password-protected: remove the password and upload it again.")
    )


def damaged_error() -> PlanParseError:
    return PlanParseError(
        gettext("The PDF is damaged and cannot be read: export it again and upload it again.")
    )


def pdf_blocks(data: bytes) -> list[Block]:
    try:
        with pdfplumber.open(io.BytesIO(data)) as document:
            pages, has_text = _read_pages(document)
    except PlanParseError:
        raise
    except Exception as error:
        if _is_encryption_error(error):
            raise encrypted_error() from error
        raise damaged_error() from error
    if not pages:
        raise damaged_error()
    if not has_text:
        raise PlanParseError(
            gettext("The PDF has no text layer (it is a scan): OCR it first, then upload it again.")
        )
    return _blocks(pages)


def _is_encryption_error(error: BaseException) -> bool:
    seen: set[int] = set()
    pending: list[object] = [error]
    while pending:
        current = pending.pop()
        if not isinstance(current, BaseException) or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, PDFEncryptionError):
            return True
        pending.extend([current.__cause__, current.__context__, *current.args])
    return False


def _read_pages(document: pdfplumber.PDF) -> tuple[list[_Page], bool]:
    pages: list[_Page] = []
    has_text = False
    for number, page in enumerate(document.pages):
        if any(char.get("text", "").strip() for char in page.chars):
            has_text = True
        found = page.find_tables()
        boxes = [table.bbox for table in found]
        outside = page.filter(lambda obj, boxes=boxes: not _inside(obj, boxes))
        result = _Page()
        height = float(page.height) or 1.0
        for line in outside.extract_text_lines(return_chars=False):
            text = clean_line(line["text"])
            if text:
                top, bottom = float(line["top"]), float(line["bottom"])
                result.items.append(
                    _Line(
                        text=text,
                        top=top,
                        x0=float(line["x0"]),
                        x1=float(line["x1"]),
                        size=max(bottom - top, 1.0),
                        page=number,
                        in_margin=bottom < height * _MARGIN or top > height * (1 - _MARGIN),
                    )
                )
        for table in found:
            rows = normalize_table(table.extract())
            if rows:
                result.items.append(_Table(float(table.bbox[1]), rows, len(rows[0])))
        result.items.sort(key=lambda item: item.top)
        pages.append(result)
    return pages, has_text


def _inside(obj: dict, boxes: list[tuple[float, float, float, float]]) -> bool:
    if obj.get("object_type") != "char":
        return False
    x = (float(obj["x0"]) + float(obj["x1"])) / 2
    y = (float(obj["top"]) + float(obj["bottom"])) / 2
    return any(x0 <= x <= x1 and top <= y <= bottom for x0, top, x1, bottom in boxes)


def _running_keys(pages: list[_Page]) -> set[str]:
    """Header/footer lines (digits aside) that come back on most pages."""
    if len(pages) < 2:
        return set()
    counts: Counter[str] = Counter()
    for page in pages:
        counts.update(
            {_key(item.text) for item in page.items if isinstance(item, _Line) and item.in_margin}
        )
    needed = max(2, math.floor(len(pages) / 2) + 1)
    return {key for key, count in counts.items() if count >= needed}


def _key(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))


def _blocks(pages: list[_Page]) -> list[Block]:
    running = _running_keys(pages)
    items: list[_Line | _Table] = []
    for page in pages:
        first_on_page = True
        for item in page.items:
            if isinstance(item, _Line):
                if _PAGE_NUMBER.match(item.text) or (item.in_margin and _key(item.text) in running):
                    continue
            elif first_on_page and items and isinstance(items[-1], _Table):
                previous = items[-1]
                if previous.columns == item.columns:
                    # The table goes on from the page before; its header row may be repeated.
                    header = previous.rows[0]
                    rows = item.rows[1:] if item.rows[0] == header else item.rows
                    previous.rows.extend(rows)
                    first_on_page = False
                    continue
            items.append(item)
            first_on_page = False
    lines = [item for item in items if isinstance(item, _Line)]
    left = _left_margin([round(line.x0) for line in lines])
    right = max((line.x1 for line in lines), default=0.0)
    blocks: list[Block] = []
    previous_line: _Line | None = None
    for item in items:
        if isinstance(item, _Table):
            blocks.append(item.rows)
            previous_line = None
            continue
        if (
            previous_line is not None
            and isinstance(blocks[-1], str)
            and previous_line.x1 >= right - _WRAP_SLACK * previous_line.size
            and item.x0 <= left + 0.5 * item.size
            and not _OPENING.match(item.text)
        ):
            blocks[-1] += item.text  # the paragraph was wrapped here
        else:
            blocks.append(item.text)
        previous_line = item
    return blocks


def _left_margin(values: list[int]) -> float:
    """The smallest left edge shared by two lines or more (one odd line does not count)."""
    counts = Counter(values)
    shared = [value for value, count in counts.items() if count >= 2]
    return float(min(shared or values or [0]))
