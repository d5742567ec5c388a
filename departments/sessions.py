"""How long a login lasts on a device the person asked to remember."""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.utils import timezone

# Set on the request by the login view when the person ticked "remember this
# device"; read by departments.signals.record_login, which logs the choice.
REMEMBER_DEVICE_ATTR = "remember_device"


def working_day_end() -> time:
    return time.fromisoformat(settings.SESSION_REMEMBER_UNTIL)


def remembered_until(*, login_at: datetime) -> datetime | None:
    """When the cookie of a remembered login expires: the end of the working day
    of the login (SESSION_REMEMBER_UNTIL, local time), never beyond the absolute
    limit of a session; None after the working day has ended (the login is then
    an ordinary one, its cookie gone when the browser closes)."""
    local = timezone.localtime(login_at)
    day_end = datetime.combine(local.date(), working_day_end(), tzinfo=local.tzinfo)
    absolute_end = login_at + timedelta(hours=settings.SESSION_ABSOLUTE_HOURS)
    until = min(day_end, absolute_end.replace(microsecond=0))
    return timezone.localtime(until) if until > login_at else None
