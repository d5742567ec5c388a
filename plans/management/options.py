"""Parsing the options the management commands share."""

import datetime

from django.core.management.base import CommandError
from django.utils.translation import gettext as _


def date_option(value: str | None) -> datetime.date | None:
    """A YYYY-MM-DD option as a date (None when not given), or a clear error."""
    if value is None:
        return None
    try:
        return datetime.date.fromisoformat(value.strip())
    except ValueError as exc:
        raise CommandError(
            _("%(value)s is not a date: write it as YYYY-MM-DD.") % {"value": value}
        ) from exc
