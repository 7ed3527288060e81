"""The architecture in DESIGN.md, checked: a pure core and one LLM seam."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "agentlab"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_only_the_llm_seam_imports_litellm() -> None:
    importers = sorted(
        str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py") if "litellm" in _imports(p)
    )
    assert importers == ["core/llm.py"]


def test_core_never_imports_ui_or_storage() -> None:
    for path in (PACKAGE / "core").rglob("*.py"):
        bad = _imports(path) & {"textual", "sqlite_utils", "rich", "typer", "questionary"}
        assert not bad, f"{path.relative_to(PACKAGE)} imports {bad}"


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
