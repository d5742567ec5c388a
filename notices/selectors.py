"""Reads of notices that pages share: a person's own, and nobody else's."""

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet

from departments.models import User
from notices.models import Notice, NoticePreference


def notices_of(user: User, *, unread_only: bool = False) -> QuerySet[Notice]:
    """The person's notices, unread first, newest first within each."""
    notices = Notice.objects.filter(recipient=user)
    if unread_only:
        notices = notices.filter(read_at__isnull=True)
    is_read = ExpressionWrapper(Q(read_at__isnull=False), output_field=BooleanField())
    return notices.order_by(is_read.asc(), "-created_at", "-id")


def preference_of(user: User) -> NoticePreference:
    """The person's e-mail preference; the defaults (each notice e-mailed) without a row."""
    return NoticePreference.objects.filter(user=user).first() or NoticePreference(user=user)
