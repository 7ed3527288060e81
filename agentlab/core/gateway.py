"""The gateway every call of the runtime passes: check, count, reserve, call, charge, report.

All the budget bookkeeping of one call is here. Before a model call the input checks run, the
prompt is counted with the model's tokenizer and it is reserved, with the output the call may
produce, against every cap on the agent's budget path: a call that cannot fit is not made. The
call is a span; stream deltas and provisional budget updates are emitted while it runs; the
output checks see the reply before the span closes, and crossed soft thresholds become warnings.
A tool call is charged as it starts and runs inside its own span (its checks run inside it).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from agentlab.core import llm, tokens
from agentlab.core.budget import Budget, Crossing, Reservation, ReservationPending
from agentlab.core.checks import CheckRunner, ModelInput, ModelOutput
from agentlab.core.context import AgentScope
from agentlab.core.events import (
    BudgetUpdate,
    LimitWarning,
    LlmCallEnded,
    LlmCallStarted,
    LlmDelta,
    LlmRetry,
    Notice,
    ToolCallEnded,
    ToolCallStarted,
)
from agentlab.core.labmodels import counted_as
from agentlab.core.spans import Span
from agentlab.core.tools import ToolResult
from agentlab.errors import LimitExceededError, ModelError

#: Emit a provisional budget update every this many streamed pieces.
_STREAM_UPDATE_EVERY = 8

T = TypeVar("T")
#: What runs inside a tool call's span: the result, and the checks that allowed the call.
ToolBody = Callable[[Span], Awaitable[tuple[ToolResult, list[str]]]]


async def reserve(scope: AgentScope, fn: Callable[[], T]) -> T:
    """Run a reservation. When it must wait for calls in flight to settle, wait; when a cap is
    hit and the scenario pauses on caps, ask a person whether to raise it, and retry."""
    ctx, budget = scope.ctx, scope.budget
    while True:
        try:
            return fn()
        except ReservationPending:
            await budget.settled()
        except LimitExceededError as exc:
            if ctx.scenario.limits.on_exceed != "pause" or exc.kind == "wall_time_s":
                raise
            new_cap = await ctx.raise_cap(exc)
            if new_cap is None or new_cap <= exc.limit:
                raise
            budget.raise_cap(exc.kind, new_cap)
            scope.span.emit(
                Notice(
                    level="warning",
                    message=f"{exc.kind} cap raised from {exc.limit:g} to {new_cap:g}; going on",
                )
            )


async def call_model(
    scope: AgentScope,
    messages: list[dict[str, Any]],
    tool_schemas: list[dict[str, Any]],
    step: int,
    checks: CheckRunner,
    carried: Sequence[str] = (),
) -> llm.LlmResponse:
    """One model call of ``scope``'s agent. ``carried``: checks that passed since the last call
    (between steps), recorded on this one. A reply cut short by a cap comes back with its
    ``limit_error`` set (the agent keeps the text, then stops)."""
    ctx, spec, budget = scope.ctx, scope.spec, scope.budget
    sent = await checks.run(ModelInput(spec.name, step, messages), scope.span)
    messages = sent.seen.messages
    model, price_as, price = ctx.model_for(spec), ctx.price_as(spec), ctx.price_for(spec)
    counted = counted_as(model, price_as)
    prompt_tokens = scope.counter.count(messages, counted, tool_schemas or None)
    res = await reserve(
        scope, lambda: budget.reserve_call(spec.name, prompt_tokens, spec.max_tokens, price)
    )
    span = scope.span.open(
        LlmCallStarted(
            model=model,
            messages=list(messages),
            tools=[t["function"]["name"] for t in tool_schemas],
            max_tokens=res.max_tokens,
            step=step,
        )
    )
    lab = llm.is_lab(model)
    request = llm.LlmRequest(
        model=model,
        messages=messages,
        tools=tool_schemas,
        max_tokens=res.max_tokens,
        api_base=ctx.options.api_base,
        lab=ctx.lab_config(spec) if lab else None,
        price_as=price_as,
        price=price,
        settings=None if lab else ctx.call_settings(model),
        on_retry=None if lab else _on_retry(span),
        prompt_tokens=prompt_tokens,
        agent=spec.name,
        step=step,
    )
    on_delta = _streamer(budget, span, counted) if ctx.options.stream else None
    try:
        resp = await ctx.complete(request, on_delta)
    except BaseException as exc:  # close the span whatever happened, then let it propagate
        # A call that failed after the provider started answering was billed: caps count it.
        billed: tuple[int, int] = getattr(exc, "billed", None) or (0, 0)
        cost = None if price is None else billed[0] * price[0] + billed[1] * price[1]
        crossings = budget.commit_call(res, *billed, cost) if any(billed) else None
        if crossings is None:
            budget.release(res)
        span.end(_failed(model, exc, billed, cost))
        if crossings is not None:
            report(budget, span, crossings)
        raise
    crossings = budget.commit_call(res, resp.input_tokens, resp.output_tokens, resp.cost_usd)
    passed = [*carried, *sent.passed]
    try:
        seen = ModelOutput(spec.name, step, resp.content, resp.tool_calls)
        got = await checks.run(seen, span)
        resp.content = got.seen.content
        passed += got.passed
    finally:
        span.end(_ended(resp.model or model, resp, passed))
        report(budget, span, crossings)
    resp.limit_error = _cap_after(scope, span, res, resp)
    return resp


def _ended(model: str, resp: llm.LlmResponse, checks: list[str]) -> LlmCallEnded:
    """The call's end: ``model`` is the one that answered (a fallback's, when one did)."""
    return LlmCallEnded(
        model=model,
        content=resp.content,
        tool_calls=resp.tool_calls,
        finish_reason=resp.finish_reason,
        input_tokens=resp.input_tokens,
        output_tokens=resp.output_tokens,
        cost_usd=resp.cost_usd,
        estimated_input_tokens=resp.estimated_input_tokens,
        estimated_output_tokens=resp.estimated_output_tokens,
        checks=checks,
    )


def _failed(
    model: str, exc: BaseException, billed: tuple[int, int] = (0, 0), cost: float | None = None
) -> LlmCallEnded:
    """A failed call's end; ``billed``: what the provider had started answering, and ``cost``."""
    if isinstance(exc, ModelError):
        error, finish = str(exc), "error"
    elif isinstance(exc, asyncio.CancelledError):  # a stopped team, a cap, Ctrl-C
        error, finish = "cancelled", "cancelled"
    else:
        error, finish = f"{type(exc).__name__}: {exc}", "error"
    return LlmCallEnded(
        model=model,
        status="error",
        error=error,
        finish_reason=finish,
        input_tokens=billed[0],
        output_tokens=billed[1],
        cost_usd=cost if any(billed) else None,
    )


def _streamer(budget: Budget, span: Span, counted: str) -> llm.OnDelta:
    """Emit each streamed piece, and now and then an estimate of the spend so far."""
    pieces = out = 0

    def on_delta(text: str) -> None:
        nonlocal pieces, out
        span.emit(LlmDelta(text=text))
        pieces += 1
        out += tokens.count_text(text, counted)
        if pieces % _STREAM_UPDATE_EVERY == 0:
            _budget_update(budget, span, pending_output=out)

    return on_delta


def _cap_after(
    scope: AgentScope, span: Span, res: Reservation, resp: llm.LlmResponse
) -> LimitExceededError | None:
    """The cap a finished reply ran into: cut at a max_tokens a cap had shrunk, or past a
    max_tokens the provider ignored (we cannot un-spend: say so and stop at once)."""
    budget = scope.budget
    if resp.finish_reason == "length":
        return budget.cut_short(res, resp.output_tokens)
    if res.max_tokens is not None and resp.output_tokens > res.max_tokens:
        span.emit(
            Notice(
                level="error",
                message=f"{scope.ctx.model_for(scope.spec)} ignored max_tokens"
                f"={res.max_tokens} ({resp.output_tokens} output tokens); "
                "stopping before any further spend",
            )
        )
        kind = res.shrunk_by or "output_tokens"
        if budget.capped(kind):
            return budget.fail(kind, scope.name, 0)
    return None


def _on_retry(span: Span) -> llm.OnRetry:
    """Record the seam's retries and fallbacks on the call's span."""

    def emit(event: LlmRetry) -> None:
        span.emit(event)

    return emit


async def tool_call(scope: AgentScope, start: ToolCallStarted, body: ToolBody) -> ToolResult:
    """One tool call of ``scope``'s agent: charged as it starts (a delegate call lasts as long
    as its worker, so holding it as a reservation would starve the worker), ``body`` run inside
    its span, the span closed whatever happens."""
    budget, agent = scope.budget, scope.name
    crossings = await reserve(scope, lambda: budget.charge_tool(agent))
    span = scope.span.open(start)
    result, passed = ToolResult("error: cancelled", True), list[str]()
    try:
        result, passed = await body(span)
    except BaseException as exc:  # a cap, a cancel, a stop: the span closes, then re-raise
        result = ToolResult(f"error: {str(exc) or 'cancelled'}", True)
        raise
    finally:
        span.end(
            ToolCallEnded(
                tool=start.tool,
                call_id=start.call_id,
                result=result.content,
                is_error=result.is_error,
                checks=passed,
            )
        )
        report(budget, span, crossings)
    return result


def report(budget: Budget, span: Span, crossings: list[Crossing]) -> None:
    """Emit a warning per soft threshold crossed, then a budget update."""
    for c in crossings:
        span.emit(
            LimitWarning(
                limit=c.kind,
                value=c.value,
                cap=c.cap,
                fraction=c.value / c.cap if c.cap else 1.0,
            )
        )
    _budget_update(budget, span)


def _budget_update(budget: Budget, span: Span, pending_output: int = 0) -> None:
    snap = budget.snapshot()
    used = snap["used"]
    if pending_output:
        used = dict(used)
        used["output_tokens"] += pending_output
        used["total_tokens"] += pending_output
    span.emit(
        BudgetUpdate(
            used=used,
            caps=snap["caps"],
            agent_used={k: v for k, v in budget.used.items() if v},
            provisional=bool(pending_output),
        )
    )
