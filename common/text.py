"""Checking the free text a person typed, the same way in every service."""

from django.utils.translation import gettext as _

# The longest free text a service stores (an opening paragraph, minutes, a reason).
TEXT_MAX = 4000


def checked_text(value: str | None, *, error: type[Exception], required: str | None = None) -> str:
    """``value`` stripped; raises ``error`` (the calling app's own error type)
    with ``required`` when it is empty and required, or when it is too long."""
    value = (value or "").strip()
    if required is not None and not value:
        raise error(required)
    if len(value) > TEXT_MAX:
        raise error(_("The text is longer than %(max)d characters.") % {"max": TEXT_MAX})
    return value
