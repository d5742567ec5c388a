"""Audit rows for logins, logouts, failures and lockouts, from Django's and axes' signals.

Connected in DepartmentsConfig.ready(). Passwords never reach the trail: Django
sends the credentials of a failed login with the password masked, and only
the user name is kept from them.
"""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import audit_record
from departments.access import client_ip
from departments.models import User
from departments.sessions import REMEMBER_DEVICE_ATTR, remembered_until

# Where the session keeps the time of the login (for the absolute session limit)
# and of the last save made for activity (for the idle timeout).
LOGIN_AT_SESSION_KEY = "auth_login_at"
ACTIVITY_AT_SESSION_KEY = "auth_activity_at"
# Set on the request by the session-limit middleware before it logs the person out.
SESSION_EXPIRED_ATTR = "session_expired"

_USERNAME_LENGTH = AuditEvent._meta.get_field("username").max_length


def _address(request: HttpRequest | None) -> str | None:
    return client_ip(request) if request is not None else None


def record_login(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    # The row says whether the person asked to remember the device and, when the
    # working day had not yet ended, until when the cookie lasts.
    remember = bool(getattr(request, REMEMBER_DEVICE_ATTR, False))
    summary: dict[str, Any] = {"remember_device": remember}
    if hasattr(request, "session"):
        now = timezone.now()
        request.session[LOGIN_AT_SESSION_KEY] = now.timestamp()
        request.session[ACTIVITY_AT_SESSION_KEY] = now.timestamp()
        until = remembered_until(login_at=now) if remember else None
        if until is not None:
            # The stored session and its cookie last until then; the idle
            # timeout is kept by departments.middleware from the activity time.
            request.session.set_expiry(until)
            summary["remembered_until"] = until.isoformat()
    audit_record(action="auth.login", by=user, client_ip=_address(request), summary=summary)


def record_logout(sender: Any, request: HttpRequest, user: User | None, **kwargs: Any) -> None:
    if user is None or not user.is_authenticated:
        return
    expired = getattr(request, SESSION_EXPIRED_ATTR, False)
    audit_record(
        action="auth.session_expired" if expired else "auth.logout",
        by=user,
        client_ip=_address(request),
    )


def record_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Refused: the name was already locked, so the axes backend stopped the
    # attempt before any password check. The lockout handler also marks the
    # request locked when this very failure reaches the limit, but then it has
    # counted the failures. (Axes' receiver runs first, as the admin's
    # autodiscovery imports axes.signals before any app is ready; this test
    # holds in either order.)
    refused = bool(getattr(request, "axes_locked_out", False)) and (
        getattr(request, "axes_failures_since_start", None) is None
    )
    username = str(credentials.get(User.USERNAME_FIELD) or "")[:_USERNAME_LENGTH]
    audit_record(
        action="auth.login_failed",
        by=None,
        username=username,
        outcome=AuditEvent.Outcome.FAILED,
        client_ip=_address(request),
        summary={"reason": "locked" if refused else "credentials"},
    )


def record_lockout(
    sender: Any,
    request: HttpRequest | None,
    username: str | None,
    ip_address: str | None = None,
    failures: int | None = None,
    locked_until: datetime | None = None,
    **kwargs: Any,
) -> None:
    summary: dict[str, Any] = {}
    if failures is not None:
        summary["failures"] = failures
    if locked_until is not None:
        summary["locked_until"] = locked_until.isoformat()
    audit_record(
        action="auth.lockout",
        by=None,
        username=str(username or "")[:_USERNAME_LENGTH],
        outcome=AuditEvent.Outcome.DENIED,
        client_ip=_address(request) or ip_address,
        summary=summary,
    )
