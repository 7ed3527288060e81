"""The Guardrail Sandwich's reasoning layer on tool calls: least privilege and argument checks.

- ``allowlist``: an agent may call only the tools it was given (its ``tools`` and its pattern's
  own); a call to any other tool (one an injected document asked for, or a made-up one) is
  refused, and with ``[guardrails]`` on the refusal is a check span (:func:`refusal`; the step
  records it, since such a call has no tool to run a check on).
- ``arguments`` (:class:`ArgumentsCheck`, a ``tool`` check): the arguments are checked against
  the tool's JSON schema before it runs; a mismatch blocks the call, and the model reads why.

Step limits and loop detection are the other reasoning-layer checks (``loop.py``, the caps).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from agentlab.core.checks.base import ALLOW, Check, Seen, ToolUse, Verdict
from agentlab.core.events import Stage
from agentlab.core.spec import AgentSpec, Scenario
from agentlab.core.tools import Tool, _ArgumentError, _parse_arguments

ALLOWLIST = "allowlist"


def refusal(scenario: Scenario, tool: str, allowed: Sequence[str]) -> Verdict | None:
    """The allowlist's verdict on a call to ``tool``, which the agent was not given (None when
    the scenario has no guardrails: the call is still refused, just not as a check span)."""
    g = scenario.guardrails
    if g is None or not g.allowlist:
        return None
    return Verdict(
        "block",
        f"{tool} is not on this agent's tool allowlist",
        {"tool": tool, "allowed": sorted(allowed)},
    )


class ArgumentsCheck(Check):
    name: ClassVar[str] = "arguments"
    stages: ClassVar[frozenset[Stage]] = frozenset({"tool"})

    @classmethod
    def build(cls, scenario: Scenario, agent: AgentSpec, tools: Sequence[Tool]) -> Check | None:
        g = scenario.guardrails
        return cls() if g is not None and g.validate_arguments else None

    async def check(self, seen: Seen) -> Verdict:
        if not isinstance(seen, ToolUse):
            return ALLOW
        try:
            _parse_arguments(seen.tool, seen.arguments)
        except _ArgumentError as exc:
            return Verdict(
                "block", f"arguments do not match the schema: {exc}", {"error": str(exc)}
            )
        return ALLOW
