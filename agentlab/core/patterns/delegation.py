"""Delegation: orchestrator-worker, hierarchical and supervisor.

An agent with ``workers`` gets a ``delegate`` tool. Each call runs a worker as a child span of
that tool call; the calls of one turn run concurrently (agent.py gathers them), leaves bounded by
the scenario's ``max_concurrency``. A worker with workers of its own delegates too, to any depth
(a supervisor of supervisors). The three patterns differ only in the role names they record.

A worker that fails or hits its own cap becomes an error result the manager can work around. A
cap above the worker (its manager's, or the session's) stops the siblings and the manager, and
goes on up until it reaches the budget it belongs to.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from agentlab.core.agent import AgentResult, Extras, run_agent
from agentlab.core.budget import Budget
from agentlab.core.context import RunContext
from agentlab.core.patterns.base import agent_budget, first_line, run_by_pattern
from agentlab.core.spec import AgentSpec
from agentlab.core.tools import Tool, ToolResult


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


#: Roles recorded per pattern: (top, a middle agent that has workers, a leaf).
DELEGATION_ROLES = {
    "orchestrator-worker": ("lead", "lead", "worker"),
    "hierarchical": ("supervisor", "lead", "worker"),
    "supervisor": ("supervisor", "supervisor", "worker"),
}


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


@dataclass
class _Team:
    """The delegations of one manager run that are in flight, and whether it is stopping."""

    stop: BaseException | None = None
    #: The equal slice each worker gets (``split = "equal"``), fixed at the first delegation so
    #: that workers started together get the same slice whatever order they start in.
    share: dict[str, float] | None = None
    calls: set[asyncio.Task[Any]] = field(default_factory=set)  # delegate handler tasks
    workers: set[asyncio.Task[AgentResult]] = field(default_factory=set)


async def run_delegating(
    ctx: RunContext,
    spec: AgentSpec,
    task: str,
    *,
    parent_span: str,
    budget: Budget,
    role: str,
    parent_agent: str | None = None,
    chain: tuple[str, ...] = (),
) -> AgentResult:
    """Run ``spec``; if it has workers, give it a ``delegate`` tool whose calls run them (and,
    recursively, their workers)."""
    extras = None
    if spec.workers:
        handler = _delegate_handler(ctx, spec, budget, (*chain, spec.name))
        extras = Extras(tools=[delegate_tool(ctx, spec.workers)], handlers={"delegate": handler})
    return await run_agent(
        ctx,
        spec,
        task,
        parent_span=parent_span,
        budget=budget,
        role=role,
        parent_agent=parent_agent,
        extras=extras,
    )


def _delegate_handler(
    ctx: RunContext, manager: AgentSpec, manager_budget: Budget, chain: tuple[str, ...]
) -> Callable[[dict[str, Any], str], Awaitable[ToolResult]]:
    team = _Team()
    _, middle, leaf = DELEGATION_ROLES.get(ctx.scenario.pattern, DELEGATION_ROLES["hierarchical"])

    async def delegate(args: dict[str, Any], tool_span: str) -> ToolResult:
        name = args.get("worker") or (manager.workers[0] if len(manager.workers) == 1 else "")
        subtask = args.get("task")
        if name not in manager.workers:
            return ToolResult(
                f"error: no worker named {name!r}; choose one of: {', '.join(manager.workers)}",
                is_error=True,
            )
        if name in chain:
            return ToolResult(f"error: {name} is above you; it cannot be your worker", True)
        if not isinstance(subtask, str) or not subtask.strip():
            return ToolResult("error: give the worker a non-empty `task` text", is_error=True)
        if team.share is None:
            # One share more than there are workers: the manager keeps one for its synthesis,
            # or workers that use their whole slices would leave it unable to answer.
            team.share = manager_budget.share(len(manager.workers) + 1)
        me = asyncio.current_task()
        assert me is not None
        team.calls.add(me)
        try:
            return await _run_worker(name, subtask, tool_span, me)
        finally:
            team.calls.discard(me)

    async def _run_worker(
        name: str, subtask: str, tool_span: str, me: asyncio.Task[Any]
    ) -> ToolResult:
        spec = ctx.scenario.agent(name)
        # Only leaves take a concurrency slot: a manager waiting on its own workers while
        # holding one would deadlock a supervisor of supervisors at max_concurrency = 1.
        limiter = ctx.limiter() if not spec.workers else contextlib.nullcontext()
        async with limiter:
            if team.stop is not None:
                return ToolResult(f"error: worker {name} not started: {team.stop}", True)
            worker = asyncio.create_task(
                run_delegating(
                    ctx,
                    spec,
                    subtask,
                    parent_span=tool_span,
                    budget=worker_budget(ctx, manager_budget, name, team.share),
                    role=spec.role or (middle if spec.workers else leaf),
                    parent_agent=manager.name,
                    chain=chain,
                )
            )
            team.workers.add(worker)
            try:
                result = await worker
            except asyncio.CancelledError:
                # A sibling stopped the team (we cancelled only the worker), not our caller.
                if team.stop is not None and worker.cancelled() and not me.cancelling():
                    return ToolResult(f"error: worker {name} cancelled: {team.stop}", True)
                raise
            finally:
                team.workers.discard(worker)
        if result.escalate is not None and team.stop is None:
            # A cap above the worker (the session's, or ours) was hit: stop the siblings, let
            # their delegate calls end as errors, then stop this manager too (agent.py records
            # it and escalates further up if the cap is above the manager as well).
            team.stop = result.escalate
            for other in list(team.workers):
                other.cancel()
            others = [t for t in team.calls if t is not me]
            if others:
                await asyncio.wait(others)
            raise result.escalate
        if result.status != "completed":
            return ToolResult(failure_text(name, result), is_error=True)
        return ToolResult(result.output)

    return delegate


async def run_team(ctx: RunContext, root: Budget, span: str) -> AgentResult:
    """orchestrator-worker / hierarchical / supervisor: the entry agent at the top of the tree."""
    spec = ctx.scenario.entry_agent
    top, _, _ = DELEGATION_ROLES[ctx.scenario.pattern]
    return await run_delegating(
        ctx,
        spec,
        ctx.scenario.task,
        parent_span=span,
        budget=agent_budget(root, ctx, spec.name),
        role=spec.role or top,
    )
