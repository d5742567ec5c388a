"""Notices: making them, queueing their delivery, and what a person does with them.

notify() runs for the system (the escalation sweep, a returned report), not for
a person, as do the delivery runs in notices.delivery: the notice and its
delivery rows are themselves the record, so they write no audit row. Marking
notices read and choosing how to be e-mailed are a person's changes and are
audited; reading a supervision notice (督办单) is something the working group
may need to show.

notify() queues the Celery task notices.deliver, so this module imports
notices.tasks; the task runs notices.delivery, which never imports this module.
"""

import datetime
import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from audit.services import audit_record
from departments.models import User
from notices import sending
from notices.models import Delivery, Notice, NoticePreference, UnitWebhook
from notices.tasks import deliver_notices

logger = logging.getLogger(__name__)

KEY_MAX = Notice._meta.get_field("key").max_length
TITLE_MAX = Notice._meta.get_field("title").max_length
URL_MAX = Notice._meta.get_field("url").max_length
Channel = Delivery.Channel
Status = Delivery.Status


def _preference(user: User) -> NoticePreference:
    try:
        return user.notice_preference
    except NoticePreference.DoesNotExist:
        return NoticePreference(user=user)


def _check_notice(*, kind: str, key: str, url: str) -> None:
    # Programming errors of the caller, not a person's input.
    if kind not in Notice.Kind.values:
        raise ValueError(f"Unknown notice kind: {kind!r}")
    if not key or len(key) > KEY_MAX:
        raise ValueError(f"A notice key must have 1 to {KEY_MAX} characters: {key!r}")
    # A path inside the application only: a notice never sends anyone elsewhere.
    if url and (not url.startswith("/") or url.startswith("//") or len(url) > URL_MAX):
        raise ValueError(f"A notice links to a path of this site, not {url!r}")


@dataclass(frozen=True)
class Message:
    """One notice to make for each of its recipients (see notify_many)."""

    recipients: Sequence[User]
    kind: str
    key: str
    title: str
    body: str = ""
    url: str = ""


def notify(
    *,
    recipients: Iterable[User],
    kind: str,
    key: str,
    title: str,
    body: str = "",
    url: str = "",
    now: datetime.datetime | None = None,
) -> list[Notice]:
    """Notify each active recipient of the item `key`, at most once a day each.

    Returns the notices this call made: none for someone who already had one for
    the key today (even when another process made it a moment ago). Each gets its
    delivery rows: in the application (sent), e-mail (waiting, or in the daily
    digest), and per unit with a group robot one robot message for the key and day.
    """
    message = Message(
        recipients=list(recipients), kind=kind, key=key, title=title, body=body, url=url
    )
    return notify_many([message], now=now)


def notify_many(
    messages: Sequence[Message], *, now: datetime.datetime | None = None
) -> list[Notice]:
    """notify() for many items at once, in a fixed number of queries whatever
    their number (the escalation sweep sends thousands)."""
    for message in messages:
        _check_notice(kind=message.kind, key=message.key, url=message.url)
    now = now or timezone.now()
    day = timezone.localdate(now)
    wanted = {person.pk for message in messages for person in message.recipients}
    if not wanted:
        return []
    people = {
        person.pk: person
        for person in User.objects.filter(pk__in=wanted, is_active=True).select_related(
            "notice_preference"
        )
    }
    if not people:
        return []
    batch = uuid.uuid4()
    rows = []
    for message in messages:
        title = " ".join(message.title.split())[:TITLE_MAX]
        for pk in {person.pk for person in message.recipients} & people.keys():
            rows.append(
                Notice(
                    recipient_id=pk,
                    kind=message.kind,
                    key=message.key,
                    day=day,
                    title=title,
                    body=message.body,
                    url=message.url,
                    created_at=now,
                    batch=batch,
                )
            )
    # Inserted in one order (recipient, key), so two calls racing on the same
    # people wait for each other row by row instead of deadlocking.
    rows.sort(key=lambda notice: (notice.recipient_id, notice.key))
    with transaction.atomic():
        Notice.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
        notices = list(Notice.objects.filter(batch=batch).order_by("recipient_id", "key"))
        if not notices:
            return []
        for notice in notices:
            notice.recipient = people[notice.recipient_id]
        deliveries = _person_deliveries(notices, now=now, day=day)
        Delivery.objects.bulk_create(deliveries, batch_size=500)
        robot_messages = _robot_deliveries(notices, now=now, day=day)
        Delivery.objects.bulk_create(robot_messages, ignore_conflicts=True, batch_size=500)
        if settings.NOTICE_ASYNC and (
            robot_messages or any(d.status == Status.PENDING for d in deliveries)
        ):
            transaction.on_commit(_schedule_delivery)
    return notices


def _person_deliveries(
    notices: list[Notice], *, now: datetime.datetime, day: datetime.date
) -> list[Delivery]:
    """In-app (sent now) and e-mail (now, in the digest, or why not) for each notice."""
    limit = settings.NOTICE_EMAIL_DAILY_LIMIT
    mailed_today: dict[int, int] = {}
    if limit:
        mailed_today = dict(
            Delivery.objects.filter(
                channel=Channel.EMAIL,
                notice__recipient_id__in={n.recipient_id for n in notices},
                notice__day=day,
            )
            .exclude(status=Status.SKIPPED)
            .order_by()
            .values("notice__recipient_id")
            .annotate(count=Count("pk"))
            .values_list("notice__recipient_id", "count")
        )
    deliveries = []
    digest_newcomers = []
    for notice in notices:
        person = notice.recipient
        preference = _preference(person)
        deliveries.append(
            Delivery(
                notice=notice,
                channel=Channel.INAPP,
                status=Status.SENT,
                attempts=1,
                last_attempt_at=now,
                sent_at=now,
            )
        )
        email = Delivery(notice=notice, channel=Channel.EMAIL, status=Status.PENDING)
        if not person.email:
            email.status, email.last_error = Status.SKIPPED, sending.NO_ADDRESS
        elif not preference.email:
            email.status, email.last_error = Status.SKIPPED, sending.EMAIL_OFF
        elif preference.digest:
            email.channel = Channel.DIGEST
        elif limit and mailed_today.get(person.pk, 0) >= limit:
            # Past the day's limit the rest wait for one digest e-mail, not a flood.
            email.channel, email.last_error = Channel.DIGEST, sending.OVER_DAILY_LIMIT
            if preference.pk is None:
                digest_newcomers.append(preference)
        else:
            email.next_attempt_at = now
            mailed_today[person.pk] = mailed_today.get(person.pk, 0) + 1
        deliveries.append(email)
    if digest_newcomers:
        # The digest is claimed through the person's preference row.
        NoticePreference.objects.bulk_create(digest_newcomers, ignore_conflicts=True)
    return deliveries


def _robot_deliveries(
    notices: list[Notice], *, now: datetime.datetime, day: datetime.date
) -> list[Delivery]:
    """One robot message per unit with an enabled robot and per key, stored on the
    notice of the unit's first recipient; the unique constraint drops a second
    one made by another call for the same unit, key and day."""
    first_of_unit: dict[tuple[int, str], Notice] = {}
    for notice in notices:
        unit_id = notice.recipient.unit_id
        if unit_id is not None and (unit_id, notice.key) not in first_of_unit:
            first_of_unit[(unit_id, notice.key)] = notice
    if not first_of_unit:
        return []
    with_robot = set(
        UnitWebhook.objects.filter(
            unit_id__in={unit_id for unit_id, _key in first_of_unit}, enabled=True
        ).values_list("unit_id", flat=True)
    )
    return [
        Delivery(
            notice=notice,
            channel=Channel.WEBHOOK,
            status=Status.PENDING,
            unit_id=unit_id,
            key=key,
            day=day,
            next_attempt_at=now,
        )
        for (unit_id, key), notice in sorted(first_of_unit.items())
        if unit_id in with_robot
    ]


def _schedule_delivery() -> None:
    """Ask a worker to deliver now; never let a missing broker fail the request."""
    try:
        # No connection retries: the request must not wait for the broker. What
        # is not scheduled here goes out with the next sweep.
        deliver_notices.apply_async(retry=False)
    except Exception:
        logger.warning("Could not schedule notice delivery; the sweep will send it.", exc_info=True)


def notice_mark_read(*, notice: Notice, by: User) -> bool:
    """Mark one's own notice read; False when it already was."""
    if notice.recipient_id != by.pk:
        raise PermissionDenied
    now = timezone.now()
    with transaction.atomic():
        changed = Notice.objects.filter(pk=notice.pk, read_at__isnull=True).update(read_at=now)
        if changed:
            notice.read_at = now
            audit_record(
                action="notice.read",
                by=by,
                obj=notice,
                summary={"kind": notice.kind, "key": notice.key, "day": notice.day.isoformat()},
            )
    return bool(changed)


def notices_mark_all_read(*, by: User) -> int:
    """Mark every unread notice of the person read; how many there were."""
    now = timezone.now()
    with transaction.atomic():
        count = Notice.objects.filter(recipient=by, read_at__isnull=True).update(read_at=now)
        if count:
            audit_record(action="notice.read_all", by=by, summary={"count": count})
    return count


def preference_set(*, by: User, digest: bool, email: bool) -> NoticePreference:
    """How the person wants notices e-mailed. With e-mail off, what was waiting to
    be e-mailed is not sent either (it stays in the notification centre)."""
    with transaction.atomic():
        preference, _created = NoticePreference.objects.select_for_update().get_or_create(user=by)
        before = {"digest": preference.digest, "email": preference.email}
        preference.digest, preference.email = digest, email
        preference.save(update_fields=["digest", "email"])
        skipped = 0
        if not email:
            skipped = Delivery.objects.filter(
                notice__recipient=by,
                channel__in=[Channel.EMAIL, Channel.DIGEST],
                status=Status.PENDING,
            ).update(status=Status.SKIPPED, last_error=sending.EMAIL_OFF, next_attempt_at=None)
        audit_record(
            action="notice.preferences",
            by=by,
            obj=preference,
            summary={
                "before": before,
                "after": {"digest": digest, "email": email},
                "waiting_not_sent": skipped,
            },
        )
    return preference


def notify_in_app(
    *,
    recipient: User,
    kind: str,
    key: str,
    title: str,
    url: str = "",
    now: datetime.datetime | None = None,
) -> Notice | None:
    """A notice in the notification centre only, for something the person is
    waiting for on a page of their own (their background job is done): no e-mail,
    and never the unit's group robot, which is for the unit's business. At most
    one per person and key a day, like notify(); None when it already exists."""
    _check_notice(kind=kind, key=key, url=url)
    now = now or timezone.now()
    with transaction.atomic():
        notice = Notice(
            recipient=recipient,
            kind=kind,
            key=key,
            day=timezone.localdate(now),
            title=" ".join(title.split())[:TITLE_MAX],
            url=url,
            created_at=now,
        )
        made = Notice.objects.bulk_create([notice], ignore_conflicts=True)
        stored = Notice.objects.filter(batch=notice.batch).first()
        if not made or stored is None:
            return None
        Delivery.objects.create(
            notice=stored,
            channel=Channel.INAPP,
            status=Status.SENT,
            attempts=1,
            last_attempt_at=now,
            sent_at=now,
        )
    return stored
