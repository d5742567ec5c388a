"""Writing the audit trail. Every service that changes state calls audit_record()."""

import json
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from audit import anchors
from audit.chain import (
    GENESIS,
    REKEY_ACTION,
    ROTATE_ACTION,
    compute_digest,
    event_values,
    keyring,
)
from audit.models import AuditEvent
from audit.streams import lock_stream, streams_present, take_stream

__all__ = ["GENESIS", "audit_record", "row_digest"]


def row_digest(event: AuditEvent) -> str:
    """The digest of a row: its content and the digest of the row before it,
    under the key and hash function the row names (audit.chain).

    Raises KeyError when the row's key id is not configured.
    """
    return compute_digest(event_values(event), key=keyring().keys.get(event.key_id))


def audit_record(
    *,
    action: str,
    by: Any | None,
    obj: models.Model | None = None,
    outcome: str = AuditEvent.Outcome.OK,
    summary: dict[str, Any] | None = None,
    client_ip: str | None = None,
    username: str = "",
) -> AuditEvent:
    """Add one row to the trail; call it inside the transaction of the change it records.

    `by` is the acting person (None for the system or a command line);
    `username` names an actor that has no account row (a failed login).
    The row joins the stream this transaction holds, or the first free one
    (audit.streams): two transactions never read the same stream's last hash.
    """
    acting = by if by is not None and getattr(by, "pk", None) else None
    ring = keyring()
    with transaction.atomic():
        stream = take_stream()
        last = _last_row(stream)
        if _needs_handover(last, ring.current_id):
            # The stream's first row under a new key: hand it over first.
            handover = _handover(last, ring.current_id, stream)
            _append(handover, ring=ring)
            last = {"hash": handover.hash}
        event = AuditEvent(
            at=timezone.now(),
            user=acting,
            username=acting.username if acting is not None else username,
            unit_name=acting.unit.name if acting is not None and acting.unit_id else "",
            role=acting.role if acting is not None else "",
            action=action,
            object_type=obj._meta.label if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            object_repr=str(obj)[:300] if obj is not None else "",
            outcome=outcome,
            client_ip=client_ip,
            summary=summary or {},
            prev_hash=last["hash"] if last else GENESIS,
            key_id=ring.current_id,
            stream=stream,
        )
        _append(event, ring=ring)
    return event


def _last_row(stream: int) -> dict[str, Any] | None:
    rows = AuditEvent.objects.filter(stream=stream).order_by("-id")
    return rows.values("hash", "key_id", "action", "summary").first()


def _needs_handover(last: dict[str, Any] | None, current_id: str) -> bool:
    """Whether the trail ends on another key than `current_id` (and not on a
    rotation row that already hands over to it)."""
    if last is None or last["key_id"] == current_id:
        return False
    summary = last["summary"] if isinstance(last["summary"], dict) else {}
    return not (last["action"] == ROTATE_ACTION and summary.get("to") == current_id)


def _handover(last: dict[str, Any], new_id: str, stream: int) -> AuditEvent:
    """The row that starts the segment of key `new_id` after a row of another key
    in `stream`.

    After a keyed segment it is chained with the old key when that key is still
    configured (AUDIT_OLD_KEYS), so the old key vouches for the hand-over;
    after the legacy (public digest) segment, or when the old key is gone, with
    the new key. Either way its digest covers the last digest before it.
    """
    old_id = last["key_id"]
    ring = keyring()
    if not old_id:
        action, key_id = REKEY_ACTION, new_id
        summary: dict[str, Any] = {"from": "", "to": new_id, "digest": ring.digest}
    elif old_id in ring.keys:
        action, key_id = ROTATE_ACTION, old_id
        summary = {"from": old_id, "to": new_id, "digest": ring.digest}
    else:
        action, key_id = ROTATE_ACTION, new_id
        summary = {"from": old_id, "to": new_id, "digest": ring.digest, "old_key_missing": True}
    return AuditEvent(
        at=timezone.now(),
        action=action,
        object_type="",
        object_id="",
        object_repr="",
        outcome=AuditEvent.Outcome.OK,
        summary=summary,
        prev_hash=last["hash"],
        key_id=key_id,
        stream=stream,
    )


def _append(event: AuditEvent, *, ring: Any) -> None:
    """Digest and insert one row (holding its stream's lock)."""
    event.digest = ring.digest
    # Round-trip the summary through JSON now, so the digest is computed on
    # exactly what the database will give back.
    event.summary = json.loads(json.dumps(event.summary, ensure_ascii=False, default=str))
    event.hash = compute_digest(event_values(event), key=ring.keys[event.key_id])
    event.save(force_insert=True)
    if anchors.anchor_due():
        anchors.anchor_on_commit(event)


def audit_rekey() -> list[AuditEvent]:
    """Continue every stream of the trail under the current key now (`manage.py
    audit_rekey`), instead of at each stream's next write; anchor the heads.
    The hand-over rows written (none when every stream ends on that key)."""
    ring = keyring()
    written: list[AuditEvent] = []
    with transaction.atomic():
        # In ascending order, waiting for each: writers hold one stream and never
        # wait for a second, so this cannot deadlock with them.
        for stream in streams_present():
            lock_stream(stream)
            last = _last_row(stream)
            if _needs_handover(last, ring.current_id):
                event = _handover(last, ring.current_id, stream)
                _append(event, ring=ring)
                written.append(event)
        if written:
            anchors.anchor_on_commit(written[-1])
    return written
