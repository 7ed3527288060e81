"""Sessions as JSONL files: lossless export, import into another database, and reading a
recording straight from a file (``agentlab replay|rerun FILE.jsonl``).

A file is a header line, then one event per line in recorded order::

    {"kind":"agentlab_recording","format_version":1,"session_id":"20261129-…"}
    {"kind":"session_started",…}
    …

Each event line is :func:`agentlab.core.events.encode` of the event as the store gives it back
(full messages on every model call, whatever the database keeps), so exporting, importing
elsewhere and exporting again gives the same lines. Files without a header (``format_version``
0: what ``export --format jsonl`` wrote before versioning) still load; a file from a newer
version is refused with a line that says so.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import msgspec
from sqlite_utils import Database

from agentlab.core.events import AnyEvent, SessionEnded, SessionStarted, decode, encode
from agentlab.errors import UsageError
from agentlab.store.recorder import Recorder
from agentlab.store.txn import write_txn

HEADER_KIND = "agentlab_recording"
#: The JSONL format this version writes. 1: a header line, then events.
FORMAT_VERSION = 1


@dataclass
class RecordingFile:
    """What a JSONL file holds."""

    path: str
    format_version: int
    session_id: str
    events: list[AnyEvent]


def dump_lines(session_id: str, events: Iterable[AnyEvent]) -> Iterator[str]:
    """The file's lines, each ending in a newline."""
    header = {"kind": HEADER_KIND, "format_version": FORMAT_VERSION, "session_id": session_id}
    yield json.dumps(header, separators=(",", ":")) + "\n"
    for e in events:
        yield encode(e).decode() + "\n"


def read_file(path: Path | str) -> RecordingFile:
    """Read a recording; a problem is a UsageError ``file:line: what is wrong``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(
            f"{path}: cannot read it: {getattr(exc, 'strerror', None) or exc}"
        ) from None
    if '"resourceSpans"' in text[:4096] and '"session_started"' not in text[:4096]:
        raise UsageError(
            f"{path}: an OTLP trace, not an agentlab recording: "
            f"read it with `agentlab import-otlp {path}`"
        )
    version, session_id = 0, ""
    events: list[AnyEvent] = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        if n == 1 and f'"{HEADER_KIND}"' in line:
            try:
                header = json.loads(line)
                version, session_id = int(header["format_version"]), str(header["session_id"])
            except (ValueError, KeyError, TypeError):
                raise UsageError(f"{path}:1: a broken header line") from None
            if version > FORMAT_VERSION:
                raise UsageError(
                    f"{path}:1: format version {version} is from a newer agentlab "
                    f"(this one reads versions up to {FORMAT_VERSION}); upgrade agentlab"
                )
            continue
        try:
            events.append(decode(line))
        except msgspec.ValidationError as exc:
            raise UsageError(f"{path}:{n}: not an agentlab event ({exc})") from None
        except msgspec.DecodeError:
            raise UsageError(f"{path}:{n}: not a JSON line") from None
    if not events:
        raise UsageError(f"{path}: no events in it: not an agentlab recording")
    first = events[0]
    if not isinstance(first, SessionStarted):
        raise UsageError(f"{path}:{2 if version else 1}: expected the session_started event first")
    session_id = session_id or first.session_id
    stray = next((i for i, e in enumerate(events) if e.session_id != session_id), None)
    if stray is not None:
        raise UsageError(
            f"{path}:{stray + (2 if version else 1)}: an event of another session "
            f"({events[stray].session_id!r}, expected {session_id!r})"
        )
    return RecordingFile(str(path), version, session_id, events)


def import_events(db: Database, events: list[AnyEvent]) -> str:
    """Store a recorded session's events under its own session id, through the recorder (so
    the sessions and spans rows are built exactly as when it was recorded). A session that
    never ended (killed while recording) is stored as interrupted."""
    sid = events[0].session_id
    if db.execute("SELECT 1 FROM sessions WHERE id = ?", [sid]).fetchone():
        raise UsageError(f"session {sid} is already in this database")
    with Recorder(db) as recorder:
        for e in events:
            recorder(e)
    if not isinstance(events[-1], SessionEnded):
        with write_txn(db):
            db.execute(
                "UPDATE sessions SET status = 'interrupted', stop_reason = 'interrupted', "
                "ended_at = ?, pid = NULL WHERE id = ? AND status = 'running'",
                [events[-1].ts, sid],
            )
            db.execute(
                "UPDATE spans SET status = 'interrupted' WHERE session_id = ? AND end_ts IS NULL",
                [sid],
            )
    return sid


def session_from_events(events: list[AnyEvent]) -> dict[str, object]:
    """The session's row, as the database would hold it, worked out from its events (a
    recording read from a file). Token and step counts are left to ``core.tally``."""
    first = events[0]
    assert isinstance(first, SessionStarted)
    last = events[-1]
    ended = last if isinstance(last, SessionEnded) else None
    return {
        "id": first.session_id,
        "scenario": first.scenario,
        "scenario_path": first.scenario_path,
        "pattern": first.pattern,
        "task": first.task,
        "config": first.config,
        "source_session": first.source_session or None,
        "fork_at": first.fork_at or None,
        "started_at": first.ts,
        "ended_at": last.ts,
        "status": ended.status if ended else "interrupted",
        "stop_reason": ended.stop_reason if ended else "interrupted",
        "final_output": ended.final_output if ended else "",
        "error": ended.error if ended else "",
        "limits": (ended.usage.get("limits") if ended else None) or None,
    }
