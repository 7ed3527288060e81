"""The recorder never fails silently: real processes against a real database.

- another program holds the write lock: the run waits (back-pressure) and goes on if it clears
  within the wait (``AGENTLAB_LOCK_WAIT``), or stops with ``error:recording``, exit 1 and one
  line naming the database when it does not;
- a full disk (a small tmpfs) and a read-only database (``chattr +i``; a tmpfs remounted
  read-only) stop the run the same way, and what was written stays consistent and replayable;
- ``--no-record`` runs without a recording;
- another application's SQLite file passed as ``--db`` is left byte-for-byte alone;
- a killed run's session is ``interrupted`` even when its process id now belongs to another
  process (the start time of the process is compared, not only its id).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentlab import services
from agentlab.core.context import RunOptions
from agentlab.core.events import EventBus
from agentlab.core.session import SessionResult, run_session
from agentlab.errors import RecordingFailed
from agentlab.scenario import load_scenario
from agentlab.store import open_db
from agentlab.store.queries import get_events, list_sessions

ROOT = Path(__file__).resolve().parent.parent

SCENARIO = """
name = "counting"
task = "Count with the calculator, one step at a time, then say done."
[limits]
steps = {cap}
[loops]
enabled = false
[[agents]]
name = "counter"
model = "lab/scripted"
tools = ["calculator"]
{script}  [[agents.script]]
  text = "Done: {{results}}"
"""
STEPS = """  [[agents.script]]
  tool = "calculator"
  args = {{ expression = "1 + 1" }}
  repeat = {n}
"""


def _scenario(folder: Path, steps: int) -> Path:
    """A one-agent run of ``steps`` calculator steps and a final answer (``steps + 1`` calls)."""
    chunks = [min(1000, steps - i) for i in range(0, steps, 1000)]  # a script entry repeats <= 1000
    script = "".join(STEPS.format(n=n) for n in chunks)
    path = folder / f"count{steps}.toml"
    path.write_text(SCENARIO.format(script=script, cap=steps + 5))
    return path


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "CI": "true", **extra}


def _agentlab(*args: str, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "agentlab", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(**env),
    )


def _finish(proc: subprocess.Popen[str], timeout: float = 120) -> tuple[int, dict, str]:
    out, err = proc.communicate(timeout=timeout)
    summary = json.loads(out.strip().splitlines()[-1]) if out.strip() else {}
    return proc.returncode, summary, err


def _wait_for_events(db: Path, at_least: int, proc: subprocess.Popen[str]) -> None:
    """Until the run has committed ``at_least`` events (read without writing anything)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        if db.exists():
            try:
                conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.1)
                try:
                    n = conn.execute("SELECT count(*) FROM events").fetchone()[0]
                finally:
                    conn.close()
                if n >= at_least:
                    return
            except sqlite3.Error:
                pass
        time.sleep(0.05)
    raise AssertionError("the run never recorded its first events")


LOCKER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], timeout=30, isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("COMMIT")
"""


def _lock(db: Path, hold_s: float) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", LOCKER, str(db), str(hold_s)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
    return proc


def _consistent(db_path: Path) -> list[dict]:
    """Integrity ok; every session's events decode, have no sequence gaps and replay."""
    db = open_db(db_path)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        sessions = list_sessions(db, limit=100)
        for s in sessions:
            seqs = [r[0] for r in db.execute(
                "SELECT seq FROM events WHERE session_id = ? ORDER BY seq", [s["id"]]
            )]  # fmt: skip
            assert seqs == list(range(1, len(seqs) + 1))
            get_events(db, s["id"])
    finally:
        db.close()
    for s in sessions:
        services.load_recording(db_path, s["id"])  # replayable
    return sessions


def _one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("error: recording failed: "), lines[0]
    return lines[0]


# --- another program's write lock --------------------------------------------------------------


def test_a_lock_that_clears_within_the_wait_is_waited_out(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    proc = _agentlab(
        "run", str(_scenario(tmp_path, 60)), "--db", str(db), "--json", "--lab-latency", "20",
        AGENTLAB_LOCK_WAIT="20",
    )  # fmt: skip
    _wait_for_events(db, 10, proc)
    locker = _lock(db, 6.0)  # longer than SQLite's own busy timeout (5 s)
    held_from = time.monotonic()
    code, summary, err = _finish(proc)
    locker.wait(timeout=30)
    assert code == 0, err
    assert summary["status"] == "completed" and summary["steps"] == 61
    assert time.monotonic() - held_from >= 6.0  # it could not have finished while locked
    (session,) = _consistent(db)
    assert session["status"] == "completed" and session["steps"] == 61
    assert session["tool_calls"] == 60
    kinds = [e.kind for e in services.load_recording(db, session["id"]).events]
    assert kinds.count("tool_call_ended") == 60 and kinds[-1] == "session_ended"


def test_a_lock_that_does_not_clear_stops_the_run_with_error_recording(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    proc = _agentlab(
        "run", str(_scenario(tmp_path, 200)), "--db", str(db), "--json", "--lab-latency", "20",
        AGENTLAB_LOCK_WAIT="1",
    )  # fmt: skip
    _wait_for_events(db, 10, proc)
    locker = _lock(db, 600)
    try:
        code, summary, err = _finish(proc)
    finally:
        locker.kill()
        locker.wait()
    assert code == 1
    assert summary["status"] == "error" and summary["stop_reason"] == "error:recording"
    line = _one_error_line(err)
    assert "locked" in line and str(db) in line
    (session,) = _consistent(db)
    assert session["status"] in ("error", "interrupted")  # never "completed"
    assert session["steps"] < 200


def test_the_lock_wait_option_is_checked(tmp_path: Path) -> None:
    proc = _agentlab(
        "run", str(_scenario(tmp_path, 2)), "--db", str(tmp_path / "a.db"), "--lock-wait", "-1"
    )
    code, _, err = _finish(proc)
    assert code == 2 and "--lock-wait" in err
    proc = _agentlab("run", str(_scenario(tmp_path, 2)), "--db", str(tmp_path / "a.db"),
                     AGENTLAB_LOCK_WAIT="soon")  # fmt: skip
    code, _, err = _finish(proc)
    assert code == 2 and "AGENTLAB_LOCK_WAIT" in err


# --- a full disk, a read-only database ---------------------------------------------------------


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs (a disk that fills up), unmounted afterwards."""
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    res = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mnt)],
        capture_output=True,
        text=True,
    )
    if res.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {res.stderr.strip()}")
    try:
        yield mnt
    finally:
        for f in mnt.iterdir():
            subprocess.run(["chattr", "-i", str(f)], capture_output=True)
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def test_a_full_disk_stops_the_run_with_error_recording(tmp_path: Path, tmpfs: Path) -> None:
    db = tmpfs / "a.db"
    proc = _agentlab("run", str(_scenario(tmp_path, 3000)), "--db", str(db), "--json")
    code, summary, err = _finish(proc)
    assert code == 1, err
    assert summary["stop_reason"] == "error:recording"
    assert summary["steps"] < 3001
    line = _one_error_line(err)
    assert "full" in line and str(db) in line
    # What was written stays consistent and replayable (read from a copy: the disk is full).
    copy = tmp_path / "copy"
    copy.mkdir()
    for f in tmpfs.iterdir():
        if f.name != "a.db-shm":
            shutil.copy(f, copy / f.name)
    (session,) = _consistent(copy / "a.db")
    assert session["status"] in ("error", "interrupted")


def test_an_immutable_database_stops_the_run_with_error_recording(
    tmp_path: Path, tmpfs: Path
) -> None:
    db = tmpfs / "a.db"
    open_db(db).close()
    res = subprocess.run(["chattr", "+i", str(db)], capture_output=True, text=True)
    if res.returncode != 0:
        pytest.skip(f"chattr +i is not available here: {res.stderr.strip()}")
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    code, summary, err = _finish(
        _agentlab("run", str(_scenario(tmp_path, 3)), "--db", str(db), "--json")
    )
    assert code == 1
    assert summary["status"] == "error" and summary["stop_reason"] == "error:recording"
    line = _one_error_line(err)
    assert "read-only" in line and str(db) in line
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before


def test_a_read_only_file_system_stops_the_run_with_error_recording(
    tmp_path: Path, tmpfs: Path
) -> None:
    db = tmpfs / "a.db"
    code, summary, err = _finish(
        _agentlab("run", str(_scenario(tmp_path, 3)), "--db", str(db), "--json")
    )
    assert code == 0, err
    res = subprocess.run(["mount", "-o", "remount,ro", str(tmpfs)], capture_output=True, text=True)
    if res.returncode != 0:
        pytest.skip(f"cannot remount the tmpfs read-only: {res.stderr.strip()}")
    code, summary, err = _finish(
        _agentlab("run", str(_scenario(tmp_path, 3)), "--db", str(db), "--json")
    )
    assert code == 1
    assert summary["stop_reason"] == "error:recording"
    line = _one_error_line(err)
    assert "read-only" in line and str(db) in line
    # Reading still works on a read-only database.
    listed = subprocess.run(
        [sys.executable, "-m", "agentlab", "sessions", "list", "--db", str(db), "--json"],
        capture_output=True,
        text=True,
        env=_env(),
    )
    assert listed.returncode == 0, listed.stderr
    assert len(json.loads(listed.stdout)) == 1


# --- no recording ------------------------------------------------------------------------------


def test_no_record_runs_without_a_recording(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    code, summary, err = _finish(
        _agentlab("run", str(_scenario(tmp_path, 3)), "--db", str(db), "--json", "--no-record")
    )
    assert code == 0, err
    assert summary["status"] == "completed" and summary["steps"] == 4
    assert not db.exists()
    # A rerun can run without recording too (reading its source from the database).
    code, summary, err = _finish(
        _agentlab("run", str(_scenario(tmp_path, 3)), "--db", str(db), "--json")
    )
    assert code == 0, err
    code, again, err = _finish(
        _agentlab("rerun", summary["session_id"], "--db", str(db), "--json", "--no-record")
    )
    assert code == 0, err
    assert again["final_output"] == summary["final_output"]
    assert again["replay"]["live_calls"] == 0
    assert [s["id"] for s in _consistent(db)] == [summary["session_id"]]


# --- another application's database ------------------------------------------------------------


@pytest.mark.parametrize("journal", ["delete", "wal", "wal-in-use"])
def test_another_applications_database_is_left_byte_for_byte_alone(
    tmp_path: Path, journal: str
) -> None:
    db = tmp_path / "theirs.db"
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA journal_mode = {journal.removesuffix('-in-use')}")
    conn.execute("CREATE TABLE contacts (name TEXT, phone TEXT)")
    conn.executemany("INSERT INTO contacts VALUES (?, ?)", [("ann", "1"), ("bob", "2")])
    conn.commit()
    if not journal.endswith("-in-use"):  # else: the other application is still using it
        conn.close()
    # The -shm file is shared memory every reader writes its read mark to (the other
    # application's own readers too), not the database: the database and its WAL are compared.
    files = sorted(f for f in tmp_path.iterdir() if not f.name.endswith("-shm"))
    before = {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in files}
    for args in (
        ["run", str(_scenario(tmp_path, 2)), "--db", str(db), "--json"],
        ["sessions", "list", "--db", str(db)],
    ):
        code, _, err = _finish(_agentlab(*args))
        assert code == 2
        assert "another application's database" in err and str(db) in err
    after = {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in sorted(tmp_path.iterdir())
             if f.suffix != ".toml" and not f.name.endswith("-shm")}  # fmt: skip
    assert after == before
    conn.close()


# --- a killed run whose pid was reused ---------------------------------------------------------


def _spawn_with_pid(pid: int) -> subprocess.Popen[str] | None:
    """A `sleep` process given the id ``pid`` (Linux, root: /proc/sys/kernel/ns_last_pid)."""
    for _ in range(50):
        try:
            Path("/proc/sys/kernel/ns_last_pid").write_text(str(pid - 1))
        except OSError:
            return None
        proc = subprocess.Popen(["sleep", "60"], text=True)
        if proc.pid == pid:
            return proc
        proc.kill()
        proc.wait()
    return None


def test_a_killed_run_is_interrupted_even_when_its_pid_is_reused(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    proc = _agentlab(
        "run", str(_scenario(tmp_path, 500)), "--db", str(db), "--json", "--lab-latency", "20"
    )
    _wait_for_events(db, 10, proc)
    shown = services.list_sessions(db)
    assert [s["status"] for s in shown] == ["running"]  # alive: shown as running
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    other = _spawn_with_pid(proc.pid)
    if other is None:
        pytest.skip("cannot choose the next process id here (/proc/sys/kernel/ns_last_pid)")
    try:
        assert other.pid == proc.pid and other.poll() is None  # the pid is alive again
        (session,) = _consistent(db)
        assert session["status"] == "interrupted"
    finally:
        other.kill()
        other.wait()


# --- in process: the bus and the session ------------------------------------------------------


class _FailsAfter:
    """An essential subscriber (a stand-in for the recorder) that fails on its n-th event."""

    def __init__(self, n: int) -> None:
        self.n, self.seen = n, 0

    def __call__(self, event: object) -> None:
        self.seen += 1
        if self.seen >= self.n:
            raise RecordingFailed("recording failed: the disk is full (x.db)")


def _run_with(path: Path, essential: _FailsAfter) -> tuple[SessionResult, list, int]:
    bus = EventBus()
    seen: list = []
    bus.subscribe(essential, essential=True)
    bus.subscribe(seen.append)
    result = asyncio.run(
        run_session(load_scenario(path), bus=bus, options=RunOptions(stream=False))
    )
    return result, seen, essential.seen


@pytest.mark.parametrize("name", ["research_team", "multi_angle_review", "data_pipeline"])
def test_an_essential_subscriber_that_fails_stops_the_run(name: str) -> None:
    path = ROOT / "scenarios" / f"{name}.toml"
    full, _, _ = _run_with(path, _FailsAfter(10**9))
    assert full.status == "completed"
    result, seen, _ = _run_with(path, _FailsAfter(12))
    assert result.status == "error" and result.stop_reason == "error:recording"
    assert result.error == "recording failed: the disk is full (x.db)"
    assert seen[-1].kind == "session_ended" and seen[-1].stop_reason == "error:recording"
    after = seen[12:]
    # Not one model call is answered once the recording failed (at most the step in flight).
    answered = [e for e in after if e.kind == "llm_call_ended" and e.status == "completed"]
    assert len(answered) <= 1
    assert not any(e.kind == "notice" for e in seen)  # the run's result says it, once
    assert result.tally.totals()["steps"] < full.tally.totals()["steps"]


def test_a_failure_on_the_last_write_still_fails_the_run() -> None:
    path = ROOT / "scenarios" / "research_question.toml"
    _, _, total = _run_with(path, _FailsAfter(10**9))
    result, seen, _ = _run_with(path, _FailsAfter(total))  # fails on session_ended
    assert seen[-1].kind == "session_ended"
    assert result.status == "error" and result.stop_reason == "error:recording"


def test_a_view_that_fails_is_still_only_dropped_with_a_notice() -> None:
    bus = EventBus()
    seen: list = []
    bus.subscribe(_FailsAfter(3))
    bus.subscribe(seen.append)
    path = ROOT / "scenarios" / "research_question.toml"
    result = asyncio.run(
        run_session(load_scenario(path), bus=bus, options=RunOptions(stream=False))
    )
    assert result.status == "completed"
    assert [e.kind for e in seen].count("notice") == 1


def test_import_otlp_into_a_read_only_database_fails_with_one_line(
    tmp_path: Path, tmpfs: Path
) -> None:
    """A collected trace that cannot be recorded is an error (exit 1), never "recorded ..."."""
    db = tmpfs / "a.db"
    open_db(db).close()
    res = subprocess.run(["mount", "-o", "remount,ro", str(tmpfs)], capture_output=True, text=True)
    if res.returncode != 0:
        pytest.skip(f"cannot remount the tmpfs read-only: {res.stderr.strip()}")
    payload = Path(__file__).parent / "fixtures" / "otlp" / "pydantic_ai.pb"
    out = subprocess.run(
        [sys.executable, "-m", "agentlab", "import-otlp", str(payload), "--db", str(db)],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=120,
    )
    assert out.returncode == 1, (out.stdout, out.stderr)
    assert "recorded" not in out.stdout
    line = _one_error_line(out.stderr)
    assert "read-only" in line and str(db) in line
