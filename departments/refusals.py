"""The 403 page, and the trace it leaves.

A record of another unit answers 404 (departments.access.refuse_as_missing); an
action a person's role does not allow on a record they can see answers 403 — a
liaison signing, a leader reviewing, a step already taken. Both refusals go into
the audit trail: a pattern of them is what an auditor looks for.
"""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.views.defaults import permission_denied as default_permission_denied

from audit.models import AuditEvent
from audit.services import audit_record
from departments.access import client_ip


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's handler403: record the refusal, then the usual page."""
    user = getattr(request, "user", None)
    audit_record(
        action="access.denied",
        by=user if user is not None and user.is_authenticated else None,
        outcome=AuditEvent.Outcome.DENIED,
        client_ip=client_ip(request),
        summary={
            "path": request.path[:300],
            "status": 403,
            "method": request.method,
            "reason": str(exception)[:200] if exception else "",
        },
    )
    return default_permission_denied(request, exception or PermissionDenied())
