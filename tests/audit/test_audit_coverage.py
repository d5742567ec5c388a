"""The audit-coverage check itself.

Whether every state-changing function is covered is decided after the whole
suite ran (tests/conftest.py, `_check_audit_coverage`), from the `audited`
blocks that passed; these tests check the discovery and the helper.
"""

from django.db import transaction
from django.test import TestCase

from audit.services import audit_record
from departments.models import Unit, User
from tests.audit_coverage import (
    COVERED,
    NOT_AUDITED,
    audit_writers,
    audited,
    qualified_name,
    state_changing_functions,
)
from tests.base import make_person


def unit_touch(*, unit: Unit, by: User | None) -> None:
    audit_record(action="unit.touch", by=by, obj=unit, summary={"name": unit.name})


def unit_touch_twice(*, unit: Unit, by: User | None) -> None:
    unit_touch(unit=unit, by=by)
    unit_touch(unit=unit, by=by)


def unit_look(*, unit: Unit) -> None:
    """Runs beside the row, but does not write it."""


def test_the_discovery_finds_services_and_functions_that_write_audit_rows() -> None:
    functions = state_changing_functions()
    # A public service function, and a helper outside services that writes a row.
    assert "plans.importer.service.plan_import" in functions
    assert "departments.access.refuse_as_missing" in functions
    assert "rounds.services.report_submit" in functions
    assert "audit.services.audit_record" not in functions


def test_what_writes_no_audit_row_by_design_is_a_state_change_that_calls_no_audit_record() -> None:
    assert set(NOT_AUDITED) <= state_changing_functions()
    assert not set(NOT_AUDITED) & audit_writers()


class AuditedTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.unit = Unit.objects.create(code="t-audit", name="测试单位")
        cls.person = make_person("t.audit", User.Role.SUPERVISOR, cls.unit)

    def setUp(self) -> None:
        # These tests' own functions are no part of the project's coverage.
        before = COVERED.copy()
        self.addCleanup(lambda: COVERED.intersection_update(before))

    def test_a_row_written_by_the_function_passes_and_counts_it_as_covered(self) -> None:
        with audited(
            unit_touch,
            action="unit.touch",
            by=self.person,
            obj=self.unit,
            summary={"name": "测试单位"},
            outcome="ok",
        ) as check:
            unit_touch(unit=self.unit, by=self.person)
        self.assertEqual([row.action for row in check.rows], ["unit.touch"])
        self.assertIn(qualified_name(unit_touch), COVERED)

    def test_a_row_written_by_a_function_it_calls_counts_for_both(self) -> None:
        with audited(unit_touch_twice, unit_touch, action="unit.touch", count=2):
            unit_touch_twice(unit=self.unit, by=None)
        self.assertIn(qualified_name(unit_touch_twice), COVERED)

    def test_no_row_fails_and_covers_nothing(self) -> None:
        with self.assertRaisesMessage(AssertionError, "Rows stored in the block:\n  (none)"):
            with audited(unit_look, action="unit.touch"):
                unit_look(unit=self.unit)
        self.assertNotIn(qualified_name(unit_look), COVERED)

    def test_a_row_that_differs_from_the_one_expected_fails(self) -> None:
        other = make_person("t.audit.other", User.Role.SUPERVISOR, self.unit)
        expectations = [
            {"action": "unit.other"},
            {"action": "unit.touch", "by": other},
            {"action": "unit.touch", "by": None},
            {"action": "unit.touch", "obj": other},
            {"action": "unit.touch", "outcome": "denied"},
            {"action": "unit.touch", "summary": {"name": "别的单位"}},
            {"action": "unit.touch", "count": 2},
        ]
        for expected in expectations:
            with self.subTest(**{k: str(v) for k, v in expected.items()}):
                with self.assertRaisesMessage(AssertionError, "unit.touch by t.audit on"):
                    with audited(unit_touch, **expected):
                        unit_touch(unit=self.unit, by=self.person)
        self.assertNotIn(qualified_name(unit_touch), COVERED)

    def test_a_row_written_beside_the_function_does_not_count_for_it(self) -> None:
        with self.assertRaisesMessage(AssertionError, "while tests.audit.test_audit_coverage"):
            with audited(unit_look, action="unit.touch"):
                unit_look(unit=self.unit)
                unit_touch(unit=self.unit, by=self.person)
        self.assertNotIn(qualified_name(unit_look), COVERED)

    def test_a_row_rolled_back_does_not_count(self) -> None:
        with self.assertRaisesMessage(AssertionError, "(none)"):
            with audited(unit_touch, action="unit.touch"):
                try:
                    with transaction.atomic():
                        unit_touch(unit=self.unit, by=self.person)
                        raise RuntimeError("roll back")
                except RuntimeError:
                    pass

    def test_a_row_written_before_the_block_does_not_count(self) -> None:
        unit_touch(unit=self.unit, by=self.person)
        with self.assertRaisesMessage(AssertionError, "(none)"):
            with audited(unit_touch, action="unit.touch"):
                pass
