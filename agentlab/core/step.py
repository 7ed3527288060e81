"""One step of an agent: a model call, the tool calls it asks for, the checks between steps.

:class:`AgentRun` is an agent's run in progress (its conversation, its tools, its checks, its
step count); :func:`take_step` does one step of it and says whether the agent is done. The loop
around it is ``agent.run_agent``. A bad tool call becomes a tool message the model reads, not a
crash; a pattern's tools (delegate, transfer_to_X) run through the pattern's handlers.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from agentlab.core import gateway
from agentlab.core.checks import CheckRunner, StepTaken, ToolUse, checks_for, record
from agentlab.core.checks.guard_tools import ALLOWLIST, refusal
from agentlab.core.context import AgentScope
from agentlab.core.events import ToolCallStarted
from agentlab.core.spans import Span
from agentlab.core.tools import Tool, ToolResult, call_tool, resolve_tools
from agentlab.errors import LimitExceededError

#: Model calls an agent may make when no scenario or agent cap says otherwise.
DEFAULT_MAX_STEPS = 25

#: A pattern's tool: given the call's arguments and its span, returns the result.
SpecialTool = Callable[[dict[str, Any], Span], Awaitable[ToolResult]]


@dataclass
class Extras:
    """What a pattern adds to an agent: its tools (delegate, transfer_to_X) and their handlers."""

    tools: list[Tool] = field(default_factory=list)
    handlers: dict[str, SpecialTool] = field(default_factory=dict)
    handoffs: dict[str, str] = field(default_factory=dict)  # tool name -> agent name


@dataclass(frozen=True)
class Done:
    """How a step ended the agent: its final answer, or the agent it handed the conversation to."""

    output: str
    handoff_to: str | None = None


class AgentRun:
    """One agent's run in progress."""

    def __init__(
        self,
        scope: AgentScope,
        task: str,
        extras: Extras,
        history: list[dict[str, Any]] | None = None,
    ) -> None:
        spec = scope.spec
        self.scope = scope
        self.extras = extras
        tools = resolve_tools(spec.tools) + extras.tools
        self.tools = {t.name: t for t in tools}
        self.schemas = [t.schema() for t in tools]
        self.checks = CheckRunner(scope.ctx, spec.name, checks_for(scope.ctx.scenario, spec, tools))
        self.messages = [dict(m) for m in history] if history else []
        system = {"role": "system", "content": spec.instructions}
        if self.messages and self.messages[0].get("role") == "system":
            self.messages[0] = system
        else:
            self.messages.insert(0, system)
        self.messages.append({"role": "user", "content": task})
        # With no steps cap on the path, this agent alone gets DEFAULT_MAX_STEPS calls (its
        # workers have their own), so a runaway agent always ends.
        self.step_cap = None if scope.budget.capped("steps") else DEFAULT_MAX_STEPS
        self.step = 0
        #: Text the agent had when it stopped early (a reply cut short by a cap).
        self.output = ""
        #: Checks that passed between steps, recorded on the next model call.
        self.passed: list[str] = []

    def next_step(self) -> None:
        self.step += 1
        if self.step_cap is not None and self.step > self.step_cap:
            cap, name = self.step_cap, self.scope.name
            raise LimitExceededError("steps", cap, cap, name, f"agent:{self.scope.budget.name}", 1)


async def take_step(run: AgentRun) -> Done | None:
    """One model call and the tool calls it asks for. Returns how the agent ended, or None to
    go on; raises for a stop (a cap, a check, a model error)."""
    run.next_step()
    resp = await gateway.call_model(
        run.scope, run.messages, run.schemas, run.step, run.checks, run.passed
    )
    run.passed = []
    run.messages.append(resp.message(run.scope.name))
    if resp.limit_error is not None:  # the reply was cut short by a cap
        run.output = resp.content
        raise resp.limit_error
    if not resp.tool_calls:
        retry = run.checks.take_retry()  # output validation sends a bad reply back once
        if retry:
            run.messages.append({"role": "user", "content": retry})
            return None
        return Done(resp.content)
    results = await _all_or_none([_run_tool(run, call) for call in resp.tool_calls])
    for call, result in zip(resp.tool_calls, results, strict=True):
        run.messages.append({"role": "tool", "tool_call_id": call["id"], "content": result.content})
    names = [call["function"]["name"] for call in resp.tool_calls]
    handoff = next((run.extras.handoffs[n] for n in names if n in run.extras.handoffs), None)
    if handoff:
        return Done(resp.content, handoff)
    taken = StepTaken(
        run.scope.name, run.step, resp.content, resp.tool_calls, [r.content for r in results]
    )
    ruling = await run.checks.run(taken, run.scope.span)
    run.messages.extend(dict(m) for m in ruling.seen.added)
    run.passed = ruling.passed
    return None


async def _all_or_none(coros: list[Awaitable[ToolResult]]) -> list[ToolResult]:
    """Run a turn's tool calls concurrently. If one raises (a cap, a cancel), cancel the others
    and wait for them before re-raising, so no call outlives its agent (or the session)."""
    if len(coros) == 1:  # the common turn: no task to create, nothing to cancel
        return [await coros[0]]
    tasks = [asyncio.ensure_future(c) for c in coros]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


async def _run_tool(run: AgentRun, call: dict[str, Any]) -> ToolResult:
    name = call["function"]["name"]
    raw_args = call["function"].get("arguments") or "{}"
    try:
        args = json.loads(raw_args) if isinstance(raw_args, str) else dict(raw_args)
    except ValueError:
        args = {"_raw": raw_args}
    arguments = args if isinstance(args, dict) else {"_raw": args}
    start = ToolCallStarted(tool=name, call_id=call["id"], arguments=arguments)

    async def body(span: Span) -> tuple[ToolResult, list[str]]:
        tool = run.tools.get(name)
        if tool is None:
            have = ", ".join(sorted(run.tools)) or "none"
            refused = refusal(run.scope.ctx.scenario, name, list(run.tools))
            if refused is not None:  # the allowlist guardrail: recorded as a check span
                record(span, ALLOWLIST, "tool", refused, name)
            return ToolResult(
                f"error: tool {name!r} is not available to you (you have: {have})", True
            ), []
        ruling = await run.checks.run(ToolUse(run.scope.name, tool, call["id"], arguments), span)
        if ruling.blocked is not None:
            return ToolResult(ruling.blocked.refusal(name), True), ruling.passed
        given = ruling.seen.arguments
        handler = run.extras.handlers.get(name)
        if handler is not None:
            return await handler(given, span), ruling.passed
        # The model's own text unless a check changed the arguments (it is parsed there).
        sent = raw_args if given is arguments else given
        return await call_tool(tool, sent, run.scope.ctx.tool_ctx), ruling.passed

    return await gateway.tool_call(run.scope, start, body)
