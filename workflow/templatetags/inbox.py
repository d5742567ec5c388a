"""The deadline of an item as the inbox shows it (templates/workflow/_deadline.html)."""

import datetime
from typing import Any

from django import template
from django.utils import timezone

from workflow.selectors import Deadline

register = template.Library()


@register.simple_tag(takes_context=True)
def deadline_of(context: Any, day: datetime.date | None) -> Deadline:
    """`{% deadline_of item.due_on as due %}`: the page's `today`, else the local date."""
    today = context.get("today") or timezone.localdate()
    return Deadline.of(day, today)
