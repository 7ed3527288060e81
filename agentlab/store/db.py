"""Opening the database: WAL, busy timeout, migrations, and marking crashed runs."""

from __future__ import annotations

import os
import socket
import sqlite3
from pathlib import Path

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
    file raises UsageError naming ``--db`` (and the file is left as it was).
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
    # check_same_thread=False: a run may record from a worker thread while the UI reads; the
    # recorder serialises its own writes with a lock.
    conn = sqlite3.connect(target, timeout=BUSY_TIMEOUT_S, check_same_thread=False)
    db = Database(conn, execute_plugins=False)
    db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
    if not memory:
        db.enable_wal()
        # In WAL, NORMAL never corrupts and never loses a commit when the *process* dies (the
        # case we care about: a killed run); only a power cut can drop the last commits.
        db.execute("PRAGMA synchronous = NORMAL")
    tables = set(db.table_names())
    if tables and "_migrations" not in tables:  # someone else's database: leave it alone
        conn.close()
        raise sqlite3.DatabaseError(
            f"it is another application's database (tables: {', '.join(sorted(tables)[:5])})"
        )
    migrate(db)
    mark_stale_sessions(db)
    return db


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

    Only sessions recorded on this host are checked: a pid means nothing elsewhere.
    """
    host = socket.gethostname()
    rows = db.execute(
        "SELECT id, pid FROM sessions WHERE status = 'running' AND host = ?", [host]
    ).fetchall()
    stale = [sid for sid, pid in rows if pid != os.getpid() and not pid_alive(pid)]
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
