"""Storage: one SQLite file through sqlite-utils, written as events arrive.

``core`` never imports this package; this package reads ``core.events``.
"""

from agentlab.store.db import open_db
from agentlab.store.queries import (
    AmbiguousSessionError,
    SessionNotFoundError,
    get_events,
    get_session,
    get_spans,
    list_sessions,
)
from agentlab.store.recorder import Recorder

__all__ = [
    "AmbiguousSessionError",
    "Recorder",
    "SessionNotFoundError",
    "get_events",
    "get_session",
    "get_spans",
    "list_sessions",
    "open_db",
]
