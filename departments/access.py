"""Who may see what: every view starts with one of these."""

from typing import TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest

from audit.models import AuditEvent
from audit.services import audit_record
from departments.models import Unit, User


def unit_scope(user: User) -> list[int] | None:
    """The units whose records the person sees: None for the whole city.

    A county government also sees what falls on the county group
    (各县(市、区)政府), since every such task is its task too.
    """
    if user.sees_whole_city:
        return None
    if user.unit_id is None:
        return []
    return [user.unit_id, *Unit.objects.filter(members=user.unit_id).values_list("pk", flat=True)]


M = TypeVar("M", bound=Model)


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def get_visible_or_404(
    request: HttpRequest, queryset: QuerySet[M], visible: QuerySet[M], **lookup: object
) -> M:
    """Return the object if the person may see it; otherwise 404, recorded when it exists."""
    try:
        return visible.get(**lookup)
    except visible.model.DoesNotExist:
        target = queryset.filter(**lookup).first()
        if target is not None:
            # Someone asked for another unit's record: answer as if it did not
            # exist, and keep a trace of the attempt.
            audit_record(
                action="access.denied",
                by=request.user,
                obj=target,
                outcome=AuditEvent.Outcome.DENIED,
                client_ip=client_ip(request),
                summary={"path": request.path},
            )
        raise Http404 from None
