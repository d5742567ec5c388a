import ast
import importlib
import inspect
import pkgutil
from pathlib import Path
from types import ModuleType

from django.conf import settings

import tests
from tests.audit_coverage import AUDITED, qualified_name

PROJECT_APPS = [
    "operations",
    "audit",
    "departments",
    "plans",
    "workflow",
    "rounds",
    "meetings",
    "files",
    "notices",
    "supervision",
    "bulletins",
    "indicators",
    "dashboard",
    "assessment",
    "ledger",
    "demo",
]
# The trail itself, not a change of state.
NOT_STATE_CHANGES = {"audit.services.audit_record", "audit.services.row_digest"}


def project_modules() -> list[tuple[ModuleType, Path]]:
    modules = []
    for app in PROJECT_APPS:
        for path in sorted((Path(settings.BASE_DIR) / app).rglob("*.py")):
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


def state_changing_functions() -> set[str]:
    """Public functions of services modules, and any module-level function
    anywhere that writes an audit row (a signal receiver, a helper)."""
    names = set()
    for module, path in project_modules():
        is_services = path.stem.startswith("service")
        writers = {
            node.name
            for node in ast.parse(path.read_text(encoding="utf-8")).body
            if isinstance(node, ast.FunctionDef) and _calls_audit_record(node)
        }
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ != module.__name__:
                continue
            if (is_services and not name.startswith("_")) or name in writers:
                names.add(qualified_name(function))
    return names - NOT_STATE_CHANGES


def import_all_tests() -> None:
    for info in pkgutil.walk_packages(tests.__path__, prefix="tests."):
        importlib.import_module(info.name)


def test_every_state_changing_function_has_a_test_of_its_audit_rows() -> None:
    import_all_tests()
    functions = state_changing_functions()
    # The discovery works: a service function and a signal receiver are found.
    assert "plans.importer.service.plan_import" in functions
    assert "departments.access.refuse_as_missing" in functions
    missing = sorted(functions - AUDITED)
    assert not missing, (
        "These functions change state but no test checks their audit rows "
        f"(mark one with @audits(...)): {missing}"
    )
