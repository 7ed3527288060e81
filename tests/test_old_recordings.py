"""Recordings made before events were msgspec Structs still load, render and add up.

``fixtures/recordings-8968114.db.gz`` is a database written by agentlab at commit 8968114 (events
were dataclasses then): budget_math (completed; and stopped by ``--max-steps 2``; and killed
mid-run, so interrupted), approval_gate (denied by the policy; and ``--approvals allow``),
runaway_loop (stopped by loop detection), research_team, support_desk (handoffs) and
flaky_worker (a worker whose model call fails). ``recordings-8968114.jsonl`` is the same
sessions' events as that version's ``agentlab export --format jsonl`` wrote them. Made in a
``git worktree add /tmp/old 8968114`` with ``CI=true PYTHONPATH=/tmp/old python -m agentlab.cli
run scenarios/<name>.toml --db F --json`` (the killed run: ``services.run_recorded`` with a
subscriber that calls ``os._exit`` at the third model call).
"""

from __future__ import annotations

import gzip
import json
import shutil
from collections import defaultdict
from pathlib import Path

import pytest
from conftest import SCENARIOS
from test_tui import SIZE, log_text
from typer.testing import CliRunner

from agentlab.cli import app as cli_app
from agentlab.core.events import decode, encode
from agentlab.core.tally import tally_events
from agentlab.store.db import open_db
from agentlab.store.export import export_otlp
from agentlab.store.queries import get_events, get_spans, list_sessions
from agentlab.tui.app import make_app
from agentlab.tui.screens.replay import ReplayScreen
from agentlab.tui.widgets.event_view import EventView

FIXTURES = Path(__file__).parent / "fixtures"
JSONL = FIXTURES / "recordings-8968114.jsonl"
DB = FIXTURES / "recordings-8968114.db.gz"


def old_lines() -> list[str]:
    return JSONL.read_text(encoding="utf-8").splitlines()


@pytest.fixture
def old_db(tmp_path: Path) -> Path:
    path = tmp_path / "old.db"
    with gzip.open(DB) as src, path.open("wb") as dst:
        shutil.copyfileobj(src, dst)
    return path


#: The recorded sessions, by what they show.
SESSIONS = {
    "budget_math": "20261129-162148-6e8c50",
    "approval_denied": "20261129-162205-b5a654",
    "runaway_loop": "20261129-162219-17e4a5",
    "research_team": "20261129-162232-4a3a14",
    "approval_allowed": "20261129-162255-0f9728",
    "budget_math_capped": "20261129-162304-5c61a1",
    "support_desk": "20261129-162313-605bad",
    "flaky_worker": "20261129-162320-10db55",
    "budget_math_killed": "20261129-162347-0a4932",
}


def test_every_old_event_decodes_without_losing_a_field() -> None:
    kinds = set()
    for line in old_lines():
        old = json.loads(line)
        event = decode(line)
        assert event.kind == old["kind"]
        back = json.loads(encode(event))
        assert {k: back.get(k) for k in old} == old
        kinds.add(event.kind)
    assert kinds >= {
        "approval_requested",
        "approval_decided",
        "loop_detected",
        "handoff",
        "limit_warning",
        "limit_exceeded",
        "budget_update",
    }


def test_old_database_loads_and_its_tally_matches_the_stored_totals(old_db: Path) -> None:
    by_session: dict[str, list[str]] = defaultdict(list)
    for line in old_lines():
        by_session[json.loads(line)["session_id"]].append(line)
    db = open_db(old_db)  # today's migrations run over it
    try:
        stored = list_sessions(db)
        assert sorted(s["id"] for s in stored) == sorted(SESSIONS.values())
        for session in stored:
            events = get_events(db, session["id"])
            assert events == [decode(line) for line in by_session[session["id"]]]
            totals = tally_events(events).totals()
            for key in ("input_tokens", "output_tokens", "total_tokens", "steps", "tool_calls"):
                assert totals[key] == session[key], (session["scenario"], key)
            assert totals["cost_usd"] == pytest.approx(session["cost_usd"])
            assert totals["unpriced_calls"] == 0 and session["unpriced"] is False
    finally:
        db.close()


def cli(*args: str) -> str:
    res = CliRunner().invoke(cli_app, list(args), env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    return res.stdout


@pytest.mark.parametrize(
    ("name", "replay_says", "tree_says"),
    [
        (
            "approval_denied",
            [
                "? issue_refund needs approval (support)",
                "✗ denied by policy: no one to ask; the scenario's policy is deny",
            ],
            ["tool issue_refund"],
        ),
        (
            "approval_allowed",
            ["✓ approved by person: --approvals allow"],
            ["tool issue_refund"],
        ),
        ("runaway_loop", ["↻ loop stop: watcher:", "── stopped (loop) ──"], []),
        ("support_desk", ["⇢ handoff triage → billing"], ["agent billing"]),
        ("budget_math_capped", ["■ cap reached by analyst: steps 2 of 2"], []),
        ("flaky_worker", ["✗ model error: InternalServerError"], []),
        ("research_team", ["● lead (lab/"], ["tool delegate"]),  # role = name: said once
        ("budget_math_killed", ["was interrupted: recording ends here"], []),
    ],
)
def test_old_sessions_replay_and_show(
    old_db: Path, name: str, replay_says: list[str], tree_says: list[str]
) -> None:
    sid = SESSIONS[name]
    replay = cli("replay", sid, "--db", str(old_db))
    for text in replay_says:
        assert text in replay
    shown = cli("sessions", "show", sid, "--db", str(old_db))
    assert f"spans of {sid}" in shown
    for text in ["agent ", *tree_says]:
        assert text in shown


def test_old_sessions_export_as_otlp(old_db: Path) -> None:
    db = open_db(old_db)
    try:
        for session in list_sessions(db):
            [rs] = export_otlp(db, session["id"])["resourceSpans"]
            [scope] = rs["scopeSpans"]
            assert len(scope["spans"]) == len(get_spans(db, session["id"]))
            if session["stop_reason"] == "loop":
                [agent] = [s for s in scope["spans"] if s["name"].startswith("invoke_agent")]
                assert [e["name"] for e in agent["events"]].count("loop_detected") == 3
    finally:
        db.close()


@pytest.mark.parametrize(
    ("name", "mark"), [("approval_denied", "✗ denied"), ("approval_allowed", "✓ approved")]
)
async def test_an_old_approval_session_replays_in_the_tui(
    old_db: Path, name: str, mark: str
) -> None:
    sid = SESSIONS[name]
    app = make_app(db_path=old_db, scenarios_dir=SCENARIOS)
    async with app.run_test(size=SIZE) as pilot:
        app.replay_session(sid)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReplayScreen)
        tree = screen.query_one(EventView).span_tree
        labels = [str(n.label) for n in tree.nodes_by_span.values()]
        assert next(la for la in labels if "issue_refund" in la).startswith(
            f"⚙ issue_refund {mark} ("
        )
        assert f"{mark} by " in log_text(screen)
