"""Validation of what units type into their reports (the form and the Excel sheet alike)."""

import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from plans.models import Task, TaskTarget
from rounds.errors import RoundError
from rounds.models import TEXT_MAX

# Control characters (NUL above all, which PostgreSQL refuses in text) but
# line breaks and tabs.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str, label: str, task: Task, field: str = "") -> str:
    value = _CONTROL.sub("", value or "").replace("\r\n", "\n").strip()
    if len(value) > TEXT_MAX:
        raise RoundError(
            _("Task %(number)s: %(field)s is longer than %(max)d characters.")
            % {"number": task.number, "field": label, "max": TEXT_MAX},
            task_id=task.pk,
            field=field,
        )
    return value


def parse_value(text: str, target: TaskTarget, task: Task) -> Decimal | None:
    text = (text or "").strip().replace(",", "").replace("，", "")
    if target.unit_of_measure and text.endswith(target.unit_of_measure):
        text = text[: -len(target.unit_of_measure)].strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    field = f"v{target.pk}"
    if value is None or not value.is_finite() or abs(value) >= Decimal(10) ** 14:
        raise RoundError(
            _("Task %(number)s: “%(text)s” is not a number for %(indicator)s.")
            % {"number": task.number, "text": text, "indicator": target.indicator},
            task_id=task.pk,
            field=field,
        )
    if target.unit_of_measure == "%" and not Decimal(0) <= value <= Decimal(100):
        raise RoundError(
            _("Task %(number)s: %(indicator)s is a percentage between 0 and 100.")
            % {"number": task.number, "indicator": target.indicator},
            task_id=task.pk,
            field=field,
        )
    if value < 0:
        raise RoundError(
            _("Task %(number)s: %(indicator)s cannot be negative.")
            % {"number": task.number, "indicator": target.indicator},
            task_id=task.pk,
            field=field,
        )
    return value
