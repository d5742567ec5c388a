"""Gapless numbering of official documents (督办〔2026〕3号, 第5期, 考核〔2026〕1号)."""

from documents.models import NumberSeries


def next_number(series: str, year: int) -> int:
    """The next number of a yearly series, under a row lock: no gaps, no repeats.

    Call it inside the transaction that stores the numbered document: the
    lock is held until that commits, and a failure after it gives the number back.
    """
    NumberSeries.objects.get_or_create(series=series, year=year)
    row = NumberSeries.objects.select_for_update().get(series=series, year=year)
    row.last += 1
    row.save(update_fields=["last"])
    return row.last


def peek_number(series: str, year: int) -> int:
    """The number `next_number` would give now, taking nothing: what a confirmation
    page announces (another issue in between takes it, and the issue says so)."""
    last = NumberSeries.objects.filter(series=series, year=year).values_list("last", flat=True)
    return (last.first() or 0) + 1
