"""The recorder: an EventBus subscriber that writes a session to SQLite as it happens.

Each event is one short transaction (its ``events`` row plus the span/session row it opens,
closes or counts), so a killed run leaves everything up to its last event, replayable.
Streamed text (``llm_delta``) and live budget estimates are not stored: the final text is on
``llm_call_ended`` and the settled spend on the next budget update.

Events are written as :func:`agentlab.core.events.encode` JSON. Secrets never reach the
database: the parts of an event that can hold them (config, tool arguments, messages, usage,
check details) are checked for secret-looking keys, and only an event that has one is copied
with those values replaced. Span names and attributes come from :mod:`agentlab.core.semconv`.
"""

from __future__ import annotations

import functools
import json
import os
import socket
import threading
from typing import Any, TypeVar, assert_never

import msgspec
from sqlite_utils import Database

from agentlab.core import semconv
from agentlab.core.events import (
    AgentEnded,
    AgentStarted,
    AnyEvent,
    ApprovalDecided,
    ApprovalRequested,
    BudgetUpdate,
    CheckEnded,
    CheckStarted,
    Event,
    Handoff,
    LimitExceeded,
    LimitWarning,
    LlmCallEnded,
    LlmCallStarted,
    LlmDelta,
    LoopDetected,
    Notice,
    SessionEnded,
    SessionStarted,
    SpanEndEvent,
    SpanStartEvent,
    ToolCallEnded,
    ToolCallStarted,
    encode,
)
from agentlab.store.txn import write_txn

# Values under these keys (any depth, case-insensitive) never reach the database.
SECRET_KEYS = frozenset(
    {
        "api_key",
        "apikey",
        "api-key",
        "x-api-key",
        "authorization",
        "proxy-authorization",
        "password",
        "secret",
        "client_secret",
        "access_token",
        "refresh_token",
        "aws_secret_access_key",
    }
)
REDACTED = "[redacted]"

E = TypeVar("E", bound=Event)

# For a value msgspec cannot encode (events are typed, but ``Any`` parts may hold anything): a
# recording with its text beats a recorder that fails and stops recording.
_lenient = msgspec.json.Encoder(enc_hook=str)


def to_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def redact(value: Any) -> Any:
    """A copy of ``value`` with secret-looking keys' values replaced (dicts/lists, any depth)."""
    if isinstance(value, dict):
        return {k: REDACTED if _is_secret(k, v) else redact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


def has_secret(value: Any) -> bool:
    """True if :func:`redact` would change ``value``: a walk, no copy. It runs over every
    conversation sent to a model, so it is written for speed (plain loops, key verdicts
    cached)."""
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(k, str) and _secret_key(k) and v not in (None, ""):
                return True
            if isinstance(v, dict | list) and has_secret(v):
                return True
    elif isinstance(value, list):
        for v in value:
            if isinstance(v, dict | list) and has_secret(v):
                return True
    return False


def _is_secret(key: Any, value: Any) -> bool:
    return isinstance(key, str) and _secret_key(key) and value not in (None, "")


@functools.lru_cache(maxsize=4096)
def _secret_key(key: str) -> bool:
    key = key.lower()
    return key in SECRET_KEYS or key.endswith(("_api_key", "-api-key"))


def stored_form(event: AnyEvent) -> AnyEvent | None:
    """The event as it is stored: ``event`` itself, a copy without its secrets, or None for
    events that are not stored."""
    match event:
        case SessionStarted():
            return _scrubbed(event, config=event.config)
        case SessionEnded():
            return _scrubbed(event, usage=event.usage)
        case LlmCallStarted():
            return _scrubbed(event, messages=event.messages)
        case LlmCallEnded():
            return _scrubbed(event, tool_calls=event.tool_calls)
        case ToolCallStarted() | ApprovalRequested():
            return _scrubbed(event, arguments=event.arguments)
        case CheckEnded():
            return _scrubbed(event, detail=event.detail)
        case LlmDelta():
            return None
        case BudgetUpdate():
            return None if event.provisional else event
        case (
            AgentStarted()
            | AgentEnded()
            | ToolCallEnded()
            | CheckStarted()
            | ApprovalDecided()
            | Handoff()
            | LimitWarning()
            | LimitExceeded()
            | LoopDetected()
            | Notice()
        ):
            return event  # text and numbers only: no keys to hide a secret under
        case _:
            assert_never(event)


def _scrubbed(event: E, **parts: Any) -> E:
    dirty = {name: redact(value) for name, value in parts.items() if has_secret(value)}
    return msgspec.structs.replace(event, **dirty) if dirty else event


class Recorder:
    """Writes events to the database as they arrive. Subscribe it to an ``EventBus``.

    The recorder does not own ``db``: ``close()`` detaches it, the caller closes the database.
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self._seq: dict[str, int] = {}
        self._lock = threading.Lock()
        self._closed = False
        self._pid = os.getpid()
        self._host = socket.gethostname()

    def __call__(self, event: AnyEvent) -> None:
        stored = stored_form(event)
        if stored is None:
            return
        if self._closed:
            raise RuntimeError("Recorder is closed")
        try:
            data = encode(stored).decode()
        except TypeError:
            data = _lenient.encode(stored).decode()
        with self._lock, write_txn(self.db):
            seq = self._next_seq(stored.session_id)
            self.db.execute(
                "INSERT INTO events (id, session_id, span_id, seq, kind, ts, data) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [stored.id, stored.session_id, stored.span_id, seq, stored.kind, stored.ts, data],
            )
            self._apply(stored)

    def _apply(self, e: AnyEvent) -> None:
        """The span and session rows an event opens, closes or counts."""
        match e:
            case SessionStarted():
                self._session_started(e)
                self._span_started(e)
            case AgentStarted() | LlmCallStarted() | ToolCallStarted() | CheckStarted():
                self._span_started(e)
            case SessionEnded():
                self._span_ended(e)
                self._session_ended(e)
            case LlmCallEnded():
                self._span_ended(e)
                self._count_llm_call(e)
            case ToolCallEnded():
                self._span_ended(e)
                self.db.execute(
                    "UPDATE sessions SET tool_calls = tool_calls + 1 WHERE id = ?",
                    [e.session_id],
                )
            case AgentEnded() | CheckEnded():
                self._span_ended(e)
            case (
                LlmDelta()
                | ApprovalRequested()
                | ApprovalDecided()
                | Handoff()
                | BudgetUpdate()
                | LimitWarning()
                | LimitExceeded()
                | LoopDetected()
                | Notice()
            ):
                pass  # the events row is all of it
            case _:
                assert_never(e)

    def close(self) -> None:
        """Stop recording (further events raise). Idempotent; leaves ``db`` open."""
        self._closed = True
        self._seq.clear()

    def __enter__(self) -> Recorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- writes (all inside the event's transaction) ------------------------------------

    def _next_seq(self, session_id: str) -> int:
        if session_id not in self._seq:
            row = self.db.execute(
                "SELECT coalesce(max(seq), 0) FROM events WHERE session_id = ?", [session_id]
            ).fetchone()
            self._seq[session_id] = row[0]
        self._seq[session_id] += 1
        return self._seq[session_id]

    def _session_started(self, e: SessionStarted) -> None:
        self.db.execute(
            "INSERT INTO sessions (id, scenario, scenario_path, pattern, task, status, "
            "started_at, pid, host, config, source_session, fork_at) "
            "VALUES (?, ?, ?, ?, ?, 'running', ?, ?, ?, ?, ?, ?)",
            [
                e.session_id,
                e.scenario,
                e.scenario_path,
                e.pattern,
                e.task,
                e.ts,
                self._pid,
                self._host,
                to_json(e.config),  # redacted by stored_form
                e.source_session or None,
                e.fork_at or None,
            ],
        )

    def _span_started(self, e: SpanStartEvent) -> None:
        start = semconv.span_start(e)
        self.db.execute(
            "INSERT INTO spans (id, session_id, parent_id, kind, name, agent, status, "
            "start_ts, start_mono, attributes) VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?, ?)",
            [
                e.span_id,
                e.session_id,
                getattr(e, "parent_id", None),
                e.opens,
                start.name,
                start.agent,
                e.ts,
                e.mono,
                to_json(start.attributes),
            ],
        )

    def _span_ended(self, e: SpanEndEvent) -> None:
        self.db.execute(
            "UPDATE spans SET end_ts = ?, end_mono = ?, status = ?, "
            "attributes = json_patch(coalesce(attributes, '{}'), ?) WHERE id = ?",
            [e.ts, e.mono, e.end_status(), to_json(semconv.span_end(e)), e.span_id],
        )

    def _count_llm_call(self, e: LlmCallEnded) -> None:
        # A failed or cancelled call is not a step and costs nothing (as in core.tally).
        done = e.status == "completed"
        unpriced = done and e.cost_usd is None
        self.db.execute(
            """UPDATE sessions SET
                 input_tokens = input_tokens + :inp,
                 output_tokens = output_tokens + :out,
                 total_tokens = total_tokens + :inp + :out,
                 cost_usd = CASE WHEN :unpriced THEN NULL ELSE cost_usd + :cost END,
                 priced_cost_usd = priced_cost_usd + :cost,
                 unpriced = max(unpriced, :unpriced),
                 steps = steps + :done
               WHERE id = :id""",
            {
                "inp": e.input_tokens,
                "out": e.output_tokens,
                "cost": e.cost_usd or 0.0,
                "unpriced": int(unpriced),
                "done": int(done),
                "id": e.session_id,
            },
        )

    def _session_ended(self, e: SessionEnded) -> None:
        limits = e.usage.get("limits") if isinstance(e.usage, dict) else None
        self.db.execute(
            "UPDATE sessions SET status = ?, stop_reason = ?, final_output = ?, error = ?, "
            "ended_at = ?, limits = coalesce(?, limits) WHERE id = ?",
            [
                e.status,
                e.stop_reason,
                e.final_output,
                e.error,
                e.ts,
                None if limits is None else to_json(limits),
                e.session_id,
            ],
        )
