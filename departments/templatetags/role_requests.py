"""The count of role requests waiting, for the link on the auditor's trail page."""

from django import template

from departments.selectors import role_requests_pending_count

register = template.Library()


@register.simple_tag
def pending_role_requests() -> int:
    return role_requests_pending_count()
