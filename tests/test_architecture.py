"""The architecture in docs/architecture.md, checked: a pure core, one LLM seam, one door to the
store, and imports that only run down the layers."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

PACKAGE = ROOT / "agentlab"

UI = {"textual", "rich", "typer", "questionary"}
STORAGE = {"sqlite_utils", "sqlite3", "agentlab.store"}


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module(p): p for p in PACKAGE.rglob("*.py")}


def _type_checking_only(tree: ast.Module) -> set[int]:
    """Nodes under ``if TYPE_CHECKING:``: annotations, not imports at run time."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            test = node.test
            name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", "")
            if name == "TYPE_CHECKING":
                skip |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    return skip


def _imported(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside a function (a lazy import is still a
    dependency), as dotted names; ``from a.b import c`` gives ``a.b.c`` when that is a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_checking_only(tree)
    name = _module(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, *([node.module] if node.module else [])])
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                out.add(sub if sub in MODULES else base)
    return out


IMPORTS = {name: _imported(path) for name, path in MODULES.items()}


def _roots(names: set[str]) -> set[str]:
    return {n.split(".")[0] for n in names}


def _imports_any(imported: set[str], banned: set[str]) -> set[str]:
    return {m for m in imported if any(m == b or m.startswith(b + ".") for b in banned)}


def _layer(module: str) -> str:
    """``agentlab.core.llm`` -> ``agentlab.core``; ``agentlab.scenario`` stays itself."""
    return ".".join(module.split(".")[:2])


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    """One cycle in ``graph`` (as a path that returns to its start), or [] when acyclic."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return []

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return []


# --- the LLM seam ------------------------------------------------------------------------------


def test_only_the_llm_seam_imports_litellm() -> None:
    importers = sorted(
        str(MODULES[m].relative_to(PACKAGE))
        for m, imp in IMPORTS.items()
        if "litellm" in _roots(imp)
    )
    assert importers == ["core/llm.py"]


# --- a pure core -------------------------------------------------------------------------------


def test_core_never_imports_ui_or_storage() -> None:
    for module, imported in IMPORTS.items():
        if not module.startswith("agentlab.core"):
            continue
        bad = _imports_any(imported, UI | STORAGE | {"agentlab.tui", "agentlab.console"})
        if module == "agentlab.core.docsearch":
            # Full-text search over a docs folder: an FTS5 index in memory, not the database.
            assert bad == {"sqlite3"}
            assert MODULES[module].read_text().count("sqlite3.connect(") == 1
            assert 'sqlite3.connect(":memory:"' in MODULES[module].read_text()
            continue
        assert not bad, f"{module} imports {bad}"


def test_core_imports_nothing_above_it() -> None:
    """core is the bottom layer: it may use the leaf modules errors and paths, nothing else of
    agentlab (the scenario models live in core/spec.py for this reason)."""
    for module, imported in IMPORTS.items():
        if module.startswith("agentlab.core"):
            above = {_layer(m) for m in imported if m.startswith("agentlab")} - {
                "agentlab.core",
                "agentlab.errors",
                "agentlab.paths",
            }
            assert not above, f"{module} imports {above}"


def test_importing_the_runtime_loads_no_ui_storage_or_litellm() -> None:
    code = (
        "import sys\n"
        "import agentlab.core.session, agentlab.advisor.engine\n"
        "print(sorted(m for m in ('textual', 'sqlite_utils', 'rich', 'typer', 'litellm')"
        " if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


# --- one door to the store ---------------------------------------------------------------------


def test_only_services_and_store_open_the_database() -> None:
    openers = sorted(
        m
        for m, imported in IMPORTS.items()
        if _imports_any(imported, STORAGE) and not m.startswith("agentlab.store")
    )
    assert openers == ["agentlab.core.docsearch", "agentlab.services"]  # docsearch: see above


# --- imports run down the layers ---------------------------------------------------------------


def test_no_import_cycle_between_modules() -> None:
    graph = {m: {i for i in imported if i in MODULES and i != m} for m, imported in IMPORTS.items()}
    assert _cycle(graph) == []


def test_no_import_cycle_between_layers() -> None:
    """core, scenario, store, services, console, tui, cli...: a layer never imports one that
    imports it back (``scenario.py`` asks core's registries; core never imports scenario.py)."""
    graph: dict[str, set[str]] = {}
    for module, imported in IMPORTS.items():
        deps = {_layer(i) for i in imported if i in MODULES} - {_layer(module)}
        graph.setdefault(_layer(module), set()).update(deps)
    assert _cycle(graph) == []
    assert "agentlab.core" in graph["agentlab.scenario"]  # the direction that is allowed


@pytest.mark.parametrize(
    ("graph", "cyclic"),
    [
        ({"core": {"errors"}, "scenario": {"core"}}, False),
        ({"core": {"scenario"}, "scenario": {"core"}}, True),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}, True),
    ],
)
def test_the_cycle_finder_finds_cycles(graph: dict[str, set[str]], cyclic: bool) -> None:
    assert bool(_cycle(graph)) is cyclic
