"""Approval answers beyond yes/no: once, for the session, always, edited arguments, denial with
a reason; every decision says who decided (issue 13)."""

from __future__ import annotations

import json

from conftest import SCENARIOS
from helpers import run_collect, scenario
from typer.testing import CliRunner

from agentlab import approvalsfile, services
from agentlab.cli import app
from agentlab.console.prompts import approval_dialog, parse_policy
from agentlab.core.context import ApprovalRequest, Decision
from agentlab.core.events import ApprovalDecided, CheckEnded, ToolCallEnded
from agentlab.core.tools import issue_refund

GATE = SCENARIOS / "approval_gate.toml"

TWICE = """
name = "two_refunds"
task = "refund twice"
[[agents]]
name = "support"
model = "lab/scripted"
tools = ["issue_refund"]
  [[agents.script]]
  tool = "issue_refund"
  args = { customer_id = "C-1", amount_usd = 10.0, reason = "one" }
  [[agents.script]]
  tool = "issue_refund"
  args = { customer_id = "C-2", amount_usd = 20.0, reason = "two" }
  [[agents.script]]
  text = "done"
"""


def _decided(events):
    return [e for e in events if isinstance(e, ApprovalDecided)]


def _results(events):
    return [e.result for e in events if isinstance(e, ToolCallEnded)]


async def test_once_asks_again_at_the_next_call() -> None:
    asked = []

    async def approve(req):
        asked.append(req.arguments["customer_id"])
        return Decision(True, "ok")

    _, events = await run_collect(scenario(TWICE), approve=approve)
    assert asked == ["C-1", "C-2"]
    assert [d.remembered for d in _decided(events)] == [False, False]


async def test_session_approval_covers_the_rest_of_the_session() -> None:
    asked = []

    async def approve(req):
        asked.append(req.arguments["customer_id"])
        return Decision(True, "for now", remember="session")

    _, events = await run_collect(scenario(TWICE), approve=approve)
    assert asked == ["C-1"]
    first, second = _decided(events)
    assert (first.remember, first.remembered, first.by) == ("session", False, "person")
    assert (second.approved, second.remember, second.remembered) == (True, "session", True)
    assert "rest of the session" in second.note
    assert all("issued" in r for r in _results(events))


async def test_edited_arguments_run_instead_and_are_recorded() -> None:
    async def approve(req):
        assert req.schema == issue_refund.parameters  # what an edit must follow
        return Decision(True, "halved", arguments={**req.arguments, "amount_usd": 5.0})

    _, events = await run_collect(scenario(TWICE), approve=approve)
    assert _results(events)[0].startswith("refund of $5.00 issued to C-1")
    first = _decided(events)[0]
    assert first.edited == {"customer_id": "C-1", "amount_usd": 5.0, "reason": "one"}
    end = next(e for e in events if isinstance(e, CheckEnded) and e.check == "approval")
    assert (end.verdict, end.by) == ("modify", "person")


async def test_an_invalid_edit_is_refused_by_the_check() -> None:
    async def approve(req):
        return Decision(True, "oops", arguments={"customer_id": 7})

    _, events = await run_collect(scenario(TWICE), approve=approve)
    assert "edited arguments are invalid" in _results(events)[0]
    end = next(e for e in events if isinstance(e, CheckEnded) and e.check == "approval")
    assert (end.verdict, end.by) == ("block", "check")


async def test_a_denial_reason_is_what_the_model_reads() -> None:
    async def approve(req):
        return Decision(False, "refunds over $5 need a manager")

    _, events = await run_collect(scenario(TWICE), approve=approve)
    assert "not approved: refunds over $5 need a manager" in _results(events)[0]


async def test_always_is_remembered_for_the_scenario_across_runs(tmp_path) -> None:
    asked = []

    async def approve(req):
        asked.append(req.tool)
        return Decision(True, "fine", remember="always")

    db = tmp_path / "a.db"
    await services.run_recorded(GATE, db_path=db, approve=approve)
    assert approvalsfile.approved_always("approval_gate") == {"issue_refund"}
    assert json.loads(approvalsfile.approvals_path().read_text())["scenarios"] == {
        "approval_gate": ["issue_refund"]
    }
    result = await services.run_recorded(GATE, db_path=db, approve=approve)
    assert asked == ["issue_refund"]  # not asked the second time
    assert "issued to C-1042" in result.final_output
    events = services.load_recording(db, result.session_id).events
    (d,) = _decided(events)
    assert (d.remembered, d.remember, d.by) == (True, "always", "person")


def test_parse_policy() -> None:
    assert parse_policy("allow") == ("allow", {})
    assert parse_policy("issue_refund=deny,allow") == ("allow", {"issue_refund": "deny"})
    for bad in ("maybe", "issue_refund=perhaps", "=allow"):
        try:
            parse_policy(bad)
        except ValueError:
            continue
        raise AssertionError(bad)


def test_cli_per_tool_policy_is_recorded_as_policy(tmp_path) -> None:
    runner = CliRunner()
    db = str(tmp_path / "p.db")
    out = runner.invoke(
        app, ["run", str(GATE), "--json", "--db", db, "--approvals", "issue_refund=allow,deny"]
    )
    assert out.exit_code == 0, out.output
    sid = json.loads(out.stdout)["session_id"]
    (d,) = _decided(services.load_recording(db, sid).events)
    assert (d.approved, d.by, d.note) == (True, "policy", "--approvals issue_refund=allow")
    shown = runner.invoke(app, ["sessions", "show", sid, "--db", db])
    text = " ".join(shown.stdout.split())
    assert "approval · allow by policy: --approvals" in text and "issue_refund=allow" in text
    bad = runner.invoke(app, ["run", str(GATE), "--approvals", "issue_refund=maybe"])
    assert bad.exit_code == 2 and "--approvals" in bad.stderr


def _dialog(answers: list[str]) -> tuple[Decision, list[str]]:
    said: list[str] = []
    req = ApprovalRequest("support", "issue_refund", {"amount_usd": 480.0}, issue_refund.parameters)
    it = iter(answers)
    return approval_dialog(req, read=lambda _: next(it), say=said.append), said


def test_terminal_dialog_answers() -> None:
    assert _dialog(["y"])[0] == Decision(True, "approved at the terminal")
    assert _dialog(["s"])[0].remember == "session"
    assert _dialog(["a"])[0].remember == "always"
    assert _dialog(["n", "too much"])[0] == Decision(False, "too much")
    edit = '{"customer_id": "C-1", "amount_usd": 1, "reason": "r"}'
    decision, said = _dialog(["e", "{nope", '{"customer_id": 3}', edit])
    assert decision.approved and decision.arguments == json.loads(edit)
    assert any("not JSON" in s for s in said) and any("schema" in s for s in said)
    # Empty edit goes back to the choices.
    assert _dialog(["e", "", "x", "y"])[0].approved


async def test_the_decision_reaches_the_otlp_export(tmp_path) -> None:
    async def approve(req):
        edited = {**req.arguments, "amount_usd": 240.0}
        return Decision(True, "halved", arguments=edited, remember="session")

    db = tmp_path / "o.db"
    result = await services.run_recorded(GATE, db_path=db, approve=approve)
    doc = json.loads(services.export_session(db, result.session_id, "otlp-json"))
    events = [
        ev
        for rs in doc["resourceSpans"]
        for ss in rs["scopeSpans"]
        for sp in ss["spans"]
        for ev in sp.get("events", [])
        if ev["name"] == "approval_decided"
    ]
    (ev,) = events
    attrs = {a["key"]: next(iter(a["value"].values())) for a in ev["attributes"]}
    assert attrs["agentlab.by"] == "person" and attrs["agentlab.remember"] == "session"
    assert json.loads(attrs["agentlab.edited"])["amount_usd"] == 240.0


def test_a_remembered_always_does_not_override_an_explicit_policy_or_an_unattended_run(
    tmp_path,
) -> None:
    """`--approvals deny` (and runs with no one to ask, such as `agentlab eval`) decide by
    policy, not by what a person once approved on this machine."""
    approvalsfile.remember_always("approval_gate", "issue_refund")
    db = str(tmp_path / "p.db")
    out = CliRunner().invoke(app, ["run", str(GATE), "--db", db, "--approvals", "deny", "--json"])
    assert out.exit_code == 0, out.output
    assert "issued to C-1042" not in json.loads(out.stdout)["final_output"]
    import asyncio

    result = asyncio.run(services.run_recorded(GATE, db_path=tmp_path / "q.db"))
    assert "issued to C-1042" not in result.final_output


def test_an_always_answer_never_overwrites_a_broken_approvals_file(tmp_path) -> None:
    """A person's "always" with a hand-broken approvals.json in place rewrote it as just the
    new entry, losing what was there; the file is left as it was (the answer still counts for
    the session)."""
    import asyncio

    path = tmp_path / "approvals.json"
    broken = '{"scenarios": {"a": ["t1"], "b": "oops"'  # cut short by hand
    path.write_text(broken)

    async def always(req: ApprovalRequest) -> Decision:
        return Decision(approved=True, by="person", remember="always")

    wrapped = approvalsfile.remembering(always, "demo", path)
    decision = asyncio.run(wrapped(ApprovalRequest(agent="a", tool="issue_refund", arguments={})))
    assert decision is not None and decision.approved
    assert path.read_text() == broken
    path.write_text('{"scenarios": {"a": "t1"}}')  # valid JSON, a bad entry: same
    asyncio.run(wrapped(ApprovalRequest(agent="a", tool="issue_refund", arguments={})))
    assert path.read_text() == '{"scenarios": {"a": "t1"}}'
