from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.test import TestCase, TransactionTestCase

from audit.models import AuditEvent
from audit.services import GENESIS, audit_record
from audit.verify import verify_chain


def verify() -> str:
    out = StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


def record_three() -> list[AuditEvent]:
    return [
        audit_record(action="test.one", by=None, summary={"n": 1}),
        audit_record(action="test.two", by=None, summary={"text": "第三季度报告", "n": 2.5}),
        audit_record(action="test.three", by=None, client_ip="10.1.2.3"),
    ]


class HashChainTests(TestCase):
    def test_each_row_carries_the_hash_of_the_row_before_it(self) -> None:
        first, second, third = record_three()
        self.assertEqual(first.prev_hash, GENESIS)
        self.assertEqual(second.prev_hash, first.hash)
        self.assertEqual(third.prev_hash, second.hash)
        self.assertEqual(len({first.hash, second.hash, third.hash}), 3)

    def test_an_untouched_trail_verifies(self) -> None:
        record_three()
        self.assertEqual(verify_chain(), (3, None))
        self.assertIn("3", verify())

    def test_verify_audit_names_the_row_edited_by_raw_sql(self) -> None:
        _first, second, _third = record_three()
        if connection.vendor == "postgresql":
            self.skipTest("the PostgreSQL trigger refuses the edit itself; tested below")
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE audit_auditevent SET summary = %s WHERE id = %s",
                ['{"text": "第四季度报告", "n": 2.5}', second.pk],
            )
        with self.assertRaisesMessage(CommandError, str(second.pk)):
            verify()
        checked, broken = verify_chain()
        self.assertEqual((checked, broken.event_id, broken.reason), (1, second.pk, "content"))

    def test_verify_audit_notices_a_deleted_row(self) -> None:
        _first, second, third = record_three()
        if connection.vendor == "postgresql":
            self.skipTest("the PostgreSQL trigger refuses the deletion itself; tested below")
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [second.pk])
        _checked, broken = verify_chain()
        self.assertEqual((broken.event_id, broken.reason), (third.pk, "link"))

    def test_the_application_offers_no_way_to_change_a_row(self) -> None:
        from django.contrib import admin

        self.assertNotIn(AuditEvent, admin.site._registry)


@pytest.mark.postgres(
    reason="needs PostgreSQL: the audit trigger and the advisory lock exist only there"
)
class PostgresTriggerTests(TransactionTestCase):
    def test_the_database_refuses_update_and_delete_of_audit_rows(self) -> None:
        event = audit_record(action="test.one", by=None)
        for statement in (
            "UPDATE audit_auditevent SET action = 'forged' WHERE id = %s",
            "DELETE FROM audit_auditevent WHERE id = %s",
        ):
            with self.assertRaises(DatabaseError), transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute(statement, [event.pk])
        event.refresh_from_db()
        self.assertEqual(event.action, "test.one")
        self.assertEqual(verify_chain(), (1, None))

    def test_concurrent_writers_keep_one_unbroken_chain(self) -> None:
        import threading

        barrier = threading.Barrier(4)

        def write() -> None:
            try:
                barrier.wait()
                for n in range(10):
                    with transaction.atomic():
                        audit_record(action="test.parallel", by=None, summary={"n": n})
            finally:
                connection.close()

        threads = [threading.Thread(target=write) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(verify_chain(), (40, None))
