"""The plain-text layout every source format is turned into.

A document is read into *blocks*: a paragraph (a string) or a table (a list of rows,
each a list of cell texts). `render` writes the blocks as the text the plan parser
reads: one paragraph per line, a table as one tab-separated line per row with a blank
line before and after it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence

from django.utils.translation import gettext

from plans.importer.notes import looks_like_unit
from plans.importer.parsed import PlanParseError
from plans.importer.textutil import WHITESPACE

Table = list[list[str]]
Block = str | Table

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# Characters that must not survive into a line: the tab separates table cells.
_STRAY = str.maketrans({"\t": " ", "\r": None, "\x0b": None, "\x0c": None, "\u200b": None})


def cjk_count(text: str) -> int:
    return len(_CJK.findall(text))


def clean_line(text: str) -> str:
    """One line of running text: no tabs, outer blank space stripped."""
    return text.translate(_STRAY).strip(WHITESPACE + "\u200b")


def cell_text(lines: Iterable[str]) -> str:
    """A table cell's lines (or paragraphs) joined without spaces (Chinese needs none).

    A unit cell may list one unit per line (市市场监管局 / 市财政局): two lines that are
    both unit names are joined with 、, so that they stay two names.
    """
    text = ""
    previous = ""
    for line in lines:
        line = clean_line(line)
        if not line:
            continue
        if previous and looks_like_unit(previous) and looks_like_unit(line.split("、")[0]):
            text += "、"
        text += line
        previous = line.split("、")[-1]
    return text


def paragraph_lines(text: str) -> list[str]:
    return [clean_line(line) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]


def flat_lines(blocks: Iterable[Block]) -> Iterator[str]:
    """Every line of the blocks, table cells included (for the text of a table cell)."""
    for block in blocks:
        if isinstance(block, str):
            yield from paragraph_lines(block)
        else:
            for row in block:
                yield from row


def normalize_table(rows: Sequence[Sequence[str | None]]) -> Table:
    """Rows padded to the table's full column count; rows without any text dropped."""
    width = max((len(row) for row in rows), default=0)
    table: Table = []
    for row in rows:
        cells = [cell_text((cell or "").split("\n")) for cell in row]
        if any(cells):
            table.append(cells + [""] * (width - len(cells)))
    return table


def render(blocks: Iterable[Block]) -> str:
    """The blocks as the parser's text; a document without text is refused."""
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, str):
            lines.extend(paragraph_lines(block))
            continue
        table = normalize_table(block)
        if table:
            lines.append("")
            lines.extend("\t".join(row) for row in table)
            lines.append("")
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    while out and not out[-1]:
        out.pop()
    if not any(line.strip("\t") for line in out):
        raise no_text()
    return "\n".join(out)


def no_text() -> PlanParseError:
    return PlanParseError(gettext("The file contains no text."))
