"""The packages of ``strategy`` stand in layers, and imports only point down.

``ARCHITECTURE.md`` draws the layers. Read from the code's own import
statements (those inside functions too): a module imports only from its own
package and the packages below it, nothing imports streamlit but ``strategy.ui``,
and no chain of imports comes back to where it started.
"""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import strategy

# Bottom first. A package may import from itself and from those before it.
LAYERS = ["core", "identity", "customers", "service", "people", "measures", "plan", "io",
          "demo", "ui"]
# The command line and ``python -m strategy`` sit above every package.
TOP = {"strategy", "strategy.cli", "strategy.__main__"}

PACKAGE_DIR = Path(strategy.__file__).resolve().parent
MODULES = sorted(info.name for info in pkgutil.walk_packages(strategy.__path__, "strategy."))
NON_UI_MODULES = [m for m in MODULES if not m.startswith("strategy.ui")
                  and m != "strategy.__main__"]


def _source(module: str) -> Path:
    relative = Path(*module.split(".")[1:])
    package = PACKAGE_DIR / relative / "__init__.py"
    return package if package.exists() else PACKAGE_DIR / relative.with_suffix(".py")


def _imports(module: str) -> set[str]:
    """The modules of ``strategy`` that ``module`` imports, wherever the statement is."""
    path = _source(module)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([base] if base else []))
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.add(candidate if candidate in MODULES else base)
    return {name for name in found if name in MODULES and name != module}


GRAPH = {module: _imports(module) for module in MODULES}


def _layer(module: str) -> int | None:
    """The layer's index, or None for the top (the package itself, the command line)."""
    if module in TOP:
        return None
    return LAYERS.index(module.split(".")[1])


def test_every_package_has_its_place() -> None:
    packages = {m.split(".")[1] for m in MODULES if m not in TOP}
    assert packages == set(LAYERS), "a new package must be given its layer in LAYERS"
    assert {"strategy.core.db", "strategy.plan.steps", "strategy.service.standards",
            "strategy.identity.accounts", "strategy.io.review_pack"} <= set(MODULES)


def test_imports_point_only_down() -> None:
    upward = []
    for module, imported in GRAPH.items():
        here = _layer(module)
        for name in sorted(imported):
            there = _layer(name)
            if here is not None and (there is None or there > here):
                upward.append(f"{module} imports {name}")
    assert not upward, "imports that point up a layer:\n" + "\n".join(upward)


def test_a_layers_check_would_catch_an_upward_import() -> None:
    # The check above must see a real import: a domain module does import the core.
    assert "strategy.core.db" in GRAPH["strategy.measures.scorecard"]
    assert _layer("strategy.core.db") < _layer("strategy.measures.scorecard")  # type: ignore[operator]


def _cycle() -> list[str] | None:
    """One import cycle among the modules, if there is any (depth-first search)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: finished
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        path.append(module)
        for name in sorted(GRAPH[module]):
            if state.get(name) == 1:
                return [*path[path.index(name):], name]
            if name not in state and (found := visit(name)):
                return found
        path.pop()
        state[module] = 2
        return None

    for module in MODULES:
        if module not in state and (found := visit(module)):
            return found
    return None


def test_there_is_no_import_cycle() -> None:
    cycle = _cycle()
    assert cycle is None, "import cycle: " + " → ".join(cycle or [])


def test_the_cycle_search_finds_a_cycle() -> None:
    # A check that could never fail proves nothing: add a back edge and see it caught.
    GRAPH["strategy.core.errors"].add("strategy.core.db")
    try:
        cycle = _cycle()
        assert cycle is not None and cycle[0] == cycle[-1]
        assert set(cycle) == {"strategy.core.db", "strategy.core.errors"}
    finally:
        GRAPH["strategy.core.errors"].discard("strategy.core.db")


def test_only_the_ui_imports_streamlit() -> None:
    for module in MODULES:
        path = _source(module)
        names = {alias.name for node in ast.walk(ast.parse(path.read_text("utf-8")))
                 if isinstance(node, ast.Import) for alias in node.names}
        names |= {node.module or "" for node in ast.walk(ast.parse(path.read_text("utf-8")))
                  if isinstance(node, ast.ImportFrom)}
        if any(n == "streamlit" or n.startswith("streamlit.") for n in names):
            assert module.startswith("strategy.ui"), f"{module} imports streamlit"


def test_non_ui_modules_import_without_streamlit() -> None:
    """Not only their own statements: nothing they pull in brings streamlit along."""
    code = (
        "import importlib, sys\n"
        f"for name in {NON_UI_MODULES!r}:\n"
        "    importlib.import_module(name)\n"
        "    assert 'streamlit' not in sys.modules, name\n"
        "print('clean')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "clean"
