"""Orchestration patterns. Each runs agents through the one loop in ``agent.py`` and returns the
outcome of the top of the run; all emit the same event stream."""

from __future__ import annotations

from agentlab.core.agent import AgentResult, run_agent
from agentlab.core.budget import Budget
from agentlab.core.context import RunContext


def agent_budget(parent: Budget, ctx: RunContext, name: str) -> Budget:
    spec = ctx.scenario.agent(name)
    return parent.child(name, spec.limits.caps() if spec.limits else None)


async def run_single(ctx: RunContext, root: Budget, span: str) -> AgentResult:
    spec = ctx.scenario.entry_agent
    return await run_agent(
        ctx, spec, ctx.scenario.task, parent_span=span, budget=agent_budget(root, ctx, spec.name)
    )


RUNNERS = {"single": run_single}


async def run_pattern(ctx: RunContext, root: Budget, span: str) -> AgentResult:
    runner = RUNNERS.get(ctx.scenario.pattern)
    if runner is None:
        raise NotImplementedError(f"pattern {ctx.scenario.pattern!r} is not implemented yet")
    return await runner(ctx, root, span)
