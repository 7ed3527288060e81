# ruff: noqa: F811  (the fixtures imported from test_tui are used as parameters)
"""Issue 12's last gaps: the agents table at 80 columns, PII masked in the TUI, the sessions
filter by model, the palette's commands, enter on the row the cursor ends on."""

from __future__ import annotations

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


# --- PII masked where people see it ------------------------------------------------------------

POISONED = SCENARIOS / "poisoned_document.toml"  # mask_output = true; quotes an email address
EMAIL = "dana.whitfield@example.com"


def _inspected_text(view) -> str:
    """Every span of the view as the inspector shows it, as plain text."""
    import io

    from rich.console import Console

    from agentlab.core.inspect import inspect_span
    from agentlab.tui.inspect_view import detail_group

    console = Console(file=io.StringIO(), width=200, color_system=None)
    for sid in dict.fromkeys(e.span_id for e in view.events if e.opens is not None):
        detail = inspect_span(view.events, sid)
        assert detail is not None
        console.print(detail_group(detail))
    return console.file.getvalue()


async def test_replay_masks_pii_in_the_transcript_and_the_inspector(db_path) -> None:
    result = await run_recorded(POISONED, options=RunOptions(stream=False), db_path=db_path)
    app = make_app(db_path=db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        app.replay_session(result.session_id)
        await wait_for(pilot, lambda: isinstance(app.screen, ReplayScreen))
        await pilot.press("end")
        await pilot.pause(0.1)
        shown = log_text(app.screen)
        assert "[EMAIL]" in shown and EMAIL not in shown
        inspected = _inspected_text(app.screen.view)
        assert "[EMAIL]" in inspected and EMAIL not in inspected


async def test_a_live_run_masks_pii_while_the_store_keeps_it(db_path, tmp_path: Path) -> None:
    from agentlab.tui.screens.run import RunScreen

    app = make_app(db_path=db_path, scenarios_dir=tmp_path, run_options=RunOptions(stream=True))
    async with app.run_test(size=(120, 40)) as pilot:
        app.run_scenario(POISONED)
        await wait_for(pilot, lambda: isinstance(app.screen, RunScreen))
        run = app.screen
        await wait_for(pilot, lambda: run.summary is not None, timeout=60)
        await pilot.pause(0.1)
        shown = log_text(run)
        assert "[EMAIL]" in shown and EMAIL not in shown
        inspected = _inspected_text(run.view)
        assert "[EMAIL]" in inspected and EMAIL not in inspected
    sid = list_sessions(db_path)[0]["session_id"]
    from agentlab.services import load_recording

    stored = load_recording(db_path, sid).events
    assert any(EMAIL in str(e) for e in stored)  # exact in the store, for replay and rerun


async def test_compare_masks_pii_like_the_other_views(db_path) -> None:
    import io

    from rich.console import Console
    from textual.widgets import Static

    from agentlab.tui.screens.compare import CompareScreen

    a = await run_recorded(POISONED, options=RunOptions(stream=False), db_path=db_path)
    b = await run_recorded(
        SCENARIOS / "budget_math.toml", options=RunOptions(stream=False), db_path=db_path
    )
    app = make_app(db_path=db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        app.compare(a.session_id, b.session_id)
        await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen))
        await wait_for(pilot, lambda: bool(app.screen.query("#outputs")))
        await pilot.pause(0.1)
        console = Console(file=io.StringIO(), width=200, color_system=None)
        for wid in ("#sides", "#parted", "#outputs"):
            console.print(app.screen.query_one(wid, Static).content)
        shown = console.file.getvalue()
        assert "[EMAIL]" in shown and EMAIL not in shown


# --- sessions filter by model --------------------------------------------------------------------

AUTO_SCENARIO = """
name = "auto-demo"
task = "Say hello."

[[agents]]
name = "greeter"
model = "lab/auto"
"""


def _row_ids(table: DataTable) -> list[str]:
    return [str(table.coordinate_to_cell_key((i, 0)).row_key.value) for i in range(table.row_count)]


async def test_the_sessions_filter_takes_model(db_path, scenarios) -> None:
    from agentlab.tui.screens.sessions import SessionsScreen

    (scenarios / "auto_demo.toml").write_text(AUTO_SCENARIO)
    opts = RunOptions(stream=False)
    scripted = await run_recorded(scenarios / "budget_math.toml", options=opts, db_path=db_path)
    auto = await run_recorded(scenarios / "auto_demo.toml", options=opts, db_path=db_path)
    app = make_app(db_path=db_path, scenarios_dir=scenarios)
    async with app.run_test(size=(120, 40)) as pilot:
        app.open_sessions()
        await wait_for(pilot, lambda: getattr(app.screen, "_ready", False))
        assert isinstance(app.screen, SessionsScreen)
        table = app.screen.query_one("#all", DataTable)
        assert set(_row_ids(table)) == {scripted.session_id, auto.session_id}
        await pilot.press("slash", *"model:lab/auto", "enter")
        assert _row_ids(table) == [auto.session_id]
        app.screen.query_one("#filter").value = "model:lab/scripted budget"
        await pilot.pause(0.05)
        assert _row_ids(table) == [scripted.session_id]
        app.screen.query_one("#filter").value = "model:gpt-4o"
        await pilot.pause(0.05)
        assert _row_ids(table) == []


# --- the command palette ----------------------------------------------------------------------


async def test_the_palette_has_every_app_command_and_compares_the_last_two(
    db_path, scenarios
) -> None:
    from agentlab.tui.screens.compare import CompareScreen

    opts = RunOptions(stream=False)
    old = await run_recorded(scenarios / "budget_math.toml", options=opts, db_path=db_path)
    new = await run_recorded(scenarios / "pause_demo.toml", options=opts, db_path=db_path)
    app = make_app(db_path=db_path, scenarios_dir=scenarios)
    async with app.run_test(size=(120, 40)) as pilot:
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        for title in (
            "Sessions",
            "Eval runs",
            "Replay last session",
            "Export last session",
            "Compare the last two sessions",
            "Advisor",
            "Run budget_math",
            "Run pause_demo",
        ):
            assert title in commands, title
        commands["Compare the last two sessions"].callback()
        await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen))
        await wait_for(pilot, lambda: bool(app.screen.query("#outputs")))
        await pilot.pause(0.1)
        c = app.screen.comparison
        assert (c.a["session_id"], c.b["session_id"]) == (old.session_id, new.session_id)


async def test_compare_the_last_two_with_fewer_says_so(db_path, scenarios) -> None:
    app = make_app(db_path=db_path, scenarios_dir=scenarios)
    async with app.run_test(size=(120, 40)) as pilot:
        app.compare_last_two()
        await pilot.pause(0.05)
        assert "two sessions" in " ".join(str(n.message) for n in app._notifications)


# --- enter acts on the row the cursor ends on -----------------------------------------------------


async def _three_sessions(db_path, scenarios) -> list[str]:
    """Three recorded sessions, newest first (as the tables list them)."""
    opts = RunOptions(stream=False)
    ids = [
        (
            await run_recorded(scenarios / "budget_math.toml", options=opts, db_path=db_path)
        ).session_id
        for _ in range(3)
    ]
    return ids[::-1]


def _type_fast(app, *keys: str) -> None:
    """Keys as a fast typist sends them: all queued before any is handled."""
    from textual import events

    for key in keys:
        app.post_message(events.Key(key, None))


async def test_enter_on_home_replays_the_row_the_cursor_ends_on(db_path, scenarios) -> None:
    newest_first = await _three_sessions(db_path, scenarios)
    app = make_app(db_path=db_path, scenarios_dir=scenarios)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.screen.query_one("#sessions", DataTable)
        await wait_for(pilot, lambda: table.row_count == 3 and table.has_focus)
        _type_fast(app, "down", "down", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ReplayScreen))
        await wait_for(pilot, lambda: bool(app.screen.query("#summary")))
        await pilot.pause(0.1)
        assert app.screen.session["id"] == newest_first[2]


async def test_enter_in_the_sessions_browser_replays_the_row_the_cursor_ends_on(
    db_path, scenarios
) -> None:
    newest_first = await _three_sessions(db_path, scenarios)
    app = make_app(db_path=db_path, scenarios_dir=scenarios)
    async with app.run_test(size=(120, 40)) as pilot:
        app.open_sessions()
        await wait_for(pilot, lambda: getattr(app.screen, "_ready", False))
        table = app.screen.query_one("#all", DataTable)
        await wait_for(pilot, lambda: table.has_focus)
        _type_fast(app, "down", "down", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ReplayScreen))
        await wait_for(pilot, lambda: bool(app.screen.query("#summary")))
        await pilot.pause(0.1)
        assert app.screen.session["id"] == newest_first[2]
