"""Preset periods of monthly and quarterly rounds."""

import datetime
import re

from rounds.models import Round

QUARTERS = ["一", "二", "三", "四"]


def period_label(cadence: str, year: int, index: int) -> str:
    if cadence == Round.Cadence.QUARTERLY:
        return f"{year}年第{QUARTERS[index - 1]}季度"
    return f"{year}年{index}月"


def _period_end(cadence: str, year: int, index: int) -> datetime.date:
    month = index * 3 if cadence == Round.Cadence.QUARTERLY else index
    if month == 12:
        return datetime.date(year, 12, 31)
    return datetime.date(year, month + 1, 1) - datetime.timedelta(days=1)


def round_series_dates(
    cadence: str, year: int, index: int, deadline_day: int
) -> tuple[str, datetime.date, datetime.date]:
    """A preset round: the period's label; it opens ten days before the period
    ends and is due on `deadline_day` of the month after it."""
    end = _period_end(cadence, year, index)
    deadline = end + datetime.timedelta(days=min(max(deadline_day, 1), 28))
    return period_label(cadence, year, index), end - datetime.timedelta(days=10), deadline


_MONTH_LABEL = re.compile(r"^(?P<year>\d{4})年(?P<month>\d{1,2})月$")
_QUARTER_LABEL = re.compile(r"^(?P<year>\d{4})年第(?P<quarter>[一二三四1-4])季度$")


def period_end(rnd: Round) -> datetime.date:
    """The last day of the period a round reports on: read from a preset label
    ("2026年5月", "2026年第三季度"); for another period, the day the round opened."""
    label = rnd.period.strip()
    month = _MONTH_LABEL.match(label)
    if month and 1 <= int(month["month"]) <= 12:
        return _period_end(Round.Cadence.MONTHLY, int(month["year"]), int(month["month"]))
    quarter = _QUARTER_LABEL.match(label)
    if quarter:
        index = quarter["quarter"]
        number = QUARTERS.index(index) + 1 if index in QUARTERS else int(index)
        return _period_end(Round.Cadence.QUARTERLY, int(quarter["year"]), number)
    return rnd.opens_on
