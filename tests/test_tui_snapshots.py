"""Snapshots of the TUI at a fixed size, with times and session ids pinned (they change per run)."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
from conftest import SCENARIOS
from test_tui import PAUSE_SCENARIO, scenarios_read, wait_for

from agentlab.core.context import RunOptions
from agentlab.services import run_recorded
from agentlab.tui.app import make_app
from agentlab.tui.formats import Formats
from agentlab.tui.screens.approval import ApprovalModal
from agentlab.tui.screens.raise_cap import RaiseCapModal
from agentlab.tui.widgets.event_view import EventView

#: Every screen at the smallest size it must be usable at and the size it should look good at.
SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
PINNED = Formats(
    time=lambda ts: "01-01 12:00",
    session_id=lambda sid: "20260101-120000-abcdef",
    duration=lambda s: "1.0s",
    clock=lambda ts: "12:00:01",
)


async def ready(pilot) -> None:
    """Home has read its scenarios (a thread, after the first paint): snapshots never race it."""
    await wait_for(pilot, lambda: scenarios_read(pilot.app))


@pytest.fixture
def app(tmp_path: Path):
    """The app over a temp database holding one finished budget_math session."""
    folder = tmp_path / "scenarios"
    folder.mkdir()
    shutil.copy(SCENARIOS / "budget_math.toml", folder)
    (folder / "pause_demo.toml").write_text(PAUSE_SCENARIO)
    db = tmp_path / "lab.db"
    asyncio.run(
        run_recorded(folder / "budget_math.toml", options=RunOptions(stream=False), db_path=db)
    )
    return make_app(db_path=db, scenarios_dir=folder, formats=PINNED)


@pytest.fixture
def two(tmp_path: Path, app):
    """The same app with a second session: pause_demo, stopped at its cap (no one to ask)."""
    asyncio.run(
        run_recorded(
            tmp_path / "scenarios" / "pause_demo.toml",
            options=RunOptions(stream=False),
            db_path=tmp_path / "lab.db",
        )
    )
    return app


@SIZES
def test_snapshot_home_with_one_session(snap_compare, app, size) -> None:
    """Home: the recorded session (newest first), the scenarios list, the key bindings."""
    assert snap_compare(app, run_before=ready, terminal_size=size)


@SIZES
def test_snapshot_home_scenarios_focused(snap_compare, app, size) -> None:
    """Home with the scenarios focused: the highlighted one's whole description under them."""
    assert snap_compare(app, run_before=ready, press=["tab", "down"], terminal_size=size)


@SIZES
def test_snapshot_replay_of_a_finished_session(snap_compare, app, size) -> None:
    """Replay: span tree, transcript with tool calls and the recovered error, gauges, agents,
    summary."""
    assert snap_compare(app, run_before=ready, press=["enter"], terminal_size=size)


@SIZES
def test_snapshot_replay_stepped_to_the_first_tool_calls(snap_compare, app, size) -> None:
    """Step-through: from the beginning, four events shown; the rest still to come."""
    assert snap_compare(
        app, run_before=ready, press=["enter", "b", *["space"] * 6], terminal_size=size
    )


@SIZES
def test_snapshot_run_paused_at_a_cap(snap_compare, app, size) -> None:
    """A live run at its one-step cap: the modal asks whether to raise it; gauges show 1 / 1."""

    async def run_to_the_cap(pilot) -> None:
        await ready(pilot)
        await pilot.press("tab", "down", "r")  # pause-demo, the second scenario
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, RaiseCapModal))
        for view in pilot.app.screen_stack[-2].query(EventView):
            view.flush()  # what the throttled redraw has pending
        await pilot.pause()

    assert snap_compare(app, run_before=run_to_the_cap, terminal_size=size)


@SIZES
def test_snapshot_run_waiting_for_approval(snap_compare, app, size) -> None:
    """A live run at a risky tool call: the modal shows the call's arguments one per line; the
    tree marks the call as awaiting approval."""

    async def run_to_the_gate(pilot) -> None:
        await ready(pilot)
        pilot.app.run_scenario(SCENARIOS / "approval_gate.toml")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ApprovalModal))
        # Draw what the throttled redraw has pending (a timer would race a loaded machine).
        for view in pilot.app.screen_stack[-2].query(EventView):
            view.flush()
        await pilot.pause()

    assert snap_compare(app, run_before=run_to_the_gate, terminal_size=size)


@SIZES
def test_snapshot_run_waiting_for_a_masked_approval(snap_compare, app, size, tmp_path) -> None:
    """The approval modal of a session whose scenario masks PII: the address in the arguments
    reads [EMAIL], as in the transcript and everywhere else people see the run."""
    from test_tui_live import MASKED_REFUND

    scenario = tmp_path / "masked_refund.toml"
    scenario.write_text(MASKED_REFUND)

    async def run_to_the_gate(pilot) -> None:
        await ready(pilot)
        pilot.app.run_scenario(scenario)
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ApprovalModal))
        for view in pilot.app.screen_stack[-2].query(EventView):
            view.flush()
        await pilot.pause()

    assert snap_compare(app, run_before=run_to_the_gate, terminal_size=size)


@SIZES
def test_snapshot_sessions_browser(snap_compare, two, size) -> None:
    """Sessions: both sessions, columns by priority, the compare hint, the keys."""
    assert snap_compare(two, run_before=ready, press=["s"], terminal_size=size)


@SIZES
def test_snapshot_compare(snap_compare, two, size) -> None:
    """Compare: outcomes, totals and per-agent spend side by side, where they part, outputs."""
    assert snap_compare(
        two, run_before=ready, press=["s", "m", "down", "m", "c"], terminal_size=size
    )


@SIZES
def test_snapshot_help(snap_compare, app, size) -> None:
    """Help (?): every key of the home screen beside it."""
    assert snap_compare(app, run_before=ready, press=["question_mark"], terminal_size=size)


@SIZES
def test_snapshot_replay_seeked_half_way(snap_compare, app, size) -> None:
    """Replay seeked to 50%: the timeline, and gauges that agree with the agents table."""
    assert snap_compare(app, run_before=ready, press=["enter", "5"], terminal_size=size)


@pytest.fixture
def evals(tmp_path: Path, app):
    """The same app with an eval run of budget_math (two repeats)."""
    from test_tui_evals import make_eval_run

    make_eval_run(tmp_path / "lab.db")
    return app


@SIZES
def test_snapshot_eval_runs(snap_compare, evals, size) -> None:
    """Eval runs: the run with its CLEAR figures that fit a row (pass, pass^k, cost, p50)."""
    assert snap_compare(evals, run_before=ready, press=["v"], terminal_size=size)


@SIZES
def test_snapshot_eval_run_cases(snap_compare, evals, size) -> None:
    """One eval run: the CLEAR report in five lines and its case runs with their sessions."""
    assert snap_compare(evals, run_before=ready, press=["v", "enter"], terminal_size=size)


async def _inspect_first_tool(pilot) -> None:
    from textual.widgets import Tree

    await ready(pilot)
    await pilot.press("enter")  # replay the session
    await wait_for(pilot, lambda: pilot.app.screen.query(Tree))
    tree = pilot.app.screen.query_one(EventView).span_tree
    await pilot.pause()
    tools = [s for s, e in tree.starts.items() if e.kind == "tool_call_started"]
    tree.focus()
    tree.move_cursor(tree.nodes_by_span[tools[0]])
    await pilot.press("enter")
    await wait_for(pilot, lambda: type(pilot.app.screen).__name__ == "InspectorScreen")
    await pilot.pause()


@SIZES
def test_snapshot_inspect_a_tool_call(snap_compare, app, size) -> None:
    """Inspector on a tool call: status, timing, arguments, result, the session's spend then."""
    assert snap_compare(app, run_before=_inspect_first_tool, terminal_size=size)


async def _inspect_last_step(pilot) -> None:
    from textual.widgets import Tree

    await ready(pilot)
    await pilot.press("enter")
    await wait_for(pilot, lambda: pilot.app.screen.query(Tree))
    tree = pilot.app.screen.query_one(EventView).span_tree
    await pilot.pause()
    steps = [s for s, e in tree.starts.items() if e.kind == "llm_call_started"]
    tree.focus()
    tree.move_cursor(tree.nodes_by_span[steps[-1]])
    await pilot.press("enter")
    await wait_for(pilot, lambda: type(pilot.app.screen).__name__ == "InspectorScreen")
    await pilot.pause()


@SIZES
def test_snapshot_inspect_a_model_call(snap_compare, app, size) -> None:
    """Inspector on the last step: model, tokens, cost, the whole request as sent."""
    assert snap_compare(app, run_before=_inspect_last_step, terminal_size=size)


@SIZES
def test_snapshot_replay_searching_the_transcript(snap_compare, app, size) -> None:
    """Replay with / search: the box over the transcript, the first match highlighted."""
    assert snap_compare(
        app, run_before=ready, press=["enter", "slash", *"division"], terminal_size=size
    )


@SIZES
def test_snapshot_advisor(snap_compare, app, size) -> None:
    """The advisor: its questions and the recommendation card."""
    assert snap_compare(app, run_before=ready, press=["a"], terminal_size=size)


@SIZES
def test_snapshot_delete_confirmation(snap_compare, two, size) -> None:
    """The sessions browser asking before a delete."""

    async def run_before(pilot) -> None:
        await ready(pilot)
        await pilot.press("s")
        await wait_for(pilot, lambda: getattr(pilot.app.screen, "_ready", False))
        await pilot.press("d")
        await wait_for(pilot, lambda: type(pilot.app.screen).__name__ == "ConfirmModal")
        await pilot.pause(0.1)

    assert snap_compare(two, run_before=run_before, terminal_size=size)
