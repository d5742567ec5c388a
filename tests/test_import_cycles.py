"""scripts/import_cycles.py finds what it promises: a cycle closed inside a
function, a private name taken from another app, a base layer looking up."""

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location(
    "import_cycles", ROOT / "scripts" / "import_cycles.py"
)
import_cycles = importlib.util.module_from_spec(spec)
sys.modules["import_cycles"] = import_cycles
spec.loader.exec_module(import_cycles)


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_a_cycle_closed_by_an_import_inside_a_function_is_found(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "shop/__init__.py": "",
            "shop/flows.py": "from shop import views\n",
            "shop/views.py": "from shop.services import buy\n",
            "shop/services.py": "def buy():\n    from shop.flows import Flow\n    return Flow\n",
        },
    )
    cycles, forbidden, _ = import_cycles.check(tmp_path)
    assert cycles == [["shop.flows", "shop.services", "shop.views"]]
    assert forbidden == []


def test_relative_imports_are_resolved(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "shop/__init__.py": "",
            "shop/a.py": "from . import b\n",
            "shop/b.py": "from .a import thing\n",
        },
    )
    cycles, _, _ = import_cycles.check(tmp_path)
    assert cycles == [["shop.a", "shop.b"]]


def test_another_apps_private_name_and_a_base_layer_looking_up_are_forbidden(
    tmp_path: Path,
) -> None:
    write(
        tmp_path,
        {
            "charts/__init__.py": "",
            "charts/draw.py": "def _axis():\n    pass\n\ndef axis():\n    pass\n",
            "board/__init__.py": "",
            "board/page.py": "from charts.draw import _axis, axis\n",
            "plans/__init__.py": "",
            "plans/models.py": "import board.page\n",
        },
    )
    cycles, forbidden, _ = import_cycles.check(tmp_path)
    assert cycles == []
    assert [(imp.source, imp.names) for imp in forbidden] == [
        ("board.page", ("_axis",)),
        ("plans.models", ()),
    ]


def test_the_project_has_no_cycle_and_no_forbidden_import() -> None:
    cycles, forbidden, _ = import_cycles.check()
    assert cycles == []
    assert forbidden == []
