"""Least privilege on the network, as a ``tool`` check: a call of a tool that can send data out
(``can_exfiltrate``) to a URL whose host the scenario does not allow is blocked before the tool
runs, and the block is a check span (``egress``) in every view.

The tool refuses such a URL too (``core/network.py``); the check makes the attempt visible as
a verdict (the shipped ``poisoned_document`` shows one) and costs nothing to an agent without a
network tool (it is not built for it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from agentlab.core.checks.base import ALLOW, Check, Seen, ToolUse, Verdict
from agentlab.core.events import Stage
from agentlab.core.network import refusal
from agentlab.core.spec import AgentSpec, Scenario
from agentlab.core.tools import Tool


class EgressCheck(Check):
    name: ClassVar[str] = "egress"
    stages: ClassVar[frozenset[Stage]] = frozenset({"tool"})

    def __init__(self, hosts: Sequence[str], tools: frozenset[str]) -> None:
        self.hosts = tuple(hosts)
        self.tools = tools

    @classmethod
    def build(cls, scenario: Scenario, agent: AgentSpec, tools: Sequence[Tool]) -> Check | None:
        out = frozenset(
            t.name
            for t in tools
            if "can_exfiltrate" in t.capabilities and "url" in t.parameters.get("properties", {})
        )
        return cls(scenario.hosts, out) if out else None

    async def check(self, seen: Seen) -> Verdict:
        if not isinstance(seen, ToolUse) or seen.tool.name not in self.tools:
            return ALLOW
        url = str(seen.arguments.get("url") or "")
        problem = refusal(self.hosts, url)
        if not problem:
            return ALLOW
        return Verdict("block", problem, {"url": url, "allowed": list(self.hosts)})
