"""Which service functions have a test that checks their audit rows.

A test that asserts the audit row a service writes says so with
`@audits(service_function)`; tests/audit/test_audit_coverage.py fails when a
public function of a services module has no such test.
"""

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
AUDITED: set[str] = set()


def qualified_name(function: Callable) -> str:
    return f"{function.__module__}.{function.__qualname__}"


def audits(*functions: Callable) -> Callable[[T], T]:
    def mark(test: T) -> T:
        AUDITED.update(qualified_name(function) for function in functions)
        return test

    return mark
