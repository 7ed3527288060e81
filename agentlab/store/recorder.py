"""The recorder: an EventBus subscriber that writes a session to SQLite as it happens.

Each event is one short transaction (its ``events`` row plus the span/session row it opens,
closes or counts), so a killed run leaves everything up to its last event, replayable.
Streamed text (``llm_delta``) is not stored: the final text is on ``llm_call_ended``.
"""

from __future__ import annotations

import json
import os
import socket
import threading
from typing import Any

from sqlite_utils import Database

from agentlab.core.events import (
    AgentEnded,
    AgentStarted,
    Event,
    LlmCallEnded,
    LlmCallStarted,
    SessionEnded,
    SessionStarted,
    ToolCallEnded,
    ToolCallStarted,
)
from agentlab.store.txn import write_txn

NOT_STORED = frozenset({"llm_delta"})

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

# Span attributes repeat some event text for trace viewers; the full text stays in the event.
MAX_ATTR_TEXT = 8192


def to_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def redact(value: Any) -> Any:
    """A copy of ``value`` with secret-looking keys' values replaced (dicts/lists, any depth)."""
    if isinstance(value, dict):
        return {
            k: REDACTED
            if isinstance(k, str) and _is_secret_key(k) and value[k] not in (None, "")
            else redact(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


def _is_secret_key(key: str) -> bool:
    key = key.lower()
    return key in SECRET_KEYS or key.endswith(("_api_key", "-api-key"))


def _text(value: str) -> str:
    if len(value) <= MAX_ATTR_TEXT:
        return value
    return value[:MAX_ATTR_TEXT] + f"… [{len(value) - MAX_ATTR_TEXT} more chars]"


def provider_of(model: str) -> str | None:
    """``gen_ai.provider.name`` guessed from a litellm model string."""
    if "/" in model:
        return model.split("/", 1)[0]
    if model.startswith(("gpt-", "o1", "o3", "o4", "chatgpt")):
        return "openai"
    if model.startswith("claude"):
        return "anthropic"
    if model.startswith("gemini"):
        return "gemini"
    return None


def _attrs(**items: Any) -> dict[str, Any]:
    """Attribute dict without empty values (keys use dots, hence the ``__`` spelling)."""
    return {k.replace("__", "."): v for k, v in items.items() if v is not None and v != ""}


def span_start_attributes(event: Event) -> tuple[str, str | None, dict[str, Any]]:
    """(span name, agent, attributes) for a span-start event. GenAI semconv keys where one
    exists, ``agentlab.*`` otherwise."""
    if isinstance(event, SessionStarted):
        return (
            event.scenario,
            None,
            _attrs(
                agentlab__session__id=event.session_id,
                agentlab__scenario=event.scenario,
                agentlab__scenario_path=event.scenario_path,
                agentlab__pattern=event.pattern,
                agentlab__task=_text(event.task),
            ),
        )
    if isinstance(event, AgentStarted):
        return (
            event.agent,
            event.agent,
            _attrs(
                gen_ai__operation__name="invoke_agent",
                gen_ai__agent__name=event.agent,
                gen_ai__request__model=event.model,
                gen_ai__provider__name=provider_of(event.model),
                agentlab__agent__role=event.role,
                agentlab__agent__parent=event.parent_agent,
                agentlab__agent__input=_text(event.input),
            ),
        )
    if isinstance(event, LlmCallStarted):
        return (
            event.model,
            event.agent,
            _attrs(
                gen_ai__operation__name="chat",
                gen_ai__request__model=event.model,
                gen_ai__provider__name=provider_of(event.model),
                gen_ai__agent__name=event.agent,
                gen_ai__request__max_tokens=event.max_tokens,
                agentlab__step=event.step,
                agentlab__tools=list(event.tools) or None,
            ),
        )
    if isinstance(event, ToolCallStarted):
        return (
            event.tool,
            event.agent,
            _attrs(
                gen_ai__operation__name="execute_tool",
                gen_ai__tool__name=event.tool,
                gen_ai__tool__call__id=event.call_id,
                gen_ai__tool__type="function",
                gen_ai__agent__name=event.agent,
                gen_ai__tool__call__arguments=_text(to_json(redact(event.arguments))),
            ),
        )
    # A span kind with no start handler yet: keep it generic.
    return event.kind, getattr(event, "agent", None), {}


def span_end_update(event: Event) -> tuple[str, dict[str, Any]]:
    """(status, attributes to merge) for a span-end event."""
    if isinstance(event, SessionEnded):
        return event.status, _attrs(
            agentlab__status=event.status,
            agentlab__stop_reason=event.stop_reason,
            agentlab__error=event.error,
            agentlab__final_output=_text(event.final_output),
        )
    if isinstance(event, AgentEnded):
        return event.status, _attrs(
            agentlab__status=event.status,
            agentlab__stop_reason=event.stop_reason,
            agentlab__agent__output=_text(event.output),
            agentlab__error=event.error,
        )
    if isinstance(event, LlmCallEnded):
        return event.status, _attrs(
            gen_ai__response__model=event.model,
            gen_ai__response__finish_reasons=[event.finish_reason] if event.finish_reason else None,
            gen_ai__usage__input_tokens=event.input_tokens,
            gen_ai__usage__output_tokens=event.output_tokens,
            agentlab__cost_usd=event.cost_usd,
            agentlab__unpriced=True if event.cost_usd is None else None,
            agentlab__response__content=_text(event.content),
            agentlab__response__tool_calls=[_call_name(c) for c in event.tool_calls] or None,
            agentlab__error=event.error,
            agentlab__usage__estimated_input_tokens=event.estimated_input_tokens,
            agentlab__usage__estimated_output_tokens=event.estimated_output_tokens,
        )
    if isinstance(event, ToolCallEnded):
        return ("error" if event.is_error else "completed"), _attrs(
            gen_ai__tool__call__result=_text(event.result),
            agentlab__tool__is_error=event.is_error,
        )
    return "completed", {}


def _call_name(call: dict[str, Any]) -> str:
    fn = call.get("function")
    if isinstance(fn, dict) and fn.get("name"):
        return str(fn["name"])
    return str(call.get("name", "?"))


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

    def __call__(self, event: Event) -> None:
        if event.kind in NOT_STORED or getattr(event, "provisional", False):
            return
        if self._closed:
            raise RuntimeError("Recorder is closed")
        data = to_json(redact(event.to_dict()))
        with self._lock, write_txn(self.db):
            seq = self._next_seq(event.session_id)
            self.db.execute(
                "INSERT INTO events (id, session_id, span_id, seq, kind, ts, data) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [event.id, event.session_id, event.span_id, seq, event.kind, event.ts, data],
            )
            if isinstance(event, SessionStarted):
                self._session_started(event)
            if event.opens is not None:
                self._span_started(event)
            elif isinstance(event, SessionEnded | AgentEnded | LlmCallEnded | ToolCallEnded):
                self._span_ended(event)
            if isinstance(event, LlmCallEnded):
                self._count_llm_call(event)
            elif isinstance(event, ToolCallEnded):
                self.db.execute(
                    "UPDATE sessions SET tool_calls = tool_calls + 1 WHERE id = ?",
                    [event.session_id],
                )
            elif isinstance(event, SessionEnded):
                self._session_ended(event)

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
            "started_at, pid, host, config) VALUES (?, ?, ?, ?, ?, 'running', ?, ?, ?, ?)",
            [
                e.session_id,
                e.scenario,
                e.scenario_path,
                e.pattern,
                e.task,
                e.ts,
                self._pid,
                self._host,
                to_json(redact(e.config)),
            ],
        )

    def _span_started(self, e: Event) -> None:
        name, agent, attributes = span_start_attributes(e)
        self.db.execute(
            "INSERT INTO spans (id, session_id, parent_id, kind, name, agent, status, "
            "start_ts, start_mono, attributes) VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?, ?)",
            [
                e.span_id,
                e.session_id,
                getattr(e, "parent_id", None),
                e.opens,
                name,
                agent,
                e.ts,
                e.mono,
                to_json(attributes),
            ],
        )

    def _span_ended(self, e: Event) -> None:
        status, attributes = span_end_update(e)
        self.db.execute(
            "UPDATE spans SET end_ts = ?, end_mono = ?, status = ?, "
            "attributes = json_patch(coalesce(attributes, '{}'), ?) WHERE id = ?",
            [e.ts, e.mono, status, to_json(attributes), e.span_id],
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
                None if limits is None else to_json(redact(limits)),
                e.session_id,
            ],
        )
