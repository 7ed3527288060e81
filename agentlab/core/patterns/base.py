"""What every pattern shares: an agent's budget, the single-agent run, tool-description helpers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from agentlab.core.agent import AgentResult, run_agent
from agentlab.core.budget import Budget
from agentlab.core.context import RunContext

#: A pattern: given the run context, the session budget and the session span, run the agents
#: and return the outcome of the top of the run.
Runner = Callable[[RunContext, Budget, str], Awaitable[AgentResult]]


def agent_budget(parent: Budget, ctx: RunContext, name: str) -> Budget:
    """An agent's budget below ``parent``, with the agent's own caps if it declares any."""
    spec = ctx.scenario.agent(name)
    return parent.child(name, spec.limits.caps() if spec.limits else None)


async def run_single(ctx: RunContext, root: Budget, span: str) -> AgentResult:
    spec = ctx.scenario.entry_agent
    return await run_agent(
        ctx, spec, ctx.scenario.task, parent_span=span, budget=agent_budget(root, ctx, spec.name)
    )


def first_line(text: str, limit: int = 120) -> str:
    """An agent's instructions, shortened to introduce it in another agent's tool description."""
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def run_by_pattern(**_: Any) -> str:
    """``fn`` of a pattern's tool: the pattern's handler runs it, never ``call_tool``."""
    raise RuntimeError("this tool runs through its pattern's handler")
