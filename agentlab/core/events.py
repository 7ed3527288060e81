"""The typed event stream every part of agentlab speaks: a closed union of msgspec Structs.

A session is a stream of events. The runtime emits them; the recorder, the CLI printer, the TUI
and the exporters consume them, each with a ``match`` over :data:`AnyEvent` that ends in
``assert_never``, so a new kind a consumer forgets is a type error (mypy runs in CI).

Spans nest (session -> agent -> llm call / tool call / check): a span opens with an event whose
class says ``opens = "<span kind>"`` and closes with the event whose class says ``closes = True``
carrying the same ``span_id``; :meth:`Event.end_status` is the span's status at its end, worked
out in one place. Point events (stream deltas, budget updates, warnings) belong to a span too.

Every event has a ``kind`` tag (msgspec's ``tag_field``: the class name in snake case, written
into the JSON and used to decode it back to the right class), its own id, the session id, the span
id (and the parent span id for span starts), a wall-clock timestamp (``ts``, seconds since the
epoch) and a monotonic one (``mono``) for durations that do not jump with the clock.

Ids are not passed by hand: :class:`agentlab.core.spans.Span` fills ``session_id``/``span_id``
(and ``parent_id``/``agent``) when it emits, which is why those fields default to empty here.
Events are plain (mutable) Structs for that reason and for speed; nobody changes one after it
is emitted.
"""

from __future__ import annotations

import itertools
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, TypeAlias

import msgspec

SpanKind = Literal["session", "agent", "llm", "tool", "check"]
Status = Literal["running", "completed", "stopped", "error", "interrupted"]
#: Where a check runs: before a model call, after it, before a tool call, between steps.
Stage = Literal["input", "output", "tool", "reasoning"]
#: What a check decided. ``flag``: go on, but record it (a warning); ``modify``: go on with
#: changed content; ``ask``: a person decides; ``block``: this call does not happen; ``stop``:
#: the agent stops.
Verdict = Literal["allow", "flag", "modify", "ask", "block", "stop"]

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


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


@dataclass(frozen=True)
class Outcome:
    """How a span (an agent, a session) ended: one value instead of three fields set by hand."""

    status: Status = "completed"
    stop_reason: str = "completed"
    error: str = ""

    @classmethod
    def stopped(cls, reason: str, error: str = "") -> Outcome:
        return cls("stopped", reason, error)

    @classmethod
    def failed(cls, kind: str, error: str) -> Outcome:
        """An error; ``kind`` becomes the stop reason ``error:<kind>``."""
        return cls("error", f"error:{kind}", error)

    @classmethod
    def interrupted(cls) -> Outcome:
        return cls("interrupted", "interrupted", "interrupted")

    @property
    def ok(self) -> bool:
        return self.status == "completed"


COMPLETED = Outcome()


class Event(msgspec.Struct, kw_only=True, tag_field="kind", tag=_snake):
    """Fields every event carries."""

    #: The tag (``session_started``, ...); set on each class below from msgspec's config.
    kind: ClassVar[str] = "event"
    #: The span kind this event opens, if it starts a span.
    opens: ClassVar[SpanKind | None] = None
    #: True if this event ends the span it names.
    closes: ClassVar[bool] = False

    session_id: str = ""
    span_id: str = ""
    id: str = msgspec.field(default_factory=new_id)
    ts: float = msgspec.field(default_factory=time.time)
    mono: float = msgspec.field(default_factory=time.monotonic)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict, ``kind`` included (export, tests)."""
        data: dict[str, Any] = msgspec.to_builtins(self)
        return data

    def end_status(self) -> str:
        """The span's status when this event closes it."""
        return "completed"


# --- spans ---------------------------------------------------------------------------------


class SessionStarted(Event, kw_only=True):
    opens: ClassVar[SpanKind | None] = "session"
    scenario: str
    scenario_path: str = ""
    pattern: str = "single"
    task: str = ""
    config: dict[str, Any] = msgspec.field(default_factory=dict)
    #: A rerun's lineage: the session whose recorded model answers it replays, and the step
    #: it was forked at (``--fork-at``), if any. Empty for a fresh run.
    source_session: str = ""
    fork_at: str = ""


class SessionEnded(Event, kw_only=True):
    closes: ClassVar[bool] = True
    status: Status
    stop_reason: str
    final_output: str = ""
    error: str = ""
    usage: dict[str, Any] = msgspec.field(default_factory=dict)

    def end_status(self) -> str:
        return self.status


class AgentStarted(Event, kw_only=True):
    opens: ClassVar[SpanKind | None] = "agent"
    parent_id: str | None = None
    agent: str = ""
    model: str = ""
    role: str = "agent"  # agent | lead | worker | supervisor | aggregator | stage
    parent_agent: str | None = None
    input: str = ""


class AgentEnded(Event, kw_only=True):
    closes: ClassVar[bool] = True
    agent: str = ""
    status: Status
    stop_reason: str
    output: str = ""
    error: str = ""

    def end_status(self) -> str:
        return self.status


class LlmCallStarted(Event, kw_only=True):
    opens: ClassVar[SpanKind | None] = "llm"
    parent_id: str | None = None
    agent: str = ""
    model: str
    messages: list[dict[str, Any]] = msgspec.field(default_factory=list)
    tools: list[str] = msgspec.field(default_factory=list)
    max_tokens: int | None = None
    step: int = 0
    #: Storage only (live events carry the whole conversation in ``messages``): the stored
    #: event's ``messages`` are what is new since the model call ``prefix_id`` (an event id),
    #: whose first ``prefix_len`` messages come first. The store rebuilds the whole list on
    #: load, so a conversation is stored once and storage grows linearly with the steps.
    prefix_id: str = ""
    prefix_len: int = 0


class LlmCallEnded(Event, kw_only=True):
    closes: ClassVar[bool] = True
    agent: str = ""
    model: str
    status: Literal["completed", "error"] = "completed"
    content: str = ""
    tool_calls: list[dict[str, Any]] = msgspec.field(default_factory=list)
    finish_reason: str = ""
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float | None = None  # None: the model has no known price ("unpriced")
    error: str = ""
    #: The local tiktoken estimate of the call's tokens, when the provider reported its own
    #: usage (which is what caps and costs use); None for lab models and old recordings.
    estimated_input_tokens: int | None = None
    estimated_output_tokens: int | None = None
    #: Checks that ran around this call and allowed it (recorded compactly, not as spans).
    checks: list[str] = msgspec.field(default_factory=list)

    def end_status(self) -> str:
        return self.status


class ToolCallStarted(Event, kw_only=True):
    opens: ClassVar[SpanKind | None] = "tool"
    parent_id: str | None = None
    agent: str = ""
    tool: str
    call_id: str
    arguments: dict[str, Any] = msgspec.field(default_factory=dict)


class ToolCallEnded(Event, kw_only=True):
    closes: ClassVar[bool] = True
    agent: str = ""
    tool: str
    call_id: str
    result: str = ""
    is_error: bool = False
    #: Checks that ran before this call and allowed it (recorded compactly, not as spans).
    checks: list[str] = msgspec.field(default_factory=list)

    def end_status(self) -> str:
        return "error" if self.is_error else "completed"


class CheckStarted(Event, kw_only=True):
    """A check whose verdict is not a plain allow (or that asks a person) opens a span of its
    own: approvals, loop detection, and every guardrail layer."""

    opens: ClassVar[SpanKind | None] = "check"
    parent_id: str | None = None
    agent: str = ""
    check: str  # approval | loop | ... (the check's name)
    stage: Stage
    #: What is checked: a tool name, "reply", "input"...
    subject: str = ""


class CheckEnded(Event, kw_only=True):
    closes: ClassVar[bool] = True
    agent: str = ""
    check: str
    stage: Stage
    verdict: Verdict
    #: Who decided: the check itself, a person, or the scenario's policy (nobody to ask).
    by: Literal["check", "person", "policy"] = "check"
    reason: str = ""
    #: Check-specific facts (a loop's pattern, a detector's score, ...).
    detail: dict[str, Any] = msgspec.field(default_factory=dict)

    def end_status(self) -> str:
        return "completed" if self.verdict in ("allow", "flag", "modify") else "stopped"


# --- point events --------------------------------------------------------------------------


class LlmDelta(Event, kw_only=True):
    """A piece of streamed assistant text. Not stored: the final text is on LlmCallEnded."""

    agent: str = ""
    text: str


class LlmRetry(Event, kw_only=True):
    """An attempt of a model call failed and the call goes on: tried again after ``wait_s``
    (``action = "retry"``), or handed to the next model of its fallback list (``"fallback"``).
    On the call's span; the call's own end (``llm_call_ended``) says how it finally went."""

    agent: str = ""
    #: The model whose attempt failed.
    model: str
    #: Which attempt at ``model`` failed (1 is the first).
    attempt: int = 1
    error: str = ""
    #: rate_limit | timeout | connection | server | auth | ... (as in ``error:<kind>``)
    error_kind: str = ""
    action: Literal["retry", "fallback"] = "retry"
    #: Seconds waited before the next attempt (a provider's Retry-After, else backoff + jitter).
    wait_s: float = 0.0
    #: The model tried next (the same one for a retry).
    next_model: str = ""


class ApprovalRequested(Event, kw_only=True):
    """A risky tool call waits for a person (or the scenario's policy). On the approval check's
    span."""

    agent: str = ""
    tool: str
    call_id: str
    arguments: dict[str, Any] = msgspec.field(default_factory=dict)


class ApprovalDecided(Event, kw_only=True):
    agent: str = ""
    tool: str
    call_id: str
    approved: bool
    by: Literal["person", "policy"] = "policy"
    #: The reason (a denial's is what the model reads).
    note: str = ""
    #: How long the approval lasts: ``once``, ``session`` (the rest of this session) or
    #: ``always`` (every run of the scenario); ``remembered``: an earlier answer decided.
    remember: Literal["once", "session", "always"] = "once"
    remembered: bool = False
    #: The arguments the call ran with, when the person edited them.
    edited: dict[str, Any] | None = None


class Handoff(Event, kw_only=True):
    from_agent: str
    to_agent: str
    reason: str = ""


class BudgetUpdate(Event, kw_only=True):
    """Spend so far against the caps. ``used``/``caps`` keyed by limit kind."""

    agent: str = ""
    used: dict[str, float] = msgspec.field(default_factory=dict)
    caps: dict[str, float] = msgspec.field(default_factory=dict)
    agent_used: dict[str, float] = msgspec.field(default_factory=dict)
    #: An estimate while a reply streams (live views only; not recorded).
    provisional: bool = False


class LimitWarning(Event, kw_only=True):
    agent: str = ""
    limit: str
    value: float
    cap: float
    fraction: float


class LimitExceeded(Event, kw_only=True):
    agent: str = ""
    limit: str
    value: float
    cap: float
    scope: str = "session"  # session | agent:<name>
    requested: float = 0.0  # what the refused call needed on top of value


class LoopDetected(Event, kw_only=True):
    """What the loop check saw (on its check span)."""

    agent: str = ""
    pattern: str  # repeat | cycle | similar
    action: Literal["warn", "nudge", "stop"]
    detail: str = ""


class Notice(Event, kw_only=True):
    """Anything worth showing a person that has no type of its own."""

    level: Literal["info", "warning", "error"] = "info"
    message: str = ""
    agent: str = ""


#: Every event kind. A consumer ``match``es over it and ends with ``assert_never``.
AnyEvent: TypeAlias = (
    SessionStarted
    | SessionEnded
    | AgentStarted
    | AgentEnded
    | LlmCallStarted
    | LlmCallEnded
    | ToolCallStarted
    | ToolCallEnded
    | CheckStarted
    | CheckEnded
    | LlmDelta
    | LlmRetry
    | ApprovalRequested
    | ApprovalDecided
    | Handoff
    | BudgetUpdate
    | LimitWarning
    | LimitExceeded
    | LoopDetected
    | Notice
)

#: The events that open a span (their class has ``opens`` set), for code typed on span starts.
SpanStartEvent: TypeAlias = (
    SessionStarted | AgentStarted | LlmCallStarted | ToolCallStarted | CheckStarted
)
#: The events that close a span (their class has ``closes = True``).
SpanEndEvent: TypeAlias = SessionEnded | AgentEnded | LlmCallEnded | ToolCallEnded | CheckEnded

EVENT_TYPES: dict[str, type[Event]] = {}
for _cls in AnyEvent.__args__:
    _cls.kind = _cls.__struct_config__.tag
    EVENT_TYPES[_cls.kind] = _cls

_decoder = msgspec.json.Decoder(AnyEvent)
_encoder = msgspec.json.Encoder()


def encode(event: Event) -> bytes:
    """The event as JSON (``kind`` first). No copy is made: msgspec writes the Struct directly."""
    return _encoder.encode(event)


def decode(data: bytes | str) -> AnyEvent:
    """An event back from :func:`encode` output (or a recording written by older versions:
    unknown keys are ignored, missing ones take their defaults)."""
    return _decoder.decode(data)


def event_from_dict(data: dict[str, Any]) -> AnyEvent:
    """Rebuild an event from ``Event.to_dict()`` output (replay, import)."""
    event: AnyEvent = msgspec.convert(data, AnyEvent)
    return event


Subscriber = Callable[[AnyEvent], None]


class EventBus:
    """Fan-out of events to subscribers, synchronously and in order.

    Subscribers must be quick (the recorder batches; the UI posts messages). A subscriber that
    raises is reported once on the bus as a Notice and removed, so a broken view never kills a
    run or loses the recording. An *essential* subscriber (the recorder) that raises is removed
    too, and its exception is kept in :attr:`failure`: the session stops at the next model call
    with ``error:recording`` (see ``core.session``) rather than go on unrecorded.
    """

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self._essential: list[Subscriber] = []
        #: The first exception of an essential subscriber: the run cannot go on.
        self.failure: Exception | None = None

    def subscribe(self, fn: Subscriber, *, essential: bool = False) -> Subscriber:
        self._subscribers.append(fn)
        if essential:
            self._essential.append(fn)
        return fn

    def unsubscribe(self, fn: Subscriber) -> None:
        if fn in self._subscribers:
            self._subscribers.remove(fn)

    def emit(self, event: AnyEvent) -> None:
        for fn in list(self._subscribers):
            try:
                fn(event)
            except Exception as exc:  # a consumer's bug must not end the run
                self._subscribers.remove(fn)
                if any(fn is e for e in self._essential):
                    self.failure = self.failure or exc
                    continue
                self.emit(
                    Notice(
                        session_id=event.session_id,
                        span_id=event.span_id,
                        level="error",
                        message=f"event consumer {getattr(fn, '__qualname__', fn)!s} failed: {exc}",
                    )
                )
