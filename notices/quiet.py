"""Quiet hours: a daily window ("22:00-07:00") in which no e-mail or robot
message goes out; what falls due then waits for the window's end.

Pure functions of the setting's text and a local time, tested without a database.
"""

import datetime

from django.core.exceptions import ImproperlyConfigured


def parse_quiet_hours(text: str) -> tuple[datetime.time, datetime.time] | None:
    """The window of a "HH:MM-HH:MM" setting; None when it is empty or starts as it ends."""
    text = text.strip()
    if not text:
        return None
    try:
        start_text, end_text = (part.strip() for part in text.split("-"))
        start = datetime.time.fromisoformat(start_text)
        end = datetime.time.fromisoformat(end_text)
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"NOTICE_QUIET_HOURS must read like 22:00-07:00, not {text!r}."
        ) from exc
    if start == end:
        return None
    return start, end


def quiet_until(
    local_now: datetime.datetime, window: tuple[datetime.time, datetime.time] | None
) -> datetime.datetime | None:
    """When the quiet window around `local_now` ends, or None outside the window.

    `local_now` is an aware datetime in the local time zone; so is the answer.
    The window may run over midnight (22:00-07:00) or not (12:00-14:00).
    """
    if window is None:
        return None
    start, end = window
    moment = local_now.time().replace(tzinfo=None)
    today = local_now.date()
    if start < end:
        inside = start <= moment < end
        end_day = today
    else:
        inside = moment >= start or moment < end
        end_day = today + datetime.timedelta(days=1) if moment >= start else today
    if not inside:
        return None
    naive_end = datetime.datetime.combine(end_day, end)
    return naive_end.replace(tzinfo=local_now.tzinfo) if local_now.tzinfo else naive_end


def parse_clock(text: str) -> datetime.time:
    """A time of day setting ("17:30")."""
    try:
        return datetime.time.fromisoformat(text.strip())
    except ValueError as exc:
        raise ImproperlyConfigured(f"Expected a time of day like 17:30, not {text!r}.") from exc
