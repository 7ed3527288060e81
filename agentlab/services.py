"""Services the CLI and the TUI share: thin glue between files, the store and the core runtime.

Nothing here renders; callers pass subscribers (a printer, a TUI bridge) for the event stream.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from agentlab.config import with_user_prices
from agentlab.core.context import (
    ApproveFn,
    CompleteFn,
    RaiseCapFn,
    RunOptions,
    never_raise,
    nobody_to_ask,
)
from agentlab.core.events import Event, EventBus, SessionEnded, SessionStarted, Subscriber
from agentlab.core.session import SessionResult, run_session
from agentlab.core.tally import tally_events
from agentlab.errors import SessionNotFound, UsageError
from agentlab.scenario import Scenario, load_scenario
from agentlab.shipped import find_recording, recording_hint
from agentlab.store import open_db
from agentlab.store.queries import (
    AmbiguousSessionError,
    SessionNotFoundError,
    get_events,
    get_session,
)
from agentlab.store.recorder import Recorder


async def run_recorded(
    scenario: Scenario | Path | str,
    *,
    options: RunOptions | None = None,
    db_path: Path | str | None = None,
    subscribers: Iterable[Subscriber] = (),
    raise_cap: RaiseCapFn = never_raise,
    approve: ApproveFn = nobody_to_ask,
    complete: CompleteFn | None = None,
) -> SessionResult:
    """Run a scenario with the recorder attached: the session is in SQLite as it happens."""
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    scenario = with_user_prices(scenario)
    db = open_db(db_path)
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
        db.close()


def find_session(db: Any, session_id: str) -> dict[str, Any]:
    """A session by id or unique prefix, or a UsageError a person can act on."""
    try:
        session = get_session(db, session_id)
    except AmbiguousSessionError as exc:
        raise UsageError(str(exc)) from None
    except SessionNotFoundError:
        session = None
    if session is None:
        raise SessionNotFound(session_id)
    return session


def session_tally(db: Any, session_id: str) -> Any:
    """Per-agent numbers of a recorded session, from the same code that tallies a live run."""
    return tally_events(get_events(db, session_id))


def open_replay(arg: str, db_path: Path | str | None = None) -> tuple[dict[str, Any], list[Event]]:
    """What ``agentlab replay ARG`` and the TUI play back: a recording file (an existing path),
    a shipped recording by name, or a recorded session by id or unique prefix, in that order.
    Returns a session summary (``id``, ``scenario``, ``status``) and the events."""
    from agentlab.store.export import read_jsonl

    recording = find_recording(arg)
    if recording is not None:
        events = read_jsonl(recording)
        started = next((e for e in events if isinstance(e, SessionStarted)), None)
        ended = next((e for e in events if isinstance(e, SessionEnded)), None)
        return {
            "id": events[0].session_id,
            "scenario": started.scenario if started else "",
            "status": ended.status if ended else "interrupted",
        }, events
    db = open_db(db_path)
    try:
        try:
            session = find_session(db, arg)
        except SessionNotFound:
            hint = recording_hint(arg)
            if not hint:
                raise
            raise UsageError(
                f"no session or shipped recording matches {arg!r}{hint} "
                "(see `agentlab sessions list`)"
            ) from None
        return session, get_events(db, session["id"])
    finally:
        db.close()
