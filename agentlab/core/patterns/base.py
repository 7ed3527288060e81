"""The pattern contract, and what every pattern shares (an agent's budget, tool descriptions).

A pattern is one :class:`Pattern` object in the registry (``patterns/__init__.py``): its name,
the roles it records, its own scenario validation, the names of the tools it gives agents, and
its ``run``. A pattern runs agents through ``agent.run_agent`` and returns the result of the top
of the run. It never has to check for a session-wide stop: a cap above an agent travels up as
``LimitStop`` through the pattern to the session.
"""

from __future__ import annotations

from typing import Any

from agentlab.core.agent import AgentResult
from agentlab.core.budget import Budget
from agentlab.core.context import RunContext
from agentlab.core.spec import AgentSpec, Problem, Scenario


class Pattern:
    """One orchestration pattern. Subclass it, fill in ``run`` (and ``validate`` and
    ``tool_names`` when the pattern has rules or tools of its own), and register an instance."""

    #: The ``pattern = "..."`` value in a scenario.
    name: str = ""
    #: One line for lists and help.
    summary: str = ""
    #: The roles this pattern records on its agents (``AgentStarted.role``) unless an agent
    #: sets its own ``role``.
    roles: tuple[str, ...] = ("agent",)

    def validate(self, scenario: Scenario) -> list[Problem]:
        """Mistakes that parse but cannot mean what the author meant, for this pattern."""
        return []

    def tool_names(self, scenario: Scenario, agent: AgentSpec) -> list[str]:
        """The tools this pattern gives ``agent`` on top of its own (a script may call them)."""
        return []

    async def run(self, ctx: RunContext, root: Budget) -> AgentResult:
        """Run the scenario's agents below the session span; the result of the top of the run."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<pattern {self.name}>"


def agent_budget(parent: Budget, ctx: RunContext, name: str) -> Budget:
    """An agent's budget below ``parent``, with the agent's own caps if it declares any."""
    spec = ctx.scenario.agent(name)
    return parent.child(name, spec.limits.caps() if spec.limits else None)


def first_line(text: str, limit: int = 120) -> str:
    """An agent's instructions, shortened to introduce it in another agent's tool description."""
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def run_by_pattern(**_: Any) -> str:
    """``fn`` of a pattern's tool: the pattern's handler runs it, never ``call_tool``."""
    raise RuntimeError("this tool runs through its pattern's handler")
