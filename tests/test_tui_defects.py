# ruff: noqa: F811  (the fixtures imported from test_tui are used as parameters)
"""Issue 12's TUI defects, one test each (written before the fix)."""

from __future__ import annotations

import asyncio

import pytest
from rich.text import Text
from test_tui import (  # noqa: F401
    PAUSE_SCENARIO,
    db_path,
    recorded,
    scenarios,
    scenarios_read,
    wait_for,
)
from textual.widgets import DataTable, Footer, Static

from agentlab.console.lines import transcript
from agentlab.core.events import LlmCallEnded, ToolCallEnded
from agentlab.tui.app import make_app
from agentlab.tui.screens.raise_cap import RaiseCapModal
from agentlab.tui.screens.replay import ReplayScreen
from agentlab.tui.screens.run import RunScreen
from agentlab.tui.widgets.event_view import EventView
from agentlab.tui.widgets.gauges import Gauges

SMALL = (80, 24)
BIG = (120, 40)


def _visible_columns(table: DataTable) -> list[str]:
    """The column labels that fit in the table's width without scrolling sideways."""
    out, x = [], 0
    for col in table.ordered_columns:
        x += col.get_render_width(table)
        if x > table.size.width:
            break
        out.append(str(col.label))
    return out


async def test_1_sessions_table_fits_and_never_clips_cost(db_path, scenarios, recorded) -> None:
    """At 80x24 status, cost and tokens are on screen; cost is never cut to "$0"."""
    for size in (SMALL, BIG):
        app = make_app(db_path=db_path, scenarios_dir=scenarios)
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            table = app.screen.query_one("#sessions", DataTable)
            shown = _visible_columns(table)
            for name in ("status", "cost", "tokens"):
                assert name in shown, (size, shown)
            assert table.virtual_size.width <= table.size.width, size
            row = [str(c) for c in table.get_row_at(0)]
            assert any(c.startswith("$0.00") for c in row), row
            for col, cell in zip(table.ordered_columns, row, strict=True):
                assert col.get_render_width(table) - 2 >= len(cell), (size, col.label, cell)


async def test_3_first_launch_has_focus(db_path, scenarios) -> None:
    """No sessions yet: the scenarios table has focus, so arrows and enter work at once."""
    app = make_app(db_path=db_path, scenarios_dir=scenarios)
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        assert app.focused is app.screen.query_one("#scenarios", DataTable)


async def test_4_q_quits_under_a_modal_and_the_footer_tells_the_modal_keys(
    db_path, scenarios
) -> None:
    app = make_app(db_path=db_path, scenarios_dir=scenarios)
    async with app.run_test(size=BIG) as pilot:
        app.run_scenario(scenarios / "pause_demo.toml")
        await wait_for(pilot, lambda: isinstance(app.screen, RaiseCapModal), timeout=90)
        modal = app.screen
        assert modal.query(Footer), "the modal shows its own keys"
        shown = {b.description for _, b, *_ in modal.active_bindings.values() if b.show}
        assert not any("stops" in d for d in shown)  # esc answers No here
        assert {"Yes", "No", "Quit"} <= shown
        await pilot.press("q")
        await pilot.pause()
        assert app.return_code is not None  # the app is quitting


async def test_6_descriptions_reflow_on_resize(db_path, scenarios) -> None:
    long = "word " * 60
    (scenarios / "long.toml").write_text(
        PAUSE_SCENARIO.replace("pause-demo", "long").replace(
            "Two steps under a one-step cap that asks before stopping.", long.strip()
        )
    )
    app = make_app(db_path=db_path, scenarios_dir=scenarios)
    async with app.run_test(size=SMALL) as pilot:
        await wait_for(pilot, lambda: scenarios_read(app))
        table = app.screen.query_one("#scenarios", DataTable)

        def about() -> str:
            return str(table.get_row_at(1)[-1])

        narrow = len(about())
        await pilot.resize_terminal(140, 40)
        await wait_for(pilot, lambda: len(about()) > narrow + 40)


async def test_7_replay_gauges_match_the_position(db_path, scenarios, recorded) -> None:
    app = make_app(db_path=db_path, scenarios_dir=scenarios)
    async with app.run_test(size=BIG) as pilot:
        app.replay_session(recorded)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReplayScreen)
        await pilot.press("b")
        view = screen.query_one(EventView)
        for _ in range(8):
            await pilot.press("space")
            totals = view.tally.totals()
            used = view.query_one(Gauges).used
            assert used.get("cost_usd", 0) == totals["cost_usd"], screen.position
            assert used.get("total_tokens", 0) == totals["total_tokens"], screen.position


async def test_8_invalid_scenario_names_file_line_key_and_does_not_open(db_path, scenarios):
    (scenarios / "broken.toml").write_text('name = "broken"\ntask = 3\n')
    app = make_app(db_path=db_path, scenarios_dir=scenarios)
    async with app.run_test(size=BIG) as pilot:
        await wait_for(pilot, lambda: scenarios_read(app))
        table = app.screen.query_one("#scenarios", DataTable)
        about = str(table.get_row_at(0)[3])
        assert "broken.toml:2: task" in about, about
        table.focus()
        await pilot.press("enter")
        await pilot.press("r")
        await pilot.pause()
        assert not isinstance(app.screen, RunScreen)
        notes = list(app._notifications)
        assert notes and all(n.severity == "error" for n in notes)
        assert "broken.toml:2: task" in notes[0].message


def test_9_usage_and_tool_result_lines_name_their_agent() -> None:
    ended = LlmCallEnded(
        session_id="s", span_id="l", agent="worker", model="m", input_tokens=153,
        output_tokens=23, cost_usd=0.000037, content="hello",
    )  # fmt: skip
    lines = [t.plain for t in transcript(ended, "", "worker")]
    assert all(line.startswith("worker: ") for line in lines), lines
    result = ToolCallEnded(
        session_id="s", span_id="t", agent="worker", tool="c", call_id="1", result="4"
    )
    assert transcript(result, "", "worker")[0].plain.startswith("worker: ")


async def test_12_gauge_bars_are_the_same_length(db_path, scenarios, recorded) -> None:
    app = make_app(db_path=db_path, scenarios_dir=scenarios)
    async with app.run_test(size=BIG) as pilot:
        app.replay_session(recorded)
        await pilot.pause()
        gauges = app.screen.query_one(Gauges)
        gauges.caps = {"total_tokens": 20000, "cost_usd": 0.01, "steps": 8, "tool_calls": 12}
        gauges.used = {"total_tokens": 1412, "cost_usd": 0.000063, "steps": 4, "tool_calls": 4}
        rendered: Text = gauges.render()
        bars = [
            sum(line.count(c) for c in "█░")
            for line in rendered.plain.splitlines()
            if "█" in line or "░" in line
        ]
        assert len(bars) >= 2 and len(set(bars)) == 1, bars


async def test_raise_cap_modal_takes_a_typed_number(db_path, scenarios) -> None:
    """Live run: the raise-cap modal accepts a typed cap; the status says it waits for you."""
    from textual.widgets import Input

    from agentlab.tui.widgets.event_view import EventView as View

    app = make_app(db_path=db_path, scenarios_dir=scenarios)
    async with app.run_test(size=BIG) as pilot:
        app.run_scenario(scenarios / "pause_demo.toml")
        await wait_for(pilot, lambda: isinstance(app.screen, RaiseCapModal), timeout=90)
        await wait_for(pilot, lambda: bool(app.screen.query("#no")))
        await pilot.pause()
        run = app.screen_stack[-2]
        assert "waiting for you" in str(run.query_one("#summary").render())
        assert "elapsed" in run.sub_title
        box = app.screen.query_one("#new-cap", Input)
        assert box.value == "2"
        assert app.focused is app.screen.query_one("#no"), app.focused
        box.value = "abc"
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, RaiseCapModal)  # refused, with a message
        assert app._notifications and list(app._notifications)[-1].severity == "error"
        box.value = "5"
        await pilot.press("y")
        await asyncio.wait_for(app.workers.wait_for_complete(), 30)
        await pilot.pause()
        assert run.summary is not None and run.summary["status"] == "completed"
        assert "steps cap raised from 1 to 5" in "\n".join(
            line.text for line in run.query_one(View).transcript.log_widget.lines
        )


async def test_home_dashboard_totals_and_spend(db_path, scenarios, recorded) -> None:
    from textual.widgets import Sparkline, Static

    app = make_app(db_path=db_path, scenarios_dir=scenarios)
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        totals = str(app.screen.query_one("#totals", Static).render())
        assert "today  1 session · 1,412 tok · $0.000" in totals  # one, not "1 sessions"
        assert "failed 0%" in totals
        spend = app.screen.query_one("#spend", Sparkline).data
        assert spend is not None and len(spend) == 14 and spend[-1] > 0


async def test_11_wrapped_transcript_lines_keep_their_indent(db_path, scenarios) -> None:
    from textual.widgets import RichLog

    from agentlab.tui.widgets.transcript import Transcript

    app = make_app(db_path=db_path, scenarios_dir=scenarios)
    async with app.run_test(size=BIG) as pilot:
        app.replay_session("nope")  # any screen: mount a transcript on home for the test
        t = Transcript()
        await app.screen.mount(t)
        t.styles.width = 40
        await pilot.pause()
        t.write([Text("    " + "word " * 30)])
        await pilot.pause()
        lines = [s.text for s in t.query_one(RichLog).lines]
        assert len(lines) > 2
        assert all(line.startswith("    ") for line in lines), lines


@pytest.mark.parametrize("size", [(80, 24), BIG])
async def test_12_caps_and_agents_boxes_are_the_same_height(
    db_path, scenarios, recorded, size
) -> None:
    """Side by side, the caps and agents boxes are one height, as tall as their rows need
    (one agent: four gauges), not a fixed 9 rows that takes a third of 80x24."""
    from agentlab.tui.widgets.agents_table import AgentsTable

    app = make_app(db_path=db_path, scenarios_dir=scenarios)
    async with app.run_test(size=size) as pilot:
        app.replay_session(recorded)
        await wait_for(pilot, lambda: isinstance(app.screen, ReplayScreen))
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause(0.1)
        gauges, agents = app.screen.query_one(Gauges), app.screen.query_one(AgentsTable)
        assert gauges.outer_size.height == agents.outer_size.height
        assert gauges.outer_size.height == 4 + 2  # four gauge rows and the border


def test_5_leaving_the_tui_skips_the_exit_hooks(tmp_path, monkeypatch) -> None:
    """Quitting after a run took 3-6 s in litellm's exit hooks: bare `agentlab` leaves through
    ``exit_now`` once the app has closed (no atexit hooks run; everything of ours is closed).
    The time itself is measured by bench/bench_tui.py, not here."""
    import subprocess
    import sys
    import types

    from agentlab import cli

    marker = tmp_path / "hook-ran"
    code = (
        "import atexit, pathlib, sys\n"
        f"atexit.register(lambda: pathlib.Path({str(marker)!r}).write_text('x'))\n"
        "from agentlab.cli import exit_now\n"
        "exit_now(3)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], timeout=60)
    assert done.returncode == 3 and not marker.exists()

    # The CLI's TUI path: the app runs, then exit_now with its return code.
    ran: list[str] = []

    class FakeApp:
        return_code = 0

        def run(self) -> None:
            ran.append("run")

    tty = types.SimpleNamespace(isatty=lambda: True, flush=lambda: None)
    monkeypatch.setattr(cli, "sys", types.SimpleNamespace(stdin=tty, stdout=tty, stderr=tty))
    monkeypatch.setattr("agentlab.tui.app.make_app", lambda **kw: FakeApp())

    def leave(code: int) -> None:
        ran.append(f"exit {code}")
        raise SystemExit(code)

    monkeypatch.setattr(cli.os, "_exit", leave)
    from typer.testing import CliRunner

    CliRunner().invoke(cli.app, ["--db", str(tmp_path / "lab.db")])
    assert ran == ["run", "exit 0"]


def test_14_the_inspector_says_approved_once() -> None:
    """The inspector's marks read like the transcript: "approved by person in the TUI", not
    "approved by person: approved in the TUI"; how long and edits are said too."""
    import io

    from rich.console import Console

    from agentlab.core.events import ApprovalDecided, ToolCallStarted
    from agentlab.core.inspect import inspect_span
    from agentlab.tui.inspect_view import detail_group

    start = ToolCallStarted(
        session_id="s", span_id="t", agent="a", tool="issue_refund", call_id="1"
    )
    decided = ApprovalDecided(
        session_id="s", span_id="t", agent="a", tool="issue_refund", call_id="1", approved=True,
        by="person", note="approved in the TUI for the session", remember="session",
        edited={"amount_usd": 10},
    )  # fmt: skip
    detail = inspect_span([start, decided], "t")
    assert detail is not None
    console = Console(file=io.StringIO(), width=200, color_system=None)
    console.print(detail_group(detail))
    shown = console.file.getvalue()
    assert "approved by person (for the session) in the TUI for the session" in shown
    assert "approved by person: approved" not in shown
    assert "with edited arguments: amount_usd=10" in shown


async def test_6_the_highlighted_scenario_s_whole_description_is_under_the_table(
    db_path, scenarios
) -> None:
    """At 80 columns the about column holds ~23 characters: with the scenarios focused, the
    highlighted one's whole description is shown under the table (wrapped)."""
    long = "An ending only the whole text shows: " + "word " * 20 + "THE-END"
    (scenarios / "long.toml").write_text(
        PAUSE_SCENARIO.replace("pause-demo", "long").replace(
            "Two steps under a one-step cap that asks before stopping.", long
        )
    )
    app = make_app(db_path=db_path, scenarios_dir=scenarios)
    async with app.run_test(size=SMALL) as pilot:
        await wait_for(pilot, lambda: scenarios_read(app))
        table = app.screen.query_one("#scenarios", DataTable)
        strip = app.screen.query_one("#scenario-about", Static)
        table.focus()
        row = next(i for i in range(table.row_count) if table.get_row_at(i)[0] == "long")
        table.move_cursor(row=row)
        await pilot.pause()
        assert "THE-END" not in str(table.get_row_at(row)[-1])  # the column is cut
        assert strip.display and strip.region.height >= 2
        await wait_for(pilot, lambda: "THE-END" in str(strip.render()))
        app.screen.query_one("#sessions", DataTable).focus()
        await pilot.pause()
        assert not strip.display  # only while the scenarios have focus
