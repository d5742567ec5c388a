"""Checking the audit trail: its keyed hash chain and its anchors outside the database."""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

from audit import anchors as anchor_file
from audit.chain import GENESIS, REKEY_ACTION, ROTATE_ACTION, compute_digest, keyring
from audit.models import AuditEvent

# The fields the walk reads: everything a digest covers, and the row's id.
_FIELDS = (
    "id",
    "prev_hash",
    "hash",
    "at",
    "user_id",
    "username",
    "unit_name",
    "role",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "outcome",
    "client_ip",
    "summary",
    "key_id",
    "digest",
    "stream",
)


@dataclass
class ChainBreak:
    event_id: int
    # "content": the row does not match its digest (edited, or a wrong key);
    # "link": a row before it is missing or edited; "unkeyed": a row with the
    # public digest after keyed rows (rewritten without the key); "unknown_key":
    # the row's key id is not configured; "segment": the key changes without a
    # rotation row.
    reason: str
    key_id: str = ""
    previous_key_id: str = ""
    stream: int = 0


@dataclass
class AnchorProblem:
    # "missing": the anchored row's stream ends before it (rows cut off its end);
    # "gone": the anchored row is not in the trail; "changed": it is, with
    # another digest; "other_trail": anchors of a trail this database does not
    # hold (strict mode); "unreadable": lines that are not anchors.
    kind: str
    event_id: int = 0
    at: str = ""
    last_id: int = 0
    count: int = 0
    lines: list[int] = field(default_factory=list)
    stream: int = 0


@dataclass
class TrailReport:
    checked: int = 0
    broken: ChainBreak | None = None
    keys: dict[str, int] = field(default_factory=dict)  # key id ("" legacy) -> rows
    last_id: int = 0
    streams: dict[int, int] = field(default_factory=dict)  # stream -> its last row's id
    legacy_only: bool = False
    # Stream 0 still ends on the legacy rows while other streams are keyed: the
    # legacy rows are not yet bound under the key (audit_rekey does it).
    legacy_unbound: int = 0
    anchor_path: Path | None = None
    anchors_checked: int = 0
    last_anchor: anchor_file.Anchor | None = None
    other_trail_anchors: int = 0
    anchor_problems: list[AnchorProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (
            self.broken is None
            and not self.legacy_only
            and not self.legacy_unbound
            and not self.anchor_problems
        )


def _summary(row: dict[str, Any]) -> dict[str, Any]:
    return row["summary"] if isinstance(row["summary"], dict) else {}


def _segment_allowed(previous: dict[str, Any] | None, row: dict[str, Any]) -> bool:
    """Whether `row` may be chained with another key than the row before it."""
    if previous is None or previous["key_id"] == row["key_id"]:
        return True
    if not previous["key_id"]:
        # Leaving the legacy segment: only through the rekey row.
        return row["action"] == REKEY_ACTION
    before, this = _summary(previous), _summary(row)
    if previous["action"] == ROTATE_ACTION and before.get("to") == row["key_id"]:
        return True  # the old key's rotation row named this key
    return (
        row["action"] == ROTATE_ACTION
        and this.get("from") == previous["key_id"]
        and this.get("to") == row["key_id"]
    )  # the old key was gone: the new key's rotation row


def _walk(report: TrailReport, *, batch_size: int) -> None:
    """One pass in id order; each stream's rows follow each other in that order
    (a stream's next row is inserted only after its last one committed)."""
    ring = keyring()
    previous_by_stream: dict[int, dict[str, Any]] = {}
    keyed_seen = False
    legacy = 0
    last_id = 0
    while True:
        batch = list(
            AuditEvent.objects.filter(id__gt=last_id).order_by("id").values(*_FIELDS)[:batch_size]
        )
        if not batch:
            break
        for row in batch:
            key_id, stream = row["key_id"], row["stream"]
            report.keys[key_id] = report.keys.get(key_id, 0) + 1
            previous = previous_by_stream.get(stream)
            if report.broken is None:
                report.broken = _check_row(row, previous, keyed_seen, ring)
                if report.broken is None:
                    report.checked += 1
            keyed_seen = keyed_seen or bool(key_id)
            legacy += not key_id
            previous_by_stream[stream] = row
            report.streams[stream] = row["id"]
        last_id = batch[-1]["id"]
    report.last_id = last_id
    report.legacy_only = report.checked > 0 and not keyed_seen and report.broken is None
    zero = previous_by_stream.get(0)
    if keyed_seen and zero is not None and not zero["key_id"] and report.broken is None:
        report.legacy_unbound = legacy


def _check_row(
    row: dict[str, Any],
    previous: dict[str, Any] | None,
    keyed_seen: bool,
    ring: Any,
) -> ChainBreak | None:
    """`previous`: the row before it in its stream."""
    key_id, stream = row["key_id"], row["stream"]
    previous_key = previous["key_id"] if previous else ""
    if row["prev_hash"] != (previous["hash"] if previous else GENESIS):
        return ChainBreak(row["id"], "link", key_id, stream=stream)
    if not key_id:
        # The legacy rows are the one chain written before the streams: stream 0.
        if keyed_seen or stream:
            return ChainBreak(row["id"], "unkeyed", previous_key_id=previous_key, stream=stream)
        expected = compute_digest(row, key=None)
    else:
        key = ring.keys.get(key_id)
        if key is None:
            return ChainBreak(row["id"], "unknown_key", key_id, stream=stream)
        if not _segment_allowed(previous, row):
            return ChainBreak(row["id"], "segment", key_id, previous_key, stream=stream)
        try:
            expected = compute_digest(row, key=key)
        except ValueError:  # a digest name this Python cannot compute
            return ChainBreak(row["id"], "content", key_id, stream=stream)
    if expected != row["hash"]:
        return ChainBreak(row["id"], "content", key_id, stream=stream)
    return None


def _stored_heads(anchors: list[anchor_file.Anchor]) -> dict[int, tuple[str, int]]:
    """The digest and stream of every row the anchors name that the trail still holds."""
    ids = sorted({head[0] for a in anchors for head in a.heads.values()})
    stored: dict[int, tuple[str, int]] = {}
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        stored.update(
            (id_, (digest, stream))
            for id_, digest, stream in AuditEvent.objects.filter(id__in=chunk).values_list(
                "id", "hash", "stream"
            )
        )
    return stored


def _check_anchors(report: TrailReport) -> None:
    path = anchor_file.anchor_path()
    report.anchor_path = path
    anchors, unreadable = anchor_file.read_anchors(path)
    if unreadable:
        report.anchor_problems.append(AnchorProblem("unreadable", lines=unreadable))
    trail = anchor_file.trail_id()
    stored = _stored_heads(anchors)

    def this_trails(anchor: anchor_file.Anchor) -> bool:
        # By the trail's first row, or by any head it names that the trail still
        # holds unchanged: deleting the first rows (a whole stream 0, say) changes
        # the first row, and must not make the anchors someone else's.
        if trail and anchor.trail == trail:
            return True
        return any(
            stored.get(event_id) == (digest, stream)
            for stream, (event_id, digest) in anchor.heads.items()
        )

    ours = [a for a in anchors if this_trails(a)]
    others = [a for a in anchors if not this_trails(a)]
    report.other_trail_anchors = len(others)
    if others and getattr(settings, "AUDIT_ANCHOR_STRICT", False):
        last = others[-1]
        report.anchor_problems.append(
            AnchorProblem("other_trail", event_id=last.event_id, at=last.at, count=len(others))
        )
    if not ours:
        return
    report.last_anchor = max(ours, key=lambda a: a.event_id)
    # Per stream, the highest anchored head (reported once if cut off).
    highest: dict[int, tuple[int, str]] = {}
    reported: set[int] = set()  # a row named by several anchors is reported once
    for anchor in sorted(ours, key=lambda a: a.event_id):
        report.anchors_checked += 1
        for stream, (event_id, digest) in sorted(anchor.heads.items()):
            if event_id >= highest.get(stream, (0, ""))[0]:
                highest[stream] = (event_id, anchor.at)
            if event_id > report.streams.get(stream, 0) or event_id in reported:
                continue  # past the stream's end: reported once below, from the highest
            if event_id not in stored:
                report.anchor_problems.append(
                    AnchorProblem("gone", event_id=event_id, at=anchor.at, stream=stream)
                )
                reported.add(event_id)
            elif stored[event_id] != (digest, stream):
                report.anchor_problems.append(
                    AnchorProblem("changed", event_id=event_id, at=anchor.at, stream=stream)
                )
                reported.add(event_id)
    for stream, (event_id, at) in sorted(highest.items()):
        last_id = report.streams.get(stream, 0)
        if event_id > last_id:
            report.anchor_problems.append(
                AnchorProblem("missing", event_id=event_id, at=at, last_id=last_id, stream=stream)
            )


def verify_trail(*, batch_size: int = 2000, anchors: bool = True) -> TrailReport:
    """Walk the trail in order and check it against the anchor file.

    Reads in keyset-paginated batches so memory stays flat on millions of rows.
    """
    report = TrailReport()
    _walk(report, batch_size=batch_size)
    if anchors:
        _check_anchors(report)
    return report


def verify_chain(*, batch_size: int = 2000) -> tuple[int, ChainBreak | None]:
    """The chain alone (no anchors): the rows checked and the first break, if any."""
    report = verify_trail(batch_size=batch_size, anchors=False)
    return report.checked, report.broken
