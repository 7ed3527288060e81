"""Caps as verdicts: a step, token, cost, tool-call or wall-time cap that stops an agent (or the
session) is recorded as a ``reasoning``-stage check span named ``limit``, verdict ``stop``, next
to the loop check's and the guardrails' verdicts, with the ``LimitExceeded`` event inside it.

Caps are not enforced here: ``budget.py`` refuses a call before it is made (a cap is never
overshot) and the agent loop turns the refusal into the agent's outcome. This module only says
what happened the way every other layer of the Guardrail Sandwich does, once per cap hit (the
agent whose own call hit it records it; the agents a cap above them stops do not).
"""

from __future__ import annotations

from agentlab.core.checks.base import Verdict
from agentlab.core.checks.runner import record
from agentlab.core.events import LimitExceeded
from agentlab.core.spans import Span
from agentlab.errors import LimitExceededError
from agentlab.errors import _amount as amount

#: The check name of a cap's verdict (``CheckStarted.check``).
LIMIT = "limit"


def limit_verdict(exc: LimitExceededError) -> Verdict:
    """The ``stop`` verdict of a cap hit, carrying its ``LimitExceeded`` event."""
    hit = LimitExceeded(
        limit=exc.kind, value=exc.value, cap=exc.limit, scope=exc.scope, requested=exc.requested
    )
    detail = {"limit": exc.kind, "value": exc.value, "cap": exc.limit, "scope": exc.scope}
    owner = "the session's" if exc.scope == "session" else f"{exc.scope.removeprefix('agent:')}'s"
    used, cap = amount(exc.kind, exc.value), amount(exc.kind, exc.limit)
    reason = f"cap reached: {exc.kind} {used} of {cap} ({owner} cap)"
    return Verdict("stop", reason, detail, stop_reason=f"limit:{exc.kind}", events=(hit,))


def record_limit(parent: Span, exc: LimitExceededError) -> None:
    """Record a cap hit below ``parent`` (the agent's span, or the session's for the session's
    wall-time cap) as the ``limit`` check's span."""
    record(parent, LIMIT, "reasoning", limit_verdict(exc), subject=exc.kind)
