"""Reading recorded sessions back: lists, one session, its spans and events.

Per-agent numbers are not worked out here: ``core.tally`` counts them from the events, the same
way for a live run and a recording (``services.session_report``)."""

from __future__ import annotations

import json
from typing import Any

from sqlite_utils import Database

from agentlab.core import semconv
from agentlab.core.events import AnyEvent, BudgetUpdate, LlmCallStarted, decode
from agentlab.core.tally import with_budget_updates
from agentlab.store.txn import write_txn


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


#: What a list of sessions shows (``services.session_row``): no config, no limits.
LIST_COLUMNS = (
    "id",
    "scenario",
    "pattern",
    "status",
    "stop_reason",
    "started_at",
    "ended_at",
    "input_tokens",
    "output_tokens",
    "total_tokens",
    "cost_usd",
    "priced_cost_usd",
    "unpriced",
    "steps",
    "tool_calls",
    "source_session",
    "fork_at",
)


def list_sessions(
    db: Database,
    limit: int = 50,
    *,
    scenario: str | None = None,
    status: str | None = None,
    model: str | None = None,
    since: float | None = None,
    columns: tuple[str, ...] | None = None,
) -> list[dict[str, Any]]:
    """The most recent sessions, newest first; each filter given narrows the list.

    ``scenario``: the scenario's name or its file's path; ``model``: any agent's model;
    ``since``: started at or after this time (seconds since the epoch). ``columns`` reads only
    those (e.g. :data:`LIST_COLUMNS`: no JSON to parse, for long lists)."""
    where: list[str] = []
    params: list[Any] = []
    if scenario is not None:
        where.append("(scenario = ? OR scenario_path = ?)")
        params += [scenario, scenario]
    if status is not None:
        where.append("status = ?")
        params.append(status)
    if model is not None:
        where.append(
            "EXISTS (SELECT 1 FROM json_each(sessions.config, '$.agents') "
            "WHERE json_extract(value, '$.model') = ?)"
        )
        params.append(model)
    if since is not None:
        where.append("started_at >= ?")
        params.append(since)
    sql = f"SELECT {', '.join(columns) if columns else '*'} FROM sessions"
    if where:
        sql += " WHERE " + " AND ".join(where)
    cursor = db.execute(sql + " ORDER BY started_at DESC, id DESC LIMIT ?", [*params, limit])
    names = [d[0] for d in cursor.description]
    if columns:  # only plain columns: nothing to parse
        return [dict(zip(names, r, strict=True)) for r in cursor]
    return [_session(dict(zip(names, r, strict=True))) for r in cursor]


def reruns_of(db: Database, session_id: str) -> list[str]:
    """The sessions that replay this one (reruns and forks), oldest first."""
    rows = db.execute(
        "SELECT id FROM sessions WHERE source_session = ? ORDER BY started_at, id", [session_id]
    )
    return [r[0] for r in rows]


def delete_sessions(db: Database, session_ids: list[str]) -> None:
    """Remove sessions with their spans and events (full ids), in one transaction."""
    with write_txn(db):
        for sid in session_ids:
            for table in ("events", "spans"):
                db.execute(f"DELETE FROM {table} WHERE session_id = ?", [sid])
            db.execute("DELETE FROM sessions WHERE id = ?", [sid])


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
    """The session's spans (full id) in start order, ``attributes`` parsed. Span rows store the
    tree only; their OpenTelemetry attributes are worked out from the session's events with
    :mod:`agentlab.core.semconv` (rows written by older versions kept theirs: used as stored)."""
    rows = db.query(
        "SELECT * FROM spans WHERE session_id = ? ORDER BY start_ts, rowid", [session_id]
    )
    out = []
    for row in rows:
        row["attributes"] = json.loads(row["attributes"]) if row["attributes"] else {}
        out.append(row)
    if any(not row["attributes"] for row in out):
        derived = span_attributes(get_events(db, session_id))
        for row in out:
            if not row["attributes"]:
                row["attributes"] = derived.get(row["id"], {})
    return out


def span_attributes(events: list[AnyEvent]) -> dict[str, dict[str, Any]]:
    """Each span's attributes (start and end merged), from its start and end events."""
    attrs: dict[str, dict[str, Any]] = {}
    for e in events:
        if e.opens is not None:
            attrs[e.span_id] = dict(semconv.span_start(e).attributes)  # type: ignore[arg-type]
        elif e.closes:
            attrs.setdefault(e.span_id, {}).update(semconv.span_end(e))  # type: ignore[arg-type]
    return attrs


def get_events(db: Database, session_id: str) -> list[AnyEvent]:
    """The session's recorded events (full id), in order, exactly as they were emitted.

    Stored rows are compact (see :mod:`agentlab.store.recorder`): the columns give back
    ``kind``, ids and time, model calls get their whole conversation back from the call their
    prefix points at. Budget snapshots are not stored (``replayable`` adds them back). Rows written whole by
    older versions (their JSON starts with ``kind`` or ``session_id``) decode as they are; unknown
    keys are ignored and missing ones defaulted."""
    rows = db.execute(
        "SELECT id, span_id, kind, ts, data FROM events WHERE session_id = ? ORDER BY seq",
        [session_id],
    )
    sid = json.dumps(session_id)
    events: list[AnyEvent] = []
    sent: dict[str, list[dict[str, Any]]] = {}
    for id_, span, kind, ts, data in rows:
        if data.startswith(_WHOLE):
            e = decode(data)
        else:
            head = (
                f'{{"kind":"{kind}","id":"{id_}","session_id":{sid},"span_id":"{span}","ts":{ts!r}'
            )
            e = decode(head + ("}" if data == "{}" else "," + data[1:]))
        if isinstance(e, LlmCallStarted):
            if e.prefix_id:
                e.messages = sent.get(e.prefix_id, [])[: e.prefix_len] + e.messages
                e.prefix_id, e.prefix_len = "", 0
            sent[e.id] = e.messages
        events.append(e)
    return events


_WHOLE = ('{"kind"', '{"session_id"')


def replayable(events: list[AnyEvent]) -> list[AnyEvent]:
    """Events to play back through the live views: with the budget snapshots the recorder
    leaves out worked out from the calls (recordings that stored them keep theirs)."""
    if any(isinstance(e, BudgetUpdate) for e in events):
        return events
    return with_budget_updates(events)
