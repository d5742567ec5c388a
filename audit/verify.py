"""Checking the audit trail's hash chain."""

from dataclasses import dataclass

from audit.models import AuditEvent
from audit.services import GENESIS, row_digest


@dataclass
class ChainBreak:
    event_id: int
    reason: str  # "content" (the row was edited) or "link" (a row before it is missing or edited)


def verify_chain(*, batch_size: int = 2000) -> tuple[int, ChainBreak | None]:
    """Walk the trail in order; return the rows checked and the first break, if any.

    Reads in keyset-paginated batches so memory stays flat on millions of rows.
    """
    checked = 0
    previous = GENESIS
    last_id = 0
    while True:
        batch = list(AuditEvent.objects.filter(id__gt=last_id).order_by("id")[:batch_size])
        if not batch:
            return checked, None
        for event in batch:
            if event.prev_hash != previous:
                return checked, ChainBreak(event.id, "link")
            if row_digest(event) != event.hash:
                return checked, ChainBreak(event.id, "content")
            previous = event.hash
            checked += 1
        last_id = batch[-1].id
