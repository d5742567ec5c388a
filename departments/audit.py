"""Writing the audit trail. Every service that changes state calls audit_record()."""

from typing import Any

from django.db import models

from departments.models import AuditEvent, User


def audit_record(
    *,
    action: str,
    by: User | None,
    obj: models.Model | None = None,
    outcome: str = AuditEvent.Outcome.OK,
    summary: dict[str, Any] | None = None,
    client_ip: str | None = None,
) -> AuditEvent:
    """Add one row to the trail; call it inside the transaction of the change it records."""
    return AuditEvent.objects.create(
        user=by if by is not None and by.pk else None,
        username=by.username if by is not None else "",
        unit_name=by.unit.name if by is not None and by.unit_id else "",
        role=by.role if by is not None else "",
        action=action,
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:300] if obj is not None else "",
        outcome=outcome,
        client_ip=client_ip,
        summary=summary or {},
    )
