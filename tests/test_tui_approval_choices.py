"""The TUI approval modal's answers beyond yes/no (pilot tests; every wait has a timeout)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from conftest import SCENARIOS
from test_tui import SIZE, log_text, wait_for
from textual.widgets import Label, TextArea

from agentlab import approvalsfile
from agentlab.core.context import ApprovalRequest
from agentlab.tui.app import make_app
from agentlab.tui.screens.approval import ApprovalModal
from agentlab.tui.screens.run import RunScreen

GATE = SCENARIOS / "approval_gate.toml"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "lab.db"


async def _modal(pilot) -> ApprovalModal:
    pilot.app.run_scenario(GATE)
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ApprovalModal))
    await pilot.pause()
    return pilot.app.screen


async def _finished(app, pilot) -> RunScreen:
    await asyncio.wait_for(app.workers.wait_for_complete(), 30)
    await wait_for(pilot, lambda: isinstance(app.screen, RunScreen) and app.screen.summary)
    return app.screen


async def test_session_answer(db_path) -> None:
    app = make_app(db_path=db_path, scenarios_dir=SCENARIOS)
    async with app.run_test(size=SIZE) as pilot:
        modal = await _modal(pilot)
        await pilot.press("s")
        run = await _finished(app, pilot)
        assert modal.decision is not None and modal.decision.remember == "session"
        assert "issued to C-1042" in run.summary["final_output"]
        assert "✓ approved by person (for the session)" in log_text(run)


async def test_always_answer_is_remembered_for_the_scenario(db_path) -> None:
    app = make_app(db_path=db_path, scenarios_dir=SCENARIOS)
    async with app.run_test(size=SIZE) as pilot:
        await _modal(pilot)
        await pilot.press("a")
        await _finished(app, pilot)
    assert approvalsfile.approved_always("approval_gate") == {"issue_refund"}


async def test_edit_is_validated_then_runs_with_the_edit(db_path) -> None:
    app = make_app(db_path=db_path, scenarios_dir=SCENARIOS)
    async with app.run_test(size=SIZE) as pilot:
        modal = await _modal(pilot)
        await pilot.press("e")
        await wait_for(pilot, lambda: modal.focused is modal.query_one("#edit", TextArea))
        area = modal.query_one("#edit", TextArea)
        area.text = json.dumps({"customer_id": "C-1042", "amount_usd": "lots"})
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "schema" in str(modal.query_one("#problem", Label).render()))
        assert isinstance(app.screen, ApprovalModal)  # still asking
        edited = {"customer_id": "C-1042", "amount_usd": 240.0, "reason": "half"}
        area.text = json.dumps(edited)
        await pilot.press("ctrl+s")
        run = await _finished(app, pilot)
        assert modal.decision is not None and modal.decision.arguments == edited
        assert "refund of $240.00 issued to C-1042" in run.summary["final_output"]
        assert "with edited arguments" in log_text(run)


async def test_deny_with_a_reason_the_agent_reads(db_path) -> None:
    app = make_app(db_path=db_path, scenarios_dir=SCENARIOS)
    async with app.run_test(size=SIZE) as pilot:
        await _modal(pilot)
        await pilot.press("r")
        await pilot.press(*"ask finance")
        await pilot.press("enter")
        run = await _finished(app, pilot)
        assert "not approved: ask finance" in run.summary["final_output"]
        assert "✗ denied by person: ask finance" in log_text(run)


def test_a_reply_question_offers_only_yes_and_no() -> None:
    modal = ApprovalModal(ApprovalRequest("a", "reply", {"reply": "x"}, None, "invalid"))
    assert not modal.editable
    modal.action_remember("session")
    modal.action_edit()
    assert modal.decision is None and not modal.has_class("editing")
