"""Crash safety and concurrent writers with real processes (the recorder commits per step).

- kill -9 at several points of a run: the database passes ``PRAGMA integrity_check``, the
  session is marked interrupted on the next open, what was committed loads and is whole (every
  stored event decodes, every model call's conversation rebuilds, sequence numbers have no
  gaps), and at most the step in flight is missing.
- several processes recording into one database at once: every session complete, nothing lost.
"""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from agentlab.core.events import LlmCallStarted
from agentlab.store import open_db
from agentlab.store.queries import get_events, list_sessions

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = """
import asyncio, sys
sys.path.insert(0, {bench!r})
from bench_overhead import _scenario
from agentlab import services
from agentlab.core.context import RunOptions

async def main():
    s = _scenario({steps}, "lab/scripted")
    s = s.model_copy(update={{"lab": s.lab.model_copy(update={{"ttft_ms": {ttft}}})}})
    r = await services.run_recorded(s, options=RunOptions(stream=False), db_path={db!r})
    print(r.status, r.session_id, flush=True)

asyncio.run(main())
"""


def _start(db: Path, steps: int, ttft: float) -> subprocess.Popen[str]:
    code = SCRIPT.format(bench=str(ROOT / "bench"), steps=steps, ttft=ttft, db=str(db))
    return subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def _whole(db_path: Path) -> list[dict]:
    db = open_db(db_path)  # marks dead runs interrupted
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        sessions = list_sessions(db, limit=100)
        for s in sessions:
            events = get_events(db, s["id"])
            seqs = [r[0] for r in db.execute(
                "SELECT seq FROM events WHERE session_id = ? ORDER BY seq", [s["id"]]
            )]  # fmt: skip
            assert seqs == list(range(1, len(seqs) + 1))
            calls = [e for e in events if isinstance(e, LlmCallStarted)]
            for prev, call in itertools.pairwise(calls):  # conversations rebuilt
                assert call.messages[: len(prev.messages)] == prev.messages
        return sessions
    finally:
        db.close()


@pytest.mark.parametrize("after_s", [0.4, 0.9, 1.6])
def test_kill_9_mid_run_loses_at_most_the_step_in_flight(tmp_path: Path, after_s: float) -> None:
    db = tmp_path / "k.db"
    proc = _start(db, steps=200, ttft=10)  # ~2 s of steps, each waiting on its model call
    deadline = time.monotonic() + 60
    while not db.exists() and time.monotonic() < deadline:  # the interpreter's start-up varies
        time.sleep(0.05)
    time.sleep(after_s)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    sessions = _whole(db)
    if not sessions:  # killed before the session row was committed: nothing half-written
        return
    (s,) = sessions
    assert s["status"] == "interrupted"
    db_ = open_db(db)
    try:
        events = get_events(db_, s["id"])
    finally:
        db_.close()
    started = [e for e in events if isinstance(e, LlmCallStarted)]
    ended = [e for e in events if e.kind == "llm_call_ended"]
    assert len(started) - len(ended) <= 1  # only the call in flight is open


def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    open_db(db).close()
    procs = [_start(db, steps=20, ttft=1) for _ in range(4)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1][-500:] for o in outs]
    sessions = _whole(db)
    assert len(sessions) == 4
    assert all(s["status"] == "completed" and s["tool_calls"] == 20 for s in sessions)
    conn = open_db(db)
    try:
        for s in sessions:
            kinds = [e.kind for e in get_events(conn, s["id"])]
            assert kinds.count("tool_call_ended") == 20 and kinds[-1] == "session_ended"
    finally:
        conn.close()
