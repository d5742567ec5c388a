"""The trail as several chains side by side: writers do not wait for each other's
transactions, a stream never forks, and every guarantee of the one chain holds
per stream (rows cut off the end of any stream after an anchor, rows moved
between streams, the legacy rows, key rotation)."""

import hmac
import json
import tempfile
import threading
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import TransactionTestCase, override_settings
from django.utils import translation

from audit import anchors
from audit.chain import event_values, row_content
from audit.models import AuditEvent
from audit.services import audit_record, audit_rekey
from audit.streams import stream_heads
from audit.verify import verify_chain
from tests.audit.test_keyed_chain import (
    KEY_A,
    KEY_B,
    KeyedChainCase,
    UpgradeTests,
    tamper,
    verify,
    verify_error,
    write_rows,
)
from tests.audit_coverage import audited


def in_stream(stream: int) -> None:
    """Make `stream` the one this connection tries first (it is free in these tests)."""
    connection.audit_stream = stream


class StreamCase(KeyedChainCase):
    def setUp(self) -> None:
        super().setUp()
        # The connection outlives the test: leave the next one the stream it expects.
        in_stream(0)
        self.addCleanup(in_stream, 0)


class StreamTruncationTests(StreamCase):
    def test_rows_cut_off_the_end_of_one_stream_are_reported_though_others_go_on(self) -> None:
        in_stream(3)
        third = write_rows(3)
        in_stream(0)
        zeroth = write_rows(3, start=3)  # later ids: the trail's last row is not stream 3's
        self.assertEqual({e.stream for e in third}, {3})
        self.assertEqual({e.stream for e in zeroth}, {0})
        anchored = anchors.audit_anchor()
        self.assertEqual(
            anchored.heads, {0: (zeroth[-1].pk, zeroth[-1].hash), 3: (third[-1].pk, third[-1].hash)}
        )
        tamper("DELETE FROM audit_auditevent WHERE id IN (%s, %s)", [third[1].pk, third[2].pk])
        # Each chain alone is still whole: only the anchor can tell.
        self.assertEqual(verify_chain(), (4, None))
        self.assertIn(
            f"Rows are missing at the end of stream 3 of the audit trail: the anchor of "
            f"{anchored.at} records row {third[2].pk}, but that stream ends at row {third[0].pk}.",
            verify_error(),
        )

    def test_a_whole_stream_deleted_after_an_anchor_is_reported(self) -> None:
        write_rows(2)
        in_stream(5)
        fifth = write_rows(2, start=2)
        anchored = anchors.audit_anchor()
        tamper("DELETE FROM audit_auditevent WHERE stream = 5", [])
        self.assertIn(
            f"Rows are missing from stream 5 of the audit trail: the anchor of {anchored.at} "
            f"records row {fifth[-1].pk}, but that stream holds no row.",
            verify_error(),
        )

    def test_stream_0_deleted_whole_is_reported_though_the_trail_starts_elsewhere(self) -> None:
        # Stream 0 holds the trail's first row, whose digest names the trail in the
        # anchors: deleting all of it makes stream 3's first row the trail's first,
        # and the anchors must still count as this trail's (development, not strict).
        zeroth = write_rows(3)
        in_stream(3)
        write_rows(2, start=3)
        anchored = anchors.audit_anchor()
        tamper("DELETE FROM audit_auditevent WHERE stream = 0", [])
        self.assertEqual(verify_chain(), (2, None))
        self.assertIn(
            f"Rows are missing from stream 0 of the audit trail: the anchor of {anchored.at} "
            f"records row {zeroth[-1].pk}, but that stream holds no row.",
            verify_error(),
        )

    def test_rows_cut_off_a_stream_and_written_over_are_reported_gone(self) -> None:
        # After the cut the application goes on writing to that stream, chained to
        # what is left: the stream ends past the anchor again, its anchored row is gone.
        in_stream(3)
        third = write_rows(4)
        anchored = anchors.audit_anchor()
        tamper("DELETE FROM audit_auditevent WHERE id > %s", [third[1].pk])
        (later,) = write_rows(1, start=4)
        self.assertEqual((later.stream, later.prev_hash), (3, third[1].hash))
        self.assertEqual(verify_chain(), (3, None))
        self.assertIn(
            f"Audit row {third[-1].pk}, anchored at {anchored.at}, is missing from the trail.",
            verify_error(),
        )

    def test_an_anchored_row_with_another_digest_is_named_beside_the_break(self) -> None:
        rows = write_rows(3)
        anchored = anchors.audit_anchor()
        # The same head anchored again (the beat's and the write path's anchors): the
        # row is reported once, at its first anchor.
        anchors.write_anchor(heads=stream_heads())
        tamper("UPDATE audit_auditevent SET hash = %s WHERE id = %s", ["f" * 64, rows[-1].pk])
        error = verify_error()
        self.assertEqual(error.count("differs from its anchor"), 1)
        self.assertIn(f"Audit row {rows[-1].pk} does not match its digest under key a1", error)
        self.assertIn(
            f"Audit row {rows[-1].pk} differs from its anchor of {anchored.at}: the trail was "
            "rewritten from there on.",
            error,
        )

    def test_an_anchor_written_before_the_streams_still_guards_the_one_chain(self) -> None:
        rows = write_rows(4)
        line = {"trail": rows[0].hash, "id": rows[-1].pk, "hash": rows[-1].hash, "key": "a1"}
        self.anchor_file.write_text(json.dumps({**line, "at": "2026-01-05T09:00:00+00:00"}) + "\n")
        self.assertIn("1 anchors match", verify())
        tamper("DELETE FROM audit_auditevent WHERE id = %s", [rows[-1].pk])
        self.assertIn(
            f"records row {rows[-1].pk}, but that stream ends at row {rows[-2].pk}.",
            verify_error(),
        )

    def test_the_write_path_anchors_every_stream_head(self) -> None:
        in_stream(2)
        second = write_rows(1)
        in_stream(0)
        with (
            override_settings(AUDIT_ANCHOR_EVERY_ROWS=1),
            self.captureOnCommitCallbacks(execute=True),
        ):
            (zeroth,) = write_rows(1)
        last = json.loads(self.anchor_file.read_text().splitlines()[-1])
        self.assertEqual(last["id"], zeroth.pk)
        self.assertEqual(
            last["heads"], {"0": [zeroth.pk, zeroth.hash], "2": [second[0].pk, second[0].hash]}
        )


class StreamDigestTests(StreamCase):
    def test_a_row_moved_to_another_stream_no_longer_matches_its_digest(self) -> None:
        in_stream(3)
        first, _second = write_rows(2)
        # Stream 7 is empty, so the row's link (the start of a chain) still fits.
        tamper("UPDATE audit_auditevent SET stream = 7 WHERE id = %s", [first.pk])
        self.assertTrue(
            verify_error().startswith(
                f"Audit row {first.pk} does not match its digest under key a1"
            ),
        )

    def test_stream_0_rows_keep_the_digest_of_the_one_chain(self) -> None:
        in_stream(0)
        (zeroth,) = write_rows(1)
        in_stream(4)
        (fourth,) = write_rows(1)
        # The row's fields as the code before the streams read them: no stream.
        values = {k: v for k, v in event_values(zeroth).items() if k != "stream"}
        # The content as the code before the streams computed it: no stream in it.
        before_streams = hmac.new(
            KEY_A.encode(), row_content(values, keyed=True), "sm3"
        ).hexdigest()
        self.assertEqual(zeroth.hash, before_streams)
        self.assertIn(b'"stream":4', row_content({**values, "stream": 4}, keyed=True))
        self.assertEqual((fourth.prev_hash, fourth.stream), ("0" * 64, 4))


class StreamKeyTests(StreamCase):
    def test_legacy_rows_not_yet_bound_under_the_key_fail_until_rekeyed(self) -> None:
        legacy = UpgradeTests.legacy_rows(self, 2)  # as the code before the key wrote them
        in_stream(2)
        write_rows(1)
        self.assertIn(
            "The 2 rows chained without a key at the start of the audit trail are not yet "
            "bound under the key: run manage.py audit_rekey.",
            verify_error(),
        )
        with audited(audit_rekey, action="audit.rekey", by=None, count=1):
            (rekey,) = audit_rekey()
        self.assertEqual((rekey.stream, rekey.prev_hash), (0, legacy[-1].hash))
        output = verify()
        self.assertIn("The audit trail is intact: 4 rows checked", output)
        self.assertIn("Streams: 2", output)

    def test_a_key_rotation_hands_over_every_stream(self) -> None:
        write_rows(2)
        in_stream(6)
        write_rows(1)
        rotated = override_settings(
            AUDIT_KEY=KEY_B, AUDIT_KEY_ID="b2", AUDIT_OLD_KEYS=json.dumps({"a1": KEY_A})
        )
        with rotated:
            out = StringIO()
            with audited(audit_rekey, action="audit.key_rotate", by=None, count=2):
                call_command("audit_rekey", stdout=out)
            rotations = AuditEvent.objects.filter(action="audit.key_rotate").order_by("stream")
            self.assertEqual(
                [(r.stream, r.key_id, r.summary["to"]) for r in rotations],
                [(0, "a1", "b2"), (6, "a1", "b2")],
            )
            self.assertEqual(out.getvalue().count("hands the trail over to key b2"), 2)
            write_rows(1)
            output = verify()
        self.assertIn("Keys: a1 (5 rows), b2 (1 rows)", output)
        self.assertIn("The audit trail is intact: 6 rows checked", output)


@pytest.mark.postgres(reason="needs PostgreSQL: concurrent transactions and advisory locks")
class ConcurrentStreamTests(TransactionTestCase):
    def setUp(self) -> None:
        super().setUp()
        directory = tempfile.TemporaryDirectory()
        self.addCleanup(directory.cleanup)
        override = override_settings(
            AUDIT_KEY=KEY_A,
            AUDIT_KEY_ID="a1",
            AUDIT_ANCHOR_FILE=str(Path(directory.name) / "anchors.log"),
        )
        override.enable()
        self.addCleanup(override.disable)
        self.enterContext(translation.override("en"))

    def hold_open(self, written: threading.Event, release: threading.Event) -> None:
        """A transaction that writes its audit row, then goes on until released."""
        try:
            with transaction.atomic():
                audit_record(action="test.holder", by=None)
                written.set()
                release.wait(timeout=20)
        finally:
            connection.close()

    def test_a_writer_does_not_wait_for_another_transaction_still_open(self) -> None:
        written, release = threading.Event(), threading.Event()
        holder = threading.Thread(target=self.hold_open, args=(written, release))
        holder.start()
        try:
            self.assertTrue(written.wait(timeout=20))
            streams: list[int] = []

            def write_twice() -> None:
                try:
                    with transaction.atomic():
                        for n in range(2):
                            streams.append(
                                audit_record(action="test.other", by=None, summary={"n": n}).stream
                            )
                finally:
                    connection.close()

            other = threading.Thread(target=write_twice)
            other.start()
            other.join(timeout=10)
            # With one lock for the whole trail it would still be waiting.
            self.assertFalse(other.is_alive())
        finally:
            release.set()
            holder.join()
        held = AuditEvent.objects.get(action="test.holder").stream
        self.assertEqual(len(set(streams)), 1)  # one transaction keeps its stream
        self.assertNotEqual(streams[0], held)
        self.assertEqual(verify_chain(), (3, None))

    @override_settings(AUDIT_STREAMS=1)
    def test_when_every_stream_is_taken_a_writer_waits_and_chains_after(self) -> None:
        written, release = threading.Event(), threading.Event()
        holder = threading.Thread(target=self.hold_open, args=(written, release))
        holder.start()
        done = threading.Event()

        def write() -> None:
            try:
                audit_record(action="test.waiter", by=None)
                done.set()
            finally:
                connection.close()

        try:
            self.assertTrue(written.wait(timeout=20))
            waiter = threading.Thread(target=write)
            waiter.start()
            self.assertFalse(done.wait(timeout=1))
        finally:
            release.set()
            holder.join()
        waiter.join(timeout=20)
        self.assertTrue(done.is_set())
        held = AuditEvent.objects.get(action="test.holder")
        self.assertEqual(AuditEvent.objects.get(action="test.waiter").prev_hash, held.hash)
        self.assertEqual(verify_chain(), (2, None))

    @override_settings(AUDIT_STREAMS=3)
    def test_many_writers_on_few_streams_never_fork_a_stream(self) -> None:
        barrier = threading.Barrier(8)

        def write() -> None:
            try:
                barrier.wait()
                for n in range(8):
                    with transaction.atomic():
                        audit_record(action="test.parallel", by=None, summary={"n": n})
                        time.sleep(0.002)  # the rest of the request, holding the stream
            finally:
                connection.close()

        threads = [threading.Thread(target=write) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(verify_chain(), (64, None))
        rows = AuditEvent.objects.values_list("stream", "prev_hash")
        self.assertEqual(len(set(rows)), 64)  # no two rows of a stream follow the same row
        self.assertEqual({stream for stream, _prev in rows}, {0, 1, 2})
