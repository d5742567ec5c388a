"""Reading the numbered tasks of a plan's task section: title, measures, units, targets.

Tasks are read in text order because two things run across them: the numbering
(continuous, or restarting in each category) and standing units ("以下均需…落实").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext

from plans.importer.deadlines import ParsedDeadline, read_deadline
from plans.importer.frontmatter import line_date, looks_like_organisation
from plans.importer.notes import ROLE_LEAD, Note, find_notes
from plans.importer.parsed import (
    ParsedMeasure,
    ParsedTask,
    PlanParseError,
    UnitMention,
)
from plans.importer.targets import clause_targets
from plans.importer.textutil import WHITESPACE, LineMap, Span, fold, paren_groups, strip_span

_TRAILER = re.compile(r"^(?:附件|附表|文件解读|相关解读|抄送|印发|\(此件)")
_CLAUSE_LEADING = WHITESPACE + "。,;、:"
_TITLE_TRAILING = WHITESPACE + "。,;:"


@dataclass(frozen=True)
class Line:
    number: int  # 1-based
    text: str  # stripped, as written
    folded: str  # fold(text): same length, same indices


@dataclass
class RawTask:
    number: int
    line: Line
    rest: str  # the task line after its number
    more: list[Line] = field(default_factory=list)  # continuation lines


@dataclass(frozen=True)
class _Body:
    """A task's text after its number, its lines joined (Chinese needs no space between them)."""

    text: str
    folded: str
    line_map: LineMap
    first_line_length: int
    line_count: int
    last_line: int

    @classmethod
    def join(cls, raw: RawTask) -> _Body:
        parts = [(raw.rest, raw.line.number)] if raw.rest else []
        parts += [(line.text, line.number) for line in raw.more]
        if not parts:
            parts = [("", raw.line.number)]
        starts, offset = [], 0
        for text, _ in parts:
            starts.append(offset)
            offset += len(text)
        text = "".join(text for text, _ in parts)
        return cls(
            text=text,
            folded=fold(text),
            line_map=LineMap(starts, [number for _, number in parts]),
            first_line_length=len(parts[0][0]),
            line_count=len(parts),
            last_line=parts[-1][1],
        )


class TaskReader:
    """Reads the tasks in text order, carrying what spans tasks: numbering and standing units."""

    def __init__(self, canonical: Callable[[str], str]) -> None:
        self.canonical = canonical
        self.mentions: list[UnitMention] = []
        # Units of a standing clause ("以下均需各县(市、区)政府落实"): co-units of every later task.
        self.standing: list[str] = []

    def read(self, raw: RawTask, *, ends_text: bool) -> ParsedTask:
        """One task, in text order (a standing unit applies to the tasks read after it)."""
        return self._task(raw, ends_text=ends_text)

    def _task(self, raw: RawTask, *, ends_text: bool) -> ParsedTask:
        body = _Body.join(raw)
        groups, open_at = paren_groups(body.folded)
        if open_at is not None:
            if ends_text:
                raise _truncated_in_parenthesis(raw, body.last_line)
            raise unclosed(raw, body.line_map.line_at(open_at))
        notes = find_notes(body.text, groups)
        if not notes:
            raise truncated(raw, body.last_line) if ends_text else without_note(raw)
        title, cursor = _task_title(body, groups, notes)
        measures = self._measures(body, notes, title, cursor)
        trailing = _clause_span(body.text, notes[-1].span.end, len(body.text))
        if trailing.start < trailing.end:
            if ends_text:
                raise truncated(raw, body.last_line)
            # Text after the last note of a task that is not the last: kept, with no unit of its
            # own (the task's units answer for it).
            measures.append(self._measure(body, trailing, []))

        for note in notes:
            for unit in note.mentions:
                self.mentions.append(UnitMention(unit.name, body.line_map.line_at(unit.offset)))
        lead, co_units = self._units(notes)
        vague: list[str] = []
        for note in notes:
            vague += [phrase for phrase in note.vague if phrase not in vague]
        return ParsedTask(
            number=raw.number,
            title=title,
            line=raw.line.number,
            lead_unit=lead or "",
            co_units=co_units,
            measures=measures,
            targets=[target for measure in measures for target in measure.targets],
            deadline=_deadline(body, groups, notes),
            vague=vague,
        )

    def _measures(
        self, body: _Body, notes: list[Note], title: str, cursor: int
    ) -> list[ParsedMeasure]:
        measures: list[ParsedMeasure] = []
        for note in notes:
            clause = _clause_span(body.text, cursor, note.span.start)
            cursor = note.span.end
            units = self._names(note)
            if clause.start < clause.end:
                measures.append(self._measure(body, clause, units))
            elif measures:
                # Two notes in a row: the second one adds units to the same clause.
                measures[-1].units += [name for name in units if name not in measures[-1].units]
            else:
                # "1.标题。(责任单位:…)": the title is the only statement of the measure.
                measures.append(ParsedMeasure(title, units, body.line_map.line_at(0), []))
        return measures

    @staticmethod
    def _measure(body: _Body, clause: Span, units: list[str]) -> ParsedMeasure:
        text = body.text[clause.start : clause.end]
        targets = clause_targets(text, lambda at: body.line_map.line_at(clause.start + at))
        return ParsedMeasure(text, units, body.line_map.line_at(clause.start), targets)

    def _names(self, note: Note) -> list[str]:
        names: list[str] = []
        for unit in note.units:
            name = self.canonical(unit.name)
            if name not in names:
                names.append(name)
        return names

    def _units(self, notes: list[Note]) -> tuple[str | None, list[tuple[str, bool]]]:
        """Lead and co-units of a task: the unit marked 牵头, else the first unit named."""
        order: list[str] = []
        marked_lead: list[str] = []
        for note in notes:
            for unit in note.units:
                name = self.canonical(unit.name)
                if name not in order:
                    order.append(name)
                if unit.role == ROLE_LEAD and name not in marked_lead:
                    marked_lead.append(name)
            for unit in note.standing:
                name = self.canonical(unit.name)
                if name not in self.standing:
                    self.standing.append(name)
        if marked_lead:
            lead: str | None = marked_lead[0]
        else:
            lead = next((self.canonical(n.units[0].name) for n in notes if n.units), None)
        co_units = [(name, name in marked_lead) for name in order if name != lead]
        for name in self.standing:
            if name != lead and all(name != co for co, _ in co_units):
                co_units.append((name, False))
        return lead, co_units


_DEADLINE_NOTE = re.compile(r"前|底|末|完成|长期|持续|每年|常态化")


def _deadline(body: _Body, groups: list[Span], notes: list[Note]) -> ParsedDeadline | None:
    """完成时限 from a note, else from a parenthetical such as (2024年底前完成)."""
    for note in notes:
        if note.deadline and (deadline := read_deadline(note.deadline)):
            return deadline
    noted = {note.span for note in notes}
    for group in groups:
        inner = body.text[group.start + 1 : group.end - 1]
        if group in noted or len(inner) > 20 or not _DEADLINE_NOTE.search(inner):
            continue
        written = re.sub(r"^(?:完成时限|完成时间|时限)\s*[:：]\s*", "", inner)
        if deadline := read_deadline(written):
            return deadline
    return None


def _task_title(body: _Body, groups: list[Span], notes: list[Note]) -> tuple[str, int]:
    """The task's title and where its first clause starts.

    The title is the text up to the first 。 (or up to the first note); a first line
    without either, followed by more lines, is a title line of its own.
    """
    first_note = notes[0].span.start
    first_line = body.first_line_length
    if body.line_count > 1 and first_line <= first_note and "。" not in body.folded[:first_line]:
        return body.text[:first_line].strip(_TITLE_TRAILING), first_line
    period = _first_outside(body.folded, "。", groups)
    if period is not None and period < first_note:
        return body.text[:period].strip(_TITLE_TRAILING), period + 1
    return body.text[:first_note].strip(_TITLE_TRAILING), first_note


def _clause_span(body: str, start: int, end: int) -> Span:
    """The clause between two notes: leading punctuation left by a note goes, its own 。 stays."""
    span = strip_span(body, Span(start, max(start, end)))
    while span.start < span.end and body[span.start] in _CLAUSE_LEADING:
        span = Span(span.start + 1, span.end)
    return strip_span(body, span)


def _first_outside(folded: str, char: str, groups: list[Span]) -> int | None:
    index = folded.find(char)
    while index >= 0:
        if not any(group.start < index < group.end for group in groups):
            return index
        index = folded.find(char, index + 1)
    return None


def drop_trailer(task: RawTask) -> None:
    """Remove a signature, date or attachment list that follows the last task of a plan."""
    while task.more:
        last = task.more[-1]
        if _TRAILER.match(last.folded):
            task.more.pop()
        elif line_date(last.text):
            task.more.pop()
            if task.more and looks_like_organisation(task.more[-1].text):
                task.more.pop()
        else:
            break


def _truncated_in_parenthesis(raw: RawTask, line: int) -> PlanParseError:
    return PlanParseError(
        gettext(
            "The text ends inside an unclosed parenthesis in task %(number)s: "
            "the file seems to be cut short."
        )
        % {"number": raw.number},
        line=line,
    )


def unclosed(raw: RawTask, line: int) -> PlanParseError:
    return PlanParseError(
        gettext("Task %(number)s has a parenthesis on line %(line)s that is never closed.")
        % {"number": raw.number, "line": line},
        line=line,
    )


def without_note(raw: RawTask) -> PlanParseError:
    return PlanParseError(
        gettext(
            "Task %(number)s on line %(line)s has no responsibility note such as "
            "“(责任单位:…)”, so it names no responsible unit."
        )
        % {"number": raw.number, "line": raw.line.number},
        line=raw.line.number,
    )


def truncated(raw: RawTask, line: int) -> PlanParseError:
    return PlanParseError(
        gettext(
            "The text ends in the middle of task %(number)s (its last clause has no "
            "responsibility note): the file seems to be cut short."
        )
        % {"number": raw.number},
        line=line,
    )


def truncated_after_heading(title: str, line: int) -> PlanParseError:
    return PlanParseError(
        gettext(
            "The text ends right after the heading of a category with no task "
            "(“%(title)s”): the file seems to be cut short."
        )
        % {"title": title},
        line=line,
    )
