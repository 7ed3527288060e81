# ruff: noqa: F811  (the fixtures imported from test_tui are used as parameters)
"""Pilot tests for issue 12's flows: the sessions browser (filter, sort, delete, export,
compare), help and the command palette, replay controls, resize."""

from __future__ import annotations

import io
import re

from rich.console import Console
from test_tui import SIZE, db_path, log_text, scenarios, wait_for  # noqa: F401
from textual.widgets import DataTable, Input, Static

from agentlab.core.context import RunOptions
from agentlab.services import list_sessions, run_recorded
from agentlab.tui.app import make_app
from agentlab.tui.screens.compare import CompareScreen
from agentlab.tui.screens.confirm import ConfirmModal
from agentlab.tui.screens.replay import ReplayScreen
from agentlab.tui.screens.run import RunScreen
from agentlab.tui.screens.sessions import matches


async def _record(db, folder, name: str) -> str:
    result = await run_recorded(folder / name, options=RunOptions(stream=False), db_path=db)
    return result.session_id


def _plain(renderable) -> str:
    console = Console(file=io.StringIO(), width=120, color_system=None)
    console.print(renderable)
    return console.file.getvalue()


def _rows(table: DataTable) -> list[str]:
    return [str(table.coordinate_to_cell_key((i, 0)).row_key.value) for i in range(table.row_count)]


async def test_run_a_scenario_to_the_end_and_find_it_in_sessions(db_path, scenarios) -> None:
    app = make_app(db_path=db_path, scenarios_dir=scenarios)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")  # no sessions yet: the scenarios have focus; budget_math
        await wait_for(pilot, lambda: isinstance(app.screen, RunScreen), timeout=90)
        run = app.screen
        await wait_for(pilot, lambda: run.summary is not None, timeout=90)
        await pilot.press("escape", "s")
        await wait_for(pilot, lambda: getattr(app.screen, "_ready", False))
        table = app.screen.query_one("#all", DataTable)
        assert _rows(table) == [run.summary["session_id"]]


async def test_filter_sort_delete_with_confirmation(db_path, scenarios) -> None:
    a = await _record(db_path, scenarios, "budget_math.toml")
    b = await _record(db_path, scenarios, "pause_demo.toml")  # stops at its cap (no one to ask)
    app = make_app(db_path=db_path, scenarios_dir=scenarios)
    async with app.run_test(size=SIZE) as pilot:
        app.open_sessions()
        await wait_for(pilot, lambda: getattr(app.screen, "_ready", False))
        screen = app.screen
        table = screen.query_one("#all", DataTable)
        assert set(_rows(table)) == {a, b}
        await pilot.press("slash", *"status:completed", "enter")
        assert _rows(table) == [a]
        screen.query_one("#filter", Input).value = ""
        await pilot.press("s")  # by cost, largest first
        assert "sorted by cost" in screen.sub_title
        table.move_cursor(row=_rows(table).index(b))
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("n")  # not deleted
        assert {r["session_id"] for r in list_sessions(db_path)} == {a, b}
        await pilot.press("d", "y")
        await wait_for(pilot, lambda: _rows(table) == [a])
        assert [r["session_id"] for r in list_sessions(db_path)] == [a]
        await pilot.press("x")
        assert (db_path.parent / "exports" / f"{a}.jsonl").exists()


async def test_compare_two_sessions(db_path, scenarios) -> None:
    a = await _record(db_path, scenarios, "budget_math.toml")
    b = await _record(db_path, scenarios, "pause_demo.toml")
    app = make_app(db_path=db_path, scenarios_dir=scenarios)
    async with app.run_test(size=SIZE) as pilot:
        app.open_sessions()
        await wait_for(pilot, lambda: getattr(app.screen, "_ready", False))
        await pilot.press("m", "down", "m", "c")
        await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen))
        text = _plain(app.screen.query_one("#sides", Static).content)
        assert "completed" in text and "limit:steps" in text
        assert "analyst" in text and "adder" in text
        parted = _plain(app.screen.query_one("#parted", Static).content)
        # Different agents: the first agent's first call has no counterpart on the other side.
        assert re.match(
            r"They part at (analyst|adder)'s call 1:\nA  .+\nB  \(no such call\)", parted
        )
        c = app.screen.comparison
        assert {a, b} == {c.a["session_id"], c.b["session_id"]}


async def test_help_lists_the_screen_keys_and_the_palette_has_app_commands(
    db_path, scenarios
) -> None:
    app = make_app(db_path=db_path, scenarios_dir=scenarios)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: bool(app.screen.query("HelpPanel")))
        await pilot.press("f1")
        await wait_for(pilot, lambda: not app.screen.query("HelpPanel"))
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for title in ("Sessions", "Replay last session", "Export last session", "Advisor"):
            assert title in titles
        assert "Run budget_math" in titles and "Run pause_demo" in titles


def test_filter_words() -> None:
    row = {"session_id": "x1", "scenario": "research_team", "status": "error", "pattern": "p"}
    assert matches(row, "research status:err")
    assert not matches(row, "status:completed")
    assert not matches(row, "budget")


async def test_replay_seek_and_step_back(db_path, scenarios) -> None:
    sid = await _record(db_path, scenarios, "budget_math.toml")
    app = make_app(db_path=db_path, scenarios_dir=scenarios)
    async with app.run_test(size=SIZE) as pilot:
        app.replay_session(sid)
        await wait_for(pilot, lambda: isinstance(app.screen, ReplayScreen) and app.screen._ready)
        screen = app.screen
        total = len(screen.events)
        await pilot.press("5")  # seek to half way
        half = screen.position
        assert abs(half - total // 2) <= 3
        text = log_text(screen)
        await pilot.press("space")
        assert screen.position > half
        await pilot.press("left")  # step back: exactly the state at the earlier position
        assert screen.position == half
        assert log_text(screen) == text
        await pilot.press("p")  # play
        await wait_for(pilot, lambda: screen.position == total, timeout=30)
        assert "completed" in str(screen.query_one("#summary", Static).render())


async def test_resize_reflows_the_home_columns(db_path, scenarios) -> None:
    await _record(db_path, scenarios, "budget_math.toml")
    app = make_app(db_path=db_path, scenarios_dir=scenarios)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#sessions", DataTable)
        narrow = [str(c.label) for c in table.ordered_columns]
        await pilot.resize_terminal(120, 40)
        await wait_for(pilot, lambda: len(table.ordered_columns) > len(narrow))
        assert "started" in [str(c.label) for c in table.ordered_columns]
        assert "started" not in narrow
