"""Celery tasks: notice delivery off the request path.

The beat schedule (config/settings.py) runs "notices.deliver" every minute or so
and "notices.digest" once a day; notify() also queues "notices.deliver" when
NOTICE_ASYNC is on. Without Celery, `manage.py deliver_notices` from cron does
the same.

The tasks call notices.delivery, never notices.services: notify() queues
"notices.deliver", so services import this module and not the other way round.
"""

from celery import shared_task

from notices.delivery import deliver_due, send_digests

BATCH = 500
# One task run drains at most this many batches, then leaves the rest to the next.
MAX_BATCHES = 20


@shared_task(name="notices.deliver", autoretry_for=(), ignore_result=True)
def deliver_notices() -> dict[str, int]:
    """Send what is due, batch after batch while full batches come back."""
    total: dict[str, int] = {}
    for _batch in range(MAX_BATCHES):
        counts = deliver_due(limit=BATCH)
        for name, value in counts.items():
            total[name] = total.get(name, 0) + value
        if counts["claimed"] < BATCH:
            break
    return total


@shared_task(name="notices.digest", autoretry_for=(), ignore_result=True)
def send_notice_digests() -> dict[str, int]:
    return send_digests()
