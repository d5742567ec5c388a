"""Anchors: the chain's head written outside the database.

An anchor is one JSON line appended to AUDIT_ANCHOR_FILE (opened with
O_APPEND; optionally also sent to syslog): the trail's first row digest (which
trail it is), the id and digest of the head of every stream (audit.streams),
the row it was written for (its id, digest and key id), and the time. Whoever
can write the database cannot take a row back out of that file, so
`verify_audit` notices rows cut off the end of any stream up to the last anchor.
Lines written before the streams name one head, the trail's (stream 0).

When: on the write path, audit_record() counts rows per process and, every
AUDIT_ANCHOR_EVERY_ROWS rows or once AUDIT_ANCHOR_EVERY_MINUTES have passed
since this process last anchored, anchors the row it has just written once its
transaction commits (an anchor of a row later rolled back would be a false
alarm). That costs a counter and a clock read per row and one short file
append per anchor. The Celery beat task `audit.anchor` (every
AUDIT_ANCHOR_EVERY_MINUTES) and `manage.py audit_anchor` (cron) anchor the head
of a quiet trail, whose last rows no later write would anchor.
"""

import json
import os
import re
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from hashlib import sha256
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from audit.models import AuditEvent
from audit.streams import Head, stream_heads

_TAIL_BYTES = 8192


@dataclass(frozen=True)
class Anchor:
    trail: str  # the digest of the trail's first row: which trail this is
    event_id: int
    hash: str
    key_id: str
    at: str
    line: int  # its line number in the file
    # stream -> (id, digest) of its last row; one of them is the row above.
    heads: dict[int, tuple[int, str]] = field(default_factory=dict)

    def as_line(self) -> str:
        fields = {
            "trail": self.trail,
            "id": self.event_id,
            "hash": self.hash,
            "key": self.key_id,
            "at": self.at,
            "heads": {str(stream): list(head) for stream, head in sorted(self.heads.items())},
        }
        return json.dumps(fields, sort_keys=True, separators=(",", ":"))


def anchor_path() -> Path:
    """AUDIT_ANCHOR_FILE, or (development and tests only) a file per database.

    Production must name the file (config/settings.py). Elsewhere the default
    sits next to a SQLite database file, under var/ for a PostgreSQL database,
    and in the temporary directory per process for an in-memory database, so
    test databases (one per pytest-xdist worker) never share one.
    """
    configured = getattr(settings, "AUDIT_ANCHOR_FILE", "")
    if configured:
        return Path(configured)
    name = str(connection.settings_dict.get("NAME") or "")
    if connection.vendor == "sqlite":
        if not name or name == ":memory:" or "mode=memory" in name:
            return Path(tempfile.gettempdir()) / f"audit-anchors-memory-{os.getpid()}.log"
        return Path(f"{name}.audit-anchors.log")
    host = str(connection.settings_dict.get("HOST") or "")
    ident = re.sub(r"[^A-Za-z0-9_.-]", "_", name)[:60]
    digest = sha256(f"{host}:{connection.settings_dict.get('PORT')}:{name}".encode()).hexdigest()
    return Path(settings.BASE_DIR) / "var" / f"audit-anchors-{ident}-{digest[:8]}.log"


def _append(line: str) -> None:
    path = anchor_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, (line + "\n").encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    if getattr(settings, "AUDIT_ANCHOR_SYSLOG", False):
        import syslog

        syslog.openlog("supervision-audit", 0, syslog.LOG_AUTHPRIV)
        syslog.syslog(syslog.LOG_NOTICE, f"audit anchor {line}")


def trail_id() -> str:
    """The digest of the trail's first row ("" for an empty trail)."""
    return AuditEvent.objects.order_by("id").values_list("hash", flat=True).first() or ""


def write_anchor(*, heads: dict[int, Head], stream: int | None = None) -> Anchor:
    """Anchor `heads`, naming the head of `stream` (default: the newest head)."""
    if stream is None:
        stream = max(heads, key=lambda s: heads[s].id)
    named = heads[stream]
    anchor = Anchor(
        trail=trail_id(),
        event_id=named.id,
        hash=named.hash,
        key_id=named.key_id,
        at=datetime.now(UTC).isoformat(timespec="seconds"),
        line=0,
        heads={s: (head.id, head.hash) for s, head in heads.items()},
    )
    _append(anchor.as_line())
    return anchor


def read_anchors(path: Path | None = None) -> tuple[list[Anchor], list[int]]:
    """Every anchor in the file, and the numbers of the lines that are not one."""
    path = path or anchor_path()
    anchors: list[Anchor] = []
    bad: list[int] = []
    if not path.exists():
        return anchors, bad
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                anchors.append(_parse(line, number))
            except (ValueError, KeyError, TypeError, AttributeError):
                bad.append(number)
    return anchors, bad


def _parse(line: str, number: int) -> Anchor:
    fields = json.loads(line)
    event_id, digest = int(fields["id"]), str(fields["hash"])
    if "heads" in fields:
        heads = {int(s): (int(head[0]), str(head[1])) for s, head in fields["heads"].items()}
    else:
        heads = {0: (event_id, digest)}  # before the streams: the one chain's head
    return Anchor(
        trail=str(fields["trail"]),
        event_id=event_id,
        hash=digest,
        key_id=str(fields.get("key", "")),
        at=str(fields.get("at", "")),
        line=number,
        heads=heads,
    )


def last_anchor() -> Anchor | None:
    """The file's last anchor, read from its tail only."""
    path = anchor_path()
    if not path.exists():
        return None
    with path.open("rb") as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        handle.seek(max(0, size - _TAIL_BYTES))
        lines = handle.read().decode("utf-8", errors="replace").splitlines()
    for line in reversed(lines):
        try:
            return _parse(line, 0)
        except (ValueError, KeyError, TypeError, AttributeError):
            continue
    return None


def audit_anchor() -> Anchor | None:
    """Anchor the heads of the trail's streams now unless the file's last anchor
    already holds them.

    For the Celery beat task `audit.anchor` and `manage.py audit_anchor`.
    """
    heads = stream_heads()
    if not heads:
        return None
    last = last_anchor()
    if last is not None and last.heads == {s: (h.id, h.hash) for s, h in heads.items()}:
        return None
    return write_anchor(heads=heads)


# ---------------------------------------------------------------- the write path

_state_lock = threading.Lock()
_state: dict[str, Any] = {"rows": 0, "anchored": None}


def reset_schedule() -> None:
    """Forget this process's count (tests): the next row is anchored."""
    with _state_lock:
        _state.update(rows=0, anchored=None)


def anchor_due() -> bool:
    """Count one row; whether it should be anchored (and, if so, restart the count)."""
    every_rows = max(1, int(getattr(settings, "AUDIT_ANCHOR_EVERY_ROWS", 1000)))
    every_seconds = 60 * float(getattr(settings, "AUDIT_ANCHOR_EVERY_MINUTES", 10))
    now = time.monotonic()
    with _state_lock:
        _state["rows"] += 1
        anchored = _state["anchored"]
        if anchored is None or _state["rows"] >= every_rows or now - anchored >= every_seconds:
            _state.update(rows=0, anchored=now)
            return True
    return False


def anchor_on_commit(event: AuditEvent) -> None:
    """Anchor `event`, and the heads of the other streams, once the transaction
    that wrote it commits."""
    own = Head(event.pk, event.hash, event.key_id)
    stream = event.stream
    using = event._state.db or "default"

    def write() -> None:
        try:
            # The event itself for its stream, even if later rows of that stream
            # committed meanwhile: this anchor is the event's.
            write_anchor(heads={**stream_heads(), stream: own}, stream=stream)
        except OSError:
            # The row is committed; a full disk must not turn it into an error
            # page. The next anchor (row count, timer or beat) tries again.
            reset_schedule()
            import logging

            logging.getLogger("audit.anchors").exception("could not write the audit anchor")

    transaction.on_commit(write, using=using)
