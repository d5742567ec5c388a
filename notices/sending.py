"""Sending notices out, for notices.delivery: claiming due deliveries so that no
two workers send the same one, the per-robot rate limit, one attempt on each
channel, and recording its outcome."""

import datetime
import logging
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.core import mail
from django.db import connection, transaction
from django.db.models import Count, F, QuerySet
from django.utils import timezone

from departments.models import User
from notices import compose, robots, sealing
from notices.models import Delivery, Notice, UnitWebhook
from notices.quiet import parse_quiet_hours
from notices.quiet import quiet_until as window_end

logger = logging.getLogger(__name__)

ERROR_MAX = Delivery._meta.get_field("last_error").max_length
# The first retry waits a minute, then two, four... never more than an hour.
RETRY_FIRST = datetime.timedelta(minutes=1)
RETRY_LONGEST = datetime.timedelta(hours=1)
ROBOT_WINDOW = datetime.timedelta(minutes=1)

Channel = Delivery.Channel
Status = Delivery.Status

# Why a delivery was not sent (kept in last_error, for whoever asks why no mail came).
NO_ADDRESS = "no e-mail address"
EMAIL_OFF = "e-mail turned off by the person"
OVER_DAILY_LIMIT = "daily e-mail limit reached: goes in the digest"
INACTIVE = "the account is inactive"
ALREADY_READ = "read in the application first"
NO_ROBOT = "the unit's group robot is gone or disabled"


def quiet_until(now: datetime.datetime) -> datetime.datetime | None:
    """When the configured quiet hours around `now` end; None outside them."""
    return window_end(timezone.localtime(now), parse_quiet_hours(settings.NOTICE_QUIET_HOURS))


def max_attempts(channel: str) -> int:
    if channel == Channel.WEBHOOK:
        return 1 + settings.NOTICE_WEBHOOK_RETRIES
    return 1 + settings.NOTICE_EMAIL_RETRIES


def retry_delay(attempts: int) -> datetime.timedelta:
    """How long to wait after the attempts made so far (1, 2, 3...) failed."""
    return min(RETRY_FIRST * 2 ** max(attempts - 1, 0), RETRY_LONGEST)


def lock_skipping_taken(queryset: QuerySet) -> QuerySet:
    # PostgreSQL: rows another worker has claimed but not yet committed are
    # skipped, not waited for. SQLite has one writer at a time anyway.
    if connection.features.has_select_for_update_skip_locked:
        return queryset.select_for_update(skip_locked=True)
    return queryset


def claim(
    due: QuerySet[Delivery], *, now: datetime.datetime, limit: int, counts: dict[str, int]
) -> list[int]:
    """Take up to `limit` due deliveries for this worker; no other worker gets them.

    Claiming counts the attempt and moves next_attempt_at past the time the batch
    may take, so a worker that dies mid-batch leaves its rows to be retried later.
    """
    with transaction.atomic():
        rows = list(
            lock_skipping_taken(due.order_by("next_attempt_at", "pk")).values_list(
                "pk", "channel", "unit_id"
            )[:limit]
        )
        if not rows:
            return []
        throttled = over_robot_limit(rows, now=now)
        if throttled:
            Delivery.objects.filter(pk__in=throttled).update(next_attempt_at=now + ROBOT_WINDOW)
            counts["throttled"] += len(throttled)
        taken = [row for row in rows if row[0] not in throttled]
        robots_taken = sum(1 for row in taken if row[1] == Channel.WEBHOOK)
        lease = datetime.timedelta(
            seconds=300
            + robots_taken * float(settings.NOTICE_WEBHOOK_TIMEOUT)
            + (len(taken) - robots_taken) * float(settings.EMAIL_TIMEOUT or 30)
        )
        Delivery.objects.filter(pk__in=[row[0] for row in taken]).update(
            attempts=F("attempts") + 1, last_attempt_at=now, next_attempt_at=now + lease
        )
    return [row[0] for row in taken]


def over_robot_limit(
    rows: list[tuple[int, str, int | None]], *, now: datetime.datetime
) -> set[int]:
    """The robot messages beyond what each robot accepts in a minute."""
    units = sorted({unit for _pk, channel, unit in rows if channel == Channel.WEBHOOK and unit})
    if not units:
        return set()
    # Workers claiming messages for the same robot take turns here, so each
    # counts the other's claims (PostgreSQL; SQLite has one writer anyway).
    list(
        UnitWebhook.objects.select_for_update()
        .filter(unit_id__in=units)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    recent = defaultdict(
        int,
        Delivery.objects.filter(
            channel=Channel.WEBHOOK, unit_id__in=units, last_attempt_at__gt=now - ROBOT_WINDOW
        )
        .order_by()
        .values("unit_id")
        .annotate(count=Count("pk"))
        .values_list("unit_id", "count"),
    )
    over: set[int] = set()
    for pk, channel, unit in rows:
        if channel != Channel.WEBHOOK or not unit:
            continue
        if recent[unit] >= robots.MESSAGES_PER_MINUTE:
            over.add(pk)
        else:
            recent[unit] += 1
    return over


def names_for_robots(deliveries: list[Delivery]) -> dict[tuple, list[User]]:
    """Everyone of the unit notified of the item that day, per robot message, in one query."""
    if not deliveries:
        return {}
    notices = (
        Notice.objects.filter(
            key__in={d.key for d in deliveries},
            day__in={d.day for d in deliveries},
            recipient__unit_id__in={d.unit_id for d in deliveries},
            recipient__is_active=True,
        )
        .select_related("recipient")
        .order_by("recipient_id")
    )
    named: dict[tuple, list[User]] = defaultdict(list)
    for notice in notices:
        named[(notice.recipient.unit_id, notice.key, notice.day)].append(notice.recipient)
    return named


def finish(delivery: Delivery, error: str | None, *, now: datetime.datetime) -> str:
    """Record one attempt's outcome at once (a crash later in the batch must not
    send it again); the outcome's name for the counts."""
    delivery.last_error = (error or "")[:ERROR_MAX]
    if error is None:
        delivery.status, delivery.sent_at, delivery.next_attempt_at = Status.SENT, now, None
        outcome = "sent"
    elif delivery.attempts >= max_attempts(delivery.channel):
        delivery.status, delivery.next_attempt_at = Status.FAILED, None
        outcome = "failed"
    else:
        delivery.next_attempt_at = now + retry_delay(delivery.attempts)
        outcome = "retry"
    delivery.save(update_fields=["status", "sent_at", "next_attempt_at", "last_error"])
    return outcome


def skip(delivery: Delivery, reason: str) -> None:
    delivery.status, delivery.last_error, delivery.next_attempt_at = Status.SKIPPED, reason, None
    delivery.save(update_fields=["status", "last_error", "next_attempt_at"])


class Mailer:
    """One mail connection for a batch, opened at the first message. When the
    server cannot be reached, the rest of the batch fails at once instead of
    waiting EMAIL_TIMEOUT for each message."""

    def __init__(self) -> None:
        self.connection = mail.get_connection(fail_silently=False)
        self.opened = False
        self.unreachable: str | None = None

    def send(self, message: mail.EmailMessage) -> str | None:
        if self.unreachable is not None:
            return self.unreachable
        if not self.opened:
            try:
                self.connection.open()
            except Exception as exc:
                self.unreachable = f"mail server: {type(exc).__name__}: {exc}"
                return self.unreachable
            self.opened = True
        message.connection = self.connection
        try:
            return None if message.send() else "the mail server took no message"
        except Exception as exc:
            # SMTP and socket errors alike: the attempt failed; try again later.
            return f"{type(exc).__name__}: {exc}"

    def close(self) -> None:
        if self.opened:
            try:
                self.connection.close()
            except Exception:
                logger.warning("Closing the mail connection failed.", exc_info=True)


def send_email(delivery: Delivery, mailer: Mailer) -> str | None:
    notice = delivery.notice
    return mailer.send(compose.notice_email(notice, notice.recipient.email))


def send_robot(delivery: Delivery, named: dict[tuple, list[User]]) -> str | None:
    robot = delivery.unit.webhook
    people = named.get((delivery.unit_id, delivery.key, delivery.day), [])
    content = compose.robot_content(delivery.notice, [str(person) for person in people])
    body = robots.payload(
        kind=robot.kind,
        content=content,
        mobiles=robots.mobiles_of([person.phone for person in people]),
    )
    # The sealed address and secret are opened here, for this one request, only.
    try:
        url = sealing.opened(robot.url)
        secret = sealing.opened(robot.secret)
    except sealing.SealError as exc:
        return f"refused: {exc}"
    if robot.kind == robots.DINGTALK:
        url = robots.signed_url(url, secret)
    return robots.post(
        url,
        body,
        timeout=float(settings.NOTICE_WEBHOOK_TIMEOUT),
        allowed_hosts=settings.NOTICE_ROBOT_HOSTS,
    )


def why_not(delivery: Delivery) -> str | None:
    """Why a claimed delivery must not go out after all (things change while it waits)."""
    notice = delivery.notice
    if delivery.channel == Channel.WEBHOOK:
        robot = getattr(delivery.unit, "webhook", None) if delivery.unit else None
        return None if robot is not None and robot.enabled else NO_ROBOT
    if not notice.recipient.is_active:
        return INACTIVE
    if not notice.recipient.email:
        return NO_ADDRESS
    if notice.read_at is not None:
        return ALREADY_READ
    return None


def record_digest_outcomes(
    outcomes: dict[tuple[str, str], list[int]], *, now: datetime.datetime
) -> None:
    """One UPDATE per outcome, not one per delivery."""
    for (status, note), pks in outcomes.items():
        if not pks:
            continue
        changes: dict[str, Any] = {"status": status, "last_error": note}
        if status == Status.SENT:
            changes["sent_at"] = now
        if status != Status.SKIPPED:
            changes |= {"attempts": F("attempts") + 1, "last_attempt_at": now}
        Delivery.objects.filter(pk__in=pks).update(**changes)
