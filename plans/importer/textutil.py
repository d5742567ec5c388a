"""Small text helpers shared by the plan parser's modules.

Plans mix full-width and half-width punctuation freely. Matching is done on a
*folded* copy of the text in which every full-width ASCII form is replaced by its
half-width twin; the fold maps one character to one character, so an index into
the folded copy is also an index into the original, which is what texts are cut
from (the product keeps what the plan says, as written).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

_FOLD_TABLE: dict[int, int] = {0xFF01 + i: 0x21 + i for i in range(94)}
_FOLD_TABLE[0x3000] = 0x20  # ideographic space

# Brackets that may hide a separator: splitting must never happen inside them
# (e.g. “双随机、一公开”, 《药品管理法》, 各县(市、区)政府).
_NESTING: dict[str, str] = {
    "(": ")",
    "“": "”",
    "‘": "’",
    "《": "》",
    "「": "」",
    "『": "』",
    "【": "】",
    "〔": "〕",
    "[": "]",
}
_PARENS_ONLY: dict[str, str] = {"(": ")"}

WHITESPACE = " \t\u3000\ufeff\xa0"


def fold(text: str) -> str:
    """Half-width copy of `text`, index for index."""
    return text.translate(_FOLD_TABLE)


@dataclass(frozen=True)
class Span:
    start: int
    end: int  # exclusive


def paren_groups(folded: str) -> tuple[list[Span], int | None]:
    """Top-level parenthesised spans (brackets included) of a folded text.

    Returns the spans and the index of an opening parenthesis that is never
    closed, if any. A stray closing parenthesis (a text cut in the middle of a
    note) is ignored rather than treated as an error.
    """
    groups: list[Span] = []
    depth = 0
    start = 0
    for index, char in enumerate(folded):
        if char == "(":
            if depth == 0:
                start = index
            depth += 1
        elif char == ")" and depth:
            depth -= 1
            if depth == 0:
                groups.append(Span(start, index + 1))
    return groups, (start if depth else None)


def split_top_level(folded: str, separators: str) -> list[Span]:
    """Spans of `folded` between separators that are not inside any bracket or quote.

    An unbalanced quote would otherwise hide every separator after it, so the
    split falls back to parentheses only, then to no nesting at all.
    """
    for nesting in (_NESTING, _PARENS_ONLY, {}):
        spans = _split(folded, separators, nesting)
        if spans is not None:
            return spans
    return [Span(0, len(folded))]  # pragma: no cover - the empty nesting always balances


def _split(folded: str, separators: str, nesting: dict[str, str]) -> list[Span] | None:
    spans: list[Span] = []
    stack: list[str] = []
    start = 0
    for index, char in enumerate(folded):
        if char in nesting:
            stack.append(nesting[char])
        elif stack and char == stack[-1]:
            stack.pop()
        elif not stack and char in separators:
            spans.append(Span(start, index))
            start = index + 1
    if stack:
        return None
    spans.append(Span(start, len(folded)))
    return spans


def strip_span(text: str, span: Span, chars: str = WHITESPACE) -> Span:
    """`span` narrowed so that `text[span]` has no leading or trailing `chars`."""
    start, end = span.start, span.end
    while start < end and text[start] in chars:
        start += 1
    while end > start and text[end - 1] in chars:
        end -= 1
    return Span(start, end)


class LineMap:
    """Maps offsets in text joined from several source lines back to 1-based line numbers."""

    def __init__(self, starts: Sequence[int], lines: Sequence[int]) -> None:
        self._starts = list(starts)
        self._lines = list(lines)

    def line_at(self, offset: int) -> int:
        index = bisect.bisect_right(self._starts, offset) - 1
        return self._lines[max(index, 0)]
