"""Filters of official documents' text: dates the way 公文 write them.

`{% load official_text %}` then `{{ day|cn_date }}` (a date, datetime or ISO string:
2026年10月22日) and `{{ reason|cn_dates }}` (free text whose ISO dates are rewritten).
"""

import datetime

from django import template

from documents.pdf import cn_date as _cn_date
from documents.pdf import cn_dates_in

register = template.Library()


@register.filter
def cn_date(value: datetime.date | str | None) -> str:
    return _cn_date(value)


@register.filter
def cn_dates(value: str | None) -> str:
    return cn_dates_in(value or "")
