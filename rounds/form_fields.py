"""What the fill page shows in each editable entry's fields, worked out once in
Python rather than by a chain of template conditions per field and per row.

A page drawn from the stored draft shows the entry's texts and values (none
when it keeps last round's report); a page redrawn after a refused submit shows
what the form sent (ReportStepView's `posted`, fields named e<task>-<field>).
The template (templates/rounds/report_step.html) prints these as they are.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.utils.html import format_html_join
from django.utils.safestring import SafeString

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
