"""Storage: paths, migrations, recording, queries, stale sessions, per-agent numbers."""

from __future__ import annotations

import subprocess
import sys

import msgspec
import pytest
from test_store_streams import (
    checked_stream,
    llm_ends,
    record,
    single_agent_stream,
    two_agent_stream,
)

from agentlab import services
from agentlab.core.events import (
    AgentStarted,
    ApprovalRequested,
    CheckEnded,
    EventBus,
    LlmCallEnded,
    LlmCallStarted,
    SessionEnded,
    SessionStarted,
    ToolCallEnded,
    ToolCallStarted,
    encode,
)
from agentlab.paths import agentlab_home, default_db_path
from agentlab.store.db import open_db
from agentlab.store.migrations import MIGRATIONS, migrate
from agentlab.store.queries import (
    AmbiguousSessionError,
    get_events,
    get_session,
    get_spans,
    list_sessions,
)
from agentlab.store.recorder import Recorder, compact, stored_form


@pytest.fixture
def db(tmp_path, monkeypatch):
    monkeypatch.setenv("AGENTLAB_HOME", str(tmp_path / "home"))
    database = open_db(tmp_path / "lab.db")
    yield database
    database.close()


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


# --- paths ---------------------------------------------------------------------------------


def test_home_prefers_agentlab_home(tmp_path, monkeypatch):
    monkeypatch.setenv("AGENTLAB_HOME", str(tmp_path / "h"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert agentlab_home() == tmp_path / "h"
    assert default_db_path() == tmp_path / "h" / "agentlab.db"
    assert not (tmp_path / "h").exists()  # created lazily, by whoever writes


def test_home_falls_back_to_xdg_then_local_share(tmp_path, monkeypatch):
    monkeypatch.delenv("AGENTLAB_HOME", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert agentlab_home() == tmp_path / "xdg" / "agentlab"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    assert agentlab_home() == tmp_path / "user" / ".local" / "share" / "agentlab"


def test_open_db_default_path_creates_home(tmp_path, monkeypatch):
    monkeypatch.setenv("AGENTLAB_HOME", str(tmp_path / "a" / "b"))
    database = open_db()
    try:
        assert (tmp_path / "a" / "b" / "agentlab.db").exists()
        assert database.journal_mode == "wal"
        assert database.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
    finally:
        database.close()


# --- migrations ----------------------------------------------------------------------------

EXPECTED_COLUMNS = {
    "sessions": {
        "id": "TEXT",
        "scenario": "TEXT",
        "scenario_path": "TEXT",
        "pattern": "TEXT",
        "task": "TEXT",
        "status": "TEXT",
        "stop_reason": "TEXT",
        "final_output": "TEXT",
        "error": "TEXT",
        "started_at": "REAL",
        "ended_at": "REAL",
        "input_tokens": "INTEGER",
        "output_tokens": "INTEGER",
        "total_tokens": "INTEGER",
        "cost_usd": "REAL",
        "priced_cost_usd": "REAL",
        "unpriced": "INTEGER",
        "steps": "INTEGER",
        "tool_calls": "INTEGER",
        "pid": "INTEGER",
        "host": "TEXT",
        "config": "TEXT",
        "limits": "TEXT",
        "source_session": "TEXT",
        "fork_at": "TEXT",
        "pid_start": "TEXT",
    },
    "spans": {
        "id": "TEXT",
        "session_id": "TEXT",
        "parent_id": "TEXT",
        "kind": "TEXT",
        "name": "TEXT",
        "agent": "TEXT",
        "status": "TEXT",
        "start_ts": "REAL",
        "end_ts": "REAL",
        "start_mono": "REAL",
        "end_mono": "REAL",
        "attributes": "TEXT",
    },
    "events": {
        "id": "TEXT",
        "session_id": "TEXT",
        "span_id": "TEXT",
        "seq": "INTEGER",
        "kind": "TEXT",
        "ts": "REAL",
        "data": "TEXT",
    },
}


def test_migrating_a_blank_db_creates_tables_and_is_idempotent(tmp_path):
    database = open_db(tmp_path / "blank.db")
    try:
        for table, columns in EXPECTED_COLUMNS.items():
            assert {c.name: c.type for c in database[table].columns} == columns
            assert database[table].pks == ["id"]
            indexed = {col for idx in database[table].indexes for col in idx.columns}
            if table != "sessions":
                assert "session_id" in indexed
        applied = [r["name"] for r in database["_migrations"].rows]
        assert applied == [name for name, _ in MIGRATIONS]
        assert migrate(database) == []
    finally:
        database.close()
    again = open_db(tmp_path / "blank.db")  # re-opening runs migrations again: nothing to do
    try:
        assert again["_migrations"].count == len(MIGRATIONS)
    finally:
        again.close()


# --- recording and queries -----------------------------------------------------------------


def test_single_agent_stream_round_trips(db):
    events = single_agent_stream()
    sid = events[0].session_id
    record(db, events)

    [row] = list_sessions(db)
    session = get_session(db, sid)
    assert row == session
    assert session["status"] == "completed"
    assert session["stop_reason"] == "final_answer"
    assert session["final_output"] == "It is 4."
    assert session["scenario"] == "calc-demo"
    assert session["config"] == {"model": "lab/echo", "temperature": 0.0}
    assert session["limits"] == {"total_tokens": 1000, "cost_usd": 0.5}
    assert session["started_at"] == events[0].ts
    assert session["ended_at"] == events[-1].ts

    ends = llm_ends(events)
    assert session["input_tokens"] == sum(e.input_tokens for e in ends) == 250
    assert session["output_tokens"] == sum(e.output_tokens for e in ends) == 50
    assert session["total_tokens"] == 300
    assert session["cost_usd"] == 0.375
    assert session["unpriced"] is False
    assert session["steps"] == 2
    assert session["tool_calls"] == 1

    stored = [e for e in events if e.kind not in ("llm_delta", "budget_update")]
    assert get_events(db, sid) == stored
    seqs = [r[0] for r in db.execute("SELECT seq FROM events ORDER BY seq")]
    assert seqs == list(range(1, len(stored) + 1))

    spans = get_spans(db, sid)
    assert [(s["kind"], s["name"], s["status"]) for s in spans] == [
        ("session", "calc-demo", "completed"),
        ("agent", "solo", "completed"),
        ("llm", "lab/echo", "completed"),
        ("tool", "calc", "completed"),
        ("llm", "lab/echo", "completed"),
    ]
    session_span, agent_span, llm1, tool, _llm2 = spans
    assert session_span["parent_id"] is None
    assert agent_span["parent_id"] == session_span["id"]
    assert llm1["parent_id"] == tool["parent_id"] == agent_span["id"]
    assert all(s["end_ts"] is not None for s in spans)
    assert llm1["attributes"]["gen_ai.usage.input_tokens"] == 100
    assert llm1["attributes"]["gen_ai.operation.name"] == "chat"
    assert llm1["attributes"]["gen_ai.response.finish_reasons"] == ["tool_calls"]
    assert llm1["attributes"]["agentlab.cost_usd"] == 0.25
    assert tool["attributes"]["gen_ai.tool.call.id"] == "c1"
    assert tool["attributes"]["gen_ai.tool.call.result"] == "4"


def test_recorder_is_an_event_bus_subscriber(db):
    bus = EventBus()
    bus.subscribe(Recorder(db))
    seen = []
    bus.subscribe(seen.append)
    for event in single_agent_stream():
        bus.emit(event)
    assert not [e for e in seen if e.kind == "notice" and e.level == "error"]
    assert get_session(db, "20250101-120000-abc123")["status"] == "completed"


def test_unpriced_call_makes_session_cost_unknown(db):
    events = two_agent_stream()
    record(db, events)
    session = get_session(db, events[0].session_id)
    assert session["cost_usd"] is None
    assert session["unpriced"] is True
    assert session["priced_cost_usd"] == 0.375
    assert session["status"] == "stopped"
    assert session["limits"] is None


def test_secrets_never_reach_the_database(db):
    sid = "20250101-000000-5ec7e7"
    record(
        db,
        [
            SessionStarted(
                session_id=sid,
                span_id="s",
                scenario="x",
                config={
                    "model": "gpt-4o",
                    "api_key": "sk-live-123",
                    "headers": {"Authorization": "Bearer abc"},
                },
            )
        ],
    )
    dump = "\n".join(str(r) for t in ("sessions", "events", "spans") for r in db[t].rows)
    assert "sk-live-123" not in dump
    assert "Bearer abc" not in dump
    assert get_session(db, sid)["config"]["model"] == "gpt-4o"


SID = "20250101-000000-5ec7e7"
SECRET = {"model": "gpt-4o", "api_key": "sk-live-123", "nested": [{"Authorization": "Bearer abc"}]}


@pytest.mark.parametrize(
    "event",
    [
        LlmCallStarted(
            session_id=SID,
            span_id="l",
            model="m",
            messages=[{"role": "user", "content": "hi", "extra": SECRET}],
        ),
        LlmCallEnded(session_id=SID, span_id="l", model="m", tool_calls=[{"arguments": SECRET}]),
        ToolCallStarted(session_id=SID, span_id="t", tool="http", call_id="1", arguments=SECRET),
        ApprovalRequested(session_id=SID, span_id="c", tool="http", call_id="1", arguments=SECRET),
        CheckEnded(
            session_id=SID, span_id="c", check="x", stage="tool", verdict="flag", detail=SECRET
        ),
        SessionEnded(
            session_id=SID, span_id="s", status="completed", stop_reason="x", usage=SECRET
        ),
    ],
    ids=lambda e: e.kind,
)
def test_secrets_in_any_part_of_an_event_never_reach_the_database(db, event):
    original = encode(event)
    record(db, [SessionStarted(session_id=SID, span_id="s", scenario="x"), event])
    dump = "\n".join(str(r) for t in ("sessions", "events", "spans") for r in db[t].rows)
    assert "sk-live-123" not in dump and "Bearer abc" not in dump
    assert "[redacted]" in dump and "gpt-4o" in dump  # only the secret values go
    assert encode(event) == original  # the live views keep the event as it was


def test_an_event_without_secrets_is_stored_as_is_without_a_copy(db):
    events = checked_stream()
    assert all(stored_form(e) is e for e in events)
    record(db, events)
    stored = [r[0] for r in db.execute("SELECT data FROM events ORDER BY seq")]
    assert stored == [compact(e).decode() for e in events]
    assert get_events(db, events[0].session_id) == events


def test_a_value_json_cannot_hold_is_recorded_as_text_not_a_lost_recording(db):
    class Odd:
        def __str__(self) -> str:
            return "odd value"

    event = ToolCallStarted(
        session_id=SID, span_id="t", tool="t", call_id="1", arguments={"x": Odd()}
    )
    record(db, [SessionStarted(session_id=SID, span_id="s", scenario="x"), event])
    [stored] = [e for e in get_events(db, SID) if isinstance(e, ToolCallStarted)]
    assert stored.arguments == {"x": "odd value"}


def test_check_spans_are_recorded_with_their_verdict(db):
    events = checked_stream()
    record(db, events)
    spans = {s["name"]: s for s in get_spans(db, events[0].session_id)}
    approval, loop, refund = spans["approval"], spans["loop"], spans["issue_refund"]
    assert (approval["kind"], approval["status"], approval["agent"]) == (
        "check",
        "stopped",
        "support",
    )
    assert approval["parent_id"] == refund["id"]
    assert approval["attributes"] == {
        "agentlab.check.name": "approval",
        "agentlab.check.stage": "tool",
        "agentlab.check.subject": "issue_refund",
        "agentlab.agent.name": "support",
        "agentlab.check.verdict": "block",
        "agentlab.check.by": "person",
        "agentlab.check.reason": "not today",
    }
    assert (loop["status"], loop["parent_id"]) == ("completed", spans["support"]["id"])
    assert loop["attributes"]["agentlab.check.verdict"] == "flag"
    llm = [s for s in get_spans(db, events[0].session_id) if s["kind"] == "llm"]
    assert llm[0]["attributes"]["agentlab.checks"] == ["loop", "tool_allowlist"]
    assert "agentlab.checks" not in llm[1]["attributes"]
    assert get_events(db, events[0].session_id) == events


def test_sessions_newest_first_and_prefix_lookup(db):
    record(db, single_agent_stream("20250101-000000-aaaaaa"))
    record(db, two_agent_stream("20250102-000000-aabbbb"))
    record(db, two_agent_stream("20250103-000000-cccccc"))
    assert [s["id"] for s in list_sessions(db)] == [
        "20250103-000000-cccccc",
        "20250102-000000-aabbbb",
        "20250101-000000-aaaaaa",
    ]
    assert [s["id"] for s in list_sessions(db, limit=1)] == ["20250103-000000-cccccc"]
    assert get_session(db, "20250102")["id"] == "20250102-000000-aabbbb"
    assert get_session(db, "20250101-000000-aaaaaa")["id"] == "20250101-000000-aaaaaa"
    assert get_session(db, "2026") is None
    assert get_session(db, "") is None
    with pytest.raises(AmbiguousSessionError, match="matches 3 sessions") as info:
        get_session(db, "2025")
    assert len(info.value.matches) == 3


def test_killed_run_is_marked_interrupted_on_next_open(tmp_path):
    path = tmp_path / "lab.db"
    events = single_agent_stream(end=False)
    # cut the run short inside the second llm call: started, never ended
    cut = next(i for i, e in enumerate(events) if isinstance(e, LlmCallStarted) and e.step == 2)
    partial = events[: cut + 1]
    sid = partial[0].session_id
    database = open_db(path)
    record(database, partial)
    assert get_session(database, sid)["status"] == "running"  # our own pid: alive
    database.execute("UPDATE sessions SET pid = ?", [dead_pid()])
    database.close()

    database = open_db(path)
    try:
        session = get_session(database, sid)
        assert session["status"] == "interrupted"
        assert session["stop_reason"] == "interrupted"
        assert session["ended_at"] == partial[-1].ts
        assert get_events(database, sid) == [
            e for e in partial if e.kind not in ("llm_delta", "budget_update")
        ]
        open_spans = [s for s in get_spans(database, sid) if s["end_ts"] is None]
        assert {s["kind"] for s in open_spans} == {"session", "agent", "llm"}
        assert {s["status"] for s in open_spans} == {"interrupted"}
        # a later recorder continues the sequence rather than colliding
        assert database.execute("SELECT max(seq) FROM events").fetchone()[0] == len(
            [e for e in partial if e.kind not in ("llm_delta", "budget_update")]
        )
    finally:
        database.close()


def test_live_session_is_not_marked_interrupted(tmp_path):
    path = tmp_path / "lab.db"
    database = open_db(path)
    record(database, single_agent_stream(end=False))
    database.close()
    database = open_db(path)  # same (alive) process recorded it
    try:
        assert list_sessions(database)[0]["status"] == "running"
    finally:
        database.close()


# --- per-agent numbers: one tally, through the services -------------------------------------


def agent_rows(db, session_id: str) -> list[dict]:
    """Per-agent rows as `sessions show` gets them (services -> core.tally over the events)."""
    (path,) = [row[2] for row in db.execute("PRAGMA database_list") if row[1] == "main"]
    return services.session_report(path, session_id).tally.rows()


def _assert_sums_to_session(rows, session):
    for key in ("steps", "tool_calls", "input_tokens", "output_tokens"):
        assert sum(r[key] for r in rows) == session[key], key
    if session["cost_usd"] is None:
        assert any(r["unpriced_calls"] for r in rows)
    else:
        assert sum(r["cost_usd"] for r in rows) == pytest.approx(session["cost_usd"])


def test_agent_rows_single_agent(db):
    events = single_agent_stream()
    record(db, events)
    session = get_session(db, events[0].session_id)
    rows = agent_rows(db, session["id"])
    assert rows == [
        {
            "name": "solo",
            "model": "lab/echo",
            "role": "agent",
            "parent": None,
            "steps": 2,
            "tool_calls": 1,
            "input_tokens": 250,
            "output_tokens": 50,
            "cost_usd": 0.375,
            "unpriced_calls": 0,
            "status": "completed",
        }
    ]
    _assert_sums_to_session(rows, session)


@pytest.mark.parametrize("worker_priced", [False, True])
def test_agent_rows_of_two_agents_sum_to_the_session(db, worker_priced):
    events = two_agent_stream(worker_priced=worker_priced)
    record(db, events)
    session = get_session(db, events[0].session_id)
    lead, worker = rows = agent_rows(db, session["id"])
    assert (lead["name"], lead["role"], lead["model"]) == ("lead", "lead", "gpt-4o-mini")
    assert (worker["name"], worker["role"]) == ("worker", "worker")
    assert (lead["steps"], lead["tool_calls"], lead["input_tokens"]) == (2, 1, 600)
    assert (worker["steps"], worker["tool_calls"], worker["input_tokens"]) == (1, 1, 300)
    assert lead["cost_usd"] == 0.375
    assert worker["unpriced_calls"] == (0 if worker_priced else 1)
    assert session["cost_usd"] == (0.875 if worker_priced else None)
    _assert_sums_to_session(rows, session)


def test_a_failed_call_counts_the_same_per_agent_and_for_the_session(db):
    """The one tally: a failed call is no step and costs nothing, in the session's row and in
    the per-agent rows alike (the removed SQL breakdown counted it as a step)."""
    events = single_agent_stream()
    first = llm_ends(events)[0]
    i = events.index(first)
    failed = msgspec.structs.replace(
        first, status="error", error="boom", cost_usd=None, output_tokens=0
    )
    events[i] = failed
    record(db, events)
    session = get_session(db, events[0].session_id)
    (row,) = agent_rows(db, session["id"])
    assert row["steps"] == session["steps"] == 1
    assert row["unpriced_calls"] == 0  # a failed call is not an unpriced one
    _assert_sums_to_session([row], session)


def test_agent_rows_use_the_declared_parent_and_count_agents_without_spans(db):
    sid = "20250101-000000-0000aa"
    record(
        db,
        [
            SessionStarted(session_id=sid, span_id="s", scenario="x", ts=1.0),
            AgentStarted(
                session_id=sid,
                span_id="a",
                parent_id="s",
                agent="helper",
                model="m",
                parent_agent="boss",
                ts=2.0,
            ),
            ToolCallStarted(
                session_id=sid, span_id="t", parent_id="s", agent="ghost", tool="x", call_id="1"
            ),
            ToolCallEnded(session_id=sid, span_id="t", agent="ghost", tool="x", call_id="1"),
        ],
    )
    rows = agent_rows(db, sid)
    assert [(r["name"], r["parent"], r["status"], r["tool_calls"]) for r in rows] == [
        ("helper", "boss", "running", 0),
        ("ghost", None, "running", 1),
    ]


def test_provisional_budget_updates_are_not_recorded(tmp_path) -> None:
    from agentlab.core.events import BudgetUpdate
    from agentlab.store import Recorder, open_db

    db = open_db(tmp_path / "x.db")
    rec = Recorder(db)
    rec(BudgetUpdate(session_id="s", span_id="x", agent="a", provisional=True))
    assert db["events"].count == 0
