"""The recorder: an EventBus subscriber that writes a session to SQLite as it happens.

Writes are grouped by step: events are buffered and committed in one short transaction when a
model call starts (the moment an agent waits), when a person is asked, when an agent or the
session ends, and at most every :data:`MAX_BUFFERED` events — so a killed run keeps everything up
to its last committed step (at most the step in flight is lost) and a step costs one commit, not
one per event. Streamed text (``llm_delta``) and budget snapshots are not stored: the final text
is on ``llm_call_ended``, and the budget at any point is worked out from the calls on load.

What is stored is compact: an event's ``kind``, ids and time live in their columns, not again in
its JSON; fields at their defaults are left out; and a model call stores only the messages that
are new since the same agent's previous call (``prefix_id``/``prefix_len``), so a conversation is
stored once. :func:`agentlab.store.queries.get_events` gives back the events exactly as emitted.

Secrets never reach the database: the parts of an event that can hold them (config, tool
arguments, messages, usage, check details) are checked for secret-looking keys, and only an event
that has one is copied with those values replaced. Span rows hold the tree (ids, kinds, names,
times, status); their OpenTelemetry attributes are worked out from the events when read.
"""

from __future__ import annotations

import functools
import json
import os
import socket
import sqlite3
import time
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
    LlmRetry,
    LoopDetected,
    Notice,
    SessionEnded,
    SessionStarted,
    SpanEndEvent,
    SpanStartEvent,
    ToolCallEnded,
    ToolCallStarted,
)
from agentlab.errors import RecordingFailed
from agentlab.store.db import process_start, write_lock
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
            return None  # derived from the calls on load (queries.with_budget_updates)
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
            | LlmRetry()
        ):
            return event  # text and numbers only: no keys to hide a secret under
        case _:
            assert_never(event)


def _scrubbed(event: E, **parts: Any) -> E:
    dirty = {name: redact(value) for name, value in parts.items() if has_secret(value)}
    return msgspec.structs.replace(event, **dirty) if dirty else event


#: Commit at least every this many buffered events (a long tool-heavy turn still lands).
MAX_BUFFERED = 64

#: How long a write waits for another program's lock (``AGENTLAB_LOCK_WAIT``, ``--lock-wait``).
LOCK_WAIT_S = 30.0


def _busy(exc: BaseException) -> bool:
    name = getattr(exc, "sqlite_errorname", "") or ""
    return name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "database is locked" in str(exc)


def _what(exc: BaseException, waited_s: float) -> str:
    """What went wrong, in a few words a person can act on."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    if _busy(exc):
        return f"the database stayed locked by another program for {waited_s:g} s"
    if name == "SQLITE_FULL" or getattr(exc, "errno", None) == 28:
        return "the disk is full"
    if name.startswith("SQLITE_READONLY"):
        return "the database is read-only"
    if name.startswith("SQLITE_IOERR"):
        return f"a disk I/O error ({exc})"
    return str(getattr(exc, "strerror", None) or exc)


def recording_failure(exc: BaseException, db: Database) -> str:
    """The one line for a write that failed outside a step (a batch of collected spans)."""
    return f"recording failed: {_what(exc, 0)} ({_db_file(db)})"


def _db_file(db: Database) -> str:
    try:
        row = db.execute("PRAGMA database_list").fetchone()
    except sqlite3.Error:
        return "the database"
    return str(row[2]) if row and row[2] else ":memory:"


#: Fields whose values live in the events table's columns, not in its JSON.
_COLUMNS = frozenset({"kind", "id", "session_id", "span_id", "ts"})


@functools.cache
def _defaults(cls: type) -> dict[str, Any]:
    """Each field's default value (an empty container for a factory): left out when stored."""
    out: dict[str, Any] = {}
    for f in msgspec.structs.fields(cls):
        if f.default is not msgspec.NODEFAULT:
            out[f.name] = f.default
        elif f.default_factory is not msgspec.NODEFAULT:
            out[f.name] = f.default_factory()
    return out


def compact(event: AnyEvent) -> bytes:
    """The event's stored JSON: no column fields, no defaults (``queries`` puts them back)."""
    defaults = _defaults(type(event))
    body = {
        k: v
        for k, v in msgspec.structs.asdict(event).items()
        if k not in _COLUMNS and (k not in defaults or v != defaults[k])
    }
    try:
        return encode_body(body)
    except TypeError:
        return _lenient.encode(body)


encode_body = msgspec.json.Encoder().encode


def _commits(e: AnyEvent) -> bool:
    """Events after which the buffer is committed: an agent is about to wait (a model call, a
    person), or something ended."""
    return isinstance(
        e, LlmCallStarted | ApprovalRequested | SessionStarted | SessionEnded | AgentEnded
    )


class Recorder:
    """Writes events to the database as they arrive. Subscribe it to an ``EventBus``.

    The recorder does not own ``db``: ``close()`` commits what is buffered and detaches it; the
    caller closes the database.
    """

    def __init__(self, db: Database, *, lock_wait_s: float | None = None) -> None:
        self.db = db
        #: How long a write waits for another program's lock before the recording fails.
        self.lock_wait_s = LOCK_WAIT_S if lock_wait_s is None else lock_wait_s
        #: Why recording stopped (every later event raises it); None while all is well.
        self.failure: RecordingFailed | None = None
        self._where = _db_file(db)
        # SQLite's own busy handler does the waiting (no polling here); see _write_or_fail.
        db.execute(f"PRAGMA busy_timeout = {int(self.lock_wait_s * 1000)}")
        self._seq: dict[str, int] = {}
        # Rows of the batch being committed, written with one statement each (executemany).
        # Span rows: id -> [id, session, parent, kind, name, agent, status, start_ts,
        # start_mono, end_ts, end_mono]; a span that also ends in the batch is inserted closed.
        self._span_starts: dict[str, list[Any]] = {}
        self._span_ends: list[tuple[Any, ...]] = []
        self._session_counts: dict[str, dict[str, Any]] = {}
        # One lock per connection: runs in several threads may share a kept connection.
        self._lock = write_lock(db)
        self._closed = False
        self._pid = os.getpid()
        self._pid_start = process_start(self._pid)
        self._host = socket.gethostname()
        self._buffer: list[AnyEvent] = []
        #: Per agent span: the last model call's event id and the (live) messages it sent.
        self._conversations: dict[str | None, tuple[str, list[dict[str, Any]]]] = {}

    def __call__(self, event: AnyEvent) -> None:
        if self._closed:
            raise self.failure or RuntimeError("Recorder is closed")
        with self._lock:
            if isinstance(event, LlmCallStarted):
                # Only the new messages are stored, so only they need a look for secrets (the
                # prefix was looked at, and stored clean, with the earlier calls).
                delta = self._delta(event)
                stored: AnyEvent | None = _scrubbed(delta, messages=delta.messages)
            else:
                stored = stored_form(event)
            if stored is None:
                return
            self._buffer.append(stored)
            if len(self._buffer) >= MAX_BUFFERED or _commits(stored):
                self._flush()

    def flush(self) -> None:
        """Commit what is buffered now."""
        with self._lock:
            self._flush()

    def _flush(self) -> None:
        if not self._buffer:
            return
        batch, self._buffer = self._buffer, []
        self._write_or_fail(batch)

    def _write_or_fail(self, batch: list[AnyEvent]) -> None:
        """Write one step's events. Another program's write lock is waited out for up to
        :attr:`lock_wait_s` (the run waits here with it: back-pressure, nothing is buffered
        beyond the step in flight); a lock that does not clear, a full disk, a read-only
        database or any other write error rolls the step back, stops the recorder and raises
        :class:`RecordingFailed` saying what and where (the bus then stops the run)."""
        deadline = time.monotonic() + self.lock_wait_s
        seq = dict(self._seq)
        while True:
            try:
                self._write(batch)
                return
            except (sqlite3.Error, OSError) as exc:
                self._seq = dict(seq)  # the step was rolled back: so are its numbers
                if _busy(exc) and time.monotonic() < deadline:
                    time.sleep(0.05)  # busy without waiting (a snapshot conflict): try again
                    continue
                kept = sum(self._seq.values())
                self.failure = RecordingFailed(
                    f"recording failed: {_what(exc, self.lock_wait_s)} ({self._where}); "
                    + (
                        f"the recording keeps the {kept} events written before"
                        if kept
                        else "nothing of the session was recorded"
                    )
                )
                self._closed = True
                raise self.failure from None

    def _write(self, batch: list[AnyEvent]) -> None:
        bodies = [compact(e).decode() for e in batch]  # before the write lock is taken
        self._span_starts, self._span_ends, self._session_counts = {}, [], {}
        with write_txn(self.db):
            rows = []
            for e, body in zip(batch, bodies, strict=True):
                seq = self._next_seq(e.session_id)
                rows.append((e.id, e.session_id, e.span_id, seq, e.kind, e.ts, body))
            self.db.conn.executemany(
                "INSERT INTO events (id, session_id, span_id, seq, kind, ts, data) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            for e in batch:
                self._apply(e)
            self._write_rows()

    def _delta(self, live: LlmCallStarted) -> LlmCallStarted:
        """The call with only what is new since this agent's previous call. Conversations grow
        by appending (the runtime never edits a sent message in place), so the earlier call's
        messages being the same (or equal) at the start of this one proves the prefix."""
        sent = live.messages
        prev = self._conversations.get(live.parent_id)
        self._conversations[live.parent_id] = (live.id, sent)
        if prev is None:
            return live
        prev_id, prev_sent = prev
        n = len(prev_sent)
        # One C-level comparison (identity first, then value): an equal prefix rebuilds the
        # same request, so no Python loop over the whole conversation on every call.
        if n == 0 or n > len(sent) or sent[:n] != prev_sent:
            return live
        return msgspec.structs.replace(live, messages=sent[n:], prefix_id=prev_id, prefix_len=n)

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
                self._counts(e.session_id)["tool_calls"] += 1
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
                | LlmRetry()
            ):
                pass  # the events row is all of it
            case _:
                assert_never(e)

    def close(self) -> None:
        """Commit what is buffered and stop recording (further events raise). Idempotent;
        leaves ``db`` open."""
        if self.failure is not None:
            self._mark_failed()
        elif not self._closed:
            self.flush()
        self._closed = True
        self._seq.clear()
        self._conversations.clear()

    def _mark_failed(self) -> None:
        """Best effort, at once: the sessions being written say ``error:recording``. A full or
        read-only database refuses this too; the next open then marks them interrupted (their
        process is gone). Either way what was committed stays whole and replayable."""
        assert self.failure is not None
        try:
            self.db.execute("PRAGMA busy_timeout = 0")
            with write_txn(self.db):
                for sid in self._seq:
                    self.db.execute(
                        """UPDATE sessions SET status = 'error', stop_reason = 'error:recording',
                           error = :error, ended_at = coalesce(
                             (SELECT max(ts) FROM events WHERE session_id = :id), started_at)
                           WHERE id = :id AND status = 'running'""",
                        {"id": sid, "error": str(self.failure)},
                    )
                    self.db.execute(
                        "UPDATE spans SET status = 'interrupted' "
                        "WHERE session_id = ? AND end_ts IS NULL",
                        [sid],
                    )
        except (sqlite3.Error, OSError):
            pass

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
            "started_at, pid, host, config, source_session, fork_at, pid_start) "
            "VALUES (?, ?, ?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?)",
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
                self._pid_start,
            ],
        )

    def _span_started(self, e: SpanStartEvent) -> None:
        # Attributes are left empty: queries.get_spans works them out from the events (the
        # same semconv functions), so span rows do not store every text a second time.
        name, agent = semconv.span_label(e)
        parent = getattr(e, "parent_id", None)
        self._span_starts[e.span_id] = [
            e.span_id, e.session_id, parent, e.opens, name, agent, "running", e.ts, e.mono,
            None, None,
        ]  # fmt: skip

    def _span_ended(self, e: SpanEndEvent) -> None:
        row = self._span_starts.get(e.span_id)
        if row is not None:  # opened in this batch: its one row is written closed
            row[6], row[9], row[10] = e.end_status(), e.ts, e.mono
        else:
            self._span_ends.append((e.ts, e.mono, e.end_status(), e.span_id))

    def _counts(self, session_id: str) -> dict[str, Any]:
        """The batch's additions to a session's counters (written once, by _write_rows)."""
        counts = self._session_counts.get(session_id)
        if counts is None:
            counts = self._session_counts[session_id] = {
                "inp": 0, "out": 0, "cost": 0.0, "unpriced": 0, "done": 0, "tool_calls": 0,
                "id": session_id,
            }  # fmt: skip
        return counts

    def _count_llm_call(self, e: LlmCallEnded) -> None:
        # A failed or cancelled call is not a step and costs nothing (as in core.tally).
        done = e.status == "completed"
        counts = self._counts(e.session_id)
        counts["inp"] += e.input_tokens
        counts["out"] += e.output_tokens
        counts["cost"] += e.cost_usd or 0.0
        counts["unpriced"] = max(counts["unpriced"], int(done and e.cost_usd is None))
        counts["done"] += int(done)

    def _write_rows(self) -> None:
        """The batch's span and session rows: a statement per kind of row, not one per event
        (span starts first, so a span that opened and closed in the batch is there to close)."""
        conn = self.db.conn
        if self._span_starts:
            conn.executemany(
                "INSERT INTO spans (id, session_id, parent_id, kind, name, agent, status, "
                "start_ts, start_mono, end_ts, end_mono, attributes) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '{}')",
                self._span_starts.values(),
            )
        if self._span_ends:
            conn.executemany(
                "UPDATE spans SET end_ts = ?, end_mono = ?, status = ? WHERE id = ?",
                self._span_ends,
            )
        if self._session_counts:
            conn.executemany(
                """UPDATE sessions SET
                     input_tokens = input_tokens + :inp,
                     output_tokens = output_tokens + :out,
                     total_tokens = total_tokens + :inp + :out,
                     cost_usd = CASE WHEN :unpriced THEN NULL ELSE cost_usd + :cost END,
                     priced_cost_usd = priced_cost_usd + :cost,
                     unpriced = max(unpriced, :unpriced),
                     steps = steps + :done,
                     tool_calls = tool_calls + :tool_calls
                   WHERE id = :id""",
                list(self._session_counts.values()),
            )
        self._span_starts, self._span_ends, self._session_counts = {}, [], {}

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
