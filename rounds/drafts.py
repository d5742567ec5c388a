"""Versions of a report's draft, so that a save from an older page never
overwrites a colleague's newer text without the person seeing both.

A report counts its saves (`UnitReport.draft_version`); the fill page carries
the count it was drawn from and, per entry, a digest of the entry as it showed
it (its *base*). A save from a page whose count is behind is judged entry by
entry against its base, the three-way rule of any merge:

- the page left the entry as it found it: the stored one stays (a colleague's
  newer text is not put back to the old one);
- the stored entry is still what the page found: the page's text is written;
- both changed it, differently: a conflict, nothing written for that entry,
  and the person chooses between the two on the conflict page;
- both changed it the same way: nothing to write.

A save of the current version (one person, one tab: the common case) writes
what it is given, as before.
"""

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from departments.models import User
from plans.models import TaskTarget
from rounds.errors import RoundError
from rounds.models import Entry, ReportEvent, UnitReport

# The entry's fields a draft is made of (evidence files are only ever added).
TEXT_FIELDS = ("progress", "schedule", "problems", "next_steps")

Values = Mapping[int, Decimal | None]


def _number(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def state_digest(fields: Mapping[str, Any], values: Values, targets: Iterable[TaskTarget]) -> str:
    """A short fingerprint of an entry's texts, flag and values for the targets asked."""
    payload = [
        [fields.get(name, "") for name in TEXT_FIELDS],
        bool(fields.get("kept_previous")),
        [[target.pk, _number(values.get(target.pk))] for target in targets],
    ]
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def stored_state(entry: Entry, values: Values | None = None) -> tuple[dict, dict]:
    """The entry's draft as stored: its fields, and its values by target pk
    (read from `entry.values`, prefetched, unless given)."""
    fields = {name: getattr(entry, name) for name in TEXT_FIELDS}
    fields["kept_previous"] = entry.kept_previous
    if values is None:
        values = {value.target_id: value.value for value in entry.values.all()}
    return fields, dict(values)


def stored_digest(entry: Entry, targets: Iterable[TaskTarget], values: Values | None = None) -> str:
    """The base a page drawn now carries for the entry."""
    fields, stored_values = stored_state(entry, values)
    return state_digest(fields, stored_values, targets)


@dataclass
class EntryConflict:
    """An entry both the page and another save changed, differently."""

    entry: Entry  # as stored: its texts, updated_by and updated_at
    targets: list[TaskTarget]
    stored: dict
    stored_values: dict[int, Decimal | None]
    mine: dict
    mine_values: dict[int, Decimal | None]
    # A submit's entry that only another page changed: the person has not seen the
    # stored version, which is what would be sent. Its choice defaults to it.
    unseen: bool = False

    @property
    def base(self) -> str:
        """The base the conflict form carries: the stored version the person saw."""
        return state_digest(self.stored, self.stored_values, self.targets)

    def differing(self) -> list[str]:
        """The names of the fields (and v<target pk>) that differ."""
        names = [name for name in TEXT_FIELDS if self.stored.get(name) != self.mine.get(name)]
        if bool(self.stored.get("kept_previous")) != bool(self.mine.get("kept_previous")):
            names.append("kept_previous")
        for target in self.targets:
            if _number(self.stored_values.get(target.pk)) != _number(
                self.mine_values.get(target.pk)
            ):
                names.append(f"v{target.pk}")
        return names


@dataclass
class DraftSave:
    """What a save did: the entries written, and the conflicts left to the person."""

    report: UnitReport
    saved: list[Entry] = field(default_factory=list)
    # Given, but left as stored (the page had not changed them, or the person chose so).
    kept: list[Entry] = field(default_factory=list)
    # Of those, the ones another page changed since this one was drawn.
    newer: list[Entry] = field(default_factory=list)
    conflicts: list[EntryConflict] = field(default_factory=list)
    # Task pk -> the base of each entry written, for the page that saved it.
    bases: dict[int, str] = field(default_factory=dict)


def last_save(report: UnitReport) -> ReportEvent | None:
    """The latest save of the draft (who, when), for telling an older page about it."""
    return (
        report.events.filter(action=ReportEvent.Action.SAVE)
        .select_related("by")
        .order_by("-at", "-id")
        .first()
    )


def saved_by_label(by: User | None) -> str:
    if by is None:
        return _("an import")
    return str(by)


class DraftOutdated(RoundError):
    """An autosave from a page older than the stored draft: nothing is written."""

    def __init__(self, *, report: UnitReport) -> None:
        event = last_save(report)
        self.version = report.draft_version
        self.by = saved_by_label(event.by) if event else ""
        self.at = event.at if event else None
        super().__init__(
            _(
                "A newer version of this report was saved after this page was opened. "
                "Your changes here are not saved yet."
            )
        )


class DraftConflict(RoundError):
    """A submit from an older page that would overwrite newer entries, or send
    entries another page changed that this one never showed: nothing is
    written, and the person chooses entry by entry."""

    def __init__(
        self, *, report: UnitReport, conflicts: list[EntryConflict], kept: list[Entry]
    ) -> None:
        self.version = report.draft_version
        self.conflicts = conflicts
        # The entries the page had left alone, which stay as a colleague saved them.
        self.kept = kept
        super().__init__(
            _(
                "Someone saved some of these entries after this page was opened. "
                "Choose which version to keep."
            )
        )


def _shown(name: str, fields: Mapping[str, Any]) -> str:
    if name == "schedule":
        return str(Entry.Schedule(fields["schedule"]).label) if fields.get("schedule") else ""
    return fields.get(name, "")


def conflict_rows(conflict: EntryConflict) -> dict[str, Any]:
    """What the conflict page shows of one entry: who saved the stored version and
    when, each differing field on both sides, and this page's version as the
    hidden fields the form sends back if the person keeps it."""
    labels = {
        "progress": _("Progress this period"),
        "schedule": _("Progress against schedule"),
        "problems": _("Problems"),
        "next_steps": _("Next steps"),
        "kept_previous": _("No change since the last round"),
    }
    targets = {f"v{t.pk}": t for t in conflict.targets}
    rows = []
    for name in conflict.differing():
        if name in targets:
            target = targets[name]
            label = target.indicator
            if target.unit_of_measure:
                label = f"{label}（{target.unit_of_measure}）"
            stored = _number(conflict.stored_values.get(target.pk)) or ""
            mine = _number(conflict.mine_values.get(target.pk)) or ""
        elif name == "kept_previous":
            label = labels[name]
            stored = _("yes") if conflict.stored.get(name) else _("no")
            mine = _("yes") if conflict.mine.get(name) else _("no")
        else:
            label = labels[name]
            stored, mine = _shown(name, conflict.stored), _shown(name, conflict.mine)
        rows.append({"label": label, "stored": stored, "mine": mine})
    task = conflict.entry.task_id
    prefix = f"e{task}-"
    if conflict.mine.get("kept_previous"):
        hidden = [(prefix + "same", "1")]
    else:
        hidden = [(prefix + name, conflict.mine.get(name, "")) for name in TEXT_FIELDS]
        hidden += [
            (f"{prefix}v{pk}", _number(value) or "") for pk, value in conflict.mine_values.items()
        ]
    hidden.append((prefix + "base", conflict.base))
    return {
        "entry": conflict.entry,
        "by": saved_by_label(conflict.entry.updated_by),
        "at": conflict.entry.updated_at,
        "rows": rows,
        "hidden": hidden,
        "choice": prefix + "choice",
        "unseen": conflict.unseen,
    }
