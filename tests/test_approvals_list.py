"""Remembered "always" approvals can be listed and forgotten (`agentlab approvals`, issue 13):
a forgotten tool is asked about again; unknown entries and a broken file are one error line."""

from __future__ import annotations

import json

from conftest import SCENARIOS
from typer.testing import CliRunner

from agentlab import approvalsfile, services
from agentlab.cli import app
from agentlab.core.context import Decision

GATE = SCENARIOS / "approval_gate.toml"


def _cli(*args: str, code: int = 0) -> str:
    out = CliRunner().invoke(app, list(args))
    assert out.exit_code == code, out.output
    return out.output


def _remember() -> None:
    approvalsfile.remember_always("approval_gate", "issue_refund")
    approvalsfile.remember_always("approval_gate", "send_email")
    approvalsfile.remember_always("support_desk", "issue_refund")


def test_list_shows_every_scenario_and_tool() -> None:
    assert "no remembered approvals" in _cli("approvals", "list")
    _remember()
    text = _cli("approvals", "list")
    assert "approval_gate: issue_refund, send_email" in text
    assert "support_desk: issue_refund" in text
    got = json.loads(_cli("approvals", "list", "--json"))
    assert got["file"] == str(approvalsfile.approvals_path())
    assert got["scenarios"] == {
        "approval_gate": ["issue_refund", "send_email"],
        "support_desk": ["issue_refund"],
    }


def test_forget_one_tool_then_a_scenario_then_all() -> None:
    _remember()
    assert "forgot: approval_gate: send_email" in _cli(
        "approvals", "forget", "approval_gate", "send_email"
    )
    assert approvalsfile.approved_always("approval_gate") == {"issue_refund"}
    _cli("approvals", "forget", "approval_gate")
    assert approvalsfile.approved_always("approval_gate") == frozenset()
    assert approvalsfile.remembered() == {"support_desk": ["issue_refund"]}
    assert "forgot: support_desk: issue_refund" in _cli("approvals", "forget", "--all")
    assert approvalsfile.remembered() == {}


def test_unknown_entries_are_one_clear_error() -> None:
    _remember()
    out = _cli("approvals", "forget", "nope", code=2)
    assert "SCENARIO: no approvals are remembered for 'nope'" in out
    assert "approval_gate, support_desk" in out and "Traceback" not in out
    out = _cli("approvals", "forget", "approval_gate", "delete_db", code=2)
    assert "TOOL: 'delete_db' is not remembered for 'approval_gate'" in out
    assert "issue_refund, send_email" in out
    assert "use --all" in _cli("approvals", "forget", code=2)
    assert "not both" in _cli("approvals", "forget", "approval_gate", "--all", code=2)
    assert approvalsfile.approved_always("approval_gate") == {"issue_refund", "send_email"}


def test_a_broken_file_is_named_and_left_alone() -> None:
    path = approvalsfile.approvals_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{not json", encoding="utf-8")
    for args in (("list",), ("forget", "--all")):
        out = _cli("approvals", *args, code=2)
        assert f"{path}: not valid JSON" in out and "Traceback" not in out
    assert path.read_text(encoding="utf-8") == "{not json"


async def test_a_forgotten_tool_is_asked_about_again(tmp_path) -> None:
    asked: list[str] = []

    async def approve(req):
        asked.append(req.tool)
        return Decision(True, "fine", remember="always")

    db = tmp_path / "a.db"
    await services.run_recorded(GATE, db_path=db, approve=approve)
    await services.run_recorded(GATE, db_path=db, approve=approve)
    assert asked == ["issue_refund"]  # remembered: not asked the second time
    assert services.forget_approvals("approval_gate", "issue_refund") == [
        ("approval_gate", "issue_refund")
    ]
    await services.run_recorded(GATE, db_path=db, approve=approve)
    assert asked == ["issue_refund", "issue_refund"]
