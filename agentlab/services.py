"""Services the CLI and the TUI share: the one door to the store, and running a scenario.

Everything the CLI and the TUI read from the database comes through here (nothing else above
``store/`` opens it): each call opens the database at ``db_path`` (default: the XDG location),
reads, and closes it. Nothing here renders; callers pass subscribers (a printer, a TUI bridge)
for the event stream of a run.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from sqlite_utils import Database

from agentlab.core.context import (
    ApproveFn,
    CompleteFn,
    RaiseCapFn,
    RunOptions,
    never_raise,
    nobody_to_ask,
)
from agentlab.core.events import AnyEvent, EventBus, SessionEnded, SessionStarted, Subscriber
from agentlab.core.prices import reprice
from agentlab.core.session import SessionResult, run_session
from agentlab.core.tally import Tally, tally_events
from agentlab.errors import SessionNotFound, UsageError
from agentlab.modelsfile import prepare as prepare_models
from agentlab.scenario import Scenario, load_scenario
from agentlab.shipped import find_recording, recording_hint
from agentlab.store import open_db
from agentlab.store.export import export_jsonl, export_otlp
from agentlab.store.queries import (
    AmbiguousSessionError,
    get_events,
    get_session,
    get_spans,
    replayable,
)
from agentlab.store.queries import list_sessions as _list_sessions
from agentlab.store.recorder import Recorder
from agentlab.store.txn import write_txn

DbPath = Path | str | None
ExportFormat = Literal["otlp-json", "jsonl"]
EXPORT_FORMATS: tuple[ExportFormat, ...] = ("otlp-json", "jsonl")


@contextmanager
def _opened(db_path: DbPath) -> Iterator[Database]:
    db = open_db(db_path)
    try:
        yield db
    finally:
        db.close()


def check_db(db_path: DbPath) -> None:
    """Open the database once (creating and migrating it): a bad ``--db`` is a UsageError here,
    before a UI starts."""
    with _opened(db_path):
        pass


# --- running ---------------------------------------------------------------------------------


async def run_recorded(
    scenario: Scenario | Path | str,
    *,
    options: RunOptions | None = None,
    db_path: DbPath = None,
    subscribers: Iterable[Subscriber] = (),
    raise_cap: RaiseCapFn = never_raise,
    approve: ApproveFn = nobody_to_ask,
    complete: CompleteFn | None = None,
) -> SessionResult:
    """Run a scenario with the recorder attached: the session is in SQLite as it happens."""
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    scenario, options = prepare_models(scenario, options or RunOptions())
    with _opened(db_path) as db:
        bus = EventBus()
        recorder = Recorder(db)
        bus.subscribe(recorder)
        for fn in subscribers:
            bus.subscribe(fn)
        try:
            return await run_session(
                scenario,
                bus=bus,
                options=options,
                raise_cap=raise_cap,
                approve=approve,
                complete=complete,
            )
        finally:
            recorder.close()


@dataclass
class RecordingBus:
    """A bus with the recorder on it, for events made outside a run (``agentlab collect``,
    ``import-otlp``). ``batch()`` writes everything emitted inside it in one transaction."""

    bus: EventBus
    db: Database

    def emit(self, event: Any) -> None:
        self.bus.emit(event)

    @contextmanager
    def batch(self) -> Iterator[None]:
        with write_txn(self.db):
            yield


@contextmanager
def recording_bus(
    db_path: DbPath = None, subscribers: Iterable[Subscriber] = ()
) -> Iterator[RecordingBus]:
    """Record whatever is emitted on the yielded bus, as native sessions are."""
    with _opened(db_path) as db:
        bus = EventBus()
        recorder = Recorder(db)
        bus.subscribe(recorder)
        for fn in subscribers:
            bus.subscribe(fn)
        try:
            yield RecordingBus(bus, db)
        finally:
            recorder.close()


# --- reading recorded sessions ----------------------------------------------------------------


def session_row(row: dict[str, Any]) -> dict[str, Any]:
    """A session as lists show it (and ``sessions list --json`` prints it)."""
    started, ended = row.get("started_at"), row.get("ended_at")
    return {
        "session_id": row["id"],
        "scenario": row.get("scenario"),
        "pattern": row.get("pattern"),
        "status": row.get("status"),
        "stop_reason": row.get("stop_reason"),
        "started_at": started,
        "ended_at": ended,
        "duration_s": round(ended - started, 3) if started and ended else None,
        "input_tokens": row.get("input_tokens") or 0,
        "output_tokens": row.get("output_tokens") or 0,
        "total_tokens": row.get("total_tokens") or 0,
        "cost_usd": row.get("cost_usd")
        if row.get("cost_usd") is not None
        else row.get("priced_cost_usd"),
        "unpriced": bool(row.get("unpriced")),
        "steps": row.get("steps") or 0,
        "tool_calls": row.get("tool_calls") or 0,
    }


def list_sessions(db_path: DbPath = None, limit: int = 50) -> list[dict[str, Any]]:
    """The most recent sessions, newest first, as :func:`session_row` dicts."""
    with _opened(db_path) as db:
        return [session_row(r) for r in _list_sessions(db, limit=limit)]


def _find(db: Database, session_id: str) -> dict[str, Any]:
    """A session's row by id or unique prefix, or a UsageError a person can act on."""
    try:
        session = get_session(db, session_id)
    except AmbiguousSessionError as exc:
        raise UsageError(str(exc)) from None
    if session is None:
        raise SessionNotFound(session_id)
    return session


@dataclass
class SessionReport:
    """What ``sessions show`` shows: the session, its per-agent numbers, its spans."""

    session: dict[str, Any]
    tally: Tally
    spans: list[dict[str, Any]] = field(default_factory=list)


def session_report(db_path: DbPath, session_id: str) -> SessionReport:
    with _opened(db_path) as db:
        session = _find(db, session_id)
        events = get_events(db, session["id"])
        return SessionReport(session, tally_events(events), get_spans(db, session["id"]))


@dataclass
class Recording:
    """A session and its events, to replay through the same views a live run feeds."""

    session: dict[str, Any]
    events: list[AnyEvent]


def load_recording(db_path: DbPath, arg: str) -> Recording:
    """What ``agentlab replay ARG`` and the TUI play back: a recording file (an existing path),
    a shipped recording by name, or a recorded session by id or unique prefix, in that order."""
    from agentlab.store.export import read_jsonl

    recording = find_recording(arg)
    if recording is not None:
        events = read_jsonl(recording)
        started = next((e for e in events if isinstance(e, SessionStarted)), None)
        ended = next((e for e in events if isinstance(e, SessionEnded)), None)
        summary = {
            "id": events[0].session_id,
            "scenario": started.scenario if started else "",
            "status": ended.status if ended else "interrupted",
        }
        return Recording(summary, events)
    with _opened(db_path) as db:
        try:
            session = _find(db, arg)
        except SessionNotFound:
            hint = recording_hint(arg)
            if not hint:
                raise
            raise UsageError(
                f"no session or shipped recording matches {arg!r}{hint} "
                "(see `agentlab sessions list`)"
            ) from None
        return Recording(session, replayable(get_events(db, session["id"])))


def session_costs(db_path: DbPath, session_id: str, models: list[str]) -> dict[str, Any]:
    """What the session's recorded tokens would have cost on each of ``models``
    (:func:`agentlab.core.prices.reprice`), tallied by the same code as a live run."""
    with _opened(db_path) as db:
        session = _find(db, session_id)
        tally = tally_events(get_events(db, session["id"]))
    report = reprice(tally.rows(), models)
    report["session_id"] = session["id"]
    return report


def export_session(db_path: DbPath, session_id: str, fmt: ExportFormat) -> str:
    """The session as OTLP JSON (one document) or JSONL (one event a line)."""
    with _opened(db_path) as db:
        sid = _find(db, session_id)["id"]
        if fmt == "jsonl":
            return "".join(export_jsonl(db, sid))
        return json.dumps(export_otlp(db, sid), indent=2) + "\n"
