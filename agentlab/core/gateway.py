"""The gateway every model call of the runtime passes: count, reserve, call, charge, report.

It sits between the agent loop and the LLM seam. Before a call it counts the prompt tokens with
the model's tokenizer and reserves them plus the output the call may produce against every cap on
the agent's budget path; a call that cannot fit is not made. It records the call as a span, emits
stream deltas and budget updates, and turns crossed soft thresholds into warnings.
"""

from __future__ import annotations

import asyncio
from typing import Any

from agentlab.core import llm, tokens
from agentlab.core.budget import Budget, Crossing, ReservationPending
from agentlab.core.context import RunContext
from agentlab.core.events import (
    BudgetUpdate,
    LimitWarning,
    LlmCallEnded,
    LlmCallStarted,
    LlmDelta,
    LlmRetry,
    Notice,
    new_id,
)
from agentlab.core.labmodels import counted_as
from agentlab.core.spec import AgentSpec
from agentlab.errors import LimitExceededError, ModelError

#: Emit a provisional budget update every this many streamed pieces.
_STREAM_UPDATE_EVERY = 8


async def reserve(ctx: RunContext, budget: Budget, agent: str, fn: Any) -> Any:
    """Run a reservation. When it must wait for calls in flight to settle, wait; when a cap is
    hit and the scenario pauses on caps, ask a person whether to raise it, and retry."""
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
            ctx.emit(
                Notice(
                    session_id=ctx.session_id,
                    span_id=ctx.session_span,
                    level="warning",
                    agent=agent,
                    message=f"{exc.kind} cap raised from {exc.limit:g} to {new_cap:g}; going on",
                )
            )


async def call_model(
    ctx: RunContext,
    spec: AgentSpec,
    budget: Budget,
    parent_span: str,
    messages: list[dict[str, Any]],
    tool_schemas: list[dict[str, Any]],
    step: int,
) -> llm.LlmResponse:
    model = ctx.model_for(spec)
    price_as = ctx.price_as(spec)
    counted = counted_as(model, price_as)
    prompt_tokens = tokens.count_messages(messages, counted, tool_schemas or None)
    price = ctx.price_for(spec)
    res = await reserve(
        ctx,
        budget,
        spec.name,
        lambda: budget.reserve_call(spec.name, prompt_tokens, spec.max_tokens, price),
    )
    span = new_id()
    sid = ctx.session_id
    ctx.emit(
        LlmCallStarted(
            session_id=sid,
            span_id=span,
            parent_id=parent_span,
            agent=spec.name,
            model=model,
            messages=list(messages),
            tools=[t["function"]["name"] for t in tool_schemas],
            max_tokens=res.max_tokens,
            step=step,
        )
    )
    on_delta = None
    if ctx.options.stream:
        streamed = {"pieces": 0, "tokens": 0}

        def on_delta(text: str) -> None:
            ctx.emit(LlmDelta(session_id=sid, span_id=span, agent=spec.name, text=text))
            streamed["pieces"] += 1
            streamed["tokens"] += tokens.count_text(text, counted)
            if streamed["pieces"] % _STREAM_UPDATE_EVERY == 0:
                _budget_update(ctx, budget, spec.name, span, pending_output=streamed["tokens"])

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
        on_retry=None if lab else _on_retry(ctx, span, spec.name),
    )
    try:
        resp = await ctx.complete(request, on_delta)
    except BaseException as exc:  # close the span whatever happened, then let it propagate
        # A call that failed after the provider started answering was billed: caps count it.
        billed: tuple[int, int] = getattr(exc, "billed", None) or (0, 0)
        cost = None if price is None else billed[0] * price[0] + billed[1] * price[1]
        crossings = budget.commit_call(res, *billed, cost) if any(billed) else None
        if crossings is None:
            budget.release(res)
        if isinstance(exc, ModelError):
            error, finish = str(exc), "error"
        elif isinstance(exc, asyncio.CancelledError):  # a stopped team, a cap, Ctrl-C
            error, finish = "cancelled", "cancelled"
        else:
            error, finish = f"{type(exc).__name__}: {exc}", "error"
        ctx.emit(
            LlmCallEnded(
                session_id=sid,
                span_id=span,
                agent=spec.name,
                model=model,
                status="error",
                error=error,
                finish_reason=finish,
                input_tokens=billed[0],
                output_tokens=billed[1],
                cost_usd=cost if any(billed) else None,
            )
        )
        if crossings is not None:
            report(ctx, budget, spec.name, span, crossings)
        raise
    crossings = budget.commit_call(res, resp.input_tokens, resp.output_tokens, resp.cost_usd)
    ctx.emit(
        LlmCallEnded(
            session_id=sid,
            span_id=span,
            agent=spec.name,
            model=resp.model or model,
            content=resp.content,
            tool_calls=resp.tool_calls,
            finish_reason=resp.finish_reason,
            input_tokens=resp.input_tokens,
            output_tokens=resp.output_tokens,
            cost_usd=resp.cost_usd,
            estimated_input_tokens=resp.estimated_input_tokens,
            estimated_output_tokens=resp.estimated_output_tokens,
        )
    )
    report(ctx, budget, spec.name, span, crossings)
    if resp.finish_reason == "length":
        resp.limit_error = budget.cut_short(res, resp.output_tokens)
    elif res.max_tokens is not None and resp.output_tokens > res.max_tokens:
        # The provider ignored max_tokens (we cannot un-spend): say so and stop at once.
        ctx.emit(
            Notice(
                session_id=sid,
                span_id=span,
                level="error",
                agent=spec.name,
                message=f"{model} ignored max_tokens={res.max_tokens} "
                f"({resp.output_tokens} output tokens); stopping before any further spend",
            )
        )
        kind = res.shrunk_by or "output_tokens"
        if budget.capped(kind):
            resp.limit_error = budget.fail(kind, spec.name, 0)
    return resp


def _on_retry(ctx: RunContext, span: str, agent: str) -> llm.OnRetry:
    """Record the seam's retries and fallbacks on the call's span."""

    def emit(event: LlmRetry) -> None:
        event.session_id, event.span_id, event.agent = ctx.session_id, span, agent
        ctx.emit(event)

    return emit


def report(
    ctx: RunContext, budget: Budget, agent: str, span: str, crossings: list[Crossing]
) -> None:
    """Emit a budget update and a warning per soft threshold crossed."""
    for c in crossings:
        ctx.emit(
            LimitWarning(
                session_id=ctx.session_id,
                span_id=span,
                agent=agent,
                limit=c.kind,
                value=c.value,
                cap=c.cap,
                fraction=c.value / c.cap if c.cap else 1.0,
            )
        )
    _budget_update(ctx, budget, agent, span)


def _budget_update(
    ctx: RunContext, budget: Budget, agent: str, span: str, pending_output: int = 0
) -> None:
    snap = budget.snapshot()
    used = snap["used"]
    if pending_output:
        used = dict(used)
        used["output_tokens"] += pending_output
        used["total_tokens"] += pending_output
    ctx.emit(
        BudgetUpdate(
            session_id=ctx.session_id,
            span_id=span,
            agent=agent,
            used=used,
            caps=snap["caps"],
            agent_used={k: v for k, v in budget.used.items() if v},
            provisional=bool(pending_output),
        )
    )
