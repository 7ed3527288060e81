"""The single-agent loop: messages -> completion -> tool calls -> tool results -> repeat.

One ``while`` bounded by the budget. A bad tool call becomes a tool message the model reads, not a
crash; a handoff is a tool whose result names another agent; loop detection warns, nudges, stops.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from agentlab.core import gateway
from agentlab.core.budget import Budget
from agentlab.core.context import ApprovalRequest, Decision, RunContext
from agentlab.core.events import (
    AgentEnded,
    AgentStarted,
    ApprovalDecided,
    ApprovalRequested,
    LimitExceeded,
    LoopDetected,
    Status,
    ToolCallEnded,
    ToolCallStarted,
    new_id,
)
from agentlab.core.loops import NUDGE
from agentlab.core.spec import AgentSpec
from agentlab.core.tools import Tool, ToolResult, call_tool, resolve_tools
from agentlab.errors import LimitExceededError, LoopStop, ModelError

#: Model calls an agent may make when no scenario or agent cap says otherwise.
DEFAULT_MAX_STEPS = 25

#: A pattern's special tool: given (arguments, the calling agent's span id), returns a result.
SpecialTool = Callable[[dict[str, Any], str], Awaitable[ToolResult]]


@dataclass
class AgentResult:
    agent: str
    output: str = ""
    status: Status = "completed"
    stop_reason: str = "completed"
    error: str = ""
    handoff_to: str | None = None
    messages: list[dict[str, Any]] = field(default_factory=list)
    #: The exception that should end the whole session (a session-wide cap), if any.
    escalate: BaseException | None = None


@dataclass
class Extras:
    """What a pattern adds to an agent: special tools (delegate, transfer_to_X)."""

    tools: list[Tool] = field(default_factory=list)
    handlers: dict[str, SpecialTool] = field(default_factory=dict)
    handoffs: dict[str, str] = field(default_factory=dict)  # tool name -> agent name


async def run_agent(
    ctx: RunContext,
    spec: AgentSpec,
    task: str,
    *,
    parent_span: str,
    budget: Budget,
    role: str = "agent",
    parent_agent: str | None = None,
    extras: Extras | None = None,
    history: list[dict[str, Any]] | None = None,
) -> AgentResult:
    """Run one agent to its final answer, a handoff, or a stop. Never raises for the agent's own
    failures (they are in the result); session-wide limits are returned in ``escalate``."""
    extras = extras or Extras()
    tools = resolve_tools(spec.tools) + extras.tools
    by_name = {t.name: t for t in tools}
    schemas = [t.schema() for t in tools]
    messages = [dict(m) for m in history] if history else []
    if not messages or messages[0].get("role") != "system":
        messages.insert(0, {"role": "system", "content": spec.instructions})
    else:
        messages[0] = {"role": "system", "content": spec.instructions}
    messages.append({"role": "user", "content": task})
    # With no steps cap on the path, this agent alone gets DEFAULT_MAX_STEPS calls (its workers
    # have their own), so a runaway agent always ends.
    own_step_cap = None if budget.capped("steps") else DEFAULT_MAX_STEPS
    span = new_id()
    sid = ctx.session_id
    ctx.emit(
        AgentStarted(
            session_id=sid,
            span_id=span,
            parent_id=parent_span,
            agent=spec.name,
            model=ctx.model_for(spec),
            role=role,
            parent_agent=parent_agent,
            input=task,
        )
    )
    detector = ctx.loop_detector()
    result = AgentResult(agent=spec.name, messages=messages)
    step = 0
    try:
        try:
            async with asyncio.timeout(budget.agent_time_left()) as clock:
                while True:
                    step += 1
                    if own_step_cap is not None and step > own_step_cap:
                        raise LimitExceededError(
                            "steps",
                            own_step_cap,
                            own_step_cap,
                            spec.name,
                            f"agent:{budget.name}",
                            1,
                        )
                    resp = await gateway.call_model(
                        ctx, spec, budget, span, messages, schemas, step
                    )
                    messages.append(resp.message(spec.name))
                    if resp.limit_error is not None:  # the reply was cut short by a cap
                        result.output = resp.content
                        raise resp.limit_error
                    if not resp.tool_calls:
                        result.output = resp.content
                        break
                    outcomes = await _all_or_none(
                        [
                            _run_tool(ctx, spec, budget, span, c, by_name, extras)
                            for c in resp.tool_calls
                        ]
                    )
                    for call, outcome in zip(resp.tool_calls, outcomes, strict=True):
                        messages.append(
                            {"role": "tool", "tool_call_id": call["id"], "content": outcome.content}
                        )
                    handoff = next(
                        (
                            extras.handoffs[c["function"]["name"]]
                            for c in resp.tool_calls
                            if c["function"]["name"] in extras.handoffs
                        ),
                        None,
                    )
                    if handoff:
                        result.handoff_to = handoff
                        result.output = resp.content
                        break
                    det = detector.observe(resp.content, resp.tool_calls)
                    if det is not None:
                        ctx.emit(
                            LoopDetected(
                                session_id=sid,
                                span_id=span,
                                agent=spec.name,
                                pattern=det.pattern,
                                action=det.action,
                                detail=det.detail,
                            )
                        )
                        if det.action == "stop":
                            raise LoopStop(spec.name, det.detail)
                        if det.action == "nudge":
                            messages.append(
                                {"role": "user", "content": NUDGE.format(detail=det.detail)}
                            )
        except TimeoutError:
            if not clock.expired():  # not this agent's wall-time cap
                raise
            raise budget.time_error(spec.name) from None
    except LimitExceededError as exc:
        if exc.agent in ("", spec.name):  # a worker's limit was reported by the worker
            ctx.emit(
                LimitExceeded(
                    session_id=sid,
                    span_id=span,
                    agent=exc.agent or spec.name,
                    limit=exc.kind,
                    value=exc.value,
                    cap=exc.limit,
                    scope=exc.scope,
                    requested=exc.requested,
                )
            )
        result.status, result.stop_reason, result.error = "stopped", f"limit:{exc.kind}", str(exc)
        if exc.scope != f"agent:{budget.name}":
            result.escalate = exc  # a cap above this agent: the whole session stops
    except LoopStop as exc:
        result.status, result.stop_reason, result.error = "stopped", "loop", str(exc)
    except ModelError as exc:
        result.status, result.stop_reason, result.error = "error", f"error:{exc.kind}", str(exc)
    except asyncio.CancelledError:
        result.status, result.stop_reason = "interrupted", "interrupted"
        _end(ctx, span, spec, result)
        raise
    except Exception as exc:  # a bug, not the agent's doing: close the span, let it surface
        result.status, result.stop_reason = "error", "error:internal"
        result.error = f"{type(exc).__name__}: {exc}"
        _end(ctx, span, spec, result)
        raise
    _end(ctx, span, spec, result)
    return result


async def _all_or_none(coros: list[Awaitable[ToolResult]]) -> list[ToolResult]:
    """Run a turn's tool calls concurrently. If one raises (a cap, a cancel), cancel the others
    and wait for them before re-raising, so no call outlives its agent (or the session)."""
    tasks = [asyncio.ensure_future(c) for c in coros]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


def _end(ctx: RunContext, span: str, spec: AgentSpec, result: AgentResult) -> None:
    ctx.emit(
        AgentEnded(
            session_id=ctx.session_id,
            span_id=span,
            agent=spec.name,
            status=result.status,
            stop_reason=result.stop_reason,
            output=result.output,
            error=result.error,
        )
    )


async def _approval(
    ctx: RunContext, agent: str, span: str, tool: str, call_id: str, args: Any
) -> ToolResult | None:
    """Wait for a person's decision (or the policy's). Returns the refusal, or None to go on."""
    arguments = args if isinstance(args, dict) else {"_raw": args}
    common = {"session_id": ctx.session_id, "span_id": span, "agent": agent, "tool": tool}
    ctx.emit(ApprovalRequested(**common, call_id=call_id, arguments=arguments))
    decision = await ctx.approve(ApprovalRequest(agent, tool, arguments))
    by: Literal["person", "policy"] = "person"
    if decision is None:
        by = "policy"
        policy = ctx.scenario.approvals.policy
        decision = Decision(policy == "allow", f"no one to ask; the scenario's policy is {policy}")
    ctx.emit(
        ApprovalDecided(
            **common, call_id=call_id, approved=decision.approved, by=by, note=decision.note
        )
    )
    if decision.approved:
        return None
    why = f": {decision.note}" if decision.note else ""
    return ToolResult(f"error: this {tool} call was not approved{why}. Do not retry it.", True)


async def _run_tool(
    ctx: RunContext,
    spec: AgentSpec,
    budget: Budget,
    agent_span: str,
    call: dict[str, Any],
    by_name: dict[str, Tool],
    extras: Extras,
) -> ToolResult:
    name = call["function"]["name"]
    raw_args = call["function"].get("arguments") or "{}"
    try:
        args = json.loads(raw_args) if isinstance(raw_args, str) else dict(raw_args)
    except ValueError:
        args = {"_raw": raw_args}
    crossings = await gateway.reserve(ctx, budget, spec.name, lambda: budget.charge_tool(spec.name))
    span = new_id()
    sid = ctx.session_id
    ctx.emit(
        ToolCallStarted(
            session_id=sid,
            span_id=span,
            parent_id=agent_span,
            agent=spec.name,
            tool=name,
            call_id=call["id"],
            arguments=args if isinstance(args, dict) else {"_raw": args},
        )
    )
    escalate: BaseException | None = None
    try:
        if name in extras.handlers:
            outcome = await extras.handlers[name](args, span)
        elif name in by_name:
            denied = None
            if ctx.needs_approval(by_name[name]):
                denied = await _approval(ctx, spec.name, span, name, call["id"], args)
            if denied is not None:
                outcome = denied
            else:
                outcome = await call_tool(by_name[name], raw_args, ctx.tool_ctx)
        else:
            have = ", ".join(sorted(by_name)) or "none"
            outcome = ToolResult(
                f"error: tool {name!r} is not available to you (you have: {have})", True
            )
    except (LimitExceededError, asyncio.CancelledError) as exc:  # close the span, then re-raise
        outcome, escalate = ToolResult(f"error: {str(exc) or 'cancelled'}", True), exc
    ctx.emit(
        ToolCallEnded(
            session_id=sid,
            span_id=span,
            agent=spec.name,
            tool=name,
            call_id=call["id"],
            result=outcome.content,
            is_error=outcome.is_error,
        )
    )
    gateway.report(ctx, budget, spec.name, span, crossings)
    if escalate is not None:
        raise escalate
    return outcome
