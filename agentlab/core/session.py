"""Run one scenario as one recorded session: the service the CLI and the TUI both call.

It sets up the budget tree, the tools' sandbox and the run context, opens the session span,
dispatches to the scenario's orchestration pattern, and closes the session with a typed status
and stop reason. Everything it knows it emits as events; the summary is tallied from them.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from agentlab.core import llm, prices, secrets
from agentlab.core.budget import Budget
from agentlab.core.checks.limit import record_limit
from agentlab.core.context import (
    ApproveFn,
    CompleteFn,
    RaiseCapFn,
    RunContext,
    RunOptions,
    never_raise,
    nobody_to_ask,
)
from agentlab.core.events import (
    EventBus,
    Outcome,
    SessionEnded,
    SessionStarted,
    Status,
    new_session_id,
)
from agentlab.core.labmodels import counted_as
from agentlab.core.llm import complete as default_complete
from agentlab.core.patterns import pattern_named
from agentlab.core.spans import root_span
from agentlab.core.spec import Scenario
from agentlab.core.tally import Tally
from agentlab.core.tools import ToolContext
from agentlab.errors import LimitExceededError, LimitStop, ModelError

#: A session's outcome until it ends.
RUNNING = Outcome("running", "running")


@dataclass
class SessionResult:
    session_id: str
    scenario: str
    outcome: Outcome = RUNNING
    final_output: str = ""
    duration_s: float = 0.0
    tally: Tally = field(default_factory=Tally)
    limits: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def status(self) -> Status:
        return self.outcome.status

    @property
    def stop_reason(self) -> str:
        return self.outcome.stop_reason

    @property
    def error(self) -> str:
        return self.outcome.error

    def summary(self) -> dict[str, Any]:
        """The run summary (``agentlab run --json``)."""
        totals = self.tally.totals()
        return {
            "session_id": self.session_id,
            "scenario": self.scenario,
            "status": self.status,
            "stop_reason": self.stop_reason,
            "final_output": self.final_output,
            "error": self.error,
            "steps": totals["steps"],
            "tool_calls": totals["tool_calls"],
            "duration_s": round(self.duration_s, 3),
            "usage": {
                "input_tokens": totals["input_tokens"],
                "output_tokens": totals["output_tokens"],
                "total_tokens": totals["total_tokens"],
                "cost_usd": totals["cost_usd"],
                "unpriced_calls": totals["unpriced_calls"],
            },
            "limits": self.limits,
            "agents": self.tally.rows(),
        }


def session_caps(scenario: Scenario, options: RunOptions) -> dict[str, float]:
    return {**scenario.limits.caps(), **options.caps}


async def run_session(
    scenario: Scenario,
    *,
    bus: EventBus,
    options: RunOptions | None = None,
    complete: CompleteFn | None = None,
    raise_cap: RaiseCapFn = never_raise,
    approve: ApproveFn = nobody_to_ask,
    session_id: str | None = None,
) -> SessionResult:
    options = options or RunOptions()
    caps = session_caps(scenario, options)
    tally = Tally()
    bus.subscribe(tally)
    ctx = RunContext(
        session_id=session_id or new_session_id(),
        scenario=scenario,
        bus=bus,
        options=options,
        complete=_unless_unrecorded(bus, complete or default_complete),
        tool_ctx=ToolContext(
            workspace=scenario.resolve(scenario.workspace),
            docs=scenario.resolve(scenario.docs),
            hosts=tuple(scenario.hosts),
        ),
        raise_cap=raise_cap,
        approve=approve,
    )
    if complete is None:
        # Import litellm (seconds) before the session's clock starts, off the event loop so a
        # UI keeps drawing: a wall-time cap measures the run, not the import.
        models = [ctx.model_for(a) for a in scenario.agents]
        counted = {
            counted_as(m, ctx.price_as(a)) for m, a in zip(models, scenario.agents, strict=True)
        }
        real = any(not llm.is_lab(m) for m in models)
        if real:
            await asyncio.to_thread(
                llm.preload,
                tuple(sorted(counted)),
                real_models=True,
                models=tuple(m for m in models if not llm.is_lab(m)),
            )
        else:  # tokenizers only: milliseconds, no thread hop needed
            llm.preload(tuple(sorted(counted)))
    prices.check_prices(scenario, caps, ctx.model_for)
    root = Budget("session", caps, warn_at=scenario.limits.warn_at)
    ctx.session_span = root_span(bus, ctx.session_id).open(_started(ctx, caps))
    started = time.monotonic()
    result = SessionResult(ctx.session_id, scenario.name, tally=tally)
    try:
        outcome, result.final_output = await _run(ctx, root, caps, started)
    except (asyncio.CancelledError, KeyboardInterrupt):
        _close(ctx, result, Outcome.interrupted(), started, root)
        raise
    if bus.failure is not None:  # the recorder failed: never report a partial recording as done
        outcome = Outcome.failed("recording", str(bus.failure))
    _close(ctx, result, outcome, started, root)
    if bus.failure is not None and result.stop_reason != "error:recording":
        # The very last write (the session's end) failed: the run's result says so.
        result.outcome = Outcome.failed("recording", str(bus.failure))
    return result


def _unless_unrecorded(bus: EventBus, complete: CompleteFn) -> CompleteFn:
    """``complete``, refusing every model call once an essential subscriber (the recorder) has
    failed: each agent ends ``error:recording`` at its next call, so the run stops within the
    step in flight instead of going on unrecorded."""

    async def guarded(request: llm.LlmRequest, on_delta: llm.OnDelta | None) -> llm.LlmResponse:
        if bus.failure is not None:
            raise ModelError("not called: the run cannot be recorded", kind="recording")
        return await complete(request, on_delta)

    return guarded


def _started(ctx: RunContext, caps: dict[str, float]) -> SessionStarted:
    scenario, options = ctx.scenario, ctx.options
    g = scenario.guardrails
    return SessionStarted(
        scenario=scenario.name,
        scenario_path=scenario.path,
        pattern=scenario.pattern,
        task=scenario.task,
        source_session=options.source_session,
        fork_at=options.fork_at,
        config={
            "model_override": options.model,
            "api_base": secrets.mask(options.api_base) if options.api_base else None,
            "caps": caps,
            "cli_caps": options.caps,
            "agents": [
                {"name": a.name, "model": ctx.model_for(a), "tools": a.tools}
                for a in scenario.agents
            ],
            # What a person sees is masked (console, exports: checks/display.py).
            **({"mask_pii": True} if g is not None and g.mask_output else {}),
            # What is stored is masked too (checks/storage.py; a rerun compares it masked).
            **({"mask_storage": True} if g is not None and g.mask_storage else {}),
        },
    )


async def _run(
    ctx: RunContext, root: Budget, caps: dict[str, float], started: float
) -> tuple[Outcome, str]:
    """Run the scenario's pattern: how the session ends, and its final output."""
    try:
        async with asyncio.timeout(_deadline(caps.get("wall_time_s"))) as clock:
            top = await pattern_named(ctx.scenario.pattern).run(ctx, root)
        return top.outcome, top.output
    except LimitStop as stop:  # a session-wide cap, hit by some agent (it is recorded there)
        return Outcome.stopped(f"limit:{stop.limit.kind}", str(stop.limit)), stop.output
    except TimeoutError as exc:
        if not clock.expired():  # a timeout from inside the run, not the wall-time cap
            return Outcome.failed("internal", f"{type(exc).__name__}: {exc}"), ""
        cap = caps["wall_time_s"]
        elapsed = time.monotonic() - started
        hit = LimitExceededError("wall_time_s", round(elapsed, 3), cap)
        record_limit(ctx.session_span, hit)  # a verdict like the other checks' (checks/limit.py)
        return Outcome.stopped("limit:wall_time_s", f"limit reached: wall_time_s {cap:g}s"), ""
    except Exception as exc:  # a bug in agentlab itself: record it, never lose the session
        return Outcome.failed("internal", f"{type(exc).__name__}: {exc}"), ""


def _deadline(cap: float | None) -> float | None:
    """Cancel a little before the wall-time cap: stopping in-flight calls and closing their
    spans takes a few milliseconds, and the recorded time must stay within the cap."""
    if cap is None:
        return None
    return max(0.0, cap - min(0.02, cap * 0.05))


def _close(
    ctx: RunContext, result: SessionResult, outcome: Outcome, started: float, root: Budget
) -> None:
    result.outcome = outcome
    result.duration_s = time.monotonic() - started
    snap = root.snapshot()
    totals = result.tally.totals()
    used = {
        **snap["used"],
        **{
            k: totals[k]
            for k in ("input_tokens", "output_tokens", "total_tokens", "steps", "tool_calls")
        },
    }
    used["cost_usd"] = totals["cost_usd"]
    result.limits = {
        kind: {"cap": cap, "used": round(used.get(kind, 0.0), 10)}
        for kind, cap in root.caps.items()
    }
    usage = dict(result.summary()["usage"])
    usage["limits"] = result.limits
    ctx.session_span.end(
        SessionEnded(
            status=outcome.status,
            stop_reason=outcome.stop_reason,
            final_output=result.final_output,
            error=outcome.error,
            usage=usage,
        )
    )
