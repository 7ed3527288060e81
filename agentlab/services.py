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
from agentlab.core.events import EventBus, Subscriber
from agentlab.core.session import SessionResult, run_session
from agentlab.core.tally import tally_events
from agentlab.errors import SessionNotFound, UsageError
from agentlab.scenario import Scenario, load_scenario
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
