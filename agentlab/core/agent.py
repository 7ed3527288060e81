"""The single-agent loop: messages -> completion -> tool calls -> tool results -> repeat.

One ``while`` bounded by the budget; the body of a step is ``step.take_step``. How the agent
ended is one :class:`~agentlab.core.events.Outcome`. Failures of its own (its caps, a check
that stops it, a model error) end it with that outcome; a cap above it (its manager's, the
session's) ends it too and then goes on up as :class:`~agentlab.errors.LimitStop`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from agentlab.core.budget import Budget
from agentlab.core.checks.limit import record_limit
from agentlab.core.context import AgentScope, RunContext
from agentlab.core.events import COMPLETED, AgentEnded, AgentStarted, Outcome, Status
from agentlab.core.spans import Span
from agentlab.core.spec import AgentSpec
from agentlab.core.step import AgentRun, Done, Extras, take_step
from agentlab.errors import CheckStop, LimitExceededError, LimitStop, ModelError


@dataclass
class AgentResult:
    agent: str
    output: str = ""
    outcome: Outcome = COMPLETED
    handoff_to: str | None = None
    messages: list[dict[str, Any]] = field(default_factory=list)

    @property
    def status(self) -> Status:
        return self.outcome.status

    @property
    def stop_reason(self) -> str:
        return self.outcome.stop_reason

    @property
    def error(self) -> str:
        return self.outcome.error


async def run_agent(
    ctx: RunContext,
    spec: AgentSpec,
    task: str,
    *,
    parent: Span,
    budget: Budget,
    role: str = "agent",
    parent_agent: str | None = None,
    extras: Extras | None = None,
    history: list[dict[str, Any]] | None = None,
) -> AgentResult:
    """Run one agent, as a span below ``parent``, to its final answer, a handoff, or a stop.
    Never raises for the agent's own failures (they are its outcome); raises LimitStop for a
    cap above it, once its span is closed."""
    start = AgentStarted(
        agent=spec.name, model=ctx.model_for(spec), role=role, parent_agent=parent_agent, input=task
    )
    span = parent.open(start)
    run = AgentRun(AgentScope(ctx, spec, budget, span), task, extras or Extras(), history)
    result = AgentResult(agent=spec.name, messages=run.messages)
    try:
        async with _wall_clock(budget, spec.name):
            done: Done | None = None
            while done is None:
                done = await take_step(run)
        result.output, result.handoff_to = done.output, done.handoff_to
    except (LimitExceededError, LimitStop) as exc:
        result.output = run.output
        _at_limit(span, budget, result, exc)
    except CheckStop as exc:
        result.outcome = Outcome.stopped(exc.stop_reason, str(exc))
    except ModelError as exc:
        result.outcome = Outcome.failed(exc.kind, str(exc))
    except BaseException as exc:  # cancelled, or a bug: close the span, let it surface
        cancelled = isinstance(exc, asyncio.CancelledError | KeyboardInterrupt)
        internal = Outcome.failed("internal", f"{type(exc).__name__}: {exc}")
        result.outcome = Outcome.interrupted() if cancelled else internal
        _end(span, result)
        raise
    _end(span, result)
    return result


def _at_limit(
    span: Span, budget: Budget, result: AgentResult, exc: LimitExceededError | LimitStop
) -> None:
    """Stop at a cap. This agent's own call hitting it reports it (once, here); a cap that is
    not this agent's own stops the agents above too: close this span, then raise LimitStop."""
    limit = exc if isinstance(exc, LimitExceededError) else exc.limit
    if isinstance(exc, LimitExceededError):  # a verdict like the other checks' (checks/limit.py)
        record_limit(span, exc)
    result.outcome = Outcome.stopped(f"limit:{limit.kind}", str(limit))
    if limit.scope != f"agent:{budget.name}":
        _end(span, result)
        raise LimitStop(limit, result.output) from None


@contextlib.asynccontextmanager
async def _wall_clock(budget: Budget, agent: str) -> AsyncIterator[None]:
    """The agent's own wall-time cap (and its managers'): stops it mid-call, not only between
    calls, as a limit error like any other cap."""
    try:
        async with asyncio.timeout(budget.agent_time_left()) as clock:
            yield
    except TimeoutError:
        if not clock.expired():  # not this agent's wall-time cap
            raise
        raise budget.time_error(agent) from None


def _end(span: Span, result: AgentResult) -> None:
    o = result.outcome
    span.end(
        AgentEnded(status=o.status, stop_reason=o.stop_reason, output=result.output, error=o.error)
    )
