import importlib
import inspect
import pkgutil
from pathlib import Path
from types import ModuleType

from django.conf import settings

import tests
from tests.audit_coverage import AUDITED, qualified_name

PROJECT_APPS = ["audit", "departments", "ledger", "workflow"]
# Functions that write nothing themselves or are the trail itself.
NOT_STATE_CHANGES = {"audit.services.audit_record", "audit.services.row_digest"}


def service_modules() -> list[ModuleType]:
    modules = []
    for app in PROJECT_APPS:
        for path in sorted((Path(settings.BASE_DIR) / app).rglob("service*.py")):
            relative = path.relative_to(settings.BASE_DIR).with_suffix("")
            modules.append(importlib.import_module(".".join(relative.parts)))
    return modules


def service_functions() -> set[str]:
    names = set()
    for module in service_modules():
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ == module.__name__ and not name.startswith("_"):
                names.add(qualified_name(function))
    return names - NOT_STATE_CHANGES


def import_all_tests() -> None:
    for info in pkgutil.walk_packages(tests.__path__, prefix="tests."):
        importlib.import_module(info.name)


def test_every_service_function_has_a_test_of_its_audit_rows() -> None:
    import_all_tests()
    functions = service_functions()
    assert "ledger.importer.service.plan_import" in functions  # the discovery works
    missing = sorted(functions - AUDITED)
    assert not missing, (
        "These service functions change state but no test checks their audit rows "
        f"(mark one with @audits(...)): {missing}"
    )
