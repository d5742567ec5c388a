"""The delivery runs: send the e-mails and robot messages that are due, and the
daily digests. The Celery tasks (notices.tasks, which `manage.py deliver_notices`
also runs) and the supervision sweep call them; one attempt on a channel and its
bookkeeping are in notices.sending. Like notify(), they run for the system and
write no audit row: the delivery rows are the record.

Nothing here imports notices.services or notices.tasks: services make notices
and queue the task, and the task calls these.
"""

import datetime
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone, translation

from notices import compose, sending
from notices.models import Delivery, NoticePreference
from notices.quiet import parse_clock

Channel = Delivery.Channel
Status = Delivery.Status

DELIVER_COUNTS = (
    "claimed",
    "email_sent",
    "email_retry",
    "email_failed",
    "webhook_sent",
    "webhook_retry",
    "webhook_failed",
    "skipped",
    "deferred",
    "throttled",
)
DIGEST_COUNTS = ("digest_sent", "digest_failed", "skipped", "deferred")


def deliver_due(*, now: datetime.datetime | None = None, limit: int = 500) -> dict[str, int]:
    """Send the e-mails and robot messages whose time has come, one batch.

    In quiet hours nothing is sent: what is due waits for the end of the window.
    A failed attempt is retried later (1, 2, 4... minutes) until the channel's
    attempts run out; then the delivery is failed. Returns counts by outcome.
    """
    now = now or timezone.now()
    counts = dict.fromkeys(DELIVER_COUNTS, 0)
    due = Delivery.objects.filter(
        status=Status.PENDING,
        channel__in=[Channel.EMAIL, Channel.WEBHOOK],
        next_attempt_at__lte=now,
    )
    until = sending.quiet_until(now)
    if until is not None:
        counts["deferred"] = due.update(next_attempt_at=until)
        return counts
    claimed = sending.claim(due, now=now, limit=limit, counts=counts)
    counts["claimed"] = len(claimed)
    if not claimed:
        return counts
    deliveries = list(
        Delivery.objects.filter(pk__in=claimed)
        .select_related("notice__recipient", "unit__webhook")
        .order_by("pk")
    )
    named = sending.names_for_robots([d for d in deliveries if d.channel == Channel.WEBHOOK])
    mailer = sending.Mailer()
    try:
        with translation.override(settings.LANGUAGE_CODE):
            for delivery in deliveries:
                reason = sending.why_not(delivery)
                if reason is not None:
                    sending.skip(delivery, reason)
                    counts["skipped"] += 1
                    continue
                if delivery.channel == Channel.EMAIL:
                    error = sending.send_email(delivery, mailer)
                else:
                    error = sending.send_robot(delivery, named)
                outcome = sending.finish(delivery, error, now=now)
                counts[f"{delivery.channel}_{outcome}"] += 1
    finally:
        mailer.close()
    return counts


def send_digests(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Send each person their digest e-mail: the unread notices waiting for it, at
    most one digest a day, from NOTICE_DIGEST_AT (local time) on. Notices read
    meanwhile are left out (skipped). Safe to call as often as the sweep runs."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    counts = dict.fromkeys(DIGEST_COUNTS, 0)
    if timezone.localtime(now).time() < parse_clock(settings.NOTICE_DIGEST_AT):
        return counts
    if sending.quiet_until(now) is not None:
        counts["deferred"] += 1
        return counts
    waiting = Delivery.objects.filter(
        channel=Channel.DIGEST, status=Status.PENDING, notice__recipient_id=OuterRef("user_id")
    )
    with transaction.atomic():
        # The person's preference row is the claim: one worker per person, once a day.
        claimed = dict(
            sending.lock_skipping_taken(
                NoticePreference.objects.filter(Exists(waiting), email=True).exclude(
                    last_digest_on=today
                )
            ).values_list("user_id", "last_digest_on")
        )
        NoticePreference.objects.filter(user_id__in=claimed).update(last_digest_on=today)
    if not claimed:
        return counts
    by_person: dict[int, list[Delivery]] = defaultdict(list)
    for delivery in (
        Delivery.objects.filter(
            channel=Channel.DIGEST, status=Status.PENDING, notice__recipient_id__in=claimed
        )
        .select_related("notice__recipient")
        .order_by("notice__recipient_id", "notice__created_at", "pk")
    ):
        by_person[delivery.notice.recipient_id].append(delivery)

    outcomes: dict[tuple[str, str], list[int]] = defaultdict(list)
    failed_people: list[int] = []
    mailer = sending.Mailer()
    try:
        with translation.override(settings.LANGUAGE_CODE):
            for person_id, deliveries in by_person.items():
                person = deliveries[0].notice.recipient
                if not person.is_active or not person.email:
                    reason = sending.INACTIVE if not person.is_active else sending.NO_ADDRESS
                    outcomes[(Status.SKIPPED, reason)] += [d.pk for d in deliveries]
                    counts["skipped"] += len(deliveries)
                    continue
                unread = [d for d in deliveries if d.notice.read_at is None]
                read = [d.pk for d in deliveries if d.notice.read_at is not None]
                outcomes[(Status.SKIPPED, sending.ALREADY_READ)] += read
                counts["skipped"] += len(read)
                if not unread:
                    continue
                error = mailer.send(compose.digest_email([d.notice for d in unread], person.email))
                if error is None:
                    outcomes[(Status.SENT, "")] += [d.pk for d in unread]
                    counts["digest_sent"] += 1
                    continue
                failed_people.append(person_id)
                for delivery in unread:
                    gave_up = delivery.attempts + 1 >= sending.max_attempts(Channel.DIGEST)
                    status = Status.FAILED if gave_up else Status.PENDING
                    outcomes[(status, error[: sending.ERROR_MAX])].append(delivery.pk)
                counts["digest_failed"] += 1
    finally:
        mailer.close()
    sending.record_digest_outcomes(outcomes, now=now)
    if failed_people:
        # Not sent today after all: the next run tries again.
        for person_id in failed_people:
            NoticePreference.objects.filter(user_id=person_id).update(
                last_digest_on=claimed[person_id]
            )
    return counts
