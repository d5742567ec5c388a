"""The numbered outline of a plan, and which of its items are tasks.

Plans number their parts in a few styles — 一、 （一） 1. （1） ① — nested in the
order the text first uses them. The outline is read by style, not by position,
so that every common shape reads alike:

    (a) 三、重点任务 → （一）category → 1.task(note)
    (b) 一、主要任务 → （一）task(note)
    (c) 二、section → （一）sub-section → 1.task(note), numbers running on across sections

A task is a numbered item at the lowest level that carries a responsibility note;
its numbered ancestors are its categories. Numbered items with no note anywhere
below them are context (targets, principles, safeguards) and not tasks.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext

from plans.importer.frontmatter import chinese_number
from plans.importer.notes import find_notes
from plans.importer.parsed import PlanParseError
from plans.importer.tasks import Line, RawTask
from plans.importer.textutil import WHITESPACE, fold, paren_groups
from plans.numerals import cn_numeral

_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
# Matched against the folded line (full-width forms made half-width).
_STYLES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("cn", re.compile(r"^(?P<number>[一二三四五六七八九十]{1,3})\s*、\s*(?P<rest>.*)$")),
    ("pcn", re.compile(r"^\(\s*(?P<number>[一二三四五六七八九十]{1,3})\s*\)\s*(?P<rest>.*)$")),
    ("ar", re.compile(r"^(?P<number>\d{1,3})\s*[.、](?!\d)\s*(?P<rest>.*)$")),
    ("par", re.compile(r"^\(\s*(?P<number>\d{1,3})\s*\)\s*(?P<rest>.*)$")),
    ("circ", re.compile(rf"^(?P<number>[{_CIRCLED}])\s*(?P<rest>.*)$")),
)
_RANK = {style: rank for rank, (style, _) in enumerate(_STYLES)}
_TITLE_TRAILING = WHITESPACE + "。,;:"


@dataclass(eq=False)
class Item:
    style: str
    number: int
    line: Line
    rest: str  # the line after its number, as written
    parent: Item | None
    more: list[Line] = field(default_factory=list)  # unnumbered lines that follow it
    children: list[Item] = field(default_factory=list)
    noted: bool = False  # its own text carries a responsibility note (or an unclosed parenthesis)
    below: bool = False  # it or an item below it carries one

    @property
    def label(self) -> str:
        """The numbering in its standard form (（一）, not (一)), as headings show it."""
        return label_of(self.style, self.number)

    @property
    def title(self) -> str:
        return self.rest.split("。", 1)[0].strip(_TITLE_TRAILING) or self.rest.strip(
            _TITLE_TRAILING
        )

    def ancestors(self) -> list[Item]:
        chain, item = [], self.parent
        while item is not None:
            chain.append(item)
            item = item.parent
        return chain[::-1]

    def lines(self) -> list[Line]:
        """Its continuation lines and every line below it, in text order."""
        found = list(self.more)
        for child in self.children:
            found.append(child.line)
            found += child.lines()
        found.sort(key=lambda line: line.number)
        return found

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


def label_of(style: str, number: int) -> str:
    numeral = cn_numeral(number)
    return {
        "cn": f"{numeral}、",
        "pcn": f"（{numeral}）",
        "ar": f"{number}.",
        "par": f"（{number}）",
        "circ": _CIRCLED[number - 1] if 0 < number <= len(_CIRCLED) else f"{number}.",
    }[style]


def numbered(line: Line) -> tuple[str, int, str] | None:
    """(style, number, text after the number) of a numbered line, else None."""
    for style, pattern in _STYLES:
        match = pattern.match(line.folded)
        if match:
            number = match.group("number")
            if style in ("cn", "pcn"):
                value = chinese_number(number)
            elif style == "circ":
                value = _CIRCLED.index(number) + 1
            else:
                value = int(number)
            return style, value, line.text[match.start("rest") :]
    return None


def outline(lines: list[Line]) -> list[Item]:
    """The numbered items of `lines` as a forest; unnumbered lines join the item above."""
    roots: list[Item] = []
    stack: list[Item] = []
    for line in lines:
        if not line.text:
            continue
        found = numbered(line)
        if found is None:
            if stack:
                stack[-1].more.append(line)
            continue
        style, number, rest = found
        # 一、 (一) 1. (1) ① nest in that order, as GB/T 9704 sets them.
        while stack and _RANK[stack[-1].style] >= _RANK[style]:
            stack.pop()
        parent = stack[-1] if stack else None
        item = Item(style, number, line, rest, parent)
        (parent.children if parent else roots).append(item)
        stack.append(item)
    for root in roots:
        _mark(root)
    return roots


def _mark(item: Item) -> bool:
    text = item.rest + "".join(line.text for line in item.more)
    groups, open_at = paren_groups(fold(text))
    item.noted = open_at is not None or bool(find_notes(text, groups))
    below = [_mark(child) for child in item.children]
    item.below = item.noted or any(below)
    return item.below


@dataclass
class Outline:
    """The tasks of a plan with their categories, in text order."""

    tasks: list[tuple[list[Item], Item]]  # (categories outermost first, the task)
    wrapper: Item | None  # the one heading every task sits under (三、重点任务), if any
    targets: Item | None  # the 目标 heading that holds no task


def read_outline(roots: list[Item], *, ends_text: bool) -> Outline:
    items = [item for root in roots for item in root.walk()]
    tasks = [item for item in items if item.noted and not any(c.below for c in item.children)]
    task_set = set(tasks)
    last = items[-1] if items else None
    if ends_text and last is not None and _cut_inside_task(last, tasks):
        # The text stops inside a task before its note: the rest of the plan is missing.
        raise _missing_note(last, at_end=True)
    for group in _sibling_groups(items):
        _check_group(group, task_set, last=last if ends_text else None)
    _check_numbers(items, task_set)
    # Headings shared by every task are the task section itself, not categories.
    chains = [item.ancestors() for item in tasks]
    wrapper = None
    while chains and all(chain and chain[0] is chains[0][0] for chain in chains):
        wrapper = chains[0][0]
        chains = [chain[1:] for chain in chains]
    targets = next(
        (
            item
            for item in items
            if "目标" in item.title and not item.below and item.style in ("cn", "pcn")
        ),
        None,
    )
    return Outline(list(zip(chains, tasks, strict=True)), wrapper, targets)


def _cut_inside_task(last: Item, tasks: list[Item]) -> bool:
    """The text's last item has no note where its like (same style, same or a sibling
    heading) are tasks: a task cut before its note, not context."""
    if last.below or last.children:
        return False

    def grandparent(item: Item) -> Item | None:
        return item.parent.parent if item.parent is not None else None

    return any(
        task.style == last.style
        and (
            task.parent is last.parent
            or (grandparent(last) is not None and grandparent(task) is grandparent(last))
        )
        for task in tasks
    )


def _sibling_groups(items: list[Item]) -> list[list[Item]]:
    groups: dict[tuple[int, str], list[Item]] = {}
    for item in items:
        groups.setdefault((id(item.parent), item.style), []).append(item)
    return list(groups.values())


def _check_group(group: list[Item], tasks: set[Item], *, last: Item | None) -> None:
    """In a run of tasks, an item with no note is a task missing it, not context."""
    count = sum(1 for item in group if item in tasks)
    headings = [item for item in group if item.below and item not in tasks]
    if count >= 2 and count * 2 >= len(group):
        for item in group:
            if not item.below:
                raise _missing_note(item, at_end=item is _last_of(item, last))
    elif (
        headings
        and last is not None
        and group[-1] is last
        and not last.below
        and not last.more
        and not last.children
        and len(last.rest) <= 40
    ):
        # The text stops right after a category heading: the rest of the plan is missing.
        from plans.importer.tasks import truncated_after_heading

        raise truncated_after_heading(last.title, last.line.number)


def _last_of(item: Item, last: Item | None) -> Item | None:
    # The text ends inside `item` when the last numbered item is it or below it.
    if last is None:
        return None
    node: Item | None = last
    while node is not None:
        if node is item:
            return item
        node = node.parent
    return None


def _missing_note(item: Item, *, at_end: bool) -> PlanParseError:
    from plans.importer.tasks import truncated, without_note

    raw = as_raw_task(item)
    if at_end:
        lines = [item.line, *item.lines()]
        return truncated(raw, lines[-1].number)
    return without_note(raw)


def _check_numbers(items: list[Item], tasks: set[Item]) -> None:
    """Numbers are the document's own: they may start anywhere, restart at 1 under a new
    heading or run on across headings, but never skip or repeat within a run of tasks."""
    previous: dict[str, int] = {}
    for group in _sibling_groups(items):
        if not any(item in tasks for item in group):
            continue
        first = group[0]
        seen = previous.get(first.style)
        if seen is not None and first.number not in (1, seen + 1):
            raise _numbering_error(first, seen)
        for before, item in itertools.pairwise(group):
            if item.number != before.number + 1:
                raise _numbering_error(item, before.number)
        previous[first.style] = group[-1].number


def _numbering_error(item: Item, previous: int) -> PlanParseError:
    expected = previous + 1
    values = {
        "number": item.number,
        "previous": previous,
        "expected": expected,
        "line": item.line.number,
    }
    if item.number > expected:
        message = gettext(
            "Task %(expected)s is missing: task %(previous)s is followed by task %(number)s "
            "on line %(line)s."
        )
    else:
        message = gettext(
            "Task number %(number)s on line %(line)s repeats an earlier number: "
            "task %(previous)s should be followed by task %(expected)s."
        )
    return PlanParseError(message % values, line=item.line.number)


def as_raw_task(item: Item) -> RawTask:
    return RawTask(item.number, item.line, item.rest, item.lines())
