"""Exports of a recorded session: JSONL (lossless events) and OTLP/HTTP JSON (traces).

The OTLP document can be POSTed to any collector's ``/v1/traces`` (Phoenix, Langfuse, Jaeger…).
Span names and attributes come from :mod:`agentlab.core.semconv` (the OpenTelemetry GenAI
semantic conventions, as the recorder stored them); token usage appears as ``gen_ai.usage.*``
on ``chat`` spans only, so a backend that sums it counts each call once (the session span carries
the totals as ``agentlab.usage.*``). Point events (handoffs, cap warnings, loops, approvals,
notices) ride on their span as OTLP span events.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlite_utils import Database

import agentlab
from agentlab.core import semconv
from agentlab.store.queries import get_events, get_spans, require_session

SPAN_KIND_INTERNAL = 1
SPAN_KIND_CLIENT = 3
STATUS_OK = 1
STATUS_ERROR = 2

# Past this gap between wall-clock and monotonic-derived times, the clock jumped or the
# session spans processes: use wall-clock times as recorded.
_MAX_CLOCK_SKEW_S = 60.0


def trace_id(session_id: str) -> str:
    """32 hex digits, the same for a session every time it is exported."""
    return hashlib.md5(session_id.encode(), usedforsecurity=False).hexdigest()


def span_id(session_id: str, our_span_id: str) -> str:
    """16 hex digits derived from our span id (scoped by session, so imports cannot collide)."""
    key = f"{session_id}:{our_span_id}".encode()
    return hashlib.md5(key, usedforsecurity=False).hexdigest()[:16]


def otlp_value(value: Any) -> dict[str, Any]:
    """An OTLP JSON ``AnyValue``: int64 as a decimal string, lists as arrays, dicts as JSON."""
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        return {"intValue": str(value)}
    if isinstance(value, float):
        return {"doubleValue": value}
    if isinstance(value, list | tuple):
        return {"arrayValue": {"values": [otlp_value(v) for v in value]}}
    if isinstance(value, str):
        return {"stringValue": value}
    return {"stringValue": json.dumps(value, ensure_ascii=False, default=str)}


def otlp_attributes(attributes: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"key": k, "value": otlp_value(v)} for k, v in attributes.items() if v is not None]


class _Clock:
    """Maps (wall ts, monotonic) pairs to ns since the epoch.

    Times are the session start's wall clock plus monotonic offsets, so durations and ordering
    are exact even if the wall clock moved during the run.
    """

    def __init__(self, spans: list[dict[str, Any]]) -> None:
        self.anchor: tuple[float, float] | None = None
        if spans and spans[0]["start_mono"] is not None:
            root = next((s for s in spans if s["kind"] == "session"), spans[0])
            self.anchor = (root["start_ts"], root["start_mono"])
            for s in spans:
                pairs = [(s["start_ts"], s["start_mono"]), (s["end_ts"], s["end_mono"])]
                for ts, mono in pairs:
                    if ts is None:
                        continue
                    if mono is None or abs(self._mono(mono) - ts) > _MAX_CLOCK_SKEW_S:
                        self.anchor = None

    def _mono(self, mono: float) -> float:
        assert self.anchor is not None
        return self.anchor[0] + (mono - self.anchor[1])

    def ns(self, ts: float, mono: float | None) -> str:
        seconds = self._mono(mono) if self.anchor and mono is not None else ts
        return str(round(seconds * 1_000_000_000))


def _status(span: dict[str, Any]) -> dict[str, Any]:
    status = span["status"]
    attrs = span["attributes"]
    if status in ("completed", "stopped"):
        return {"code": STATUS_OK, "message": ""}
    if status == "error":
        message = attrs.get("agentlab.error") or attrs.get("agentlab.stop_reason") or "error"
        return {"code": STATUS_ERROR, "message": str(message)}
    if span["end_ts"] is None:
        return {
            "code": STATUS_ERROR,
            "message": "interrupted" if status != "running" else "unfinished",
        }
    return {"code": STATUS_ERROR, "message": str(status)}


def export_otlp(db: Database, session_id: str) -> dict[str, Any]:
    """The session as an OTLP/HTTP JSON ``ExportTraceServiceRequest``.

    Spans still open (an interrupted or running session) end at the session's last event.
    """
    session = require_session(db, session_id)
    sid = session["id"]
    spans = get_spans(db, sid)
    clock = _Clock(spans)
    trace = trace_id(sid)
    known = {s["id"] for s in spans}
    root = next((s["id"] for s in spans if s["kind"] == "session"), None)

    last = db.execute(
        "SELECT ts, json_extract(data, '$.mono') FROM events WHERE session_id = ? "
        "ORDER BY seq DESC LIMIT 1",
        [sid],
    ).fetchone()
    last_ts, last_mono = last if last else (session["ended_at"] or session["started_at"], None)

    span_events: dict[str, list[dict[str, Any]]] = {}
    for event in get_events(db, sid):
        attrs = semconv.span_event(event)
        owner = event.span_id if event.span_id in known else root
        if attrs is None or owner is None:
            continue
        span_events.setdefault(owner, []).append(
            {
                "timeUnixNano": clock.ns(event.ts, event.mono),
                "name": event.kind,
                "attributes": otlp_attributes(attrs),
            }
        )

    out = []
    for s in spans:
        attrs = {"agentlab.session.id": sid, **s["attributes"]}
        if s["kind"] == "session":
            attrs.update(_session_totals(session))
        if s["end_ts"] is None:
            end = clock.ns(max(last_ts, s["start_ts"]), last_mono)
        else:
            end = clock.ns(s["end_ts"], s["end_mono"])
        parent = s["parent_id"]
        if parent is not None and parent not in known:
            parent = root if root != s["id"] else None  # dangling parent: hang it on the root
        out.append(
            {
                "traceId": trace,
                "spanId": span_id(sid, s["id"]),
                "parentSpanId": span_id(sid, parent) if parent else "",
                "name": semconv.span_name(s["kind"], s["name"]),
                "kind": SPAN_KIND_CLIENT if s["kind"] == "llm" else SPAN_KIND_INTERNAL,
                "startTimeUnixNano": clock.ns(s["start_ts"], s["start_mono"]),
                "endTimeUnixNano": end,
                "attributes": otlp_attributes(attrs),
                "events": span_events.get(s["id"], []),
                "status": _status(s),
            }
        )

    return {
        "resourceSpans": [
            {
                "resource": {
                    "attributes": [{"key": "service.name", "value": {"stringValue": "agentlab"}}]
                },
                "scopeSpans": [
                    {
                        "scope": {"name": "agentlab", "version": agentlab.__version__},
                        "spans": out,
                    }
                ],
            }
        ]
    }


def _session_totals(session: dict[str, Any]) -> dict[str, Any]:
    return {
        "agentlab.status": session["status"],
        "agentlab.stop_reason": session["stop_reason"] or None,
        "agentlab.usage.input_tokens": session["input_tokens"],
        "agentlab.usage.output_tokens": session["output_tokens"],
        "agentlab.usage.total_tokens": session["total_tokens"],
        "agentlab.cost_usd": session["cost_usd"],
        "agentlab.unpriced": session["unpriced"],
        "agentlab.steps": session["steps"],
        "agentlab.tool_calls": session["tool_calls"],
    }
