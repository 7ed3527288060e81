"""Fixed shapes: sequential (a pipeline) and parallel (fan out, then aggregate)."""

from __future__ import annotations

import asyncio

from agentlab.core.agent import AgentResult, run_agent
from agentlab.core.budget import Budget
from agentlab.core.context import RunContext
from agentlab.core.patterns.base import agent_budget
from agentlab.core.spec import AgentSpec


async def run_sequential(ctx: RunContext, root: Budget, span: str) -> AgentResult:
    """Each agent in file order gets the task plus the previous stage's output; the pipeline
    stops at the first stage that does not complete (its outcome is the session's)."""
    task = ctx.scenario.task
    previous: AgentResult | None = None
    for spec in ctx.scenario.agents:
        stage_input = task
        if previous is not None:
            stage_input = f"Task: {task}\n\nInput from {previous.agent}:\n{previous.output}"
        result = await run_agent(
            ctx,
            spec,
            stage_input,
            parent_span=span,
            budget=agent_budget(root, ctx, spec.name),
            role=spec.role or "stage",
        )
        if result.status != "completed" or result.escalate is not None:
            return result
        previous = result
    assert previous is not None  # a scenario has at least one agent
    return previous


def aggregator_of(agents: list[AgentSpec]) -> AgentSpec:
    """The agent with role "aggregator", else the last one."""
    return next((a for a in agents if a.role == "aggregator"), agents[-1])


async def run_parallel(ctx: RunContext, root: Budget, span: str) -> AgentResult:
    """The same task to every branch at once (bounded by ``max_concurrency``); the aggregator
    then gets every answer, labelled by agent, failures included, and writes the final one."""
    task = ctx.scenario.task
    agents = ctx.scenario.agents
    aggregator = aggregator_of(agents)
    branches = [a for a in agents if a is not aggregator]

    async def branch(spec: AgentSpec) -> AgentResult:
        async with ctx.limiter():
            return await run_agent(
                ctx,
                spec,
                task,
                parent_span=span,
                budget=agent_budget(root, ctx, spec.name),
                role=spec.role or "worker",
            )

    tasks = [asyncio.create_task(branch(spec)) for spec in branches]
    try:
        for done in asyncio.as_completed(tasks):
            result = await done
            if result.escalate is not None:  # a session-wide cap: the whole run stops
                return result
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    answers = []
    for spec, t in zip(branches, tasks, strict=True):
        r = t.result()
        if r.status == "completed":
            answers.append(f"## {spec.name}\n{r.output}")
        else:
            answers.append(f"## {spec.name} (failed: {r.stop_reason})\n{r.error or r.status}")
    merged = f"Task: {task}\n\nAnswers from {len(branches)} agents:\n\n" + "\n\n".join(answers)
    return await run_agent(
        ctx,
        aggregator,
        merged,
        parent_span=span,
        budget=agent_budget(root, ctx, aggregator.name),
        role=aggregator.role or "aggregator",
    )
