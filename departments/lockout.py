"""Login lockout: N failures for one user name within a window lock it for a fixed time.

django-axes' stock database handler keeps one AccessAttempt row per client
whose time moves with every failure, and uses the cool-off both as the
counting window and as the lock: failures spread over hours still add up as
long as each comes within the cool-off of the one before, and each refused
attempt pushes the release further out. The rule here is the one the
security assessment asks for:

- every failure is one AccessFailureLog row with its own time;
- LOGIN_FAILURE_LIMIT failures within LOGIN_FAILURE_WINDOW lock the user name;
  the failure that reaches the limit is marked `locked_out`;
- the name stays locked for LOGIN_LOCKOUT from that failure, whatever happens
  meanwhile; attempts refused during the lock are not counted;
- failures before a lock never count towards the next one.

Across user names, one client address is throttled too: LOGIN_ADDRESS_FAILURE_LIMIT
failures from it within LOGIN_FAILURE_WINDOW refuse its further attempts until the
oldest of them leaves the window. The limit is high (50 by default), so an office
of people behind one NAT address mistyping on deadline day never meets it, while
guessing passwords across many names from one machine is stopped.

The lock is by the user name typed, known or not, so a new client address
does not release it and an unknown name behaves exactly like a known one.
"""

import math
from datetime import datetime
from logging import getLogger

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit
from axes.models import AccessFailureLog
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.db import router, transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import ngettext

log = getLogger(__name__)


def lockout_parameters(request: HttpRequest | None, credentials: dict | None) -> list[str]:
    """Lock by user name only (AXES_LOCKOUT_PARAMETERS).

    Axes warns (axes.W006) when the parameters, given as a list, leave out
    the client address. Here that is the point: the people of one government
    office reach the server through one NAT address, and locking that address
    would lock the whole office out because of one person's typing. Given as
    a callable, the choice is stated in code rather than silenced.
    """
    return ["username"]


def _failures(username: str) -> QuerySet[AccessFailureLog]:
    return AccessFailureLog.objects.filter(username=username)


def lock_started_at(username: str, now: datetime) -> datetime | None:
    """When the current lock of this user name began, or None when it is not locked."""
    return (
        _failures(username)
        .filter(locked_out=True, attempt_time__gt=now - settings.LOGIN_LOCKOUT)
        .order_by("-attempt_time")
        .values_list("attempt_time", flat=True)
        .first()
    )


def counted_failures(username: str, now: datetime) -> int:
    """Failures of this user name within the window that came after its last lock began."""
    failures = _failures(username).filter(
        attempt_time__gt=now - settings.LOGIN_FAILURE_WINDOW, attempt_time__lte=now
    )
    last_lock = (
        _failures(username)
        .filter(locked_out=True)
        .order_by("-attempt_time")
        .values_list("attempt_time", flat=True)
        .first()
    )
    if last_lock is not None:
        failures = failures.filter(attempt_time__gt=last_lock)
    return failures.count()


def address_failures(ip_address: str | None, now: datetime) -> list[datetime]:
    """Times of the failures from this address within the window, oldest first."""
    if not ip_address:
        return []
    return list(
        AccessFailureLog.objects.filter(
            ip_address=ip_address,
            attempt_time__gt=now - settings.LOGIN_FAILURE_WINDOW,
            attempt_time__lte=now,
        )
        .order_by("attempt_time")
        .values_list("attempt_time", flat=True)
    )


def address_throttled_until(ip_address: str | None, now: datetime) -> datetime | None:
    """When this address may try again, or None when it is not throttled."""
    times = address_failures(ip_address, now)
    limit = settings.LOGIN_ADDRESS_FAILURE_LIMIT
    if len(times) < limit:
        return None
    # Free again once enough of them leave the window to come under the limit.
    return times[len(times) - limit] + settings.LOGIN_FAILURE_WINDOW


def address_message(until: datetime) -> str:
    minutes = max(1, math.ceil((until - timezone.now()).total_seconds() / 60))
    return ngettext(
        "Too many failed log-in attempts from this network address. "
        "Try again in %(minutes)d minute.",
        "Too many failed log-in attempts from this network address. "
        "Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


def lockout_message(username: str) -> str:
    """Says how long the lock lasts; the same for every name typed, known or not."""
    now = timezone.now()
    started = lock_started_at(username, now)
    remaining = (started + settings.LOGIN_LOCKOUT - now) if started else settings.LOGIN_LOCKOUT
    minutes = max(1, math.ceil(remaining.total_seconds() / 60))
    return ngettext(
        "Too many failed log-in attempts with this user name. Try again in %(minutes)d minute.",
        "Too many failed log-in attempts with this user name. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
) -> HttpResponse:
    """The login page again, with the lockout message, instead of axes' bare text."""
    username = get_client_username(request, credentials) or ""
    form = AuthenticationForm(request, initial={"username": username})
    until = address_throttled_until(getattr(request, "axes_ip_address", None), timezone.now())
    context = {
        "form": form,
        "lockout_message": address_message(until) if until else lockout_message(username),
        "next": request.POST.get("next", ""),
    }
    return render(request, "registration/login.html", context, status=429)


class WindowedLockoutHandler(AxesDatabaseHandler):
    """Axes' database handler with per-failure times (see the module's docstring)."""

    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        username = get_client_username(request, credentials)
        if not username:
            return 0
        return counted_failures(username, timezone.now())

    def is_locked(self, request: HttpRequest, credentials: dict | None = None) -> bool:
        if not settings.AXES_LOCK_OUT_AT_FAILURE:
            return False
        now = timezone.now()
        if address_throttled_until(getattr(request, "axes_ip_address", None), now):
            return True
        username = get_client_username(request, credentials)
        if not username:
            return False
        return lock_started_at(username, now) is not None

    def user_login_failed(
        self, sender: object, credentials: dict, request: HttpRequest | None = None, **kwargs
    ) -> None:
        if request is None:
            log.error("Login failure without a request: it cannot be counted.")
            return
        if self.is_whitelisted(request, credentials):
            return
        username = get_client_username(request, credentials)
        if not username:
            return
        now = timezone.now()
        if (
            request.axes_locked_out
            or lock_started_at(username, now) is not None
            or address_throttled_until(request.axes_ip_address, now) is not None
        ):
            # Refused by the backend before any password check, or (another
            # path into authenticate) a failure while locked: neither counts,
            # and neither moves the release time.
            request.axes_locked_out = True
            request.axes_credentials = credentials
            return
        with transaction.atomic(using=router.db_for_write(AccessFailureLog)):
            failure = AccessFailureLog.objects.create(
                username=username,
                ip_address=request.axes_ip_address,
                user_agent=request.axes_user_agent,
                http_accept=request.axes_http_accept,
                path_info=request.axes_path_info,
            )
            # Counted after the insert: two failures racing each other both see
            # at least the other's committed rows plus their own, so the limit
            # can be reached twice but never skipped.
            failures = counted_failures(username, failure.attempt_time)
            request.axes_failures_since_start = failures
            locks = failures >= get_failure_limit(request, credentials)
            if locks:
                failure.locked_out = True
                failure.save(update_fields=["locked_out"])
        if locks:
            log.warning("Login locked for a user name after %d failures.", failures)
            request.axes_locked_out = True
            request.axes_credentials = credentials
            user_locked_out.send(
                "axes",
                request=request,
                username=username,
                ip_address=request.axes_ip_address,
                failures=failures,
                locked_until=failure.attempt_time + settings.LOGIN_LOCKOUT,
            )
        self.remove_out_of_limit_failure_logs(username=username)

    def remove_out_of_limit_failure_logs(self, *, username: str, limit: int | None = None) -> int:
        # Axes' own version deletes rows in no particular order, and could drop
        # the row a lock hangs on; keep the newest ones.
        limit = limit if limit is not None else settings.AXES_ACCESS_FAILURE_LOG_PER_USER_LIMIT
        keep = (
            _failures(username)
            .order_by("-attempt_time", "-pk")
            .values_list("pk", flat=True)[:limit]
        )
        count, _deleted = _failures(username).exclude(pk__in=list(keep)).delete()
        return count

    def reset_attempts(
        self,
        *,
        ip_address: str | None = None,
        username: str | None = None,
        ip_or_username: bool = False,
    ) -> int:
        """`manage.py axes_reset_username NAME` releases the lock and clears the count."""
        count = super().reset_attempts(
            ip_address=ip_address, username=username, ip_or_username=ip_or_username
        )
        failures = AccessFailureLog.objects.all()
        if ip_or_username:
            failures = failures.filter(ip_address=ip_address) | failures.filter(username=username)
        else:
            if ip_address:
                failures = failures.filter(ip_address=ip_address)
            if username:
                failures = failures.filter(username=username)
        deleted, _deleted = failures.delete()
        return count + deleted


def typed_username(request: HttpRequest, credentials: dict | None = None) -> str:
    """The user name as typed, no longer than a real account's name can be."""
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials:
        value = credentials.get(field)
    else:
        value = request.POST.get(field)
    max_length = get_user_model()._meta.get_field("username").max_length
    return (value or "")[:max_length]
