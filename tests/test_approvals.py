"""Human approval gates for risky tool calls."""

from __future__ import annotations

import json

from conftest import SCENARIOS
from helpers import run_collect
from typer.testing import CliRunner

from agentlab.cli import app
from agentlab.core.context import Decision
from agentlab.core.events import (
    ApprovalDecided,
    ApprovalRequested,
    CheckEnded,
    CheckStarted,
    ToolCallEnded,
    ToolCallStarted,
)
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
    assert req.span_id == decided.span_id  # both on the approval check's span
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


# --- approval is a check: its span carries the request, the decision and the verdict ----------


def _approval_span(events):
    spans = {e.span_id: e for e in events if e.opens is not None}
    (start,) = [e for e in events if isinstance(e, CheckStarted) and e.check == "approval"]
    (end,) = [e for e in events if isinstance(e, CheckEnded) and e.span_id == start.span_id]
    return spans, start, end


async def test_a_policy_denial_is_a_block_by_policy_on_the_tool_calls_check_span() -> None:
    _, events = await run_collect(load_scenario(GATE))
    spans, start, end = _approval_span(events)
    tool = spans[start.parent_id]
    assert isinstance(tool, ToolCallStarted) and tool.tool == "issue_refund"
    assert (start.stage, start.subject) == ("tool", "issue_refund")
    assert (end.verdict, end.by) == ("block", "policy")
    assert end.reason == "no one to ask; the scenario's policy is deny"
    # Request and decision sit inside the check span, between its start and end.
    inside = [e.kind for e in events if e.span_id == start.span_id]
    assert inside == ["check_started", "approval_requested", "approval_decided", "check_ended"]
    # The tool calls that were not gated passed the approval check plainly.
    ended = {e.tool: e for e in events if isinstance(e, ToolCallEnded)}
    assert ended["read_file"].checks == ["approval"]
    assert ended["issue_refund"].checks == []


async def test_a_person_approving_is_an_allow_by_person() -> None:
    async def approve(req):
        return Decision(True, "ok")

    _, events = await run_collect(load_scenario(GATE), approve=approve)
    _, _, end = _approval_span(events)
    assert (end.verdict, end.by, end.reason) == ("allow", "person", "ok")
