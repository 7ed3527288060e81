# ruff: noqa: F811  (the fixtures imported from test_tui are used as parameters)
"""Issue 12's last gaps: the agents table at 80 columns, PII masked in the TUI, the sessions
filter by model, the palette's commands, enter on the row the cursor ends on."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from conftest import SCENARIOS
from rich.text import Text
from test_tui import db_path, log_text, recorded, scenarios, wait_for  # noqa: F401
from textual.widgets import DataTable

from agentlab.core.context import RunOptions
from agentlab.services import list_sessions, run_recorded
from agentlab.tui.app import make_app
from agentlab.tui.screens.replay import ReplayScreen
from agentlab.tui.widgets.agents_table import AgentsTable


def _header(table: DataTable) -> list[str]:
    return [str(c.label) for c in table.ordered_columns]


def _cells(table: DataTable) -> list[str]:
    return [c.plain if isinstance(c, Text) else str(c) for c in table.get_row_at(0)]


async def test_the_agents_table_keeps_status_and_cost_at_80_columns(db_path, recorded) -> None:
    app = make_app(db_path=db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        app.replay_session(recorded)
        await wait_for(pilot, lambda: isinstance(app.screen, ReplayScreen))
        await pilot.press("end")
        table = app.screen.query_one(AgentsTable)
        await wait_for(pilot, lambda: table.row_count == 1)
        await pilot.pause(0.1)
        header = _header(table)
        assert "status" in header and "cost" in header and "agent" in header
        assert len(header) < 7  # the less important columns went
        cells = dict(zip(header, _cells(table), strict=True))
        assert cells["status"] == "completed"
        assert cells["cost"].startswith("$")
        # Never wider than the room it has: nothing is cut off on the right.
        assert sum(c.get_render_width(table) for c in table.ordered_columns) <= (
            table.scrollable_content_region.width
        )
        await pilot.resize_terminal(160, 40)
        await pilot.pause(0.2)
        assert len(_header(table)) == 7  # room again: every column comes back
