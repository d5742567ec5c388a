"""Which state-changing functions a test has seen write their audit rows.

A test checks the audit row a call writes by running the call inside

    with audited(services.report_submit, action="report.submit", by=liaison, obj=report):
        ...

The block fails unless a row with that action (and person, object, outcome
and summary items, when given) was stored while `report_submit` was on the
call stack; only then does the function count as covered. tests/conftest.py
gathers what every test process counted and, after a run of the whole suite,
fails the session naming each state-changing function no test covered.
"""

import ast
import importlib
import inspect
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import CodeType, ModuleType
from typing import Any

from django.conf import settings
from django.db.models import Model
from django.db.models.signals import post_save

from audit.models import AuditEvent

# Qualified names of the functions whose audit rows a test in this process saw.
COVERED: set[str] = set()

# Top-level packages that are not the code under test.
NOT_PROJECT_CODE = {"config", "tests"}
# The trail itself, not a change of state.
# Public functions of services modules that change nothing: the audit writer itself,
# its digest, and the unsaved targets the import page previews.
NOT_STATE_CHANGES = {
    "audit.services.audit_record",
    "audit.services.row_digest",
    "plans.importer.service.targets_unsaved",
}
# State changes that write no audit row by design, and why.
NOT_AUDITED = {
    name: "runs for the system; the notice and delivery rows are the record (notices/services.py)"
    for name in (
        "notices.services.notify",
        "notices.services.notify_many",
        "notices.services.notify_in_app",
        "supervision.services.interview_notify",
    )
}

_UNCHECKED: Any = object()


def qualified_name(function: Callable) -> str:
    return f"{function.__module__}.{function.__qualname__}"


def _codes(function: Callable) -> set[CodeType]:
    """The code of `function` and of every function defined inside it: a row
    written by the wrapper a decorator returns counts for the decorator."""
    found = set()
    pending = [inspect.unwrap(function).__code__]
    while pending:
        code = pending.pop()
        found.add(code)
        pending += [const for const in code.co_consts if isinstance(const, CodeType)]
    return found


def _describe(row: AuditEvent) -> str:
    target = f" on {row.object_type} {row.object_id}" if row.object_type else ""
    return f"{row.action} by {row.username or '-'}{target} ({row.outcome}) {row.summary}"


@dataclass
class AuditCheck:
    """What an `audited` block saw; `rows` is filled when the block ends."""

    rows: list[AuditEvent] = field(default_factory=list)


@contextmanager
def audited(
    *functions: Callable,
    action: str,
    by: Any = _UNCHECKED,
    obj: Model | None = _UNCHECKED,
    summary: dict[str, Any] | None = None,
    count: int | None = None,
    **fields: Any,
) -> Iterator[AuditCheck]:
    """Fail unless the block stored an audit row with `action` while each of
    `functions` was running; then count those functions as covered.

    `by` is the acting person (None: the system), `obj` the row's object,
    `summary` items the row's summary must hold, `count` the exact number of
    matching rows; other keywords are AuditEvent fields (outcome, username,
    client_ip...). The matching rows are in the yielded AuditCheck.
    """
    assert functions, "name the function whose audit rows the block checks"
    stacks: dict[int, set[CodeType]] = {}

    def remember_stack(*, instance: AuditEvent, **kwargs: Any) -> None:
        codes = set()
        frame = sys._getframe()
        while frame is not None:
            codes.add(frame.f_code)
            frame = frame.f_back
        stacks[instance.pk] = codes

    uid = f"audited-{id(stacks)}"
    post_save.connect(remember_stack, sender=AuditEvent, weak=False, dispatch_uid=uid)
    check = AuditCheck()
    try:
        yield check
    finally:
        post_save.disconnect(sender=AuditEvent, dispatch_uid=uid)

    # Rows rolled back since are gone from the database, and do not count.
    stored = list(AuditEvent.objects.filter(pk__in=stacks).order_by("pk"))
    criteria = {"action": action, **fields}
    if by is not _UNCHECKED:
        criteria["user_id"] = by.pk if by is not None else None
    if obj is not _UNCHECKED:
        criteria["object_type"] = obj._meta.label if obj is not None else ""
        criteria["object_id"] = str(obj.pk) if obj is not None else ""
    matching = [
        row
        for row in stored
        if all(getattr(row, name) == value for name, value in criteria.items())
        and all(row.summary.get(key) == value for key, value in (summary or {}).items())
    ]
    wanted = ", ".join(f"{name}={value!r}" for name, value in criteria.items())
    if summary:
        wanted += f", summary ⊇ {summary!r}"
    seen = "\n  ".join(_describe(row) for row in stored) or "(none)"
    written_by = set()
    for function in functions:
        codes = _codes(function)
        by_it = [row for row in matching if codes & stacks[row.pk]]
        assert by_it, (
            f"No audit row with {wanted} was stored while {qualified_name(function)} ran.\n"
            f"Rows stored in the block:\n  {seen}"
        )
        written_by.update(row.pk for row in by_it)
    check.rows = [row for row in matching if row.pk in written_by]
    if count is not None:
        assert len(check.rows) == count, (
            f"Expected {count} audit row(s) with {wanted}, found {len(check.rows)}.\n"
            f"Rows stored in the block:\n  {seen}"
        )
    COVERED.update(qualified_name(function) for function in functions)


def project_modules() -> list[tuple[ModuleType, Path]]:
    base = Path(settings.BASE_DIR)
    packages = sorted(init.parent for init in base.glob("*/__init__.py"))
    modules = []
    for package in packages:
        if package.name in NOT_PROJECT_CODE:
            continue
        for path in sorted(package.rglob("*.py")):
            if "migrations" in path.parts:
                continue
            relative = path.relative_to(settings.BASE_DIR).with_suffix("")
            parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
            modules.append((importlib.import_module(".".join(parts)), path))
    return modules


def _calls_audit_record(node: ast.AST) -> bool:
    return any(
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Name)
        and call.func.id == "audit_record"
        for call in ast.walk(node)
    )


def audit_writers() -> set[str]:
    """Module-level functions that call audit_record themselves."""
    names = set()
    for module, path in project_modules():
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef) and _calls_audit_record(node):
                names.add(f"{module.__name__}.{node.name}")
    return names


def state_changing_functions() -> set[str]:
    """Public functions of services modules, and any module-level function
    anywhere that writes an audit row (a signal receiver, a helper)."""
    writers = audit_writers()
    names = set()
    for module, path in project_modules():
        is_services = path.stem.startswith("service")
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ != module.__name__:
                continue
            qualified = qualified_name(function)
            if (is_services and not name.startswith("_")) or qualified in writers:
                names.add(qualified)
    return names - NOT_STATE_CHANGES


def missing_audits(covered: set[str]) -> list[str]:
    """The state-changing functions no test saw write their audit rows."""
    return sorted(state_changing_functions() - set(NOT_AUDITED) - covered)
