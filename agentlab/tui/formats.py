"""How the TUI shows values that differ from run to run (times, session ids).

The app takes a ``Formats`` so tests can pin them and keep snapshots stable; everything else on
screen is derived from recorded events, which are deterministic for the offline lab models.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


def short_time(ts: float | None) -> str:
    """Month, day and minute: the year is in the session id, and the table must fit 120 columns."""
    return time.strftime("%m-%d %H:%M", time.localtime(ts)) if ts else "-"


def clock_time(ts: float) -> str:
    """A moment of a run, to the second (a replay's position)."""
    return time.strftime("%H:%M:%S", time.localtime(ts))


def _same(session_id: str) -> str:
    return session_id


def _clock() -> float | None:
    return None  # services.dashboard reads the clock


def seconds(value: float) -> str:
    """A duration: ``340ms`` under a second, ``4.2s``, ``3m05s`` past a minute."""
    if value < 1:
        return f"{value * 1000:.0f}ms"
    if value < 60:
        return f"{value:.1f}s"
    return f"{int(value // 60)}m{int(value % 60):02d}s"


@dataclass(frozen=True)
class Formats:
    #: Wall-clock timestamp (seconds since the epoch, or None) as shown in tables.
    time: Callable[[float | None], str] = short_time
    #: A session id as shown on screen (ids embed their start time).
    session_id: Callable[[str], str] = _same
    #: A duration (elapsed time of a run, a replay's position).
    duration: Callable[[float], str] = seconds
    #: The wall-clock time of an event (the replay timeline's position).
    clock: Callable[[float], str] = clock_time
    #: The current time, for "today" and "7 days" on home (None: the clock).
    now: Callable[[], float | None] = _clock
