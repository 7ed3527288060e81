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

from agentlab.core import llm, patterns, prices, secrets
from agentlab.core.budget import Budget
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
    LimitExceeded,
    SessionEnded,
    SessionStarted,
    Status,
    new_id,
    new_session_id,
)
from agentlab.core.labmodels import counted_as
from agentlab.core.llm import complete as default_complete
from agentlab.core.spec import Scenario
from agentlab.core.tally import Tally
from agentlab.core.tools import ToolContext
from agentlab.errors import LimitExceededError


@dataclass
class SessionResult:
    session_id: str
    scenario: str
    status: Status
    stop_reason: str
    final_output: str = ""
    error: str = ""
    duration_s: float = 0.0
    tally: Tally = field(default_factory=Tally)
    limits: dict[str, dict[str, float]] = field(default_factory=dict)

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
    sid = session_id or new_session_id()
    caps = session_caps(scenario, options)
    tally = Tally()
    bus.subscribe(tally)
    ctx = RunContext(
        session_id=sid,
        scenario=scenario,
        bus=bus,
        options=options,
        complete=complete or default_complete,
        tool_ctx=ToolContext(
            workspace=scenario.resolve(scenario.workspace), docs=scenario.resolve(scenario.docs)
        ),
        raise_cap=raise_cap,
        approve=approve,
    )
    if complete is None:
        # Import litellm (seconds) before the session's clock starts, off the event loop so a
        # UI keeps drawing: a wall-time cap measures the run, not the import.
        counted = {counted_as(ctx.model_for(a), ctx.price_as(a)) for a in scenario.agents}
        await asyncio.to_thread(llm.preload, tuple(sorted(counted)))
    prices.check_prices(scenario, caps, ctx.model_for)
    root = Budget("session", caps, warn_at=scenario.limits.warn_at)
    span = new_id()
    ctx.session_span = span
    bus.emit(
        SessionStarted(
            session_id=sid,
            span_id=span,
            scenario=scenario.name,
            scenario_path=scenario.path,
            pattern=scenario.pattern,
            task=scenario.task,
            config={
                "model_override": options.model,
                "api_base": secrets.mask(options.api_base) if options.api_base else None,
                "caps": caps,
                "agents": [
                    {"name": a.name, "model": ctx.model_for(a), "tools": a.tools}
                    for a in scenario.agents
                ],
            },
        )
    )
    started = time.monotonic()
    result = SessionResult(sid, scenario.name, "running", "running", tally=tally)
    try:
        async with asyncio.timeout(_deadline(caps.get("wall_time_s"))) as clock:
            outcome = await patterns.run_pattern(ctx, root, span)
        result.final_output = outcome.output
        result.status, result.stop_reason, result.error = (
            outcome.status,
            outcome.stop_reason,
            outcome.error,
        )
        if isinstance(outcome.escalate, LimitExceededError):
            exc = outcome.escalate
            result.status, result.stop_reason, result.error = (
                "stopped",
                f"limit:{exc.kind}",
                str(exc),
            )
    except TimeoutError:
        if not clock.expired():  # a timeout from inside the run, not the wall-time cap
            raise
        cap = caps["wall_time_s"]
        elapsed = time.monotonic() - started
        bus.emit(
            LimitExceeded(
                session_id=sid,
                span_id=span,
                agent="",
                limit="wall_time_s",
                value=round(elapsed, 3),
                cap=cap,
            )
        )
        result.status, result.stop_reason = "stopped", "limit:wall_time_s"
        result.error = f"limit reached: wall_time_s {cap:g}s"
    except (asyncio.CancelledError, KeyboardInterrupt):
        result.status, result.stop_reason, result.error = (
            "interrupted",
            "interrupted",
            "interrupted",
        )
        _close(bus, result, span, started, root)
        raise
    except Exception as exc:  # a bug in agentlab itself: record it, never lose the session
        result.status, result.stop_reason = "error", "error:internal"
        result.error = f"{type(exc).__name__}: {exc}"
    _close(bus, result, span, started, root)
    return result


def _deadline(cap: float | None) -> float | None:
    """Cancel a little before the wall-time cap: stopping in-flight calls and closing their
    spans takes a few milliseconds, and the recorded time must stay within the cap."""
    if cap is None:
        return None
    return max(0.0, cap - min(0.02, cap * 0.05))


def _close(bus: EventBus, result: SessionResult, span: str, started: float, root: Budget) -> None:
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
    bus.emit(
        SessionEnded(
            session_id=result.session_id,
            span_id=span,
            status=result.status,
            stop_reason=result.stop_reason,
            final_output=result.final_output,
            error=result.error,
            usage=usage,
        )
    )
