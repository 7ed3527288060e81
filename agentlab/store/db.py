"""Opening the database: WAL, busy timeout, migrations, and marking crashed runs."""

from __future__ import annotations

import atexit
import functools
import os
import socket
import sqlite3
import threading
import urllib.parse
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
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


#: Databases kept open for recording, by file (see :func:`recording_db`): the newest few.
_KEPT: OrderedDict[tuple[int, int], tuple[Path, Database]] = OrderedDict()
_KEPT_MAX = 2
_KEPT_LOCK = threading.Lock()


@contextmanager
def recording_db(path: Path | str | None = None) -> Iterator[Database]:
    """The database a run records into, kept open for the process's next runs.

    Opening costs ~1 ms (migrations check, stale sessions) and closing the last connection
    checkpoints the WAL into the file with two fsyncs (~5 ms here): per run, that is 0.1 ms a
    step of a 50-step run. Evals, the TUI and scripts run many sessions in one process, so the
    connection stays open (the newest :data:`_KEPT_MAX` files; one in use is never closed
    under a run) until :func:`close_kept` at exit (the TUI's exit calls it; ``atexit`` too).
    Nothing waits for that close: each step is committed to the WAL as it happens, and a
    process killed with the connection open loses nothing (the next open reads the WAL).

    The file is looked up by device and inode on every call, so a database deleted or replaced
    since is opened afresh (never written into a deleted file). Writers sharing a connection
    take :func:`write_lock` around each transaction. ``:memory:`` is never kept. Call
    :func:`forget_recording_db` inside the block when the connection must not be reused."""
    if path is not None and str(path) == ":memory:":
        db = open_db(path)
        try:
            yield db
        finally:
            db.close()
        return
    db = _acquire(Path(path if path is not None else default_db_path()).expanduser())
    try:
        yield db
    finally:
        _release(db)


def _acquire(file: Path) -> Database:
    key = _file_key(file)
    with _KEPT_LOCK:
        # By device and inode: a file deleted or replaced since has another key (its old inode
        # cannot be reused while the kept connection holds it open).
        kept = _KEPT.pop(key, None) if key is not None else None
        if key is not None and kept is not None:
            _KEPT[key] = kept
            db = kept[1]
        else:
            db = open_db(file)
            key = _file_key(file)
            if key is not None:
                _KEPT[key] = (file, db)
        db._agentlab_users = getattr(db, "_agentlab_users", 0) + 1  # type: ignore[attr-defined]
        _evict()
        return db


def _release(db: Database) -> None:
    with _KEPT_LOCK:
        db._agentlab_users -= 1  # type: ignore[attr-defined]
        kept = any(d is db for _, d in _KEPT.values())
        if not kept and db._agentlab_users == 0:  # type: ignore[attr-defined]
            db.close()
        _evict()


def _evict() -> None:
    """Close the oldest kept databases nobody is using, down to :data:`_KEPT_MAX`."""
    for key, (_, db) in list(_KEPT.items()):
        if len(_KEPT) <= _KEPT_MAX:
            return
        if getattr(db, "_agentlab_users", 0) == 0:
            del _KEPT[key]
            db.close()


def forget_recording_db(db: Database) -> None:
    """Stop keeping ``db`` open (say, its recorder failed and its state is unknown): it is
    closed when its last user is done."""
    with _KEPT_LOCK:
        for key, (_, kept) in list(_KEPT.items()):
            if kept is db:
                del _KEPT[key]


def close_kept() -> None:
    """Close the databases kept open for recording (checkpointing each WAL into its file)."""
    with _KEPT_LOCK:
        while _KEPT:
            _, (_, db) = _KEPT.popitem()
            try:
                db.close()
            except sqlite3.Error:
                pass


atexit.register(close_kept)


def write_lock(db: Database) -> threading.RLock:
    """The lock every writer of one connection holds around a transaction (runs in several
    threads may share a kept connection)."""
    with _KEPT_LOCK:
        lock: threading.RLock | None = getattr(db, "_agentlab_write_lock", None)
        if lock is None:
            lock = threading.RLock()
            db._agentlab_write_lock = lock  # type: ignore[attr-defined]
        return lock


def _file_key(file: Path) -> tuple[int, int] | None:
    try:
        st = file.stat()
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


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
