"""Writing the audit trail. Every service that changes state calls audit_record()."""

import hashlib
import json
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from audit.models import AuditEvent

GENESIS = "0" * 64
# Any constant: the key of the PostgreSQL advisory lock that orders the chain.
_CHAIN_LOCK_KEY = 7_310_551


def row_digest(event: AuditEvent) -> str:
    """The hash of a row: its content and the hash of the row before it."""
    content = {
        "prev": event.prev_hash,
        "at": event.at.isoformat(timespec="microseconds"),
        "user": event.user_id,
        "username": event.username,
        "unit": event.unit_name,
        "role": event.role,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_repr": event.object_repr,
        "outcome": event.outcome,
        "client_ip": event.client_ip,
        "summary": event.summary,
    }
    encoded = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def _lock_chain() -> None:
    # Two transactions must not both read the same last hash. On PostgreSQL a
    # transaction-scoped advisory lock orders them; SQLite transactions begin
    # IMMEDIATE (config/settings.py), so there is one writer at a time.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])


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
    """
    acting = by if by is not None and getattr(by, "pk", None) else None
    with transaction.atomic():
        _lock_chain()
        last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
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
            prev_hash=last or GENESIS,
        )
        # Round-trip the summary through JSON now, so the digest is computed on
        # exactly what the database will give back.
        event.summary = json.loads(json.dumps(event.summary, ensure_ascii=False, default=str))
        event.hash = row_digest(event)
        event.save(force_insert=True)
    return event
