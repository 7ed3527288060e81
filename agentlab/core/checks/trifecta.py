"""The lethal-trifecta audit: which agents hold private data, untrusted content and a way out.

An agent whose tools together give it all three capabilities can be talked by an injected
document into sending private data away (``advisor-knowledge.md`` §6.3). Each tool declares what
it gives on its definition (``@tool(capabilities=[...])``, ``Tool.capabilities``); :func:`audit`
reports, per agent, which of the three its tools give it, and a scenario acknowledges a
trifecta it holds on purpose with ``[guardrails] trifecta_reason``.
"""

from __future__ import annotations

from dataclasses import dataclass

from agentlab.core.spec import Scenario
from agentlab.core.tools import BUILTIN_TOOLS, Capability, Tool

TRIFECTA: tuple[Capability, ...] = (
    "reads_private_data",
    "sees_untrusted_content",
    "can_exfiltrate",
)

FIXES = (
    "split the agent: one reads the untrusted content, another holds the private data or the "
    "way out",
    "drop a tool that gives one of the three",
    "require a person's approval for the tool that can send data out ([approvals] tools)",
)


@dataclass(frozen=True)
class AgentAudit:
    agent: str
    #: capability -> the tools that give it
    has: dict[Capability, list[str]]
    #: The scenario's stated reason, when it holds the trifecta on purpose.
    acknowledged: str = ""

    @property
    def trifecta(self) -> bool:
        return all(self.has.get(c) for c in TRIFECTA)

    @property
    def failing(self) -> bool:
        return self.trifecta and not self.acknowledged


def audit(
    scenario: Scenario,
    extra_tools: dict[str, set[str]] | None = None,
    known: dict[str, Tool] | None = None,
) -> list[AgentAudit]:
    """Per agent, the trifecta capabilities its tools give it (``extra_tools``: the tools its
    pattern adds, by agent name; ``known``: the tools by name, the built-ins by default)."""
    known = BUILTIN_TOOLS if known is None else known
    reason = scenario.guardrails.trifecta_reason if scenario.guardrails else ""
    out = []
    for agent in scenario.agents:
        tools = [*agent.tools, *sorted((extra_tools or {}).get(agent.name, set()))]
        has: dict[Capability, list[str]] = {}
        for name in tools:
            tool = known.get(name)
            for cap in sorted(tool.capabilities if tool is not None else ()):
                has.setdefault(cap, []).append(name)
        a = AgentAudit(agent.name, has)
        out.append(AgentAudit(agent.name, has, reason) if a.trifecta and reason else a)
    return out
