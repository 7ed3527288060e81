"""Reading recorded sessions back: lists, one session, its spans and events, per-agent numbers."""

from __future__ import annotations

import json
from typing import Any

from sqlite_utils import Database

from agentlab.core.events import AnyEvent, decode


class SessionNotFoundError(LookupError):
    """No session has this id (or id prefix)."""

    def __init__(self, session_id: str) -> None:
        super().__init__(f"no session matches {session_id!r}")
        self.session_id = session_id


class AmbiguousSessionError(LookupError):
    """A session id prefix matches more than one session."""

    def __init__(self, prefix: str, matches: list[str]) -> None:
        shown = ", ".join(matches[:5]) + (", …" if len(matches) > 5 else "")
        super().__init__(
            f"session id prefix {prefix!r} matches {len(matches)} sessions ({shown}); "
            "type more of the id"
        )
        self.prefix = prefix
        self.matches = matches


def _session(row: dict[str, Any]) -> dict[str, Any]:
    row = dict(row)
    row["config"] = json.loads(row["config"]) if row.get("config") else {}
    row["limits"] = json.loads(row["limits"]) if row.get("limits") else None
    row["unpriced"] = bool(row.get("unpriced"))
    return row


def list_sessions(db: Database, limit: int = 50) -> list[dict[str, Any]]:
    """The most recent sessions, newest first."""
    rows = db.query("SELECT * FROM sessions ORDER BY started_at DESC, id DESC LIMIT ?", [limit])
    return [_session(r) for r in rows]


def resolve_session_id(db: Database, id_or_prefix: str) -> str | None:
    """The full id of the session whose id is, or uniquely starts with, ``id_or_prefix``.

    Raises ``AmbiguousSessionError`` when the prefix matches several sessions.
    """
    if not id_or_prefix:
        return None
    if db.execute("SELECT 1 FROM sessions WHERE id = ?", [id_or_prefix]).fetchone():
        return id_or_prefix
    matches = [
        r[0]
        for r in db.execute(
            "SELECT id FROM sessions WHERE substr(id, 1, ?) = ? ORDER BY id LIMIT 21",
            [len(id_or_prefix), id_or_prefix],
        )
    ]
    if len(matches) > 1:
        raise AmbiguousSessionError(id_or_prefix, matches)
    return matches[0] if matches else None


def get_session(db: Database, session_id: str) -> dict[str, Any] | None:
    """One session by id or unique id prefix; ``None`` if nothing matches.

    JSON columns come back parsed (``config`` a dict, ``limits`` a dict or None) and
    ``unpriced`` as a bool; ``cost_usd`` is None when any call was unpriced.
    """
    sid = resolve_session_id(db, session_id)
    if sid is None:
        return None
    row = next(db.query("SELECT * FROM sessions WHERE id = ?", [sid]), None)
    return None if row is None else _session(row)


def require_session(db: Database, session_id: str) -> dict[str, Any]:
    """Like ``get_session`` but raises ``SessionNotFoundError`` instead of returning None."""
    session = get_session(db, session_id)
    if session is None:
        raise SessionNotFoundError(session_id)
    return session


def get_spans(db: Database, session_id: str) -> list[dict[str, Any]]:
    """The session's spans (full id) in start order, ``attributes`` parsed."""
    rows = db.query(
        "SELECT * FROM spans WHERE session_id = ? ORDER BY start_ts, rowid", [session_id]
    )
    out = []
    for row in rows:
        row["attributes"] = json.loads(row["attributes"]) if row["attributes"] else {}
        out.append(row)
    return out


def get_events(db: Database, session_id: str) -> list[AnyEvent]:
    """The session's recorded events (full id), in order, decoded straight from their stored
    JSON (recordings of older versions too: unknown keys are ignored, missing ones defaulted)."""
    rows = db.execute("SELECT data FROM events WHERE session_id = ? ORDER BY seq", [session_id])
    return [decode(data) for (data,) in rows]


def agent_breakdown(db: Database, session_id: str) -> list[dict[str, Any]]:
    """Per-agent numbers for a session (full id), in order of first appearance.

    Counted from the same ``llm_call_ended`` / ``tool_call_ended`` events the session counters
    are, grouped by their ``agent``, so steps, tool calls and tokens sum exactly to the session
    totals (cost to float rounding). ``cost_usd`` is None for an agent with any unpriced call.
    Agents run more than once (a worker called twice) are one row; ``status`` is its last run's.
    """
    spans = db.execute(
        "SELECT id, kind, name, agent, parent_id, status, attributes FROM spans "
        "WHERE session_id = ? ORDER BY start_ts, rowid",
        [session_id],
    ).fetchall()
    by_id = {s[0]: s for s in spans}
    rows: dict[str, dict[str, Any]] = {}

    def row(name: str) -> dict[str, Any]:
        if name not in rows:
            rows[name] = {
                "name": name,
                "model": None,
                "role": "agent",
                "parent": None,
                "steps": 0,
                "tool_calls": 0,
                "input_tokens": 0,
                "output_tokens": 0,
                "cost_usd": 0.0,
                "status": None,
            }
        return rows[name]

    for _id, kind, name, _agent, parent_id, status, attributes in spans:
        if kind != "agent":
            continue
        attrs = json.loads(attributes) if attributes else {}
        r = row(name)
        first_run = r["status"] is None
        r["status"] = status
        if first_run:
            r["model"] = attrs.get("gen_ai.request.model")
            r["role"] = attrs.get("agentlab.agent.role", "agent")
            r["parent"] = attrs.get("agentlab.agent.parent") or _parent_agent(by_id, parent_id)

    llm = db.execute(
        """SELECT json_extract(data, '$.agent') AS agent, count(*),
                  sum(json_extract(data, '$.input_tokens')),
                  sum(json_extract(data, '$.output_tokens')),
                  sum(coalesce(json_extract(data, '$.cost_usd'), 0.0)),
                  sum(json_extract(data, '$.cost_usd') IS NULL),
                  max(json_extract(data, '$.model'))
           FROM events WHERE session_id = ? AND kind = 'llm_call_ended'
           GROUP BY 1 ORDER BY min(seq)""",
        [session_id],
    ).fetchall()
    for agent, steps, inp, out, cost, unpriced, model in llm:
        r = row(agent or "")
        r.update(steps=steps, input_tokens=inp or 0, output_tokens=out or 0)
        r["cost_usd"] = None if unpriced else cost
        r["model"] = r["model"] or model
    tools = db.execute(
        """SELECT json_extract(data, '$.agent'), count(*) FROM events
           WHERE session_id = ? AND kind = 'tool_call_ended' GROUP BY 1 ORDER BY min(seq)""",
        [session_id],
    ).fetchall()
    for agent, count in tools:
        row(agent or "")["tool_calls"] = count

    if any(r["status"] is None for r in rows.values()):
        session = db.execute("SELECT status FROM sessions WHERE id = ?", [session_id]).fetchone()
        for r in rows.values():
            if r["status"] is None:
                r["status"] = session[0] if session else None
    return list(rows.values())


def _parent_agent(by_id: dict[str, tuple], parent_id: str | None) -> str | None:
    """The agent that started an agent span: the nearest enclosing agent, llm or tool span
    (a worker's parent is typically the lead's delegate tool span)."""
    seen = set()
    while parent_id and parent_id in by_id and parent_id not in seen:
        seen.add(parent_id)
        _id, kind, name, agent, grandparent, *_ = by_id[parent_id]
        if kind == "agent":
            return name
        if kind != "session" and agent:
            return agent
        parent_id = grandparent
    return None
