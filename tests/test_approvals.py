"""Human approval gates for risky tool calls."""

from __future__ import annotations

import json

from conftest import SCENARIOS
from helpers import run_collect
from typer.testing import CliRunner

from agentlab.cli import app
from agentlab.core.context import Decision
from agentlab.core.events import ApprovalDecided, ApprovalRequested, ToolCallEnded
from agentlab.scenario import load_scenario

GATE = SCENARIOS / "approval_gate.toml"


async def test_person_approves_and_the_action_runs() -> None:
    asked = []

    async def approve(req):
        asked.append((req.agent, req.tool, req.arguments["amount_usd"]))
        return Decision(True, "ok")

    result, events = await run_collect(load_scenario(GATE), approve=approve)
    assert asked == [("support", "issue_refund", 480.0)]
    assert "refund of $480.00 issued to C-1042" in result.final_output
    decided = next(e for e in events if isinstance(e, ApprovalDecided))
    assert decided.approved and decided.by == "person"


async def test_denial_reaches_the_model_and_the_action_does_not_run() -> None:
    async def deny(req):
        return Decision(False, "amount too high")

    result, events = await run_collect(load_scenario(GATE), approve=deny)
    assert result.status == "completed"
    assert "not approved: amount too high" in result.final_output
    refund = next(e for e in events if isinstance(e, ToolCallEnded) and e.tool == "issue_refund")
    assert refund.is_error and "issued" not in refund.result


async def test_no_one_to_ask_follows_the_scenario_policy() -> None:
    result, events = await run_collect(load_scenario(GATE))
    req = next(e for e in events if isinstance(e, ApprovalRequested))
    decided = next(e for e in events if isinstance(e, ApprovalDecided))
    assert req.span_id == decided.span_id  # both on the tool call's span
    assert (decided.approved, decided.by) == (False, "policy")
    assert "not approved" in result.final_output


async def test_tools_not_gated_run_without_asking() -> None:
    async def approve(req):
        raise AssertionError(f"asked about {req.tool}")

    s = load_scenario(SCENARIOS / "budget_math.toml")
    result, _ = await run_collect(s, approve=approve)
    assert result.status == "completed"


def test_cli_approvals_flag() -> None:
    runner = CliRunner()
    out = runner.invoke(app, ["run", str(GATE), "--json", "--approvals", "allow"])
    assert "issued to C-1042" in json.loads(out.stdout)["final_output"]
    out = runner.invoke(app, ["run", str(GATE), "--json"])  # no TTY: the policy (deny)
    assert "not approved" in json.loads(out.stdout)["final_output"]
    bad = runner.invoke(app, ["run", str(GATE), "--approvals", "maybe"])
    assert bad.exit_code == 2 and "--approvals" in bad.stderr
