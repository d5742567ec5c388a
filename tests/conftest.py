import os

import pytest

# Playwright's sync API runs an event loop in the test thread; Django's guard
# against ORM calls from async code would then refuse the test's own queries.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

POSTGRES_ONLY_REASON = (
    "needs PostgreSQL: SQLite takes no row locks and serialises writers, so the "
    "concurrency this test checks cannot happen there"
)


def _database_vendor() -> str:
    from django.db import connections

    return connections["default"].vendor


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    vendor = _database_vendor()
    if os.environ.get("REQUIRE_POSTGRES_TESTS") == "1" and vendor != "postgresql":
        raise pytest.UsageError(
            f"REQUIRE_POSTGRES_TESTS is set but the database is {vendor}; set DATABASE_URL."
        )
    if vendor != "postgresql":
        for item in items:
            marker = item.get_closest_marker("postgres")
            if marker:
                reason = marker.kwargs.get("reason", POSTGRES_ONLY_REASON)
                item.add_marker(pytest.mark.skip(reason=reason))


_skipped_postgres_tests: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and "postgres" in report.keywords:
        _skipped_postgres_tests.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get("REQUIRE_POSTGRES_TESTS") == "1" and _skipped_postgres_tests:
        print("\nPostgreSQL-only tests were skipped on the PostgreSQL run:")
        for nodeid in _skipped_postgres_tests:
            print(f"  {nodeid}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
