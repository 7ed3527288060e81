"""single: one agent, the scenario's first (or ``entry``)."""

from __future__ import annotations

from agentlab.core.agent import AgentResult, run_agent
from agentlab.core.budget import Budget
from agentlab.core.context import RunContext
from agentlab.core.patterns.base import Pattern, agent_budget
from agentlab.core.spec import Problem, Scenario


class Single(Pattern):
    name = "single"
    summary = "one agent"

    def validate(self, scenario: Scenario) -> list[Problem]:
        n = len(scenario.agents)
        if n > 1:
            return [
                Problem("pattern", f"a single-agent scenario runs one agent, but {n} are given")
            ]
        return []

    async def run(self, ctx: RunContext, root: Budget) -> AgentResult:
        spec = ctx.scenario.entry_agent
        budget = agent_budget(root, ctx, spec.name)
        return await run_agent(ctx, spec, ctx.scenario.task, parent=ctx.session_span, budget=budget)


SINGLE = Single()
