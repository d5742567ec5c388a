"""Word .docx: the body's paragraphs and tables in document order.

Headers, footers, footnotes and text boxes are left out. A paragraph numbered by
Word's automatic numbering gets its number written in front ("1." / "（一）" / "一、")
when the list format is a plain decimal or Chinese count.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import docx
from docx.oxml.ns import qn
from lxml import etree

from plans.importer.sources.layout import Block, Table, cell_text, flat_lines

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_P, _TBL, _TR, _TC, _SDT = qn("w:p"), qn("w:tbl"), qn("w:tr"), qn("w:tc"), qn("w:sdt")
_T, _TAB, _BR, _CR = qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr")
_VAL = qn("w:val")
# Wrappers whose content is read as if it stood in their place.
_CONTAINERS = {qn("w:sdtContent"), qn("w:customXml"), qn("w:ins"), qn("w:moveTo"), qn("w:smartTag")}
# Inline content that is not the paragraph's visible text.
_SKIP_INLINE = {
    qn("w:pPr"),
    qn("w:rPr"),
    qn("w:del"),
    qn("w:moveFrom"),
    qn("w:instrText"),
    qn("w:delText"),
    qn("w:txbxContent"),
    qn("w:drawing"),
    qn("w:pict"),
    qn("w:object"),
    qn("w:footnoteReference"),
    qn("w:endnoteReference"),
    f"{{{_MC}}}Fallback",
}
_DIGITS = "〇一二三四五六七八九"
_CHINESE_FORMATS = {"chineseCounting", "chineseCountingThousand", "japaneseCounting"}
_DECIMAL_FORMATS = {"decimal", "decimalHalfWidth", "decimalFullWidth", "decimalFullWidth2"}


def docx_blocks(data: bytes) -> list[Block]:
    document = docx.Document(io.BytesIO(data))
    numbering = _Numbering(document)
    return list(_blocks(document.element.body, numbering))


def _blocks(parent: etree._Element, numbering: _Numbering) -> Iterator[Block]:
    for child in parent:
        if child.tag == _P:
            yield numbering.prefix(child) + _inline_text(child)
        elif child.tag == _TBL:
            yield _table(child, numbering)
        elif child.tag == _SDT or child.tag in _CONTAINERS:
            yield from _blocks(child, numbering)


def _inline_text(element: etree._Element) -> str:
    parts: list[str] = []
    for child in element:
        tag = child.tag
        if tag == _T:
            parts.append(child.text or "")
        elif tag == _TAB:
            parts.append(" ")  # a tab inside a paragraph is a space: tabs separate cells
        elif tag in (_BR, _CR):
            if child.get(qn("w:type")) != "page":
                parts.append("\n")
        elif tag == qn("w:noBreakHyphen"):
            parts.append("-")
        elif isinstance(tag, str) and tag not in _SKIP_INLINE:
            parts.append(_inline_text(child))
    return "".join(parts)


def _rows(tbl: etree._Element) -> Iterator[etree._Element]:
    for child in tbl:
        if child.tag == _TR:
            yield child
        elif child.tag == _SDT or child.tag in _CONTAINERS:
            yield from _rows(child)


def _cells(tr: etree._Element) -> Iterator[etree._Element]:
    for child in tr:
        if child.tag == _TC:
            yield child
        elif child.tag == _SDT or child.tag in _CONTAINERS:
            yield from _cells(child)


def _int(element: etree._Element | None, default: int) -> int:
    if element is None:
        return default
    try:
        return int(element.get(_VAL, default))
    except ValueError:
        return default


def _table(tbl: etree._Element, numbering: _Numbering) -> Table:
    columns = len(tbl.findall(f"{qn('w:tblGrid')}/{qn('w:gridCol')}"))
    rows: Table = []
    for tr in _rows(tbl):
        row = [""] * _int(tr.find(f"{qn('w:trPr')}/{qn('w:gridBefore')}"), 0)
        for tc in _cells(tr):
            span = max(1, _int(tc.find(f"{qn('w:tcPr')}/{qn('w:gridSpan')}"), 1))
            merge = tc.find(f"{qn('w:tcPr')}/{qn('w:vMerge')}")
            if merge is not None and merge.get(_VAL, "continue") == "continue":
                text = ""  # the continuation of a vertically merged cell
            else:
                text = cell_text(flat_lines(_blocks(tc, numbering)))
            row.append(text)
            row.extend([""] * (span - 1))
        rows.append(row)
    width = max([columns, *(len(row) for row in rows)])
    return [row + [""] * (width - len(row)) for row in rows]


class _Numbering:
    """Word's automatic list numbers, counted in document order."""

    def __init__(self, document: docx.document.Document) -> None:
        self._styles = {
            style.get(qn("w:styleId")): style
            for style in document.styles.element.findall(qn("w:style"))
        }
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError):
            root = None
        self._abstract: dict[str, etree._Element] = {}
        self._nums: dict[str, etree._Element] = {}
        if root is not None:
            for element in root.findall(qn("w:abstractNum")):
                self._abstract[element.get(qn("w:abstractNumId"), "")] = element
            for element in root.findall(qn("w:num")):
                self._nums[element.get(qn("w:numId"), "")] = element
        self._counters: dict[str, list[int | None]] = {}

    def prefix(self, paragraph: etree._Element) -> str:
        if not self._nums:
            return ""
        num_id, level = self._number_properties(paragraph)
        num = self._nums.get(num_id or "")
        if num is None or not 0 <= level <= 8:
            return ""
        abstract = self._abstract.get(_val(num.find(qn("w:abstractNumId"))) or "")
        if abstract is None:
            return ""
        levels = self._levels(abstract, num)
        overridden = num.find(qn("w:lvlOverride")) is not None
        key = f"num:{num_id}" if overridden else f"abstract:{abstract.get(qn('w:abstractNumId'))}"
        counters = self._counters.setdefault(key, [None] * 9)
        start = _start(levels.get(level))
        counters[level] = start if counters[level] is None else counters[level] + 1
        for deeper in range(level + 1, 9):
            counters[deeper] = None
        return _label(levels, level, counters)

    def _number_properties(self, paragraph: etree._Element) -> tuple[str | None, int]:
        num_id: str | None = None
        level: int | None = None
        properties = paragraph.find(qn("w:pPr"))
        style_id = None
        if properties is not None:
            num_pr = properties.find(qn("w:numPr"))
            if num_pr is not None:
                num_id = _val(num_pr.find(qn("w:numId")))
                ilvl = _val(num_pr.find(qn("w:ilvl")))
                level = int(ilvl) if ilvl and ilvl.isdigit() else None
            style_id = _val(properties.find(qn("w:pStyle")))
        seen: set[str] = set()
        while (num_id is None or level is None) and style_id and style_id not in seen:
            seen.add(style_id)
            style = self._styles.get(style_id)
            if style is None:
                break
            num_pr = style.find(f"{qn('w:pPr')}/{qn('w:numPr')}")
            if num_pr is not None:
                if num_id is None:
                    num_id = _val(num_pr.find(qn("w:numId")))
                ilvl = _val(num_pr.find(qn("w:ilvl")))
                if level is None and ilvl and ilvl.isdigit():
                    level = int(ilvl)
            style_id = _val(style.find(qn("w:basedOn")))
        if num_id in (None, "0"):
            return None, 0
        return num_id, level or 0

    @staticmethod
    def _levels(abstract: etree._Element, num: etree._Element) -> dict[int, etree._Element]:
        levels: dict[int, etree._Element] = {}
        for lvl in abstract.findall(qn("w:lvl")):
            ilvl = lvl.get(qn("w:ilvl"), "")
            if ilvl.isdigit():
                levels[int(ilvl)] = lvl
        for override in num.findall(qn("w:lvlOverride")):
            ilvl = override.get(qn("w:ilvl"), "")
            if not ilvl.isdigit():
                continue
            replacement = override.find(qn("w:lvl"))
            start = override.find(qn("w:startOverride"))
            if replacement is not None:
                levels[int(ilvl)] = replacement
            elif start is not None and int(ilvl) in levels:
                copy = etree.fromstring(etree.tostring(levels[int(ilvl)]))
                for old in copy.findall(qn("w:start")):
                    copy.remove(old)
                new = etree.SubElement(copy, qn("w:start"))
                new.set(_VAL, start.get(_VAL, "1"))
                levels[int(ilvl)] = copy
        return levels


def _val(element: etree._Element | None) -> str | None:
    return None if element is None else element.get(_VAL)


def _start(lvl: etree._Element | None) -> int:
    value = _val(None if lvl is None else lvl.find(qn("w:start")))
    return int(value) if value and value.isdigit() else 1


def _label(levels: dict[int, etree._Element], level: int, counters: list[int | None]) -> str:
    """The number as Word shows it, or "" when its format is not a plain count."""
    lvl = levels.get(level)
    template = _val(None if lvl is None else lvl.find(qn("w:lvlText")))
    own_format = _val(_find(lvl, "w:numFmt")) or "decimal"
    if not template or own_format not in _DECIMAL_FORMATS | _CHINESE_FORMATS:
        return ""  # bullets, letters, roman numerals...: left out
    out: list[str] = []
    index = 0
    while index < len(template):
        char = template[index]
        if char == "%" and index + 1 < len(template) and template[index + 1] in "123456789":
            referenced = int(template[index + 1]) - 1
            value = counters[referenced]
            if value is None:
                value = _start(levels.get(referenced))
            fmt = _val(_find(levels.get(referenced), "w:numFmt")) or "decimal"
            shown = _format(value, fmt)
            if shown is None:
                return ""
            out.append(shown)
            index += 2
        else:
            out.append(char)
            index += 1
    return "".join(out)


def _find(element: etree._Element | None, tag: str) -> etree._Element | None:
    return None if element is None else element.find(qn(tag))


def _format(value: int, fmt: str) -> str | None:
    if fmt in _DECIMAL_FORMATS:
        if fmt.startswith("decimalFullWidth"):
            return "".join(chr(ord(d) - 0x30 + 0xFF10) for d in str(value))
        return str(value)
    if fmt in _CHINESE_FORMATS and 0 < value < 100:
        tens, units = divmod(value, 10)
        if not tens:
            return _DIGITS[units]
        return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[units] if units else "")
    return None
