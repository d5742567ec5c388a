"""The trail's streams: several hash chains written side by side.

One chain needs one lock held from a row's insert to its transaction's end
(the next row must read the committed digest of this one), and the product's
transactions go on for a while after their audit row (the rest of the
request). With one chain every audited write of the site waited for every
other. With AUDIT_STREAMS chains a transaction takes the first stream no other
open transaction holds, starting from the one its connection used last, and
keeps it until it ends; it waits only when every stream is taken.

Why the first free stream and not a stream per person: people's streams
collide (32 writers on 16 streams share several), and one person's two tabs or
double click would wait for each other; a free stream never waits while one
exists. Which stream a row lands in carries no meaning: the order of one
person's actions is the rows' ids and times, as before.

Deadlocks: a transaction holds at most one stream (asking again for the one it
holds returns at once: the lock is re-entrant), and waits for a stream only
while it holds none, so stream locks alone cannot form a cycle. On SQLite a
transaction is the only writer (IMMEDIATE), so it simply takes its hint.
"""

from typing import NamedTuple

from django.conf import settings
from django.db import connection

from audit.models import AuditEvent

# Any constant: the first key of the PostgreSQL advisory locks of the streams
# (pg_advisory_xact_lock(key, stream); the single-key lock of the one chain
# before the streams was 7_310_551 in another key space).
STREAM_LOCK_KEY = 7_310_551

# The first stream, from `start` on, that no other transaction holds: locked by
# this statement. The filter runs row by row under LIMIT 1, so it stops at the
# first lock it gets and takes no other.
_TAKE_FREE = """
SELECT s FROM (SELECT (i + %(start)s) %% %(n)s AS s FROM generate_series(0, %(n)s - 1) AS i) q
WHERE pg_try_advisory_xact_lock(%(key)s, s) LIMIT 1
"""


class Head(NamedTuple):
    id: int
    hash: str
    key_id: str


def stream_count() -> int:
    return max(1, int(getattr(settings, "AUDIT_STREAMS", 16)))


def take_stream() -> int:
    """Lock a stream for the current transaction and return it."""
    n = stream_count()
    start = getattr(connection, "audit_stream", 0) % n
    if connection.vendor != "postgresql":
        return start
    with connection.cursor() as cursor:
        cursor.execute(_TAKE_FREE, {"start": start, "n": n, "key": STREAM_LOCK_KEY})
        row = cursor.fetchone()
        if row is None:
            # Every stream is taken: wait for this connection's usual one.
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [STREAM_LOCK_KEY, start])
            stream = start
        else:
            stream = row[0]
    connection.audit_stream = stream
    return stream


def lock_stream(stream: int) -> None:
    """Wait for `stream` (audit_rekey; holding none, or only lower ones)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [STREAM_LOCK_KEY, stream])


def streams_present() -> list[int]:
    """The streams that hold rows: one index probe per stream (skip scan)."""
    found: list[int] = []
    rows = AuditEvent.objects.order_by("stream").values_list("stream", flat=True)
    stream = rows.first()
    while stream is not None:
        found.append(stream)
        stream = rows.filter(stream__gt=stream).first()
    return found


def stream_heads() -> dict[int, Head]:
    """The last committed row of each stream."""
    heads: dict[int, Head] = {}
    for stream in streams_present():
        head = (
            AuditEvent.objects.filter(stream=stream)
            .order_by("-id")
            .values_list("id", "hash", "key_id")
            .first()
        )
        if head is not None:
            heads[stream] = Head(*head)
    return heads
