"""Delegation: orchestrator-worker, hierarchical and supervisor.

An agent with ``workers`` gets a ``delegate`` tool. Each call runs a worker as a child span of
that tool call; the calls of one turn run concurrently (the step gathers them), leaves bounded by
the scenario's ``max_concurrency``. A worker with workers of its own delegates too, to any depth
(a supervisor of supervisors). The three patterns differ only in the role names they record.

A worker that fails or hits its own cap becomes an error result the manager can work around. A
cap above the worker (its manager's, or the session's) arrives as ``LimitStop``: the manager's
other workers are stopped (their delegate calls end as errors), and the stop goes on up until it
reaches the agent whose budget the cap belongs to (``agent.run_agent`` turns it into that
agent's outcome), or the session.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Any

from agentlab.core.agent import AgentResult, run_agent
from agentlab.core.budget import Budget
from agentlab.core.context import RunContext
from agentlab.core.patterns.base import Pattern, agent_budget, first_line, run_by_pattern
from agentlab.core.spans import Span
from agentlab.core.spec import AgentSpec, Problem, Scenario
from agentlab.core.step import Extras
from agentlab.core.tools import Tool, ToolResult
from agentlab.errors import LimitStop


def worker_budget(
    ctx: RunContext, manager: Budget, name: str, share: dict[str, float] | None = None
) -> Budget:
    """A worker's budget below its manager's: its own caps if it has them, else ``share`` (an
    equal slice of the manager's budget, ``split = "equal"``), else it draws on the manager's
    budget on demand. Spending always counts against the manager's and the session's caps too."""
    spec = ctx.scenario.agent(name)
    if spec.limits is not None:
        return manager.child(name, spec.limits.caps())
    if ctx.scenario.limits.split == "equal" and share is not None:
        return manager.child(name, share)
    return manager.child(name)


def failure_text(who: str, result: AgentResult) -> str:
    return f"error: worker {who} failed ({result.stop_reason}): {result.error or result.status}"


def delegate_tool(ctx: RunContext, workers: list[str]) -> Tool:
    """The ``delegate`` tool a manager sees. Its description lists the workers, so a real model
    can choose; the pattern's handler runs it (``fn`` is never called)."""
    roster = "; ".join(f"{w}: {first_line(ctx.scenario.agent(w).instructions)}" for w in workers)
    return Tool(
        name="delegate",
        description=(
            "Give one subtask to one of your workers and get its answer back as the result. "
            "Call delegate several times in the same turn to run workers in parallel. "
            f"Your workers: {roster}"
        ),
        parameters={
            "type": "object",
            "properties": {
                "task": {
                    "type": "string",
                    "description": "The subtask, self-contained: the worker sees only this text.",
                },
                "worker": {"type": "string", "enum": list(workers), "description": "Who does it."},
            },
            "required": ["task", "worker"],
        },
        fn=run_by_pattern,
    )


class Delegation(Pattern):
    """A tree of managers and workers; ``top``, ``middle`` and ``leaf`` are the roles recorded
    for the entry agent, a manager below it, and an agent without workers."""

    def __init__(self, name: str, summary: str, top: str, middle: str, leaf: str) -> None:
        self.name, self.summary = name, summary
        self.top, self.middle, self.leaf = top, middle, leaf
        self.roles = tuple(dict.fromkeys((top, middle, leaf)))

    def validate(self, scenario: Scenario) -> list[Problem]:
        lead = scenario.agents.index(scenario.entry_agent)
        if not scenario.entry_agent.workers:
            message = f"the {self.name} lead needs workers to delegate to"
            return [Problem(f"agents[{lead}].workers", message)]
        return []

    def tool_names(self, scenario: Scenario, agent: AgentSpec) -> list[str]:
        return ["delegate"] if agent.workers else []

    async def run(self, ctx: RunContext, root: Budget) -> AgentResult:
        spec = ctx.scenario.entry_agent
        budget = agent_budget(root, ctx, spec.name)
        task = ctx.scenario.task
        return await self.run_agent(
            ctx, spec, task, parent=ctx.session_span, budget=budget, role=spec.role or self.top
        )

    async def run_agent(
        self,
        ctx: RunContext,
        spec: AgentSpec,
        task: str,
        *,
        parent: Span,
        budget: Budget,
        role: str,
        parent_agent: str | None = None,
        chain: tuple[str, ...] = (),
    ) -> AgentResult:
        """Run ``spec``; if it has workers, give it a ``delegate`` tool whose calls run them
        (and, recursively, their workers)."""
        extras = None
        if spec.workers:
            team = _Team(self, ctx, spec, budget, (*chain, spec.name))
            tool = delegate_tool(ctx, spec.workers)
            extras = Extras(tools=[tool], handlers={"delegate": team.delegate})
        return await run_agent(
            ctx,
            spec,
            task,
            parent=parent,
            budget=budget,
            role=role,
            parent_agent=parent_agent,
            extras=extras,
        )


@dataclass
class _Team:
    """One manager run's delegations in flight, and whether the team is stopping."""

    pattern: Delegation
    ctx: RunContext
    manager: AgentSpec
    budget: Budget
    chain: tuple[str, ...]
    stop: BaseException | None = None
    #: The equal slice each worker gets (``split = "equal"``), fixed at the first delegation so
    #: that workers started together get the same slice whatever order they start in.
    share: dict[str, float] | None = None
    calls: set[asyncio.Task[Any]] = field(default_factory=set)  # delegate handler tasks
    workers: set[asyncio.Task[AgentResult]] = field(default_factory=set)

    async def delegate(self, args: dict[str, Any], tool_span: Span) -> ToolResult:
        workers = self.manager.workers
        name = args.get("worker") or (workers[0] if len(workers) == 1 else "")
        subtask = args.get("task")
        if name not in workers:
            return ToolResult(
                f"error: no worker named {name!r}; choose one of: {', '.join(workers)}", True
            )
        if name in self.chain:
            return ToolResult(f"error: {name} is above you; it cannot be your worker", True)
        if not isinstance(subtask, str) or not subtask.strip():
            return ToolResult("error: give the worker a non-empty `task` text", is_error=True)
        if self.share is None:
            # One share more than there are workers: the manager keeps one for its synthesis,
            # or workers that use their whole slices would leave it unable to answer.
            self.share = self.budget.share(len(workers) + 1)
        me = asyncio.current_task()
        assert me is not None
        self.calls.add(me)
        try:
            return await self._run_worker(name, subtask, tool_span, me)
        except LimitStop as stop:
            if self.stop is None:
                await self._halt(stop, me)
            raise
        finally:
            self.calls.discard(me)

    async def _halt(self, stop: LimitStop, me: asyncio.Task[Any]) -> None:
        """A cap above a worker was hit: stop its siblings and let their delegate calls end as
        errors before the stop goes on up (no call outlives the manager)."""
        self.stop = stop
        for other in list(self.workers):
            other.cancel()
        others = [t for t in self.calls if t is not me]
        if others:
            await asyncio.wait(others)

    async def _run_worker(
        self, name: str, subtask: str, tool_span: Span, me: asyncio.Task[Any]
    ) -> ToolResult:
        ctx, pattern = self.ctx, self.pattern
        spec = ctx.scenario.agent(name)
        # Only leaves take a concurrency slot: a manager waiting on its own workers while
        # holding one would deadlock a supervisor of supervisors at max_concurrency = 1.
        limiter = ctx.limiter() if not spec.workers else contextlib.nullcontext()
        async with limiter:
            if self.stop is not None:
                return ToolResult(f"error: worker {name} not started: {self.stop}", True)
            worker = asyncio.create_task(
                pattern.run_agent(
                    ctx,
                    spec,
                    subtask,
                    parent=tool_span,
                    budget=worker_budget(ctx, self.budget, name, self.share),
                    role=spec.role or (pattern.middle if spec.workers else pattern.leaf),
                    parent_agent=self.manager.name,
                    chain=self.chain,
                )
            )
            self.workers.add(worker)
            try:
                result = await worker
            except asyncio.CancelledError:
                # A sibling stopped the team (we cancelled only the worker), not our caller.
                if self.stop is not None and worker.cancelled() and not me.cancelling():
                    return ToolResult(f"error: worker {name} cancelled: {self.stop}", True)
                raise
            finally:
                self.workers.discard(worker)
        if not result.outcome.ok:
            return ToolResult(failure_text(name, result), is_error=True)
        return ToolResult(result.output)


ORCHESTRATOR_WORKER = Delegation(
    "orchestrator-worker", "a lead delegates subtasks to workers", "lead", "lead", "worker"
)
HIERARCHICAL = Delegation(
    "hierarchical", "a supervisor over leads over workers", "supervisor", "lead", "worker"
)
SUPERVISOR = Delegation(
    "supervisor", "supervisors route work to specialists", "supervisor", "supervisor", "worker"
)
