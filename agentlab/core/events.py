"""The typed event stream every part of agentlab speaks.

A session is a stream of events. The runtime emits them; the recorder, the CLI printer, the TUI
and the exporters consume them. Spans nest (session -> agent -> llm call / tool call / ...): a
span opens with a ``SpanStart``-style event and closes with the matching end event carrying the
same ``span_id``. Point events (stream deltas, budget updates, warnings) belong to a span too.

Every event is a frozen dataclass with a ``kind`` discriminator, its own id, the session id, the
span id (and parent span id for span starts), a wall-clock timestamp (``ts``, seconds since the
epoch) and a monotonic timestamp (``mono``) for durations that do not jump with the clock.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from typing import Any, ClassVar, Literal

SpanKind = Literal["session", "agent", "llm", "tool", "guardrail", "approval", "handoff"]
Status = Literal["running", "completed", "stopped", "error", "interrupted"]

_counter = itertools.count()
_prefix = os.urandom(4).hex()


def _reseed() -> None:
    """A forked child must not repeat its parent's ids (they are primary keys in the store)."""
    global _counter, _prefix
    _counter = itertools.count()
    _prefix = os.urandom(4).hex()


os.register_at_fork(after_in_child=_reseed)


def new_id() -> str:
    """A short unique id: random per process, monotonic within it (cheap on the hot path)."""
    return f"{_prefix}{next(_counter):08x}"


def new_session_id() -> str:
    """Session ids are what people type (`agentlab sessions show ID`): short and sortable."""
    return time.strftime("%Y%m%d-%H%M%S", time.localtime()) + "-" + os.urandom(3).hex()


@dataclass(frozen=True, kw_only=True)
class Event:
    """Fields every event carries."""

    kind: ClassVar[str] = "event"
    session_id: str
    span_id: str
    id: str = field(default_factory=new_id)
    ts: float = field(default_factory=time.time)
    mono: float = field(default_factory=time.monotonic)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["kind"] = self.kind
        return data


# --- spans ---------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class SessionStarted(Event):
    kind: ClassVar[str] = "session_started"
    scenario: str
    scenario_path: str = ""
    pattern: str = "single"
    task: str = ""
    config: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class SessionEnded(Event):
    kind: ClassVar[str] = "session_ended"
    status: Status
    stop_reason: str
    final_output: str = ""
    error: str = ""
    usage: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class AgentStarted(Event):
    kind: ClassVar[str] = "agent_started"
    parent_id: str | None
    agent: str
    model: str
    role: str = "agent"  # agent | lead | worker | supervisor | aggregator | stage
    parent_agent: str | None = None
    input: str = ""


@dataclass(frozen=True, kw_only=True)
class AgentEnded(Event):
    kind: ClassVar[str] = "agent_ended"
    agent: str
    status: Status
    stop_reason: str
    output: str = ""
    error: str = ""


@dataclass(frozen=True, kw_only=True)
class LlmCallStarted(Event):
    kind: ClassVar[str] = "llm_call_started"
    parent_id: str | None
    agent: str
    model: str
    messages: list[dict[str, Any]] = field(default_factory=list)
    tools: list[str] = field(default_factory=list)
    max_tokens: int | None = None
    step: int = 0


@dataclass(frozen=True, kw_only=True)
class LlmCallEnded(Event):
    kind: ClassVar[str] = "llm_call_ended"
    agent: str
    model: str
    status: Literal["completed", "error"] = "completed"
    content: str = ""
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    finish_reason: str = ""
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float | None = None  # None: the model has no known price ("unpriced")
    error: str = ""


@dataclass(frozen=True, kw_only=True)
class ToolCallStarted(Event):
    kind: ClassVar[str] = "tool_call_started"
    parent_id: str | None
    agent: str
    tool: str
    call_id: str
    arguments: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class ToolCallEnded(Event):
    kind: ClassVar[str] = "tool_call_ended"
    agent: str
    tool: str
    call_id: str
    result: str = ""
    is_error: bool = False


# --- point events --------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class LlmDelta(Event):
    """A piece of streamed assistant text. Not stored: the final text is on LlmCallEnded."""

    kind: ClassVar[str] = "llm_delta"
    agent: str
    text: str


@dataclass(frozen=True, kw_only=True)
class ApprovalRequested(Event):
    """A risky tool call waits for a person (or the scenario's policy). On the tool's span."""

    kind: ClassVar[str] = "approval_requested"
    agent: str
    tool: str
    call_id: str
    arguments: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class ApprovalDecided(Event):
    kind: ClassVar[str] = "approval_decided"
    agent: str
    tool: str
    call_id: str
    approved: bool
    by: Literal["person", "policy"] = "policy"
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class Handoff(Event):
    kind: ClassVar[str] = "handoff"
    from_agent: str
    to_agent: str
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class BudgetUpdate(Event):
    """Spend so far against the caps. ``used``/``caps`` keyed by limit kind."""

    kind: ClassVar[str] = "budget_update"
    agent: str
    used: dict[str, float] = field(default_factory=dict)
    caps: dict[str, float] = field(default_factory=dict)
    agent_used: dict[str, float] = field(default_factory=dict)
    #: An estimate while a reply streams (live views only; not recorded).
    provisional: bool = False


@dataclass(frozen=True, kw_only=True)
class LimitWarning(Event):
    kind: ClassVar[str] = "limit_warning"
    agent: str
    limit: str
    value: float
    cap: float
    fraction: float


@dataclass(frozen=True, kw_only=True)
class LimitExceeded(Event):
    kind: ClassVar[str] = "limit_exceeded"
    agent: str
    limit: str
    value: float
    cap: float
    scope: str = "session"  # session | agent:<name>
    requested: float = 0.0  # what the refused call needed on top of value


@dataclass(frozen=True, kw_only=True)
class LoopDetected(Event):
    kind: ClassVar[str] = "loop_detected"
    agent: str
    pattern: str  # repeat | cycle | similar
    action: Literal["warn", "nudge", "stop"]
    detail: str = ""


@dataclass(frozen=True, kw_only=True)
class Notice(Event):
    """Anything worth showing a person that has no type of its own."""

    kind: ClassVar[str] = "notice"
    level: Literal["info", "warning", "error"] = "info"
    message: str = ""
    agent: str = ""


SPAN_START: dict[str, SpanKind] = {
    "session_started": "session",
    "agent_started": "agent",
    "llm_call_started": "llm",
    "tool_call_started": "tool",
}
SPAN_END = {"session_ended", "agent_ended", "llm_call_ended", "tool_call_ended"}

EVENT_TYPES: dict[str, type[Event]] = {
    cls.kind: cls
    for cls in (
        SessionStarted,
        SessionEnded,
        AgentStarted,
        AgentEnded,
        LlmCallStarted,
        LlmCallEnded,
        ToolCallStarted,
        ToolCallEnded,
        LlmDelta,
        Handoff,
        ApprovalRequested,
        ApprovalDecided,
        BudgetUpdate,
        LimitWarning,
        LimitExceeded,
        LoopDetected,
        Notice,
    )
}


def event_from_dict(data: dict[str, Any]) -> Event:
    """Rebuild an event from ``Event.to_dict()`` output (replay, import). Unknown keys are
    dropped so that older code can read newer recordings."""
    cls = EVENT_TYPES[data["kind"]]
    names = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in names})


Subscriber = Callable[[Event], None]


class EventBus:
    """Fan-out of events to subscribers, synchronously and in order.

    Subscribers must be quick (the recorder batches; the UI posts messages). A subscriber that
    raises is reported once on the bus as a Notice and removed, so a broken view never kills a
    run or loses the recording.
    """

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []

    def subscribe(self, fn: Subscriber) -> Subscriber:
        self._subscribers.append(fn)
        return fn

    def unsubscribe(self, fn: Subscriber) -> None:
        if fn in self._subscribers:
            self._subscribers.remove(fn)

    def emit(self, event: Event) -> None:
        for fn in list(self._subscribers):
            try:
                fn(event)
            except Exception as exc:  # a consumer's bug must not end the run
                self._subscribers.remove(fn)
                self.emit(
                    Notice(
                        session_id=event.session_id,
                        span_id=event.span_id,
                        level="error",
                        message=f"event consumer {getattr(fn, '__qualname__', fn)!s} failed: {exc}",
                    )
                )
