# ruff: noqa: F811  (the fixtures imported from test_tui are used as parameters)
"""The span inspector: enter on a span shows its detail at this point of the run or replay (the
exact request sent, the response, tool arguments and result, spend so far, check verdicts);
``t`` jumps between the tree and the transcript; ``/`` searches the transcript."""

from __future__ import annotations

import asyncio
import io

from rich.console import Console
from test_tui import SCENARIOS, SIZE, db_path, recorded, scenarios, wait_for  # noqa: F401
from textual.widgets import Input

from agentlab import services
from agentlab.core.context import RunOptions
from agentlab.core.events import LlmCallStarted, ToolCallStarted
from agentlab.core.inspect import inspect_span
from agentlab.tui.app import make_app
from agentlab.tui.screens.inspector import InspectorScreen
from agentlab.tui.screens.replay import ReplayScreen
from agentlab.tui.screens.run import RunScreen
from agentlab.tui.widgets.event_view import EventView
from agentlab.tui.widgets.span_tree import SpanTree


def detail_text(screen) -> str:
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(screen.body)
    return console.export_text()


async def _replay(pilot, app, sid: str) -> ReplayScreen:
    app.replay_session(sid)
    await wait_for(pilot, lambda: isinstance(app.screen, ReplayScreen))
    await pilot.pause()
    return app.screen


async def _select(pilot, tree: SpanTree, span_id: str) -> None:
    tree.focus()
    tree.move_cursor(tree.nodes_by_span[span_id])
    await pilot.pause()
    await pilot.press("enter")


async def test_inspect_a_tool_call_in_replay(db_path, scenarios, recorded) -> None:
    app = make_app(db_path=db_path, scenarios_dir=scenarios)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _replay(pilot, app, recorded)
        view = screen.query_one(EventView)
        tool = next(e for e in view.events if isinstance(e, ToolCallStarted))
        await _select(pilot, view.span_tree, tool.span_id)
        await wait_for(pilot, lambda: isinstance(app.screen, InspectorScreen))
        text = detail_text(app.screen)
        assert "calculator" in text and tool.call_id in text
        assert '"expression"' in text  # the arguments, as JSON
        assert "Result" in text
        assert "session spend" in text and "$0.0000" in text
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)


async def test_inspect_a_model_call_shows_the_whole_request_as_stored(
    db_path,
    scenarios,
    recorded,
) -> None:
    """The last step's request holds every earlier message (the store keeps only deltas), the
    same as services.span_detail rebuilds from the database."""
    app = make_app(db_path=db_path, scenarios_dir=scenarios)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _replay(pilot, app, recorded)
        view = screen.query_one(EventView)
        last = [e for e in view.events if isinstance(e, LlmCallStarted)][-1]
        stored = services.span_detail(db_path, recorded, last.span_id)
        assert stored is not None and stored.start.messages == last.messages
        assert len(last.messages) > 4
        await _select(pilot, view.span_tree, last.span_id)
        await wait_for(pilot, lambda: isinstance(app.screen, InspectorScreen))
        text = detail_text(app.screen)
        assert f"Request: {len(last.messages)} messages, exactly as sent" in text
        assert "division by zero" in text  # an earlier tool result, sent back in this request
        assert "Response" in text and "tokens" in text


async def test_inspector_shows_the_state_at_the_replay_position(
    db_path,
    scenarios,
    recorded,
) -> None:
    app = make_app(db_path=db_path, scenarios_dir=scenarios)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _replay(pilot, app, recorded)
        await pilot.press("b", "space", "space")  # the session and the agent have started
        view = screen.query_one(EventView)
        await _select(pilot, view.span_tree, view.events[0].span_id)
        await wait_for(pilot, lambda: isinstance(app.screen, InspectorScreen))
        text = detail_text(app.screen)
        assert "running (at this point)" in text
        assert "$0 · 0 tok so far" in text


async def test_inspect_a_check_verdict_in_a_live_run(db_path, scenarios) -> None:
    """The pause scenario stops at its cap (no one says yes): the live run's spans inspect."""
    app = make_app(db_path=db_path, scenarios_dir=scenarios, run_options=RunOptions(stream=False))
    async with app.run_test(size=SIZE) as pilot:
        app.run_scenario(SCENARIOS / "approval_gate.toml")
        await wait_for(pilot, lambda: isinstance(app.screen, RunScreen))
        run = app.screen
        await wait_for(pilot, lambda: app.screen is not run)  # the approval modal
        await pilot.press("escape")  # deny
        await asyncio.wait_for(app.workers.wait_for_complete(), 30)
        await wait_for(pilot, lambda: app.screen is run and run.summary is not None)
        view = run.query_one(EventView)
        check = next(e for e in view.events if e.kind == "check_started")
        detail = inspect_span(view.events, check.parent_id or "")
        assert detail is not None and detail.checks and detail.checks[0].end is not None
        await _select(pilot, view.span_tree, check.span_id)
        await wait_for(pilot, lambda: isinstance(app.screen, InspectorScreen))
        assert "verdict" in detail_text(app.screen)


async def test_jump_between_tree_and_transcript_and_search(
    db_path,
    scenarios,
    recorded,
) -> None:
    app = make_app(db_path=db_path, scenarios_dir=scenarios)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _replay(pilot, app, recorded)
        view = screen.query_one(EventView)
        tools = [e for e in view.events if isinstance(e, ToolCallStarted)]
        tree, log = view.span_tree, view.transcript.log_widget
        tree.focus()
        tree.move_cursor(tree.nodes_by_span[tools[-1].span_id])
        await pilot.press("t")
        assert log.has_focus and log.found is not None
        assert "calculator" in "".join(s.text for s in log.lines[log.found])
        await pilot.press("t")
        assert tree.has_focus and log.found is None
        await pilot.press("slash")
        box = screen.query_one("#search", Input)
        assert box.has_focus
        await pilot.press(*"division by zero")  # space steps the replay elsewhere: not here
        assert box.value == "division by zero"
        first = log.found
        assert (
            first is not None
            and "division by zero" in "".join(s.text for s in log.lines[first]).lower()
        )
        await pilot.press("escape")  # closes the search, stays in the replay
        assert app.screen is screen and not box.has_class("active")
        await pilot.press("n")
        assert log.found is not None
