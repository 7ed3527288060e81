"""One span of a session in detail: what the span inspector shows. Pure: events in, values out.

The events are a session's stream up to some point (a live run so far, a replay at its
position, or a whole recording read back by ``store.queries.get_events``, which rebuilds each
model call's full request from the stored message deltas). The detail is the state at the end
of that stream: a span still open there has no end yet.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from agentlab.core.events import (
    AnyEvent,
    ApprovalDecided,
    ApprovalRequested,
    CheckEnded,
    CheckStarted,
    LimitExceeded,
    LimitWarning,
    LlmCallEnded,
    LlmRetry,
    LoopDetected,
    Notice,
    SpanStartEvent,
    ToolCallStarted,
)


@dataclass
class CheckRun:
    """A check that ran as a span under the inspected one, with its verdict once decided."""

    start: CheckStarted
    end: CheckEnded | None = None


@dataclass
class SpanDetail:
    """Everything known about one span at the end of the events given."""

    start: SpanStartEvent
    #: The event that closed the span; None while it is still open.
    end: AnyEvent | None = None
    #: Seconds from the session's first event to the span's start.
    offset_s: float = 0.0
    #: How long it took (to the last event given while still open).
    duration_s: float = 0.0
    #: Checks that ran as spans under it (approvals, guardrails that did not simply allow).
    checks: list[CheckRun] = field(default_factory=list)
    #: Point events on the span: approvals, loop warnings, caps, retries, notices.
    marks: list[AnyEvent] = field(default_factory=list)
    #: The session's cost and tokens once this span ended (or now, while it runs).
    spend_usd: float = 0.0
    spend_tokens: int = 0
    #: Model calls without a price up to that point (the spend then reads "+unpriced").
    unpriced_calls: int = 0


_MARKS = (
    ApprovalRequested,
    ApprovalDecided,
    LoopDetected,
    LimitWarning,
    LimitExceeded,
    LlmRetry,
    Notice,
)


def inspect_span(events: list[AnyEvent], span_id: str) -> SpanDetail | None:
    """The detail of ``span_id`` in ``events`` (None: no such span was opened there)."""
    start_at = next(
        (i for i, e in enumerate(events) if e.span_id == span_id and e.opens is not None), None
    )
    if start_at is None:
        return None
    start = events[start_at]
    assert start.opens is not None
    detail = SpanDetail(start=start)  # type: ignore[arg-type]  # opens says it starts a span
    detail.offset_s = start.mono - events[0].mono
    checks: dict[str, CheckRun] = {}
    end_at = len(events) - 1
    for i in range(start_at + 1, len(events)):
        e = events[i]
        if isinstance(e, CheckStarted) and e.parent_id == span_id:
            checks[e.span_id] = CheckRun(e)
        elif isinstance(e, CheckEnded) and e.span_id in checks:
            checks[e.span_id].end = e
        elif e.span_id == span_id and e.closes:
            detail.end, end_at = e, i
            break
        elif isinstance(e, _MARKS) and (e.span_id == span_id or e.span_id in checks):
            detail.marks.append(e)
    if isinstance(start, ToolCallStarted):  # its approval may come before the call opens
        asked = [
            e
            for e in events[:start_at]
            if isinstance(e, ApprovalRequested | ApprovalDecided)
            and (e.agent, e.call_id) == (start.agent, start.call_id)
        ]
        detail.marks[:0] = asked
    detail.checks = list(checks.values())
    detail.duration_s = max(0.0, events[end_at].mono - start.mono)
    for e in events[: end_at + 1]:
        if isinstance(e, LlmCallEnded):
            detail.spend_tokens += e.input_tokens + e.output_tokens
            if e.cost_usd is None:
                detail.unpriced_calls += 1
            else:
                detail.spend_usd += e.cost_usd
    return detail
