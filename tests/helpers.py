"""Helpers shared by tests: build scenarios in code and run them with an event log."""

from __future__ import annotations

from typing import Any

from agentlab.core.context import RunOptions
from agentlab.core.events import Event, EventBus
from agentlab.core.session import SessionResult, run_session
from agentlab.scenario import Scenario, parse_scenario


def scenario(text: str, name: str = "test.toml") -> Scenario:
    return parse_scenario(text, name)


async def run_collect(
    s: Scenario, options: RunOptions | None = None, **kw: Any
) -> tuple[SessionResult, list[Event]]:
    bus = EventBus()
    events: list[Event] = []
    bus.subscribe(events.append)
    result = await run_session(s, bus=bus, options=options or RunOptions(stream=False), **kw)
    return result, events


def kinds(events: list[Event]) -> list[str]:
    return [e.kind for e in events]
