"""Check spans where a person looks: the CLI transcript (live and replay), `sessions show`, and
the TUI's span tree and transcript. A check's verdict is told once, on its span's end."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from conftest import SCENARIOS
from rich.console import Console
from test_store_streams import checked_stream, record
from test_tui import SIZE, log_text
from textual.app import App, ComposeResult
from typer.testing import CliRunner

from agentlab.cli import app as cli_app
from agentlab.console.lines import transcript
from agentlab.console.printer import Printer
from agentlab.core.events import (
    AgentStarted,
    ApprovalDecided,
    ApprovalRequested,
    CheckEnded,
    CheckStarted,
    LoopDetected,
    SessionStarted,
    ToolCallStarted,
)
from agentlab.store.db import open_db
from agentlab.tui.app import make_app
from agentlab.tui.screens.replay import ReplayScreen
from agentlab.tui.widgets.event_view import EventView
from agentlab.tui.widgets.span_tree import SpanTree

SID = checked_stream()[0].session_id


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    path = tmp_path / "lab.db"
    db = open_db(path)
    record(db, checked_stream())
    db.close()
    return path


@pytest.mark.parametrize(
    ("event", "line"),
    [
        (
            CheckEnded(
                check="loop", stage="reasoning", verdict="flag", reason="repeated add(1,2) x3"
            ),
            "◈ check loop · flag: repeated add(1,2) x3",
        ),
        (
            CheckEnded(check="pii", stage="output", verdict="modify", reason="2 emails masked"),
            "◈ check pii · modify: 2 emails masked",
        ),
        (CheckEnded(check="budget", stage="input", verdict="stop"), "◈ check budget · stop"),
    ],
)
def test_check_end_line(event: CheckEnded, line: str) -> None:
    assert [t.plain for t in transcript(event)] == [line]


def test_a_check_decided_by_a_person_is_told_by_the_approval_lines_once() -> None:
    call = {"agent": "support", "tool": "issue_refund", "call_id": "c"}
    asked = ApprovalRequested(**call)
    decided = ApprovalDecided(**call, approved=False, by="person", note="not today")
    ended = CheckEnded(
        check="approval", stage="tool", verdict="block", by="person", reason="not today"
    )
    lines = [t.plain for e in (asked, decided, ended) for t in transcript(e, in_check=True)]
    assert lines == ["? issue_refund needs approval (support)", "✗ denied by person: not today"]


def test_what_the_loop_check_saw_is_told_by_its_end_line() -> None:
    loop = LoopDetected(agent="a", pattern="repeat", action="warn", detail="t() x3")
    assert transcript(loop, in_check=True) == []
    # recordings made before checks had spans still tell it
    assert [t.plain for t in transcript(loop)] == ["↻ loop warn: a: t() x3"]


def printed(events) -> list[str]:
    out = io.StringIO()
    printer = Printer(Console(file=out, width=120, color_system=None))
    for e in events:
        printer(e)
    return out.getvalue().splitlines()


def test_cli_transcript_shows_each_check_once() -> None:
    lines = printed(checked_stream())
    assert lines[3:7] == [
        '    ⚙ issue_refund(customer_id="C-1042", amount_usd=480.0)',
        "      ? issue_refund needs approval (support)",
        "      ✗ denied by person: not today",
        "      ↳ error: this issue_refund call was not approved: not today",
    ]
    assert lines[9] == "    ◈ check loop · flag: repeated add(1,2) x3"
    assert not [ln for ln in lines if "check approval" in ln or "↻ loop" in ln]


def cli(*args: str) -> str:
    res = CliRunner().invoke(cli_app, list(args), env={"COLUMNS": "120"})
    assert res.exit_code == 0, res.output
    return res.stdout


def test_replay_and_sessions_show_render_check_spans(db_path: Path) -> None:
    replay = cli("replay", SID, "--db", str(db_path)).splitlines()
    assert replay[:-3] == printed(checked_stream())[:-3]  # the live transcript, again
    tree = cli("sessions", "show", SID, "--db", str(db_path))
    assert "◈ check approval · block by person: not today" in tree
    assert "◈ check loop · flag: repeated add(1,2) x3" in tree
    assert "chat m 100→20 tok 500ms ✓ loop, tool_allowlist" in tree


async def test_tui_tree_shows_checks_with_their_verdict(db_path: Path) -> None:
    app = make_app(db_path=db_path, scenarios_dir=SCENARIOS)
    async with app.run_test(size=SIZE) as pilot:
        app.replay_session(SID)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReplayScreen)
        tree = screen.query_one(EventView).span_tree
        labels = [str(n.label) for n in tree.nodes_by_span.values()]
        # Durations too (defect 10); a person's decision shows how long it took.
        assert labels[2:] == [
            "◇ step 1 · 500ms · 120 tok · $0.2500",
            '⚙ issue_refund ✗ denied (customer_id="C-1042", a…) · 2.5s',
            "◈ check approval · block by person: not today · 1.5s",
            "◇ step 2 · 500ms · 180 tok · $0.1250",
            "◈ check loop · flag: repeated add(1,2) x3",
        ]
        text = log_text(screen).splitlines()
        assert text[3:7] == [
            '⚙ issue_refund(customer_id="C-1042", amount_usd=480.0)',
            "  ? issue_refund needs approval (support)",
            "  ✗ denied by person: not today",
            "  ↳ error: this issue_refund call was not approved: not today",
        ]
        assert "◈ check loop · flag: repeated add(1,2) x3" in text


class TreeApp(App[None]):
    def compose(self) -> ComposeResult:
        yield SpanTree()


async def test_an_approval_decided_before_its_tool_call_opens_still_marks_the_call() -> None:
    """The approval check may run before the tool's span opens (as its sibling): the call's
    node still shows the decision, found by the call's id."""
    who = {"session_id": "s", "agent": "support"}
    call = {**who, "tool": "issue_refund", "call_id": "c1"}
    events = [
        SessionStarted(session_id="s", span_id="S", scenario="gated"),
        AgentStarted(**who, span_id="A", parent_id="S", model="m"),
        CheckStarted(**who, span_id="C", parent_id="A", check="approval", stage="tool"),
        ApprovalRequested(**call, span_id="C"),
        ApprovalDecided(**call, span_id="C", approved=True, by="person", note="ok"),
        CheckEnded(
            **who, span_id="C", check="approval", stage="tool", verdict="allow", by="person"
        ),
        ToolCallStarted(**call, span_id="T", parent_id="A", arguments={"amount_usd": 5}),
    ]
    app = TreeApp()
    async with app.run_test() as pilot:
        tree = app.query_one(SpanTree)
        for e in events:
            tree.add_event(e)
        await pilot.pause()
        labels = [str(n.label) for n in tree.nodes_by_span.values()]
    # A person's decision shows how long it took (defect 10): here a moment.
    assert re.fullmatch(r"◈ check approval · allow by person · \d+\.\ds", labels[2]), labels
    assert labels[3] == "⚙ issue_refund ✓ approved (amount_usd=5)"
