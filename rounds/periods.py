"""Preset periods of monthly and quarterly rounds."""

import datetime

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
