"""The unread count in the page header."""

from typing import Any

from django.http import HttpRequest

from notices.models import Notice


def unread(request: HttpRequest) -> dict[str, Any]:
    """{"unread_notices": n} for a signed-in person: one COUNT on the unread index,
    made once per request (the centre page asks for it too)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notices": 0}
    count = getattr(request, "_unread_notices", None)
    if count is None:
        count = Notice.objects.filter(recipient=user, read_at__isnull=True).count()
        request._unread_notices = count
    return {"unread_notices": count}
