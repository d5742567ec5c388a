"""What the fill page shows in each editable entry's fields, worked out once in
Python rather than by a chain of template conditions per field and per row.

A page drawn from the stored draft shows the entry's texts and values (none
when it keeps last round's report); a page redrawn after a refused submit shows
what the form sent (ReportStepView's `posted`, fields named e<task>-<field>).
The template (templates/rounds/report_step.html) prints these as they are.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.urls import reverse
from django.utils.formats import localize
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from plans.models import TaskTarget
from rounds.asks import EntryAsk, entry_files, entry_values
from rounds.drafts import stored_digest
from rounds.models import Entry, ReportFile


@dataclass
class TargetField:
    """A target's value field in an entry."""

    target: TaskTarget
    name: str  # inside the entry's prefix: v<target pk>
    value: str  # what the field shows
    was: str  # the previous round's value, as typed, or ""


@dataclass
class EntryFields:
    """An editable entry's fields as the fill page shows them."""

    base: str
    same: bool  # the "no change since the last round" box ticked
    progress: str
    schedule_options: SafeString  # the <option>s after the empty "choose…" one
    problems: str
    next_steps: str
    targets: list[TargetField]
    files: list[ReportFile]  # the evidence already given


def posted_fields(posted: Mapping[str, str] | None, task_id: int) -> dict[str | int, str]:
    """The fields posted for one task's entry (named e<task>-<field>), keyed by
    field name; a target's value also by the target's pk."""
    if not posted:
        return {}
    prefix = f"e{task_id}-"
    found: dict[str | int, str] = {}
    for key in posted:
        if key.startswith(prefix):
            name = key[len(prefix) :]
            found[name] = posted.get(key)
            if name.startswith("v") and name[1:].isdigit():
                found[int(name[1:])] = posted.get(key)
    return found


def value_text(entry: Entry, target: TaskTarget) -> str:
    """The value an entry holds for a target, as typed (no trailing zeros)."""
    for value in entry_values(entry):
        if value.target_id == target.pk:
            return format(value.value.normalize(), "f")
    return ""


class Options:
    """A choice field's <option>s, drawn once per chosen value for a page: the
    labels translated and escaped once, not per entry."""

    def __init__(self, choices: Iterable[tuple[str, str]]) -> None:
        self.choices = [(value, str(label)) for value, label in choices]
        self.drawn: dict[str | None, SafeString] = {}

    def __call__(self, chosen: str | None) -> SafeString:
        if chosen not in self.drawn:
            self.drawn[chosen] = format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                ((v, " selected" if v == chosen else "", label) for v, label in self.choices),
            )
        return self.drawn[chosen]


def entry_fields(
    ask: EntryAsk, posted: Mapping[str, str] | None, schedules: Options
) -> EntryFields:
    """The fields of one editable entry: as sent when the page redraws a form
    (`posted`), else as stored."""
    entry = ask.entry
    previous = ask.previous
    if posted:
        sent = posted_fields(posted, entry.task_id)
        base = sent.get("base") or ""
        same = sent.get("same") == "1"
        texts = [sent.get(name) or "" for name in ("progress", "problems", "next_steps")]
        schedule = sent.get("schedule")
        values = {t.pk: sent.get(t.pk) or "" for t in ask.targets}
    else:
        kept = entry.kept_previous
        stored = {value.target_id: value.value for value in entry_values(entry)}
        base = stored_digest(entry, ask.targets, stored)
        same = kept
        texts = ["" if kept else entry.progress, "" if kept else entry.problems]
        texts.append("" if kept else entry.next_steps)
        schedule = None if kept else entry.schedule
        values = {t.pk: "" if kept else value_text(entry, t) for t in ask.targets}
    return EntryFields(
        base=base,
        same=same,
        progress=texts[0],
        schedule_options=schedules(schedule),
        problems=texts[1],
        next_steps=texts[2],
        targets=[
            TargetField(
                target=t,
                name=f"v{t.pk}",
                value=values[t.pk],
                was=value_text(previous, t) if previous is not None else "",
            )
            for t in ask.targets
        ],
        files=entry_files(entry),
    )


def _error_parts(wrong: bool, error: str) -> tuple[str, SafeString | str, SafeString | str]:
    """What marks a wrong field: its label's class, its input's attributes, the message."""
    if not wrong:
        return "", "", ""
    return (
        " invalid",
        mark_safe(' aria-invalid="true" autofocus'),  # a constant
        format_html('<span class="field-error">{}</span>', error),
    )


def fields_html(ask: EntryAsk, error: str = "") -> SafeString:
    """An editable entry's inputs on the fill page (`ask.fields`, set by the step
    view; `error`: the message shown at the field ask.error_field names). Drawn
    here, every value escaped by format_html, rather than by some forty template
    look-ups and conditions per entry."""
    # The page's own words are marked safe as {% translate %} prints them (our
    # translations, not escaped); every value is escaped by format_html.
    f: EntryFields = ask.fields  # type: ignore[assignment]
    prefix = ask.prefix
    err = ask.error_field
    previous = ask.previous
    last_round = mark_safe(_("Last round:"))
    keep = (
        format_html(
            '<label class="keep"><input type="checkbox" name="{}same" value="1" data-keep{}>'
            " {}</label>",
            prefix,
            " checked" if f.same else "",
            mark_safe(_("No change since the last round: keep last round's report")),
        )
        if previous is not None
        else ""
    )
    p_class, p_attrs, p_error = _error_parts(err == "progress", error)
    s_class, s_attrs, s_error = _error_parts(err == "schedule", error)
    was_schedule = (
        format_html('<span class="was">{} {}</span>', last_round, previous.get_schedule_display())
        if previous is not None and previous.schedule
        else ""
    )
    targets = format_html_join(
        "",
        '\n    <label class="{}">{}（{} {}{}）'
        '\n      <span class="with-unit"><input type="text" inputmode="decimal"'
        ' name="{}{}" id="{}{}" value="{}"{}> {}</span>'
        "\n      {}"
        "\n      {}</label>"
        "\n    ",
        (_target_row(field, prefix, err, error, last_round) for field in f.targets),
    )
    evidence = (
        format_html(
            '<p class="wide">{}：{}</p>',
            mark_safe(_("Evidence")),
            format_html_join(
                "、",
                '<a href="{}">{}</a>',
                ((reverse("report_file_download", args=[u.pk]), u.original_name) for u in f.files),
            ),
        )
        if f.files
        else ""
    )
    return format_html(
        '\n  <input type="hidden" name="{}base" value="{}">'
        "\n  {}"
        '\n  <div class="fields">'
        '\n    <label class="wide{}">{}'
        '\n      <textarea name="{}progress" id="{}progress" rows="4" maxlength="2000"'
        " data-required{}>{}</textarea>"
        "\n      {}</label>"
        '\n    <label class="{}">{}'
        '\n      <select name="{}schedule" id="{}schedule" data-required{}>'
        '<option value="">{}</option>{}</select>'
        "\n      {}"
        "\n      {}</label>"
        "\n    {}"
        '\n    <label class="wide">{}<textarea name="{}problems" id="{}problems" rows="2"'
        ' maxlength="2000">{}</textarea></label>'
        '\n    <label class="wide">{}<textarea name="{}next_steps" id="{}next_steps" rows="2"'
        ' maxlength="2000">{}</textarea></label>'
        "\n    {}"
        '\n    <label class="wide">{}<input type="file" name="{}files" multiple></label>'
        "\n  </div>"
        "\n  ",
        prefix,
        f.base,
        keep,
        p_class,
        mark_safe(_("Progress this period")),
        prefix,
        prefix,
        p_attrs,
        f.progress,
        p_error,
        s_class.strip(),
        mark_safe(_("Progress against schedule")),
        prefix,
        prefix,
        s_attrs,
        mark_safe(_("choose…")),
        f.schedule_options,
        was_schedule,
        s_error,
        targets,
        mark_safe(_("Problems")),
        prefix,
        prefix,
        f.problems,
        mark_safe(_("Next steps")),
        prefix,
        prefix,
        f.next_steps,
        evidence,
        mark_safe(_("Add evidence files")),
        prefix,
    )


def _target_row(
    field: TargetField, prefix: str, err: str | None, error: str, last_round: str
) -> tuple:
    target = field.target
    wrong_class, wrong_attrs, wrong_error = _error_parts(err == field.name, error)
    uom = target.unit_of_measure
    return (
        wrong_class.strip(),
        target.indicator,
        mark_safe(_("your unit's own figure; the city's target"))
        if target.by_member
        else mark_safe(_("target")),
        localize(target.value.normalize()),
        uom,
        prefix,
        field.name,
        prefix,
        field.name,
        field.value,
        wrong_attrs,
        uom,
        format_html('<span class="was">{} {}{}</span>', last_round, field.was, uom)
        if field.was
        else "",
        wrong_error,
    )
