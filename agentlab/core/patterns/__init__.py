"""Orchestration patterns. Each runs agents through the one loop in ``agent.py`` and returns the
outcome of the top of the run; all emit the same event stream. One module per family:
``base`` (single), ``delegation``, ``pipelines`` (sequential, parallel), ``handoff``.

- ``single``: one agent.
- ``orchestrator-worker``, ``hierarchical``, ``supervisor``: an agent with ``workers`` gets a
  ``delegate`` tool; each call runs a worker as a child span of that tool call, concurrently with
  the other calls of the same turn. Workers with workers of their own delegate too, to any depth
  (a supervisor of supervisors). The three differ only in the role names they record.
- ``sequential``: a pipeline; each stage gets the task and the previous stage's output.
- ``parallel``: the task fanned out to every agent but the aggregator, which merges the answers.
- ``handoff``: Swarm style; ``transfer_to_<agent>`` tools pass the conversation on.

Failures stay local: a worker or branch that errors or hits its own cap becomes an error result
for whoever asked. A session-wide cap hit anywhere stops the whole run.
"""

from __future__ import annotations

from agentlab.core.agent import AgentResult
from agentlab.core.budget import Budget
from agentlab.core.context import RunContext
from agentlab.core.patterns.base import Runner, agent_budget, run_single
from agentlab.core.patterns.delegation import DELEGATION_ROLES, run_team, worker_budget
from agentlab.core.patterns.handoff import MAX_HANDOFFS, run_handoff
from agentlab.core.patterns.pipelines import run_parallel, run_sequential

__all__ = [
    "DELEGATION_ROLES",
    "MAX_HANDOFFS",
    "RUNNERS",
    "agent_budget",
    "run_pattern",
    "worker_budget",
]

RUNNERS: dict[str, Runner] = {
    "single": run_single,
    "orchestrator-worker": run_team,
    "hierarchical": run_team,
    "supervisor": run_team,
    "sequential": run_sequential,
    "parallel": run_parallel,
    "handoff": run_handoff,
}


async def run_pattern(ctx: RunContext, root: Budget, span: str) -> AgentResult:
    runner = RUNNERS.get(ctx.scenario.pattern)
    if runner is None:
        raise NotImplementedError(f"pattern {ctx.scenario.pattern!r} is not implemented yet")
    return await runner(ctx, root, span)
