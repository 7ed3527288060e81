"""Append-only, named schema migrations, run on every open.

Add a new ``@migration`` function at the end to change the schema; never edit or reorder one
that has shipped (a database records the names it has applied in ``_migrations``).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlite_utils import Database

from agentlab.store.txn import write_txn

Migration = Callable[[Database], None]

MIGRATIONS: list[tuple[str, Migration]] = []


def migration(fn: Migration) -> Migration:
    """Register ``fn`` as the next migration, under its function name."""
    name = fn.__name__
    if any(existing == name for existing, _ in MIGRATIONS):
        raise ValueError(f"duplicate migration name: {name}")
    MIGRATIONS.append((name, fn))
    return fn


def _applied(db: Database) -> set[str]:
    if not db["_migrations"].exists():
        return set()
    return {row[0] for row in db.execute("SELECT name FROM _migrations")}


def migrate(db: Database) -> list[str]:
    """Apply the migrations this database has not seen, in order. Returns their names."""
    if not {name for name, _ in MIGRATIONS} - _applied(db):
        return []  # the common case: no write lock taken
    done: list[str] = []
    # One transaction holding the write lock: two processes opening a fresh database at the
    # same moment cannot both run a migration (the second re-reads and finds nothing to do).
    with write_txn(db):
        db.execute(
            "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at REAL)"
        )
        applied = _applied(db)
        for name, fn in MIGRATIONS:
            if name in applied:
                continue
            fn(db)
            db.execute(
                "INSERT INTO _migrations (name, applied_at) VALUES (?, ?)", [name, time.time()]
            )
            done.append(name)
    return done


# --- the migrations ------------------------------------------------------------------------


@migration
def m001_initial(db: Database) -> None:
    db.table("sessions").create(
        {
            "id": str,
            "scenario": str,
            "scenario_path": str,
            "pattern": str,
            "task": str,
            "status": str,
            "stop_reason": str,
            "final_output": str,
            "error": str,
            "started_at": float,
            "ended_at": float,
            "input_tokens": int,
            "output_tokens": int,
            "total_tokens": int,
            # NULL once any call was unpriced (the total is unknown); ``unpriced`` says why, and
            # ``priced_cost_usd`` keeps the known part so a view can show "at least $x".
            "cost_usd": float,
            "priced_cost_usd": float,
            "unpriced": int,
            "steps": int,
            "tool_calls": int,
            "pid": int,
            "host": str,
            "config": str,  # JSON
            "limits": str,  # JSON
        },
        pk="id",
        defaults={
            "status": "running",
            "input_tokens": 0,
            "output_tokens": 0,
            "total_tokens": 0,
            "cost_usd": 0.0,
            "priced_cost_usd": 0.0,
            "unpriced": 0,
            "steps": 0,
            "tool_calls": 0,
        },
    )
    db.table("sessions").create_index(["started_at"])
    db.table("spans").create(
        {
            "id": str,
            "session_id": str,
            "parent_id": str,
            "kind": str,
            "name": str,
            "agent": str,
            "status": str,
            "start_ts": float,
            "end_ts": float,
            "start_mono": float,
            "end_mono": float,
            "attributes": str,  # JSON
        },
        pk="id",
        defaults={"status": "running", "attributes": "{}"},
    )
    db.table("spans").create_index(["session_id"])
    db.table("events").create(
        {
            "id": str,
            "session_id": str,
            "span_id": str,
            "seq": int,
            "kind": str,
            "ts": float,
            "data": str,  # JSON: Event.to_dict()
        },
        pk="id",
    )
    db.table("events").create_index(["session_id", "seq"], unique=True)
    db.table("events").create_index(["session_id", "kind"])


@migration
def m002_lineage(db: Database) -> None:
    """A rerun or fork names the session it replays (``agentlab rerun``, ``--fork-at``)."""
    db.table("sessions").add_column("source_session", str)
    db.table("sessions").add_column("fork_at", str)
    db.table("sessions").create_index(["source_session"])


@migration
def m003_process_start(db: Database) -> None:
    """When the recording process started (``db.process_start``): a dead run's pid may belong
    to another process by now, so liveness compares the start time, not the pid alone."""
    db.table("sessions").add_column("pid_start", str)


@migration
def m004_eval_runs(db: Database) -> None:
    """``agentlab eval``: each eval run, and each case run in it with the session it ran as."""
    db.table("eval_runs").create(
        {
            "id": str,
            "started_at": float,
            "ended_at": float,
            "paths": str,  # JSON list
            "options": str,  # JSON: model, repeat, shard, from_recordings
            "ok": int,
            "overall": str,  # JSON: the CLEAR figures
        },
        pk="id",
    )
    db.table("eval_results").create(
        {
            "eval_run": str,
            "case_id": str,
            "repeat": int,
            "session_id": str,
            "passed": int,
            "skipped": str,
            "failures": str,  # JSON list of {expectation, message}
        },
        pk=("eval_run", "case_id", "repeat"),
    )
    db.table("eval_results").create_index(["session_id"])


@migration
def m005_drop_events_kind_index(db: Database) -> None:
    """No query reads events by kind (they are read per session in ``seq`` order), and the
    index cost every step's commit a few more pages written (issue 9: the hot path)."""
    db.execute("DROP INDEX IF EXISTS idx_events_session_id_kind")


@migration
def m006_eval_judge(db: Database) -> None:
    """An LLM judge's call per case run (model, verdict, score, reasoning, tokens, cost): a
    passing verdict is kept too, not only failures."""
    db.table("eval_results").add_column("judge", str)
