"""The keyed audit chain: tampering by someone with database access but without the
key, truncation after an anchor, key rotation, both hash functions, and the upgrade
from the unkeyed chain. Runs on SQLite and PostgreSQL (where the tampering first
disables the trigger that refuses UPDATE and DELETE, as a database owner can)."""

import hashlib
import hmac
import json
import os
import subprocess
import sys
import tempfile
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import TestCase, override_settings
from django.utils import timezone, translation

from audit import anchors
from audit.chain import GENESIS, compute_digest, event_values, row_content
from audit.checks import check_audit_key
from audit.models import AuditEvent
from audit.services import audit_record, audit_rekey
from audit.verify import verify_chain
from tests.audit_coverage import audited

KEY_A = "a" * 16 + "0123456789abcdef0123456789abcdef"
KEY_B = "b" * 16 + "fedcba9876543210fedcba9876543210"


def verify() -> str:
    out = StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


def verify_error() -> str:
    with pytest.raises(CommandError) as caught:
        verify()
    return str(caught.value)


def tamper(sql: str, params: list[object]) -> None:
    """Run `sql` as a database owner would: past the PostgreSQL trigger."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_refuse_change")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_refuse_change")


def rechain_publicly(start_id: int, *, keep_key_id: bool) -> None:
    """Recompute every row from `start_id` on with the public SHA-256, as someone
    without the key would (the old `row_digest`)."""
    previous = (
        AuditEvent.objects.filter(id__lt=start_id).order_by("-id").values_list("hash", flat=True)
    ).first() or GENESIS
    for event in AuditEvent.objects.filter(id__gte=start_id).order_by("id"):
        event.prev_hash = previous
        if not keep_key_id:
            event.key_id = event.digest = ""
        content = row_content(event_values(event), keyed=False)
        event.hash = hashlib.sha256(content).hexdigest()
        tamper(
            "UPDATE audit_auditevent SET prev_hash = %s, hash = %s, key_id = %s, digest = %s "
            "WHERE id = %s",
            [event.prev_hash, event.hash, event.key_id, event.digest, event.pk],
        )
        previous = event.hash


def write_rows(n: int, start: int = 0) -> list[AuditEvent]:
    return [
        audit_record(action="test.row", by=None, summary={"n": start + i, "text": "第三季度"})
        for i in range(n)
    ]


def anchor_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


class KeyedChainCase(TestCase):
    """Each test: a key, a digest, and an anchor file of its own."""

    digest = "sm3"

    def setUp(self) -> None:
        super().setUp()
        directory = tempfile.TemporaryDirectory()
        self.addCleanup(directory.cleanup)
        self.anchor_file = Path(directory.name) / "anchors.log"
        self.settings_override = override_settings(
            AUDIT_KEY=KEY_A,
            AUDIT_KEY_ID="a1",
            AUDIT_OLD_KEYS="",
            AUDIT_DIGEST=self.digest,
            AUDIT_ANCHOR_FILE=str(self.anchor_file),
            AUDIT_ANCHOR_EVERY_ROWS=1000,
            AUDIT_ANCHOR_EVERY_MINUTES=10,
            AUDIT_ANCHOR_STRICT=False,
        )
        self.settings_override.enable()
        self.addCleanup(self.settings_override.disable)
        anchors.reset_schedule()
        self.addCleanup(anchors.reset_schedule)
        # The messages are checked in their English form, whatever the catalogue says.
        self.enterContext(translation.override("en"))


class TruncationTests(KeyedChainCase):
    def test_rows_deleted_after_an_anchor_are_reported_missing(self) -> None:
        rows = write_rows(10)
        anchored = anchors.audit_anchor()
        self.assertEqual(anchored.event_id, rows[-1].pk)
        tamper("DELETE FROM audit_auditevent WHERE id > %s", [rows[5].pk])
        # The chain alone is still whole: only the anchor can tell.
        self.assertEqual(verify_chain(), (6, None))
        error = verify_error()
        self.assertIn(
            f"Rows are missing at the end of stream 0 of the audit trail: the anchor of "
            f"{anchored.at} records row {rows[-1].pk}, but that stream ends at row {rows[5].pk}.",
            error,
        )

    def test_the_whole_trail_deleted_is_reported_where_the_file_is_this_installations(
        self,
    ) -> None:
        write_rows(3)
        anchors.audit_anchor()
        tamper("DELETE FROM audit_auditevent", [])
        with override_settings(AUDIT_ANCHOR_STRICT=True):
            self.assertIn("The anchor file holds 1 anchors of another audit trail", verify_error())
        # Development tolerates other databases' anchors in its file.
        self.assertIn("0 rows checked", verify())

    def test_the_write_path_anchors_every_n_rows_once_committed(self) -> None:
        with override_settings(AUDIT_ANCHOR_EVERY_ROWS=3):
            with self.captureOnCommitCallbacks(execute=True):
                rows = write_rows(7)
            # Rolled back or not yet committed: no anchor.
            write_rows(3)
        ids = [line["id"] for line in anchor_lines(self.anchor_file)]
        self.assertEqual(ids, [rows[0].pk, rows[3].pk, rows[6].pk])
        self.assertEqual(anchor_lines(self.anchor_file)[-1]["key"], "a1")

    def test_the_anchor_command_anchors_the_head_once(self) -> None:
        rows = write_rows(2)
        call_command("audit_anchor", stdout=StringIO())
        call_command("audit_anchor", stdout=StringIO())
        (line,) = anchor_lines(self.anchor_file)
        self.assertEqual((line["id"], line["hash"]), (rows[-1].pk, rows[-1].hash))
        self.assertEqual(line["trail"], rows[0].hash)
        self.assertIn("1 anchors match", verify())


class RewriteTests(KeyedChainCase):
    def test_a_row_rewritten_and_rechained_with_the_public_digest_is_named(self) -> None:
        rows = write_rows(5)
        tamper(
            "UPDATE audit_auditevent SET summary = %s WHERE id = %s",
            ['{"n": 2, "text": "第四季度"}', rows[2].pk],
        )
        rechain_publicly(rows[2].pk, keep_key_id=True)
        error = verify_error()
        self.assertTrue(
            error.startswith(f"Audit row {rows[2].pk} does not match its digest under key a1"),
            error,
        )

    def test_rows_rewritten_as_unkeyed_are_named(self) -> None:
        rows = write_rows(5)
        rechain_publicly(rows[3].pk, keep_key_id=False)
        error = verify_error()
        self.assertTrue(
            error.startswith(
                f"Audit row {rows[3].pk} carries no key although the rows before it were keyed"
            ),
            error,
        )

    def test_a_whole_trail_rewritten_with_the_public_digest_fails(self) -> None:
        rows = write_rows(4)
        anchors.audit_anchor()
        rechain_publicly(rows[0].pk, keep_key_id=False)
        error = verify_error()
        self.assertIn("holds only rows chained without a key (4 rows)", error)
        # The rewritten first row is another trail's: the anchor no longer matches it.
        with override_settings(AUDIT_ANCHOR_STRICT=True):
            self.assertIn("anchors of another audit trail", verify_error())


class KeyTests(KeyedChainCase):
    def rotate(self) -> tuple[list[AuditEvent], list[AuditEvent]]:
        before = write_rows(3)
        with override_settings(
            AUDIT_KEY=KEY_B, AUDIT_KEY_ID="b2", AUDIT_OLD_KEYS=json.dumps({"a1": KEY_A})
        ):
            after = write_rows(2, start=3)
        return before, after

    def test_a_chain_across_a_key_rotation_verifies(self) -> None:
        before, after = self.rotate()
        rotation = AuditEvent.objects.get(action="audit.key_rotate")
        self.assertEqual(rotation.prev_hash, before[-1].hash)
        self.assertEqual(after[0].prev_hash, rotation.hash)
        # Chained with the old key, naming the new one.
        self.assertEqual((rotation.key_id, rotation.summary["to"]), ("a1", "b2"))
        self.assertEqual([e.key_id for e in after], ["b2", "b2"])
        with override_settings(
            AUDIT_KEY=KEY_B, AUDIT_KEY_ID="b2", AUDIT_OLD_KEYS=json.dumps({"a1": KEY_A})
        ):
            output = verify()
        self.assertIn("Keys: a1 (4 rows), b2 (2 rows)", output)
        self.assertIn("The audit trail is intact: 6 rows checked", output)

    def test_a_retired_key_not_configured_is_named(self) -> None:
        before, _after = self.rotate()
        with override_settings(AUDIT_KEY=KEY_B, AUDIT_KEY_ID="b2"):
            error = verify_error()
        self.assertTrue(
            error.startswith(
                f"Audit row {before[0].pk} was chained with key a1, which is not configured"
            ),
            error,
        )

    def test_a_wrong_key_is_named(self) -> None:
        rows = write_rows(2)
        with override_settings(AUDIT_KEY=KEY_B):  # still called a1
            error = verify_error()
        self.assertTrue(
            error.startswith(
                f"Audit row {rows[0].pk} does not match its digest under key a1: it was "
                "changed outside the application, or the key configured as a1 is not the one"
            ),
            error,
        )

    def test_rotation_without_the_old_key_still_hands_over(self) -> None:
        write_rows(2)
        with override_settings(AUDIT_KEY=KEY_B, AUDIT_KEY_ID="b2"):
            write_rows(1)
            rotation = AuditEvent.objects.get(action="audit.key_rotate")
            self.assertEqual(rotation.key_id, "b2")
            self.assertTrue(rotation.summary["old_key_missing"])
        with override_settings(
            AUDIT_KEY=KEY_B, AUDIT_KEY_ID="b2", AUDIT_OLD_KEYS=json.dumps({"a1": KEY_A})
        ):
            self.assertIn("Keys: a1 (2 rows), b2 (2 rows)", verify())

    def test_a_key_change_without_a_rotation_row_is_named(self) -> None:
        rows = write_rows(3)
        with override_settings(AUDIT_KEY=KEY_B, AUDIT_KEY_ID="b2"):
            # Forged: the last row re-signed with the other key, no rotation row.
            last = rows[-1]
            last.key_id = "b2"
            last.hash = compute_digest(event_values(last), key=KEY_B)
            tamper(
                "UPDATE audit_auditevent SET key_id = 'b2', hash = %s WHERE id = %s",
                [last.hash, last.pk],
            )
        with override_settings(
            AUDIT_KEY=KEY_B, AUDIT_KEY_ID="b2", AUDIT_OLD_KEYS=json.dumps({"a1": KEY_A})
        ):
            error = verify_error()
        self.assertTrue(
            error.startswith(f"Audit row {last.pk} changes from key a1 to key b2 without"), error
        )


class DigestTests(KeyedChainCase):
    def test_sm3_and_sha256_each_verify_and_differ(self) -> None:
        for digest in ("sm3", "sha256"):
            with self.subTest(digest=digest), override_settings(AUDIT_DIGEST=digest):
                event = audit_record(action="test.digest", by=None, summary={"d": digest})
                self.assertEqual(event.digest, digest)
                expected = hmac.new(
                    KEY_A.encode(), row_content(event_values(event), keyed=True), digest
                ).hexdigest()
                self.assertEqual(event.hash, expected)
        self.assertEqual(
            list(AuditEvent.objects.values_list("digest", flat=True)), ["sm3", "sha256"]
        )
        self.assertIn("2 rows checked", verify())

    def test_sm3_is_the_default_and_is_gb_t_32905(self) -> None:
        self.assertEqual(settings.AUDIT_DIGEST, "sm3")
        # GB/T 32905-2016 appendix A, example 1.
        self.assertEqual(
            hashlib.new("sm3", b"abc").hexdigest(),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0",
        )


class Sha256TruncationTests(TruncationTests):
    digest = "sha256"


class Sha256RewriteTests(RewriteTests):
    digest = "sha256"


class UpgradeTests(KeyedChainCase):
    def legacy_rows(self, n: int) -> list[AuditEvent]:
        """Rows as the code before the keyed chain wrote them."""
        previous, rows = GENESIS, []
        for i in range(n):
            event = AuditEvent(
                at=timezone.now(), action="test.legacy", summary={"n": i}, prev_hash=previous
            )
            event.hash = compute_digest(event_values(event), key=None)
            event.save(force_insert=True)
            previous = event.hash
            rows.append(event)
        return rows

    def test_a_legacy_trail_is_continued_under_the_key(self) -> None:
        legacy = self.legacy_rows(3)
        self.assertIn("run manage.py audit_rekey", verify_error())
        out = StringIO()
        with audited(audit_rekey, action="audit.rekey", by=None, count=1):
            call_command("audit_rekey", stdout=out)
        rekey = AuditEvent.objects.get(action="audit.rekey")
        self.assertEqual((rekey.prev_hash, rekey.key_id), (legacy[-1].hash, "a1"))
        self.assertIn(f"Audit row {rekey.pk} hands the trail over to key a1.", out.getvalue())
        self.assertEqual(anchor_lines(self.anchor_file)[-1]["id"], rekey.pk)
        write_rows(1)
        output = verify()
        self.assertIn("Keys: none (legacy public digest) (3 rows), a1 (2 rows)", output)
        # Again: nothing to do.
        out = StringIO()
        call_command("audit_rekey", stdout=out)
        self.assertIn("already continues under key a1", out.getvalue())

    def test_the_first_write_after_the_upgrade_rekeys_by_itself(self) -> None:
        legacy = self.legacy_rows(2)
        event = audit_record(action="test.after", by=None)
        rekey = AuditEvent.objects.get(action="audit.rekey")
        self.assertEqual(rekey.prev_hash, legacy[-1].hash)
        self.assertEqual(event.prev_hash, rekey.hash)
        self.assertIn("4 rows checked", verify())

    def test_a_legacy_row_rewritten_after_the_rekey_breaks_the_chain_at_the_rekey_row(
        self,
    ) -> None:
        legacy = self.legacy_rows(3)
        call_command("audit_rekey", stdout=StringIO())
        rekey = AuditEvent.objects.get(action="audit.rekey")
        tamper("UPDATE audit_auditevent SET summary = %s WHERE id = %s", ['{"n": 9}', legacy[1].pk])
        rechain_publicly(legacy[1].pk, keep_key_id=True)  # the legacy rows only
        # rechain_publicly rewrote every later row too; the keyed ones cannot match.
        checked, broken = verify_chain()
        self.assertEqual((broken.event_id, checked), (rekey.pk, 3))


class SettingsTests(KeyedChainCase):
    def test_a_server_on_the_development_key_without_debug_is_warned(self) -> None:
        with override_settings(AUDIT_KEY="", AUDIT_KEY_ID=""):
            from unittest import mock

            with mock.patch("audit.checks.running_tests", return_value=False):
                self.assertEqual([m.id for m in check_audit_key()], ["audit.W001"])
            with override_settings(PRODUCTION=True):
                self.assertEqual([m.id for m in check_audit_key()], ["audit.E003"])
        with override_settings(AUDIT_KEY="short"):
            self.assertEqual([m.id for m in check_audit_key()], ["audit.E004"])
        with override_settings(AUDIT_OLD_KEYS="{not json"):
            self.assertEqual([m.id for m in check_audit_key()], ["audit.E001"])

    def test_the_key_is_never_stored_in_the_trail(self) -> None:
        event = audit_record(action="test.one", by=None)
        row = AuditEvent.objects.filter(pk=event.pk).values().get()
        self.assertNotIn(KEY_A, json.dumps(row, default=str))
        self.assertNotIn(KEY_A, self.anchor_file.read_text() if self.anchor_file.exists() else "")


def test_production_refuses_to_start_without_an_audit_key(tmp_path: Path) -> None:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("AUDIT_", "DJANGO_", "DEBUG", "DATABASE_URL"))
    }
    env.update(
        DJANGO_ENV="production",
        DJANGO_SETTINGS_MODULE="config.settings",
        SECRET_KEY="x" * 50,
        ALLOWED_HOSTS="dc.example",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        AUDIT_ANCHOR_FILE=str(tmp_path / "anchors.log"),
    )
    done = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "AUDIT_KEY (or AUDIT_KEY_FILE) must be set in production." in done.stderr


def test_parallel_test_databases_get_their_own_anchor_files() -> None:
    path = str(anchors.anchor_path())
    if connection.vendor == "sqlite":
        assert str(os.getpid()) in path or connection.settings_dict["NAME"] in path
    else:
        assert connection.settings_dict["NAME"] in path
