from typing import Any

from django import template

from rounds.drafts import stored_digest
from rounds.models import Entry

register = template.Library()


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """mapping[key], or None: for tables keyed by id."""
    if not mapping:
        return None
    return mapping.get(key)


@register.filter
def get_post(post: Any, task_id: int) -> dict[str, str]:
    """The fields posted for one task's entry (named e<task>-<field>), keyed by field."""
    if not post:
        return {}
    prefix = f"e{task_id}-"
    found: dict[Any, str] = {}
    for key in post:
        if key.startswith(prefix):
            name = key[len(prefix) :]
            found[name] = post.get(key)
            if name.startswith("v") and name[1:].isdigit():
                found[int(name[1:])] = post.get(key)
    return found


@register.filter
def value_of(entry: Any, target: Any) -> str:
    """The value an entry holds for a target, as typed (no trailing zeros)."""
    for value in entry.values.all():
        if value.target_id == target.pk:
            return format(value.value.normalize(), "f")
    return ""


@register.filter
def abs_value(number: int) -> int:
    return abs(number)


@register.filter
def value_field(target: Any) -> str:
    """The name a target's value field has inside its entry's prefix (v<pk>)."""
    return f"v{target.pk}"


@register.simple_tag
def draft_base(ask: Any) -> str:
    """The base a fill page carries for an entry (see rounds.drafts)."""
    return stored_digest(ask.entry, ask.targets)


@register.filter
def schedule_label(entry: Entry) -> str:
    """entry.get_schedule_display(), without building the choices' mapping on
    every call: the report pages print it for each entry."""
    try:
        return str(Entry.Schedule(entry.schedule).label)
    except ValueError:
        return entry.schedule
