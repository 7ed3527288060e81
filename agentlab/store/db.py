"""Opening the database: WAL, busy timeout, migrations, and marking crashed runs."""

from __future__ import annotations

import functools
import os
import socket
import sqlite3
import urllib.parse
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from agentlab.errors import UsageError
from agentlab.paths import default_db_path
from agentlab.store.migrations import migrate
from agentlab.store.txn import write_txn

BUSY_TIMEOUT_S = 5.0


def open_db(path: Path | str | None = None) -> Database:
    """Open (creating if needed) the agentlab database at ``path`` (default: XDG location).

    Every open migrates the schema and marks sessions whose process died as interrupted.
    ``":memory:"`` gives a throwaway in-memory database. A path that is not a usable SQLite
    file, or another application's database, raises UsageError naming ``--db``, and the file
    is left byte-for-byte as it was (it is looked at read-only first). A database on a
    read-only file system opens read-only: it can be read, and a run's recorder fails on its
    first write (``error:recording``).
    """
    try:
        return _open(path)
    except (sqlite3.Error, OSError) as exc:
        where = path if path is not None else default_db_path()
        reason = getattr(exc, "strerror", None) or str(exc)
        raise UsageError(
            f"--db {where}: cannot use it as the session database ({reason})"
        ) from None


def _open(path: Path | str | None) -> Database:
    if path is None:
        path = default_db_path()
    memory = str(path) == ":memory:"
    if memory:
        target = ":memory:"
    else:
        file = Path(path).expanduser()
        if file.is_dir():
            raise sqlite3.OperationalError("it is a folder")
        file.parent.mkdir(parents=True, exist_ok=True)
        target = str(file)
        if file.is_file() and file.stat().st_size and file.with_name(file.name + "-wal").exists():
            # A WAL the main connection below could checkpoint into the file on close (and
            # delete): look read-only first. Without one, that connection reads the tables
            # before it writes anything.
            _refuse_foreign(file)
    read_only = not memory and _read_only_fs(Path(target))
    if read_only:  # nothing can write there: no WAL index can be made, nobody else writes
        target = _immutable_uri(Path(target))
    # check_same_thread=False: a run may record from a worker thread while the UI reads; the
    # recorder serialises its own writes with a lock.
    conn = sqlite3.connect(target, timeout=BUSY_TIMEOUT_S, check_same_thread=False, uri=read_only)
    db = Database(conn, execute_plugins=False)
    db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
    tables = set(db.table_names())
    if tables and "_migrations" not in tables:  # someone else's database: leave it alone
        conn.close()
        raise _foreign(tables)
    if not memory and not read_only:
        db.enable_wal()
        # In WAL, NORMAL never corrupts and never loses a commit when the *process* dies (the
        # case we care about: a killed run); only a power cut can drop the last commits.
        db.execute("PRAGMA synchronous = NORMAL")
    migrate(db)
    if not read_only:
        mark_stale_sessions(db)
    return db


def _foreign(tables: set[str]) -> sqlite3.DatabaseError:
    return sqlite3.DatabaseError(
        f"it is another application's database (tables: {', '.join(sorted(tables)[:5])})"
    )


def _refuse_foreign(file: Path) -> None:
    """Look at an existing database in WAL mode read-only; raise if it is not an agentlab
    database. A read-only connection reads the WAL too (through the ``-shm`` index, where
    every reader leaves its read mark) and never checkpoints: the database and its WAL are not
    touched before we know it is ours."""
    uri = f"file:{urllib.parse.quote(file.resolve().as_posix())}?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S)
    except sqlite3.Error:
        return  # the read-write open below says what is wrong
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.DatabaseError as exc:
        if "not a database" in str(exc):
            raise
        return  # locked, or a WAL file it cannot map read-only: the open below decides
    finally:
        conn.close()
    if tables and "_migrations" not in tables:
        raise _foreign(tables)


def _immutable_uri(file: Path) -> str:
    return f"file:{urllib.parse.quote(file.resolve().as_posix())}?immutable=1"


def _read_only_fs(file: Path) -> bool:
    """Whether ``file`` exists on a file system mounted read-only."""
    try:
        return file.is_file() and bool(os.statvfs(file).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):  # no statvfs (Windows)
        return False


def process_start(pid: int) -> str | None:
    """When process ``pid`` started, as ``boot-id:ticks`` (Linux ``/proc``), or None where
    that cannot be known. A pid is reused (often after a reboot); a start time is not."""
    if pid == _own[0]:
        own: str | None = _own[1]
        return own
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        boot = _boot_id()
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2 :].split()  # after "pid (comm) "; comm may hold spaces
    start = f"{boot}:{fields[19]}" if len(fields) > 19 else None
    if pid == os.getpid():  # this process's own start, read on every open and every run
        _own[:] = [pid, start]
    return start


#: This process's (pid, start) once read; the pid changes in a forked child, and so does this.
_own: list[Any] = [None, None]


@functools.cache
def _boot_id() -> str:
    return Path("/proc/sys/kernel/random/boot_id").read_text().strip()


def session_alive(pid: int | None, pid_start: str | None) -> bool:
    """Whether the process that recorded a session still runs: its pid exists and, when the
    start time was recorded and can be read, it is the same process."""
    if not pid_alive(pid):
        return False
    if pid_start and pid:
        now = process_start(pid)
        return now is None or now == pid_start
    return True


def pid_alive(pid: int | None) -> bool:
    """Whether a process with this id exists on this host."""
    if not pid or pid <= 0:
        return False
    if os.name == "nt":  # os.kill(pid, 0) terminates on Windows; assume alive there
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    except OSError:
        return False
    return True


def mark_stale_sessions(db: Database) -> list[str]:
    """Sessions still 'running' whose process is gone become 'interrupted'. Returns their ids.

    Only sessions recorded on this host are checked: a pid means nothing elsewhere. A process
    is the same one when its pid and its start time match (:func:`process_start`).
    """
    host = socket.gethostname()
    rows = db.execute(
        "SELECT id, pid, pid_start FROM sessions WHERE status = 'running' AND host = ?", [host]
    ).fetchall()
    mine = process_start(os.getpid())
    stale = [
        sid
        for sid, pid, start in rows
        if not (pid == os.getpid() and start == mine) and not session_alive(pid, start)
    ]
    for sid in stale:
        with write_txn(db):
            db.execute(
                """UPDATE sessions SET status = 'interrupted', stop_reason = 'interrupted',
                   ended_at = coalesce((SELECT max(ts) FROM events WHERE session_id = :id),
                                       started_at)
                   WHERE id = :id AND status = 'running'""",
                {"id": sid},
            )
            db.execute(
                "UPDATE spans SET status = 'interrupted' WHERE session_id = ? AND end_ts IS NULL",
                [sid],
            )
    return stale
