"""Ranks as people give them: equal results share a place, and the places after
them are skipped ("standard competition ranking": 1, 2, 2, 4).

Every ranking the project shows (the dashboard's units, the annual assessment, its
workbook and PDF) numbers its rows here, so a tie cannot read as a difference on one
page and as a tie on another.
"""

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

T = TypeVar("T")


def competition_ranks(values: Iterable[T], key: Callable[[T], Any]) -> list[tuple[int, T]]:
    """`values` best first, each with its rank: smaller `key` is better, and values
    whose keys are equal share the rank of the first of them (1, 2, 2, 4).

    The key holds only what the ranking is by, never a tie-break such as the
    registry's order: values with equal keys keep the order they came in, so pass
    them in the order ties should be listed. Compare exact numbers (Decimal, int,
    Fraction): two floats that print alike may not be equal.
    """
    ordered = sorted(values, key=key)
    ranked: list[tuple[int, T]] = []
    previous: Any = None
    rank = 0
    for position, value in enumerate(ordered, start=1):
        current = key(value)
        if position == 1 or current != previous:
            rank, previous = position, current
        ranked.append((rank, value))
    return ranked
