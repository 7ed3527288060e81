"""The database a run records into stays open for the process's next runs (no open and WAL
checkpoint per run), without ever writing into a deleted or replaced file, reusing a
connection whose recorder failed, or leaving the WAL behind when the process exits."""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

from conftest import SCENARIOS

from agentlab import services
from agentlab.store import db as store_db
from agentlab.store.queries import list_sessions

BUDGET = SCENARIOS / "budget_math.toml"


def _run(db: Path) -> str:
    return asyncio.run(services.run_recorded(BUDGET, db_path=db)).session_id


def _ids(db: Path) -> list[str]:
    con = store_db.open_db(db)
    try:
        return sorted(s["id"] for s in list_sessions(con, limit=100))
    finally:
        con.close()


def test_runs_in_one_process_share_the_open_database(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    a, b = _run(db), _run(db)
    assert _ids(db) == sorted([a, b])
    kept = [k for k in store_db._KEPT.values() if k[0] == db]
    assert len(kept) == 1  # one connection, kept for the next run
    store_db.close_kept()
    assert not Path(str(db) + "-wal").exists()  # closing checkpointed it into the file


def test_a_database_deleted_between_runs_is_made_afresh(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    _run(db)
    for f in tmp_path.iterdir():
        f.unlink()
    second = _run(db)
    assert _ids(db) == [second]  # in the new file, not in the deleted one's inode


def test_a_database_replaced_between_runs_is_not_written_through_the_old_connection(
    tmp_path: Path,
) -> None:
    db, other = tmp_path / "a.db", tmp_path / "b.db"
    first = _run(db)
    _run(other)
    store_db.close_kept()
    shutil.copy(other, tmp_path / "copy.db")
    os.replace(tmp_path / "copy.db", db)  # a backup restored over it, say
    third = _run(db)
    assert third in _ids(db) and first not in _ids(db)


def test_a_connection_whose_recorder_failed_is_not_reused(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    _run(db)
    con = sqlite3.connect(db, timeout=0)
    con.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    try:
        r = asyncio.run(services.run_recorded(BUDGET, db_path=db, lock_wait_s=0.2))
        assert r.stop_reason == "error:recording"
    finally:
        con.rollback()
        con.close()
    assert not [k for k in store_db._KEPT.values() if k[0] == db]
    ok = _run(db)  # a fresh connection records again
    assert ok in _ids(db)


def test_the_cli_leaves_no_wal_behind(tmp_path: Path) -> None:
    """Copying agentlab.db alone after a run copies every session."""
    env = {**os.environ, "AGENTLAB_HOME": str(tmp_path)}
    for argv in (["run", str(BUDGET), "--json"], ["eval", str(BUDGET)]):
        proc = subprocess.run(
            [sys.executable, "-m", "agentlab", *argv], env=env, capture_output=True, timeout=120
        )
        assert proc.returncode == 0, proc.stderr
        assert not (tmp_path / "agentlab.db-wal").exists(), argv
    alone = tmp_path / "copy" / "agentlab.db"
    alone.parent.mkdir()
    shutil.copy(tmp_path / "agentlab.db", alone)
    assert len(_ids(alone)) == 2
