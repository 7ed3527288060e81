"""Spans without id bookkeeping: open a child where you are, emit into it, end it once.

A :class:`Span` knows its session, its own id, its agent and the bus. ``span.emit(event)`` fills
the event's ``session_id``, ``span_id`` and (when empty) ``agent``; ``span.open(start_event)``
gives the start event a fresh span id and this span as its parent, emits it and returns the child
span; ``span.end(end_event)`` closes the span exactly once (a second end is a bug and raises).

    agent_span = ctx.root.open(AgentStarted(agent="lead", model=...))
    agent_span.emit(LimitWarning(limit="steps", value=4, cap=5, fraction=0.8))
    agent_span.end(AgentEnded(status="completed", stop_reason="completed"))
"""

from __future__ import annotations

from typing import TypeVar

from agentlab.core.events import AnyEvent, EventBus, new_id

E = TypeVar("E", bound=AnyEvent)


class Span:
    """A place in the span tree that events are emitted into."""

    __slots__ = ("agent", "bus", "ended", "id", "session_id")

    def __init__(self, bus: EventBus, session_id: str, span_id: str, agent: str = "") -> None:
        self.bus = bus
        self.session_id = session_id
        self.id = span_id
        self.agent = agent
        self.ended = False

    def emit(self, event: E) -> E:
        """Emit a point event on this span (ids and agent filled in)."""
        event.session_id = self.session_id
        event.span_id = self.id
        if self.agent and getattr(event, "agent", None) == "":
            event.agent = self.agent  # type: ignore[union-attr]
        self.bus.emit(event)
        return event

    def open(self, start: AnyEvent, *, agent: str | None = None) -> Span:
        """Emit ``start`` as a new span below this one and return it. The child's agent is
        ``agent``, else the start event's, else this span's."""
        child_id = new_id()
        start.session_id = self.session_id
        start.span_id = child_id
        if getattr(start, "parent_id", "") is None:
            start.parent_id = self.id  # type: ignore[union-attr]
        who = agent or getattr(start, "agent", "") or self.agent
        if getattr(start, "agent", None) == "":
            start.agent = who  # type: ignore[union-attr]
        self.bus.emit(start)
        return Span(self.bus, self.session_id, child_id, who)

    def end(self, end: E) -> E:
        """Close this span with ``end`` (once)."""
        if self.ended:
            raise RuntimeError(f"span {self.id} ended twice")
        self.ended = True
        return self.emit(end)


def root_span(bus: EventBus, session_id: str) -> Span:
    """The span a session's start event is opened from (it has no parent itself)."""
    return Span(bus, session_id, "")
