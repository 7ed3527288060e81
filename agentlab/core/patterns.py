"""Orchestration patterns. Each runs agents through the one loop in ``agent.py`` and returns the
outcome of the top of the run; all emit the same event stream.

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

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from agentlab.core.agent import AgentResult, Extras, run_agent
from agentlab.core.budget import Budget
from agentlab.core.context import RunContext
from agentlab.core.events import Handoff, LoopDetected
from agentlab.core.tools import Tool, ToolResult
from agentlab.scenario import AgentSpec

#: Handoffs one run may make before it is stopped as a ping-pong loop.
MAX_HANDOFFS = 10

Runner = Callable[[RunContext, Budget, str], Awaitable[AgentResult]]


def agent_budget(parent: Budget, ctx: RunContext, name: str) -> Budget:
    """An agent's budget below ``parent``, with the agent's own caps if it declares any."""
    spec = ctx.scenario.agent(name)
    return parent.child(name, spec.limits.caps() if spec.limits else None)


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


# --- single --------------------------------------------------------------------------------


async def run_single(ctx: RunContext, root: Budget, span: str) -> AgentResult:
    spec = ctx.scenario.entry_agent
    return await run_agent(
        ctx, spec, ctx.scenario.task, parent_span=span, budget=agent_budget(root, ctx, spec.name)
    )


# --- delegation: orchestrator-worker, hierarchical, supervisor ----------------------------------

#: Roles recorded per pattern: (top, a middle agent that has workers, a leaf).
DELEGATION_ROLES = {
    "orchestrator-worker": ("lead", "lead", "worker"),
    "hierarchical": ("supervisor", "lead", "worker"),
    "supervisor": ("supervisor", "supervisor", "worker"),
}


def delegate_tool(ctx: RunContext, workers: list[str]) -> Tool:
    """The ``delegate`` tool a manager sees. Its description lists the workers, so a real model
    can choose; the pattern's handler runs it (``fn`` is never called)."""
    roster = "; ".join(f"{w}: {_first_line(ctx.scenario.agent(w).instructions)}" for w in workers)
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
        fn=_not_called,
    )


def _not_called(**_: Any) -> str:
    raise RuntimeError("delegate runs through its pattern handler")


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= 120 else line[:119] + "…"


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
            team.share = manager_budget.share(len(manager.workers))
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
        limiter = ctx.limiter() if not spec.workers else _NO_LIMIT
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


class _NoLimit:
    async def __aenter__(self) -> None:
        return None

    async def __aexit__(self, *_: object) -> None:
        return None


_NO_LIMIT = _NoLimit()


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


# --- sequential ------------------------------------------------------------------------------


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


# --- parallel --------------------------------------------------------------------------------


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


# --- handoff ---------------------------------------------------------------------------------


def transfer_tool(ctx: RunContext, target: str) -> Tool:
    return Tool(
        name=f"transfer_to_{target}",
        description=(
            f"Hand this conversation over to {target} "
            f"({_first_line(ctx.scenario.agent(target).instructions)}). "
            "They take over from here and answer the user."
        ),
        parameters={
            "type": "object",
            "properties": {
                "reason": {"type": "string", "description": "Why, in a few words (optional)."}
            },
        },
        fn=_not_called,
    )


async def run_handoff(ctx: RunContext, root: Budget, span: str) -> AgentResult:
    """Swarm style: the entry agent talks to the user; calling ``transfer_to_<agent>`` hands the
    same conversation to that agent, which carries on. At most MAX_HANDOFFS transfers."""
    spec = ctx.scenario.entry_agent
    request = ctx.scenario.task
    history: list[dict[str, Any]] | None = None
    previous: str | None = None
    for hops in range(MAX_HANDOFFS + 1):
        via: dict[str, tuple[str, str]] = {}  # target -> (transfer tool span, reason)
        result = await run_agent(
            ctx,
            spec,
            request,
            parent_span=span,
            budget=agent_budget(root, ctx, spec.name),
            role=spec.role or "agent",
            parent_agent=previous,
            extras=_handoff_extras(ctx, spec, via),
            history=history,
        )
        if result.handoff_to is None:
            return result
        tool_span, reason = via.get(result.handoff_to, (span, ""))
        if hops == MAX_HANDOFFS:
            detail = f"{MAX_HANDOFFS} handoffs without an answer (last: {spec.name} -> {result.handoff_to})"
            ctx.emit(
                LoopDetected(
                    session_id=ctx.session_id,
                    span_id=tool_span,
                    agent=spec.name,
                    pattern="cycle",
                    action="stop",
                    detail=detail,
                )
            )
            result.status, result.stop_reason, result.error = "stopped", "loop", detail
            return result
        ctx.emit(
            Handoff(
                session_id=ctx.session_id,
                span_id=tool_span,
                from_agent=spec.name,
                to_agent=result.handoff_to,
                reason=reason,
            )
        )
        # The new agent sees the whole conversation so far (its own instructions replace the
        # system prompt) and is asked the user's last request again.
        history = [m for m in result.messages if m.get("role") != "system"]
        request = next(
            (str(m.get("content") or "") for m in reversed(history) if m.get("role") == "user"),
            request,
        )
        previous, spec = spec.name, ctx.scenario.agent(result.handoff_to)
    raise AssertionError("unreachable")


def _handoff_extras(ctx: RunContext, spec: AgentSpec, via: dict[str, tuple[str, str]]) -> Extras:
    extras = Extras()
    for target in spec.handoffs:
        name = f"transfer_to_{target}"

        async def handler(args: dict[str, Any], tool_span: str, target: str = target) -> ToolResult:
            via.setdefault(target, (tool_span, str(args.get("reason") or "")))
            return ToolResult(f"Transferred to {target}; {target} takes over the conversation.")

        extras.tools.append(transfer_tool(ctx, target))
        extras.handlers[name] = handler
        extras.handoffs[name] = target
    return extras


# --- dispatch --------------------------------------------------------------------------------

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
