"""The TUI driven by pilots: home lists sessions, runs record, replays show, caps pause."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import SCENARIOS
from rich.text import Text
from textual.widgets import DataTable, Input, RichLog, Static

from agentlab.console.lines import cost_text, transcript
from agentlab.core.context import RunOptions
from agentlab.core.events import LlmCallEnded
from agentlab.services import run_recorded
from agentlab.store import get_session, list_sessions, open_db
from agentlab.tui.app import make_app
from agentlab.tui.render import span_label
from agentlab.tui.screens.raise_cap import RaiseCapModal
from agentlab.tui.screens.replay import ReplayScreen
from agentlab.tui.screens.run import RunScreen
from agentlab.tui.widgets.event_view import EventView
from agentlab.tui.widgets.gauges import Gauges

SIZE = (120, 40)

PAUSE_SCENARIO = """
name = "pause-demo"
description = "Two steps under a one-step cap that asks before stopping."
task = "Add two numbers."

[limits]
steps = 1
on_exceed = "pause"

[[agents]]
name = "adder"
model = "lab/scripted"
price_as = "gpt-4o-mini"
tools = ["calculator"]

  [[agents.script]]
  tool = "calculator"
  args = { expression = "2 + 2" }

  [[agents.script]]
  text = "The answer is {result[1]}."
"""


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "lab.db"


@pytest.fixture
def scenarios(tmp_path: Path) -> Path:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    shutil.copy(SCENARIOS / "budget_math.toml", folder)
    (folder / "pause_demo.toml").write_text(PAUSE_SCENARIO)
    return folder


@pytest.fixture
def recorded(db_path: Path) -> str:
    """One finished budget_math session in the temp database; returns its id."""
    result = asyncio.run(
        run_recorded(
            SCENARIOS / "budget_math.toml", options=RunOptions(stream=False), db_path=db_path
        )
    )
    assert result.status == "completed"
    return result.session_id


def log_text(screen) -> str:
    log = screen.query_one(RichLog)
    return "\n".join(line.text for line in log.lines)


def summary_text(screen) -> str:
    return str(screen.query_one("#summary", Static).render())


def scenarios_read(app) -> bool:
    """Home has read the scenario files (it does so in a thread after the first paint)."""
    return getattr(app.screen, "found", None) is not None


async def wait_for(pilot, predicate, timeout: float = 30.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("timed out waiting for the UI")
        await pilot.pause(0.02)


# --- home ------------------------------------------------------------------------------------


async def test_home_lists_sessions_and_scenarios(db_path, scenarios, recorded) -> None:
    app = make_app(db_path=db_path, scenarios_dir=scenarios)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#sessions", DataTable)
        assert table.row_count == 1
        row = table.get_row_at(0)
        assert row[0] == recorded
        assert row[1] == "budget_math" and row[7] == "single"
        assert str(row[2]) == "completed"
        assert str(row[5]) == "4"
        await wait_for(pilot, lambda: scenarios_read(app))
        names = app.screen.query_one("#scenarios", DataTable)
        assert [names.get_row_at(i)[0] for i in range(names.row_count)] == [
            "budget_math",
            "pause-demo",
        ]


def test_first_paint_does_not_import_litellm(tmp_path: Path) -> None:
    """The TUI's home screen must come up without paying for the model layer."""
    code = textwrap.dedent(
        f"""
        import asyncio, sys
        from agentlab.tui.app import make_app

        async def main():
            app = make_app(db_path={str(tmp_path / "x.db")!r}, scenarios_dir={str(SCENARIOS)!r})
            async with app.run_test(size=(120, 40)) as pilot:
                await pilot.pause()
                print("litellm" in sys.modules)

        asyncio.run(main())
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- runs ------------------------------------------------------------------------------------


async def test_run_from_home_records_a_completed_session(db_path, scenarios) -> None:
    app = make_app(db_path=db_path, scenarios_dir=scenarios)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")  # the first scenario (budget_math) is highlighted
        screen = app.screen
        assert isinstance(screen, RunScreen)
        await asyncio.wait_for(app.workers.wait_for_complete(), 30)
        await pilot.pause()
        assert screen.summary is not None and screen.summary["status"] == "completed"
        assert summary_text(screen).startswith("completed  tokens 1,238 in / 174 out")
        text = log_text(screen)
        assert 'calculator(expression="(19.44 + 15.12) / (4 - 4)")' in text
        assert "division by zero" in text
        sid = screen.summary["session_id"]
        await pilot.press("escape")
        assert app.screen.query_one("#sessions", DataTable).row_count == 1
    db = open_db(db_path)
    session = get_session(db, sid)
    assert session is not None and session["status"] == "completed"
    assert session["steps"] == 4


async def test_an_invalid_scenario_is_listed_and_refused_with_its_error(db_path, scenarios):
    (scenarios / "broken.toml").write_text('name = "broken"\ntask = 3\n')
    app = make_app(db_path=db_path, scenarios_dir=scenarios)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: scenarios_read(app))
        table = app.screen.query_one("#scenarios", DataTable)
        assert str(table.get_row_at(0)[3]).startswith("invalid: broken.toml:2: task: ")
        await pilot.press("r")  # broken.toml sorts first
        await pilot.pause()
        assert not isinstance(app.screen, RunScreen)  # refused, with the error said
        assert [n.severity for n in app._notifications] == ["error"]
        # A file broken after the list was read still fails in the run screen, not a traceback.
        app.run_scenario(scenarios / "broken.toml")
        await asyncio.wait_for(app.workers.wait_for_complete(), 30)
        await pilot.pause()
        assert isinstance(app.screen, RunScreen)
        assert "broken.toml:2: task: expected a string" in summary_text(app.screen)
        await pilot.press("escape")
        assert not isinstance(app.screen, RunScreen)


async def test_pause_modal_no_stops_at_the_cap(db_path, scenarios) -> None:
    app = make_app(db_path=db_path, scenarios_dir=scenarios)
    async with app.run_test(size=SIZE) as pilot:
        app.run_scenario(scenarios / "pause_demo.toml")
        # The modal is the screen before its widgets are mounted: wait for the question.
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, RaiseCapModal) and bool(app.screen.query("#question")),
        )
        modal = app.screen
        assert str(modal.query_one("#question").render()) == (
            "Raise the steps cap to 2 and continue?"
        )
        await pilot.press("n")
        await asyncio.wait_for(app.workers.wait_for_complete(), 30)
        await pilot.pause()
        run = app.screen
        assert isinstance(run, RunScreen)
        assert run.summary is not None
        assert (run.summary["status"], run.summary["stop_reason"]) == ("stopped", "limit:steps")
        assert "stopped (limit:steps)" in summary_text(run)


async def test_pause_modal_yes_raises_the_cap_and_finishes(db_path, scenarios) -> None:
    app = make_app(db_path=db_path, scenarios_dir=scenarios)
    async with app.run_test(size=SIZE) as pilot:
        app.run_scenario(scenarios / "pause_demo.toml")
        await wait_for(pilot, lambda: isinstance(app.screen, RaiseCapModal))
        await pilot.press("y")
        await asyncio.wait_for(app.workers.wait_for_complete(), 30)
        await pilot.pause()
        run = app.screen
        assert isinstance(run, RunScreen) and run.summary is not None
        assert run.summary["status"] == "completed"
        assert "The answer is 4." in log_text(run)
        assert "ℹ steps cap raised from 1 to 2; going on" in log_text(run)  # a Notice
        assert "2 / 2" in str(run.query_one(Gauges).render())  # the raised cap is shown


async def test_escape_during_a_run_records_it_interrupted(db_path, scenarios) -> None:
    app = make_app(
        db_path=db_path, scenarios_dir=scenarios, run_options=RunOptions(lab_latency_ms=400)
    )
    async with app.run_test(size=SIZE) as pilot:
        app.run_scenario(scenarios / "budget_math.toml")
        await wait_for(pilot, lambda: list_sessions(open_db(db_path)))
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, RunScreen)
    session = list_sessions(open_db(db_path))[0]
    assert (session["status"], session["stop_reason"]) == ("interrupted", "interrupted")


async def test_advisor_try_it_runs_the_scenario(db_path, scenarios) -> None:
    from agentlab.tui.screens.advisor import AdvisorScreen

    app = make_app(db_path=db_path, scenarios_dir=scenarios)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        advisor = app.screen
        assert isinstance(advisor, AdvisorScreen)
        # The advisor names shipped paths ("scenarios/x.toml"): found in the scenarios folder.
        advisor.post_message(AdvisorScreen.RunScenario("scenarios/budget_math.toml"))
        await wait_for(pilot, lambda: isinstance(app.screen, RunScreen))
        await asyncio.wait_for(app.workers.wait_for_complete(), 30)
        await pilot.press("escape")
        assert app.screen is advisor


# --- replay ----------------------------------------------------------------------------------


async def test_replay_shows_the_tool_calls(db_path, scenarios, recorded) -> None:
    app = make_app(db_path=db_path, scenarios_dir=scenarios)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        screen = app.screen
        assert isinstance(screen, ReplayScreen)
        text = log_text(screen)
        assert 'calculator(expression="6 * 12000 * 1800 * 0.15 / 1000000")' in text
        assert "↳ 19.44" in text
        assert "↳ error: CalculatorError: division by zero" in text
        assert summary_text(screen).startswith("completed  tokens 1,238 in / 174 out")
        view = screen.query_one(EventView)
        assert view.tally.totals()["tool_calls"] == 4
        assert len(view.span_tree.nodes_by_span) == 1 + 1 + 4 + 4  # session, agent, llm, tools


async def test_replay_steps_through_events(db_path, scenarios, recorded) -> None:
    app = make_app(db_path=db_path, scenarios_dir=scenarios)
    async with app.run_test(size=SIZE) as pilot:
        app.replay_session(recorded)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReplayScreen)
        total = len(screen.events)
        await pilot.press("b")
        assert screen.position == 0 and not screen.query_one(RichLog).lines
        await pilot.press("space", "space")
        assert screen.position == 2
        assert "budget_math" in log_text(screen) and "analyst" in log_text(screen)
        assert screen.sub_title == f"event 2 of {total}"
        await pilot.press("e")
        assert screen.position == total
        assert "completed" in summary_text(screen)


async def test_unknown_session_and_scenario_notify(db_path, scenarios) -> None:
    app = make_app(db_path=db_path, scenarios_dir=scenarios)
    async with app.run_test(size=SIZE) as pilot:
        app.replay_session("nope")
        app.run_scenario("scenarios/missing.toml")
        await pilot.pause()
        assert [n.severity for n in app._notifications] == ["error", "error"]
        assert not isinstance(app.screen, ReplayScreen | RunScreen)


async def test_replay_of_an_unfinished_recording_says_where_it_ends(db_path, scenarios) -> None:
    from test_store_streams import record, single_agent_stream

    db = open_db(db_path)
    record(db, single_agent_stream("20250101-120000-abc123", end=False))
    db.close()
    app = make_app(db_path=db_path, scenarios_dir=scenarios)
    async with app.run_test(size=SIZE) as pilot:
        app.replay_session("20250101")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReplayScreen)
        assert "the recording ends here" in summary_text(screen)


async def test_deltas_are_coalesced(monkeypatch) -> None:
    """Hundreds of streamed deltas in one go cost one redraw, not hundreds."""
    from textual.app import App

    from agentlab.core.events import LlmDelta, SessionStarted

    class Host(App[None]):
        def compose(self):
            yield EventView()

    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(EventView)
        flushes = []
        real = view.flush
        monkeypatch.setattr(view, "flush", lambda: (flushes.append(1), real()))
        view.feed(SessionStarted(session_id="s", span_id="root", scenario="x"))
        for i in range(500):
            view.feed(LlmDelta(session_id="s", span_id="l", agent="a", text=f"w{i} "))
        await pilot.pause(0.3)
        assert 1 <= len(flushes) <= 2
        assert "w499" in str(view.query_one("#streaming", Static).render())


# --- rendering ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cost", "unpriced", "shown"),
    [
        (0.0, 0, "$0"),
        (0.0, 2, "unpriced"),
        (None, 1, "unpriced"),
        (0.5, 1, "$0.5000 +unpriced"),
        (0.000123, 0, "$0.000123"),
    ],
)
def test_cost_text_never_shows_unpriced_as_zero(cost, unpriced, shown) -> None:
    assert cost_text(cost, unpriced) == shown


def test_llm_call_lines_and_labels() -> None:
    e = LlmCallEnded(
        session_id="s",
        span_id="x",
        agent="a",
        model="m",
        content="hello\nworld",
        input_tokens=10,
        output_tokens=5,
        cost_usd=None,
    )
    lines = [t.plain for t in transcript(e, indent="  ", who="a")]
    assert lines == ["  a: hello", "  world", "  a: 10 in / 5 out · unpriced"]
    assert isinstance(span_label(e), Text)


async def test_raise_cap_field_takes_digits_and_leaves_letters_to_the_modal(
    db_path, scenarios
) -> None:
    app = make_app(db_path=db_path, scenarios_dir=scenarios)
    async with app.run_test(size=SIZE) as pilot:
        app.run_scenario(scenarios / "pause_demo.toml")
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, RaiseCapModal) and bool(app.screen.query("#new-cap")),
        )
        field = app.screen.query_one("#new-cap", Input)
        field.focus()
        field.value = ""
        await pilot.press("5", "x")
        assert field.value == "5"  # a letter is not typed into the cap
        await pilot.press("y")  # and y still answers, with the typed cap
        await wait_for(pilot, lambda: isinstance(app.screen, RunScreen))
        await asyncio.wait_for(app.workers.wait_for_complete(), 10)
        await pilot.pause()
        assert app.screen.summary["status"] == "completed"
        assert "ℹ steps cap raised from 1 to 5; going on" in log_text(app.screen)
