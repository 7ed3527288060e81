"""Where "approve this tool always" is remembered: ``$AGENTLAB_HOME/approvals.json``.

One entry per scenario name: the tools a person approved for every run of that scenario
(``{"scenarios": {"approval_gate": ["issue_refund"]}}``). A run reads its scenario's entry into
``RunOptions.approved_always``; a person's "always" answer adds to it. ``agentlab approvals
list`` shows the entries and ``agentlab approvals forget`` removes them (to be asked again). A file that cannot be read is treated as empty, never as a reason to
run a tool unasked.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from agentlab.core.context import ApprovalRequest, ApproveFn, Decision
from agentlab.errors import UsageError
from agentlab.paths import agentlab_home

FILENAME = "approvals.json"


def approvals_path() -> Path:
    return agentlab_home() / FILENAME


def _read(path: Path) -> dict[str, list[str]]:
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    scenarios = data.get("scenarios") if isinstance(data, dict) else None
    if not isinstance(scenarios, dict):
        return {}
    return {
        str(k): [str(t) for t in v if isinstance(t, str)]
        for k, v in scenarios.items()
        if isinstance(v, list)
    }


def approved_always(scenario: str, path: Path | None = None) -> frozenset[str]:
    """The tools approved for every run of ``scenario``."""
    return frozenset(_read(path or approvals_path()).get(scenario, []))


def remember_always(scenario: str, tool: str, path: Path | None = None) -> None:
    """Add ``tool`` to ``scenario``'s entry (written atomically)."""
    path = path or approvals_path()
    data = _read_strict(path)  # a broken file is a UsageError, never overwritten
    tools = data.setdefault(scenario, [])
    if tool in tools:
        return
    tools.append(tool)
    _write(path, data)


def _write(path: Path, data: dict[str, list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"scenarios": data}, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _read_strict(path: Path) -> dict[str, list[str]]:
    """The file's entries for a person managing them: a missing file is empty; a file that
    cannot be read or parsed is a UsageError naming it (it is not overwritten)."""
    if not path.exists():
        return {}
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"{path}: cannot read it: {exc.strerror}") from None
    except ValueError as exc:
        raise UsageError(f"{path}: not valid JSON ({exc}); fix or delete the file") from None
    if not isinstance(data, dict) or not isinstance(data.get("scenarios", {}), dict):
        raise UsageError(f'{path}: expected {{"scenarios": {{SCENARIO: [TOOL, ...]}}}}')
    for name, tools in data.get("scenarios", {}).items():  # never list part of an entry
        if not isinstance(tools, list) or not all(isinstance(t, str) for t in tools):
            raise UsageError(
                f"{path}: scenarios.{name}: expected a list of tool names, got {tools!r}"[:300]
            )
    return _read(path)


def remembered(path: Path | None = None) -> dict[str, list[str]]:
    """Every remembered "always" approval: scenario name -> tools (sorted by scenario)."""
    data = _read_strict(path or approvals_path())
    return {k: list(v) for k, v in sorted(data.items()) if v}


def forget(
    scenario: str | None = None, tool: str | None = None, path: Path | None = None
) -> list[tuple[str, str]]:
    """Forget remembered approvals: all of them (no ``scenario``), a scenario's, or one tool of
    a scenario's. Returns the (scenario, tool) pairs forgotten; a scenario or tool that has no
    entry is a UsageError listing what there is."""
    path = path or approvals_path()
    data = {k: v for k, v in _read_strict(path).items() if v}
    if scenario is None:
        gone = [(s, t) for s, tools in sorted(data.items()) for t in tools]
        data = {}
    elif scenario not in data:
        have = ", ".join(sorted(data)) or "none"
        raise UsageError(
            f"SCENARIO: no approvals are remembered for {scenario!r} (remembered for: {have})"
        )
    elif tool is None:
        gone = [(scenario, t) for t in data.pop(scenario)]
    elif tool not in data[scenario]:
        have = ", ".join(data[scenario])
        raise UsageError(f"TOOL: {tool!r} is not remembered for {scenario!r} (remembered: {have})")
    else:
        data[scenario].remove(tool)
        gone = [(scenario, tool)]
        if not data[scenario]:
            del data[scenario]
    if gone:
        try:
            _write(path, data)
        except OSError as exc:
            raise UsageError(f"{path}: cannot write it: {exc.strerror}") from None
    return gone


def remembering(approve: ApproveFn, scenario: str, path: Path | None = None) -> ApproveFn:
    """``approve``, with a person's "always" answers written down for ``scenario``."""

    async def wrapped(req: ApprovalRequest) -> Decision | None:
        decision = await approve(req)
        if decision is not None and decision.approved and decision.remember == "always":
            try:
                remember_always(scenario, req.tool, path)
            except (OSError, UsageError):  # unwritable, or broken by hand (left as it is)
                pass  # not remembered past this session (it still counts for this one)
        return decision

    return wrapped


__all__ = [
    "approvals_path",
    "approved_always",
    "forget",
    "remember_always",
    "remembered",
    "remembering",
]
