import os
from pathlib import Path

import pytest

from tests.audit_coverage import COVERED, missing_audits

# The browser tests' fixtures, for every folder (each app keeps its own browser tests).
from tests.browser import browser, demo, page, screenshot_dir  # noqa: F401

# Playwright's sync API runs an event loop in the test thread; Django's guard
# against ORM calls from async code would then refuse the test's own queries.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

POSTGRES_ONLY_REASON = (
    "needs PostgreSQL: SQLite takes no row locks and serialises writers, so the "
    "concurrency this test checks cannot happen there"
)


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    # Background jobs run in the request (jobs/tasks.py): a test sees their result at
    # once; the tests of the worker path say "celery" or "thread" themselves.
    settings.JOBS_RUN = "sync"
    # No PDF warm-up thread at each test process's first request (documents/warmup.py).
    settings.PDF_WARM_UP = False


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
    _check_audit_coverage(session)


# What the xdist workers' `audited` blocks covered, gathered on the controller.
_covered_by_workers: set[str] = set()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: object, error: object) -> None:
    output = getattr(node, "workeroutput", {})
    _covered_by_workers.update(output.get("audit_covered", ()))


def _whole_suite_selected(config: pytest.Config) -> bool:
    """Whether the run selected every test, so a function nobody covered is
    a gap and not a test left out; AUDIT_COVERAGE=1 or 0 decides instead."""
    forced = os.environ.get("AUDIT_COVERAGE")
    if forced is not None:
        return forced == "1"
    narrowing = ("keyword", "markexpr", "deselect", "lf", "ignore", "ignore_glob")
    not_running = ("collectonly", "setuponly", "setupplan")
    if any(config.getoption(name, None) for name in (*narrowing, *not_running)):
        return False
    whole = {Path(__file__).parent.resolve(), config.rootpath.resolve()}
    return all((config.invocation_params.dir / arg).resolve() in whole for arg in config.args)


def _check_audit_coverage(session: pytest.Session) -> None:
    config = session.config
    workeroutput = getattr(config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: the controller checks the union
        workeroutput["audit_covered"] = sorted(COVERED)
        return
    stopped_early = session.shouldstop or session.shouldfail
    if stopped_early or session.exitstatus not in (0, 1) or not _whole_suite_selected(config):
        return
    missing = missing_audits(COVERED | _covered_by_workers)
    if not missing:
        return
    print(
        "\nAudit coverage: these functions change state but no test saw them write their "
        "audit row; check it with `with audited(function, action=...)` "
        "(tests/audit_coverage.py), or list one that writes none by design in NOT_AUDITED "
        "with the reason:"
    )
    for name in missing:
        print(f"  {name}")
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
