"""Fixed shapes: sequential (a pipeline) and parallel (fan out, then aggregate)."""

from __future__ import annotations

import asyncio

from agentlab.core.agent import AgentResult, run_agent
from agentlab.core.budget import Budget
from agentlab.core.context import RunContext
from agentlab.core.patterns.base import Pattern, agent_budget
from agentlab.core.spec import AgentSpec


class Sequential(Pattern):
    name = "sequential"
    summary = "a pipeline: each agent works on the previous one's output"
    roles = ("stage",)

    async def run(self, ctx: RunContext, root: Budget) -> AgentResult:
        """Each agent in file order gets the task plus the previous stage's output; the
        pipeline stops at the first stage that does not complete (its outcome is the
        session's)."""
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
                parent=ctx.session_span,
                budget=agent_budget(root, ctx, spec.name),
                role=spec.role or "stage",
            )
            if not result.outcome.ok:
                return result
            previous = result
        assert previous is not None  # a scenario has at least one agent
        return previous


def aggregator_of(agents: list[AgentSpec]) -> AgentSpec:
    """The agent with role "aggregator", else the last one."""
    return next((a for a in agents if a.role == "aggregator"), agents[-1])


class Parallel(Pattern):
    name = "parallel"
    summary = "the task fanned out to several agents, then merged by an aggregator"
    roles = ("worker", "aggregator")

    async def run(self, ctx: RunContext, root: Budget) -> AgentResult:
        """The same task to every branch at once (bounded by ``max_concurrency``); the
        aggregator then gets every answer, labelled by agent, failures included, and writes
        the final one."""
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
                    parent=ctx.session_span,
                    budget=agent_budget(root, ctx, spec.name),
                    role=spec.role or "worker",
                )

        tasks = [asyncio.create_task(branch(spec)) for spec in branches]
        try:  # a cap above a branch (LimitStop) stops the others and the run
            results = await asyncio.gather(*tasks)
        finally:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        answers = []
        for spec, r in zip(branches, results, strict=True):
            if r.outcome.ok:
                answers.append(f"## {spec.name}\n{r.output}")
            else:
                answers.append(f"## {spec.name} (failed: {r.stop_reason})\n{r.error or r.status}")
        merged = f"Task: {task}\n\nAnswers from {len(branches)} agents:\n\n" + "\n\n".join(answers)
        return await run_agent(
            ctx,
            aggregator,
            merged,
            parent=ctx.session_span,
            budget=agent_budget(root, ctx, aggregator.name),
            role=aggregator.role or "aggregator",
        )


SEQUENTIAL = Sequential()
PARALLEL = Parallel()
