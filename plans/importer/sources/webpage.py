"""A plan page saved from a government site: its metadata block and its article body.

The page is decoded by its meta charset (else UTF-8, else GB18030), scripts, styles,
navigation, headers, footers, asides and forms are dropped, and the article is looked
for in the containers government sites use (div#zoom, UCAP-CONTENT, TRS_Editor…),
else in the block holding the most Chinese text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import lxml.html
from lxml import etree

from plans.importer.sources.layout import (
    Block,
    Table,
    cell_text,
    cjk_count,
    flat_lines,
    paragraph_lines,
)

_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.I)
_GB_NAMES = {"gb2312", "gbk", "gb_2312-80", "x-gbk", "gb18030", "cp936", "euc-cn", "hz-gb-2312"}
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_ALWAYS_DROPPED = ("script", "style", "noscript", "template", "iframe", "object", "embed", "svg")
_DROPPED = ("nav", "header", "footer", "aside", "form", "select", "button", "textarea", "input")
_CONTAINERS = (
    "zoom",
    "ucap-content",
    "trs_editor",
    "pages_content",
    "article-content",
    "content",
)
_BLOCK = {
    "address", "article", "blockquote", "body", "center", "dd", "div", "dl", "dt",
    "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "li", "main",
    "ol", "p", "pre", "section", "ul", "caption", "html",
}  # fmt: skip
_CONTAINER_TAGS = {"div", "td", "section", "article", "main", "body", "center", "li", "dd"}
_MIN_ARTICLE = 20  # Chinese characters a container must hold to be taken for the article

# Metadata labels as the front-matter reader names them: output key <- labels on pages.
_LABELS = {
    "文号": ("文号", "发文字号", "发文文号"),
    "成文日期": ("成文日期", "发文日期", "发布日期", "印发日期"),
    "发文机关": ("发文机关", "发布机构", "发文单位", "发文机构"),
    "标题": ("标题", "名称", "文件名称"),
}
_LABEL_KEY = {
    label: key for key, labels in _LABELS.items() for label in labels
}  # fmt: skip
_LABEL = "|".join(r"[\s\u3000]*".join(label) for label in sorted(_LABEL_KEY, key=len, reverse=True))
_PAIR = re.compile(rf"(?P<label>{_LABEL})[\s\u3000]*[:：][\s\u3000]*")
_ANY_LABEL = re.compile(r"[\s\u3000]+[\u4e00-\u9fff][\u4e00-\u9fff\s\u3000]{1,7}[:：]")


def decode_html(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    declared = _CHARSET.search(data[:4096])
    if declared:
        name = declared.group(1).decode("ascii", errors="ignore").lower()
        codec = "gb18030" if name in _GB_NAMES else name
        try:
            return data.decode(codec)
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace")


def html_blocks(data: bytes) -> list[Block]:
    text = _XML_DECLARATION.sub("", decode_html(data)).replace("\x00", "")
    if not text.strip():
        return []
    root = lxml.html.document_fromstring(text)
    _drop(root, _ALWAYS_DROPPED)
    metadata = _metadata(_Writer.read(root))
    _drop(root, _DROPPED)
    article = _article(root)
    body = _Writer.read(article)
    in_body = dict(_metadata(body))  # metadata written in the article is read there
    return [f"{key}:{value}" for key, value in metadata if in_body.get(key) != value] + body


def _drop(root: etree._Element, tags: tuple[str, ...]) -> None:
    for element in list(root.iter(*tags, etree.Comment, etree.ProcessingInstruction)):
        if element.getparent() is not None:
            element.drop_tree()


def _tokens(element: etree._Element) -> set[str]:
    return {
        token.lower()
        for token in [element.get("id") or "", *(element.get("class") or "").split()]
        if token
    }


def _article(root: etree._Element) -> etree._Element:
    elements = [e for e in root.iter() if isinstance(e.tag, str)]
    for name in _CONTAINERS:
        found = [e for e in elements if name in _tokens(e)]
        best = max(found, key=lambda e: cjk_count(e.text_content()), default=None)
        if best is not None and cjk_count(best.text_content()) >= _MIN_ARTICLE:
            return best
    articles = [e for e in elements if e.tag == "article"]
    best = max(articles, key=lambda e: cjk_count(e.text_content()), default=None)
    if best is not None and cjk_count(best.text_content()) >= _MIN_ARTICLE:
        return best
    scored = [(_own_cjk(e), e) for e in elements if e.tag in _CONTAINER_TAGS]
    score, element = max(scored, key=lambda pair: pair[0], default=(0, root))
    return element if score else root


def _own_cjk(element: etree._Element) -> int:
    """Chinese text written in the element itself or its paragraphs, not in nested blocks."""
    count = cjk_count(element.text or "")
    for child in element:
        if isinstance(child.tag, str) and (
            child.tag not in _CONTAINER_TAGS | {"table", "ul", "ol", "dl"}
        ):
            count += cjk_count(child.text_content())
        count += cjk_count(child.tail or "")
    return count


def _metadata(blocks: list[Block]) -> list[tuple[str, str]]:
    found: dict[str, str] = {}
    for block in blocks:
        if isinstance(block, str):
            for line in paragraph_lines(block):
                _pairs_in_text(line, found)
            continue
        for row in block:
            for index, cell in enumerate(row):
                label = re.sub(r"[\s\u3000:：]", "", cell)
                key = _LABEL_KEY.get(label)
                if key and index + 1 < len(row) and row[index + 1]:
                    found.setdefault(key, row[index + 1])
                else:
                    _pairs_in_text(cell, found)
    return [(key, found[key]) for key in _LABELS if key in found]


def _pairs_in_text(text: str, found: dict[str, str]) -> None:
    matches = list(_PAIR.finditer(text))
    for index, match in enumerate(matches):
        if match.start() and not text[: match.start()].endswith((" ", "\u3000", "\xa0")):
            continue  # "文号" inside a sentence is no label
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        value = text[match.end() : end]
        other = _ANY_LABEL.search(value)
        value = (value[: other.start()] if other else value).strip(" \u3000\xa0")
        key = _LABEL_KEY[re.sub(r"[\s\u3000]", "", match.group("label"))]
        if value and len(value) <= 200:
            found.setdefault(key, value)


class _Writer:
    """Turns an element tree into blocks: block elements are lines, <br> breaks a line."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self._line: list[str] = []

    @classmethod
    def read(cls, element: etree._Element) -> list[Block]:
        writer = cls()
        writer.walk(element)
        writer.flush()
        return writer.blocks

    def text(self, text: str | None) -> None:
        if text:
            self._line.append(text)

    def flush(self) -> None:
        line = re.sub(r"[ \t\n\r\f\v]+", " ", "".join(self._line)).strip()
        self._line = []
        if line:
            self.blocks.append(line)

    def walk(self, element: etree._Element) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag == "br":
            self.flush()
            return
        if tag == "table":
            self.flush()
            if _is_layout_table(element):
                for cell in _cells_of(element):
                    self.walk(cell)
                    self.flush()
            else:
                self.blocks.append(_table_rows(element))
            return
        block = tag in _BLOCK
        if block:
            self.flush()
        self.text(element.text)
        for child in element:
            if isinstance(child.tag, str):
                self.walk(child)
            self.text(child.tail)
        if block:
            self.flush()


def _rows_of(table: etree._Element) -> Iterator[etree._Element]:
    for child in table:
        if child.tag == "tr":
            yield child
        elif child.tag in ("thead", "tbody", "tfoot"):
            yield from (row for row in child if row.tag == "tr")


def _cells_of(table: etree._Element) -> Iterator[etree._Element]:
    for row in _rows_of(table):
        yield from (cell for cell in row if cell.tag in ("td", "th"))


def _is_layout_table(table: etree._Element) -> bool:
    nested = any(inner is not table for inner in table.iter("table"))
    widest = max(
        (len([c for c in row if c.tag in ("td", "th")]) for row in _rows_of(table)), default=0
    )
    return nested or widest <= 1


def _span(cell: etree._Element, name: str, limit: int) -> int:
    try:
        return min(max(int((cell.get(name) or "1").strip()), 1), limit)
    except ValueError:
        return 1


def _table_rows(table: etree._Element) -> Table:
    rows = list(_rows_of(table))
    grid: dict[tuple[int, int], str] = {}
    width = 0
    for r, row in enumerate(rows):
        c = 0
        for cell in (cell for cell in row if cell.tag in ("td", "th")):
            while (r, c) in grid:
                c += 1
            text = cell_text(flat_lines(_Writer.read(cell)))
            colspan = _span(cell, "colspan", 100)
            rowspan = _span(cell, "rowspan", len(rows) - r)
            for dr in range(rowspan):
                for dc in range(colspan):
                    grid[(r + dr, c + dc)] = text if dr == dc == 0 else ""
            c += colspan
        width = max([width, *(col + 1 for (row_index, col) in grid if row_index == r)])
    return [[grid.get((r, c), "") for c in range(width)] for r in range(len(rows))]
