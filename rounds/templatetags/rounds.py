from typing import Any

from django import template
from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils.formats import localize
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from rounds.asks import EntryAsk, entry_files, entry_values
from rounds.form_fields import fields_html, posted_fields
from rounds.models import Entry

register = template.Library()


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """mapping[key], or None: for tables keyed by id."""
    if not mapping:
        return None
    return mapping.get(key)


@register.filter
def get_post(post: Any, task_id: int) -> dict[str | int, str]:
    """The fields posted for one task's entry (rounds.form_fields.posted_fields)."""
    return posted_fields(post, task_id)


@register.filter
def abs_value(number: int) -> int:
    return abs(number)


@register.filter
def schedule_label(entry: Entry) -> str:
    """entry.get_schedule_display(), without building the choices' mapping on
    every call: the report pages print it for each entry."""
    try:
        return str(Entry.Schedule(entry.schedule).label)
    except ValueError:
        return entry.schedule


def _text(value: str) -> str:
    """A text as the report pages print it: its line breaks kept, "—" if empty."""
    return linebreaksbr(value, autoescape=True) or "—"


@register.simple_tag
def entry_facts(entry: Entry) -> SafeString:
    """An entry as stored (its texts, its values, its evidence files) as a <dl>:
    the report pages print it for each entry, last round's and the co-units'
    parts, so it is drawn here rather than by an included template per entry.
    The page's words are marked safe as {% translate %} prints them; every
    value is escaped by format_html."""
    values = format_html_join(
        "",
        "<dt>{}</dt><dd>{}{}</dd>",
        (
            (v.target.indicator, localize(v.value.normalize()), v.target.unit_of_measure)
            for v in entry_values(entry)
        ),
    )
    files = entry_files(entry)
    evidence = (
        format_html(
            "<dt>{}</dt><dd>{}</dd>",
            mark_safe(_("Evidence")),
            format_html_join(
                mark_safe("<br>"),
                '<a href="{}">{}</a>',
                ((reverse("report_file_download", args=[f.pk]), f.original_name) for f in files),
            ),
        )
        if files
        else ""
    )
    return format_html(
        '\n<dl class="facts entry-facts">\n'
        "  <dt>{}</dt><dd>{}</dd>\n"
        "  <dt>{}</dt><dd>{}</dd>\n"
        "  {}\n"
        "  <dt>{}</dt><dd>{}</dd>\n"
        "  <dt>{}</dt><dd>{}</dd>\n"
        "  {}\n"
        "</dl>\n",
        mark_safe(_("Progress this period")),
        _text(entry.progress),
        mark_safe(_("Progress against schedule")),
        schedule_label(entry) or "—",
        values,
        mark_safe(_("Problems")),
        _text(entry.problems),
        mark_safe(_("Next steps")),
        _text(entry.next_steps),
        evidence,
    )


@register.simple_tag
def entry_inputs(ask: EntryAsk, error: str = "") -> SafeString:
    """An editable entry's inputs on the fill page (rounds.form_fields.fields_html)."""
    return fields_html(ask, error)
