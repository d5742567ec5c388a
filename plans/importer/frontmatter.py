"""The plan's identity: title, document number, issuer and date.

A plan copied from a government portal starts with the portal's navigation, the
metadata lines (`- 文 号:…`, `- 发文日期:…`) and the circular (通知) that issues
the plan; a plan typed by hand may have none of that. Metadata wins where it is
present, the text itself is read otherwise.
"""

from __future__ import annotations

import datetime
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from plans.importer.textutil import WHITESPACE, fold, paren_groups

_METADATA = re.compile(r"^[-*•·]?\s*(?P<key>[^:]{1,12}?)\s*:\s*(?P<value>.*?)\s*$")
_DOC_NUMBER_KEYS = frozenset({"文号", "发文字号", "发文文号"})
_DATE_KEYS = frozenset({"发文日期", "成文日期", "发布日期", "印发日期"})
_ISSUER_KEYS = frozenset({"发布机构", "发文机关", "发文单位", "发文机构"})
_NAME_KEYS = frozenset({"名称", "标题", "文件名称"})

_DOC_NUMBER = re.compile(
    r"(?P<prefix>[\u4e00-\u9fff]{1,10})\s*[〔\[【(]\s*(?P<year>(?:19|20)\d{2})\s*[〕\]】)]"
    r"\s*第?\s*(?P<number>\d{1,5})\s*号"
)
_DATE_LINE = re.compile(r"^(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日$")
_CHINESE_DATE_LINE = re.compile(
    r"^(?P<y>[〇零○O一二三四五六七八九]{4})年(?P<m>[一二三四五六七八九十]{1,2})月"
    r"(?P<d>[一二三四五六七八九十]{1,3})日$"
)
_LOOSE_DATE = re.compile(r"(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})")
_ORGANISATION = re.compile(
    r"(?:办公室|办公厅|政府|委员会|局|厅|委|办|部|小组|中心|院|会|处|室|公司|集团|联|署|站|所)$"
)
_PLAN_TITLE = re.compile(
    r"(?:方案|计划|规划|意见|办法|细则|要点|纲要|措施|清单|安排)(?:\s*\([^()]*\))?$"
)
# 关于印发 outside any 《》: "根据《…关于印发…的通知》" cites another document.
_CIRCULAR_TITLE = re.compile(r"^[^《]*?关于印发《?(?P<title>[^《》]+?)》?的通知")
_QUOTED_PLAN = re.compile(r"《(?P<title>[^《》]+?(?:方案|计划|规划|意见|办法|细则|要点|纲要))》")
_ISSUER_OF_CIRCULAR = re.compile(r"^(?P<issuer>[^,;:。]+?)关于印发")

_CHINESE_DIGITS = {"〇": 0, "零": 0, "○": 0, "O": 0, "一": 1, "二": 2, "三": 3, "四": 4}
_CHINESE_DIGITS |= {"五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


@dataclass(frozen=True)
class FrontMatter:
    title: str
    doc_number: str
    issuer: str
    issued_on: datetime.date | None


def read_front_matter(lines: Sequence[str], body_start: int) -> FrontMatter:
    """Read the identity of the plan whose structured body starts at index `body_start`."""
    metadata = _metadata(lines[:body_start])
    title_index = _plan_title_index(lines, body_start)
    front_end = title_index if title_index is not None else body_start
    front = [line.strip(WHITESPACE) for line in lines[:front_end]]

    date_index = _signature_date_index(lines, front_end)
    issued_on = _loose_date(metadata.get("date", ""))
    if issued_on is None and date_index is not None:
        issued_on = line_date(lines[date_index].strip(WHITESPACE))

    return FrontMatter(
        title=_title(lines, title_index, metadata, front),
        doc_number=(
            _doc_number(metadata.get("doc_number", ""))
            or _doc_number_in(front)
            # A typed plan may put its number on the line under the title.
            or _doc_number_opening(lines[front_end:body_start])
        ),
        issuer=_issuer(lines, date_index, metadata, front),
        issued_on=issued_on,
    )


def _metadata(lines: Sequence[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in lines:
        match = _METADATA.match(fold(line).strip(WHITESPACE))
        if match is None:
            continue
        key = re.sub(r"\s+", "", match.group("key"))
        # The value is cut from the original line: the fold only serves the matching.
        stripped = line.strip(WHITESPACE)
        value = stripped[match.start("value") : match.end("value")]
        for name, keys in (
            ("doc_number", _DOC_NUMBER_KEYS),
            ("date", _DATE_KEYS),
            ("issuer", _ISSUER_KEYS),
            ("name", _NAME_KEYS),
        ):
            if key in keys and value and name not in found:
                found[name] = value
    return found


def _plan_title_index(lines: Sequence[str], body_start: int) -> int | None:
    """The last line before the body that reads like a plan's own title."""
    for index in range(body_start - 1, -1, -1):
        line = fold(lines[index]).strip(WHITESPACE)
        if not 4 <= len(line) <= 60 or line[0] in "-*《":
            continue
        if any(mark in line for mark in ("关于印发", "通知", "。", ",", ":", ";")):
            continue
        if _PLAN_TITLE.search(line):
            return index
    return None


def _title(
    lines: Sequence[str], title_index: int | None, metadata: dict[str, str], front: list[str]
) -> str:
    if title_index is not None:
        return lines[title_index].strip(WHITESPACE)
    for candidate in [metadata.get("name", ""), *front]:
        match = _CIRCULAR_TITLE.search(candidate)
        if match:
            return match.group("title").strip(WHITESPACE)
    for line in front:
        match = _QUOTED_PLAN.search(line)
        if match:
            return match.group("title").strip(WHITESPACE)
    return ""


def _doc_number(text: str) -> str:
    match = _DOC_NUMBER.search(fold(text))
    if match is None:
        return ""
    # GB/T 9704 writes the year in 〔〕 and the number without 第 or leading zeros.
    return f"{match.group('prefix')}〔{match.group('year')}〕{int(match.group('number'))}号"


def _doc_number_in(front: list[str]) -> str:
    """The circular's own number: opening a line, else not inside a citation's brackets."""
    if number := _doc_number_opening(front):
        return number
    for line in front:
        folded = fold(line)
        groups, _ = paren_groups(folded)
        for match in _DOC_NUMBER.finditer(folded):
            if not any(g.start < match.start() < g.end for g in groups):
                return _doc_number(match.group(0))
    return ""


def _doc_number_opening(lines: Sequence[str]) -> str:
    for line in lines:
        match = _DOC_NUMBER.match(fold(line).strip(WHITESPACE))
        if match:
            return _doc_number(match.group(0))
    return ""


def _signature_date_index(lines: Sequence[str], front_end: int) -> int | None:
    """The date under the issuer's signature: in the front matter, else the last one in the text."""
    dated = [index for index, line in enumerate(lines) if line_date(line.strip(WHITESPACE))]
    in_front = [index for index in dated if index < front_end]
    if in_front:
        return in_front[0]
    return dated[-1] if dated else None


def _issuer(
    lines: Sequence[str], date_index: int | None, metadata: dict[str, str], front: list[str]
) -> str:
    # The signature spells the issuer out in full (邢台市人民政府办公室) where the portal's
    # 发布机构 field abbreviates it (市政府办公室), so the text is read first here.
    if date_index is not None:
        for index in range(date_index - 1, -1, -1):
            line = lines[index].strip(WHITESPACE)
            if line:
                if looks_like_organisation(line):
                    return line
                break
    for candidate in [metadata.get("name", ""), *front]:
        match = _ISSUER_OF_CIRCULAR.match(fold(candidate).strip(WHITESPACE))
        if match and looks_like_organisation(match.group("issuer")):
            return candidate.strip(WHITESPACE)[: match.end("issuer")]
    # A circular headed by its issuer on a line of its own: 某市人民政府 / 关于印发…的通知.
    written = [line.strip(WHITESPACE) for line in front if line.strip(WHITESPACE)]
    for above, line in itertools.pairwise(written):
        issuer = above.removesuffix("文件")  # 某市人民政府文件: the letterhead's form
        if fold(line).startswith("关于印发") and looks_like_organisation(issuer):
            return issuer
    return metadata.get("issuer", "")


def looks_like_organisation(line: str) -> bool:
    folded = fold(line)
    if (
        not folded
        or len(folded) > 50
        or folded[0] in "-*"
        or any(mark in folded for mark in "。,:;、()《")
    ):
        return False
    return bool(_ORGANISATION.search(folded))


def line_date(line: str) -> datetime.date | None:
    folded = fold(line)
    match = _DATE_LINE.match(folded)
    if match:
        return _date(int(match.group("y")), int(match.group("m")), int(match.group("d")))
    match = _CHINESE_DATE_LINE.match(folded)
    if match:
        year = int("".join(str(_CHINESE_DIGITS[char]) for char in match.group("y")))
        return _date(year, chinese_number(match.group("m")), chinese_number(match.group("d")))
    return None


def _loose_date(text: str) -> datetime.date | None:
    match = _LOOSE_DATE.search(fold(text))
    if match is None:
        return None
    return _date(int(match.group("y")), int(match.group("m")), int(match.group("d")))


def _date(year: int, month: int, day: int) -> datetime.date | None:
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None  # e.g. 2023年2月30日: no date rather than a wrong one


def chinese_number(text: str) -> int:
    """一 … 九十九, as written in dates, section and category numbers (0 if unreadable)."""
    if "十" not in text:
        return _CHINESE_DIGITS.get(text, 0) if len(text) == 1 else 0
    tens, _, units = text.partition("十")
    return _CHINESE_DIGITS.get(tens, 1 if not tens else 0) * 10 + _CHINESE_DIGITS.get(units, 0)
