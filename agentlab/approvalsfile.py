"""Where "approve this tool always" is remembered: ``$AGENTLAB_HOME/approvals.json``.

One entry per scenario name: the tools a person approved for every run of that scenario
(``{"scenarios": {"approval_gate": ["issue_refund"]}}``). A run reads its scenario's entry into
``RunOptions.approved_always``; a person's "always" answer adds to it. Delete the entry (or the
file) to be asked again. A file that cannot be read is treated as empty, never as a reason to
run a tool unasked.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from agentlab.core.context import ApprovalRequest, ApproveFn, Decision
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
    data = _read(path)
    tools = data.setdefault(scenario, [])
    if tool in tools:
        return
    tools.append(tool)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"scenarios": data}, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def remembering(approve: ApproveFn, scenario: str, path: Path | None = None) -> ApproveFn:
    """``approve``, with a person's "always" answers written down for ``scenario``."""

    async def wrapped(req: ApprovalRequest) -> Decision | None:
        decision = await approve(req)
        if decision is not None and decision.approved and decision.remember == "always":
            try:
                remember_always(scenario, req.tool, path)
            except OSError:
                pass  # not remembered past this session (it still counts for this one)
        return decision

    return wrapped


__all__ = ["approvals_path", "approved_always", "remember_always", "remembering"]
