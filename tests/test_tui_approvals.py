"""Approval gates in the TUI: a modal asks about a risky tool call; the transcript, the span tree
and replays show the request and the decision."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
from conftest import SCENARIOS
from rich.console import Console
from test_tui import SIZE, log_text, summary_text, wait_for
from textual.widgets import Button, Static

from agentlab.console.lines import transcript
from agentlab.core.context import ApprovalRequest, RunOptions
from agentlab.core.events import ApprovalDecided, ApprovalRequested, Notice, ToolCallStarted
from agentlab.services import run_recorded
from agentlab.tui.app import make_app
from agentlab.tui.render import span_label
from agentlab.tui.screens.approval import MAX_ARGS, ApprovalModal, arguments_table, call_text
from agentlab.tui.screens.replay import ReplayScreen
from agentlab.tui.screens.run import RunScreen
from agentlab.tui.widgets.event_view import EventView

GATE = SCENARIOS / "approval_gate.toml"
REFUND = {
    "customer_id": "C-1042",
    "amount_usd": 480.0,
    "reason": "duplicate renewal charge ch_88a2",
}


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "lab.db"


def tool_labels(screen) -> list[str]:
    tree = screen.query_one(EventView).span_tree
    return [str(n.label) for n in tree.nodes_by_span.values() if "issue_refund" in str(n.label)]


async def run_to_the_modal(pilot) -> ApprovalModal:
    pilot.app.run_scenario(GATE)
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ApprovalModal))
    await pilot.pause()
    return pilot.app.screen


async def test_approve_in_the_modal_issues_the_refund(db_path) -> None:
    app = make_app(db_path=db_path, scenarios_dir=SCENARIOS)
    async with app.run_test(size=SIZE) as pilot:
        modal = await run_to_the_modal(pilot)
        assert str(modal.query_one("#question").render()) == (
            'Approve support: issue_refund(customer_id="C-1042", amount_usd=480.0, …)?'
        )
        assert modal.query_one("#arguments Static", Static).visual is not None
        assert modal.focused is modal.query_one("#no", Button)  # enter alone never approves
        run = app.screen_stack[-2]
        assert isinstance(run, RunScreen)
        assert "? issue_refund needs approval (support)" in log_text(run)
        assert tool_labels(run)[0].startswith("⚙ issue_refund ? awaiting approval (")
        await pilot.press("y")
        await asyncio.wait_for(app.workers.wait_for_complete(), 30)
        await pilot.pause()
        assert app.screen is run and run.summary is not None
        assert run.summary["status"] == "completed"
        assert "refund of $480.00 issued to C-1042" in run.summary["final_output"]
        text = log_text(run)
        assert "✓ approved by person in the TUI" in text
        assert "↳ refund of $480.00 issued to C-1042" in text
        assert summary_text(run).startswith("completed")
        assert tool_labels(run)[0].startswith("⚙ issue_refund ✓ approved (")


@pytest.mark.parametrize("key", ["n", "escape"])
async def test_deny_in_the_modal_refuses_the_refund(db_path, key) -> None:
    app = make_app(db_path=db_path, scenarios_dir=SCENARIOS)
    async with app.run_test(size=SIZE) as pilot:
        await run_to_the_modal(pilot)
        await pilot.press(key)
        await asyncio.wait_for(app.workers.wait_for_complete(), 30)
        await pilot.pause()
        run = app.screen
        assert isinstance(run, RunScreen) and run.summary is not None
        assert run.summary["status"] == "completed"  # the agent carries on without the refund
        text = log_text(run)
        assert "✗ denied by person in the TUI" in text
        assert "not approved: denied in the TUI" in run.summary["final_output"]
        assert "issued to C-1042" not in text
        label = tool_labels(run)[0]
        assert label.startswith("⚙ issue_refund ✗ denied (") and not label.endswith("error")


async def test_the_deny_button_answers_too(db_path) -> None:
    app = make_app(db_path=db_path, scenarios_dir=SCENARIOS)
    async with app.run_test(size=SIZE) as pilot:
        await run_to_the_modal(pilot)
        await pilot.click("#no")
        await asyncio.wait_for(app.workers.wait_for_complete(), 30)
        await pilot.pause()
        assert "✗ denied by person in the TUI" in log_text(app.screen)


async def test_replay_of_an_approval_session_shows_the_decision(db_path) -> None:
    run = await run_recorded(GATE, options=RunOptions(stream=False), db_path=db_path)
    app = make_app(db_path=db_path, scenarios_dir=SCENARIOS)
    async with app.run_test(size=SIZE) as pilot:
        app.replay_session(run.session_id)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReplayScreen)
        text = log_text(screen)
        assert "? issue_refund needs approval (support)" in text
        assert "✗ denied by policy: no one to ask; the scenario's policy is deny" in text
        assert tool_labels(screen)[0].startswith("⚙ issue_refund ✗ denied (")


# --- rendering ---------------------------------------------------------------------------------

COMMON = {"session_id": "s", "span_id": "t", "agent": "support", "tool": "issue_refund"}


@pytest.mark.parametrize(
    ("event", "line"),
    [
        (
            ApprovalRequested(**COMMON, call_id="c", arguments=REFUND),
            "    ? issue_refund needs approval (support)",
        ),
        (
            ApprovalDecided(**COMMON, call_id="c", approved=True, by="person", note="ok"),
            "    ✓ approved by person: ok",
        ),
        (
            ApprovalDecided(**COMMON, call_id="c", approved=False, by="policy"),
            "    ✗ denied by policy",
        ),
        (
            Notice(session_id="s", span_id="t", level="warning", message="steps cap raised"),
            "  ℹ steps cap raised",
        ),
    ],
)
def test_approval_and_notice_lines(event, line) -> None:
    assert [t.plain for t in transcript(event, indent="  ")] == [line]


@pytest.mark.parametrize(
    ("approval", "status", "start"),
    [
        ("", "running", "⚙ issue_refund(customer_id="),
        ("waiting", "running", "⚙ issue_refund ? awaiting approval (customer_id="),
        ("approved", "completed", "⚙ issue_refund ✓ approved (customer_id="),
        ("denied", "error", "⚙ issue_refund ✗ denied (customer_id="),
    ],
)
def test_tool_label_marks_the_approval(approval, status, start) -> None:
    e = ToolCallStarted(**COMMON, parent_id="a", call_id="c", arguments=REFUND)
    label = span_label(e, status, approval=approval).plain
    assert label.startswith(start)
    assert label.endswith(")")  # a denied call is not also spelled "error"


@pytest.mark.parametrize(
    ("arguments", "shown"),
    [
        ({}, "t()"),
        ({"a": 1, "b": "x"}, 't(a=1, b="x")'),
        ({"a": "x" * 80, "b": 2}, "t(…)"),
        (REFUND, 't(customer_id="C-1042", amount_usd=480.0, …)'),
    ],
)
def test_call_text_keeps_whole_arguments(arguments, shown) -> None:
    assert call_text("t", arguments, width=50) == shown


def test_arguments_read_as_a_person_reads_them() -> None:
    console = Console(width=60, record=True, file=io.StringIO())
    console.print(arguments_table({**REFUND, "items": [1, 2]}))
    assert [ln.rstrip() for ln in console.export_text().splitlines()] == [
        "customer_id  C-1042",
        "amount_usd   480.0",
        "reason       duplicate renewal charge ch_88a2",
        "items        [1, 2]",
    ]
    many = {f"k{i}": i for i in range(MAX_ARGS + 3)}
    console.print(arguments_table(many))
    assert "… and 3 more" in console.export_text()


def test_modal_question_names_agent_and_call() -> None:
    modal = ApprovalModal(ApprovalRequest("support", "issue_refund", {"x": [1, 2], "y": "z"}))
    assert modal.question == 'Approve support: issue_refund(x=[1, 2], y="z")?'


async def test_the_question_goes_away_when_the_run_ends_under_it(db_path) -> None:
    """A cap that ends the run while the approval question is open takes the question with it
    (it would otherwise stay on screen, unanswerable)."""
    app = make_app(
        db_path=db_path,
        scenarios_dir=SCENARIOS,
        run_options=RunOptions(caps={"wall_time_s": 3.0}),
    )
    async with app.run_test(size=SIZE) as pilot:
        await run_to_the_modal(pilot)
        await wait_for(pilot, lambda: not isinstance(pilot.app.screen, ApprovalModal))
        assert isinstance(pilot.app.screen, RunScreen)
        await wait_for(pilot, lambda: "limit:wall_time_s" in summary_text(pilot.app.screen))
