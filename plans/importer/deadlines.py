"""Completion deadlines as plans write them (完成时限): a date, or work that never ends.

    2023年底前 → 2023-12-31        2024年6月底前 → 2024-06-30    2024年6月 → 2024-06-30
    2024年上半年 → 2024-06-30      2025年第三季度 → 2025-09-30   2024年6月15日前 → 2024-06-15
    2023—2027年 → 2027-12-31       长期坚持 / 持续推进 / 每年 / 常态化 → standing work

A deadline is the last day the work may be done on, so every period reads as its end.
"""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass

from plans.importer.textutil import WHITESPACE, fold

_STANDING = re.compile(
    r"长期(?:坚持|推进|实施|开展)?|持续(?:推进|开展|实施|进行|落实)?|常态化(?:推进|开展)?|每年|"
    r"年度|逐年|每季度|每月|按年度|长效|定期"
)
# The year may come as 2024 or 2024年; ranges such as 2023—2027年 end at their last year.
_YEAR = r"(?P<year>20\d{2})\s*年?"
_RANGE_END = re.compile(r"20\d{2}\s*年?\s*[-—–~至到]+\s*(?P<year>20\d{2})\s*年")
_DAY = re.compile(_YEAR + r"\s*(?P<month>\d{1,2})\s*月\s*(?P<day>\d{1,2})\s*日")
_MONTH = re.compile(_YEAR + r"\s*(?P<month>\d{1,2})\s*月(?P<before>前|以前|之前)?")
_QUARTER = re.compile(_YEAR + r"\s*第?(?P<quarter>[一二三四1-4])\s*季度")
_HALF = re.compile(_YEAR + r"\s*(?P<half>上|下)半年")
_YEAR_ONLY = re.compile(_YEAR)
_ISO = re.compile(r"^(?P<year>20\d{2})-(?P<month>\d{1,2})-(?P<day>\d{1,2})$")
_QUARTERS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}


@dataclass(frozen=True)
class ParsedDeadline:
    text: str  # as written
    date: datetime.date | None
    standing: bool  # ongoing work (长期坚持, 每年…) with no completion date

    def to_json_dict(self) -> dict[str, object]:
        return {
            "text": self.text,
            "date": self.date.isoformat() if self.date else None,
            "standing": self.standing,
        }


def read_deadline(text: str) -> ParsedDeadline | None:
    """The deadline `text` states, or None when it states none."""
    written = text.strip(WHITESPACE + "。;,，；")
    if not written:
        return None
    date = deadline_date(written)
    if date is not None:
        return ParsedDeadline(written, date, False)
    if _STANDING.search(written):
        return ParsedDeadline(written, None, True)
    return None


def deadline_date(text: str) -> datetime.date | None:
    """The last day of the period `text` names (the first period it names), or None."""
    folded = fold(text).replace(" ", "")
    if iso := _ISO.match(folded):
        return _date(int(iso["year"]), int(iso["month"]), int(iso["day"]))
    if ranged := _RANGE_END.search(folded):
        return datetime.date(int(ranged["year"]), 12, 31)
    if day := _DAY.search(folded):
        return _date(int(day["year"]), int(day["month"]), int(day["day"]))
    if month := _MONTH.search(folded):
        year, number = int(month["year"]), int(month["month"])
        if not 1 <= number <= 12:
            return None
        if month["before"]:
            # 2024年7月前: before July, so by the end of June.
            year, number = (year - 1, 12) if number == 1 else (year, number - 1)
        return _month_end(year, number)
    if quarter := _QUARTER.search(folded):
        return _month_end(int(quarter["year"]), _QUARTERS[quarter["quarter"]] * 3)
    if half := _HALF.search(folded):
        return _month_end(int(half["year"]), 6 if half["half"] == "上" else 12)
    if year := _YEAR_ONLY.search(folded):
        return datetime.date(int(year["year"]), 12, 31)
    return None


def _month_end(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def _date(year: int, month: int, day: int) -> datetime.date | None:
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None
