"""Who may see what: every view starts with one of these."""

import ipaddress
from typing import TypeVar

from django.conf import settings
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest

from audit.models import AuditEvent
from audit.services import audit_record
from departments.models import UNIT_ROLES, Unit, User


def unit_scope(user: User) -> list[int] | None:
    """The units whose records the person sees: None for the whole city.

    The one rule every page's visibility builds on, decided by the role
    first: supervisors and leadership readers see the whole city, a unit's
    liaisons and leaders their unit, and anyone else (the system
    administrator, the security auditor, a person with no role yet) nothing,
    whatever unit is set on them (三员 separation).

    A county government also sees what falls on the county group
    (各县(市、区)政府), since every such task is its task too.
    """
    if user.sees_whole_city:
        return None
    if user.role not in UNIT_ROLES or user.unit_id is None:
        return []
    return [user.unit_id, *Unit.objects.filter(members=user.unit_id).values_list("pk", flat=True)]


M = TypeVar("M", bound=Model)


def client_ip(request: HttpRequest) -> str | None:
    """The address of the person's machine, for the audit trail.

    Behind TRUSTED_PROXY_COUNT reverse proxies, each appends the address it
    received from to X-Forwarded-For, so the client is that many entries from
    the right; anything further left is whatever the client claimed and is
    ignored. With no trusted proxy the header is ignored altogether.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if count <= 0 or not forwarded:
        return remote
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if len(hops) < count:
        return remote
    candidate = hops[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def refuse_as_missing(request: HttpRequest, obj: Model) -> Http404:
    """Answer as if `obj` did not exist, keeping a trace of the attempt.

    The product's one rule for another unit's records, and for actions a
    person's role does not allow on a record they can otherwise see.
    """
    audit_record(
        action="access.denied",
        by=request.user,
        obj=obj,
        outcome=AuditEvent.Outcome.DENIED,
        client_ip=client_ip(request),
        summary={"path": request.path},
    )
    return Http404()


def get_visible_or_404(
    request: HttpRequest, queryset: QuerySet[M], visible: QuerySet[M], **lookup: object
) -> M:
    """Return the object if the person may see it; otherwise 404, recorded when it exists."""
    try:
        return visible.get(**lookup)
    except visible.model.DoesNotExist:
        target = queryset.filter(**lookup).first()
        if target is not None:
            raise refuse_as_missing(request, target) from None
        raise Http404 from None
