"""Check the import graph of the project's own modules.

Every import counts, including those inside functions and under
``TYPE_CHECKING``: an import moved into a function to dodge a cycle still
makes the two modules depend on each other. The script fails (exit 1) on

- any cycle between the project's modules, and
- any import of another app's underscore-prefixed name (``from bulletins.charts
  import _axis`` from the dashboard): a private name is private to its app;
- any import by a base layer of an app above it (``BASE_LAYERS``): the plan
  app is what every other app builds on, so it imports none of them.

Usage: ``python scripts/import_cycles.py [--graph]``; ``make test`` runs it.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Folders that are not the product's modules.
# The apps a base layer may import (besides itself).
BASE_LAYERS = {
    "common": set(),
    "plans": {"common", "departments", "audit"},
}
SKIP = {".venv", "tests", "benchmarks", "scripts", "migrations", "node_modules", "var", "static"}


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # the imported module (a project module)
    names: tuple[str, ...]  # names taken from it (empty for ``import x``)
    line: int


def project_modules(root: Path = ROOT) -> dict[str, Path]:
    """Every module of the product, by dotted name."""
    modules: dict[str, Path] = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).parts
        if any(part in SKIP or part.startswith(".") for part in parts[:-1]):
            continue
        if len(parts) == 1:  # manage.py and other top-level scripts
            continue
        name = ".".join(parts)[: -len(".py")]
        if name.endswith(".__init__"):
            name = name[: -len(".__init__")]
        modules[name] = path
    return modules


def _resolve(module: str, is_package: bool, level: int, name: str | None) -> str:
    if level == 0:
        return name or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    if level > 1:
        base = base[: -(level - 1)]
    return ".".join([*base, name] if name else base)


def imports_of(module: str, path: Path, modules: dict[str, Path]) -> Iterator[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                target = _known(alias.name, modules)
                if target:
                    yield Import(module, target, (), node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(module, is_package, node.level, node.module)
            for alias in node.names:
                # ``from pkg import mod`` imports a module; ``from mod import name`` a name.
                submodule = f"{base}.{alias.name}"
                if submodule in modules:
                    yield Import(module, submodule, (), node.lineno)
                    continue
                target = _known(base, modules)
                if target:
                    yield Import(module, target, (alias.name,), node.lineno)


def _known(name: str, modules: dict[str, Path]) -> str | None:
    """The project module ``name`` refers to (or its nearest package), if any."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def app_of(module: str) -> str:
    return module.split(".")[0]


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = 0

    def visit(start: str) -> None:
        nonlocal counter
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def check(root: Path = ROOT) -> tuple[list[list[str]], list[Import], dict[str, set[str]]]:
    """The cycles, and the imports that break a rule (private names, layers)."""
    modules = project_modules(root)
    graph: dict[str, set[str]] = {name: set() for name in modules}
    private: list[Import] = []
    for module, path in modules.items():
        for imp in imports_of(module, path, modules):
            if imp.target == module:
                continue
            # A package's __init__ importing its own submodules is not a cycle
            # a reader needs to care about, but a submodule importing the
            # package's __init__ that imports it back is: keep both edges.
            graph[module].add(imp.target)
            crosses_app = app_of(imp.target) != app_of(module)
            hidden = [n for n in imp.names if n.startswith("_")]
            if crosses_app and (hidden or imp.target.rpartition(".")[2].startswith("_")):
                if not imp.target.rpartition(".")[2] == "__init__":
                    private.append(imp)
            allowed = BASE_LAYERS.get(app_of(module))
            if crosses_app and allowed is not None and app_of(imp.target) not in allowed:
                private.append(imp)
    return find_cycles(graph), private, graph


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graph", action="store_true", help="print the app-level graph")
    args = parser.parse_args(argv)
    cycles, private, graph = check()
    if args.graph:
        apps: dict[str, set[str]] = {}
        for module, targets in graph.items():
            for target in targets:
                if app_of(target) != app_of(module):
                    apps.setdefault(app_of(module), set()).add(app_of(target))
        for app in sorted(apps):
            print(f"{app} -> {', '.join(sorted(apps[app]))}")
    for cycle in cycles:
        print("cycle: " + " <-> ".join(cycle))
        members = set(cycle)
        for module in cycle:
            path = project_modules()[module]
            for imp in imports_of(module, path, project_modules()):
                if imp.target in members and imp.target != module:
                    print(f"    {path.relative_to(ROOT)}:{imp.line} imports {imp.target}")
    for imp in private:
        names = ", ".join(imp.names) or imp.target
        print(f"forbidden: {imp.source} line {imp.line} imports {names} from {imp.target}")
    print(f"import cycles: {len(cycles)}, forbidden imports across apps: {len(private)}")
    return 1 if cycles or private else 0


if __name__ == "__main__":
    sys.exit(main())
