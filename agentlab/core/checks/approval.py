"""Human approval as a check: a risky tool call waits for a person's OK.

A tool marked ``risky`` (``@tool(risky=True)``), or named in the scenario's ``[approvals] tools``,
gets an ``ask`` verdict before it runs. The runner puts the question to a person (the TUI's modal,
the CLI's prompt) or, when nobody can be asked, applies ``[approvals] policy``; a refusal reaches
the model as the tool's error result and the agent carries on without the action.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from agentlab.core.checks.base import ALLOW, Check, Seen, ToolUse, Verdict
from agentlab.core.events import Stage
from agentlab.core.spec import AgentSpec, Scenario
from agentlab.core.tools import Tool


class ApprovalCheck(Check):
    name: ClassVar[str] = "approval"
    stages: ClassVar[frozenset[Stage]] = frozenset({"tool"})

    def __init__(self, gated: frozenset[str]) -> None:
        self.gated = gated

    @classmethod
    def build(cls, scenario: Scenario, agent: AgentSpec, tools: Sequence[Tool]) -> Check | None:
        gated = frozenset(t.name for t in tools if t.risky or t.name in scenario.approvals.tools)
        return cls(gated) if gated else None

    async def check(self, seen: Seen) -> Verdict:
        if isinstance(seen, ToolUse) and seen.tool.name in self.gated:
            return Verdict("ask", f"{seen.tool.name} needs a person's approval")
        return ALLOW
