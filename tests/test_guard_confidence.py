"""Low-confidence escalation (issue 13): a final reply states its confidence in its JSON
(``confidence_field``); below ``min_confidence`` it goes to a person through the approval flow
(``ask``), stops the agent (``stop``) or stands with a recorded verdict (``flag``)."""

from __future__ import annotations

import json

import pytest
from conftest import SCENARIOS
from helpers import run_collect, scenario
from typer.testing import CliRunner

from agentlab.cli import app
from agentlab.core.checks.guard_output import confidence
from agentlab.core.context import Decision
from agentlab.core.events import ApprovalDecided, ApprovalRequested, CheckEnded, LlmCallStarted
from agentlab.errors import ScenarioError
from agentlab.scenario import parse_scenario

TEMPLATE = """
task = "t"
[guardrails]
confidence_field = "{field}"
min_confidence = 0.7
{extra}
[[agents]]
name = "a"
model = "lab/scripted"
  [[agents.script]]
  text = '{first}'
  [[agents.script]]
  text = '{second}'
"""
UNSURE = '{"queue": "billing", "confidence": 0.42}'
SURE = '{"queue": "billing", "confidence": 0.9}'


def _s(first: str, extra: str = "", second: str = SURE, field: str = "confidence"):
    return scenario(TEMPLATE.format(first=first, second=second, extra=extra, field=field))


def _checks(events) -> list[CheckEnded]:
    return [e for e in events if isinstance(e, CheckEnded) and e.check == "output_guard"]


@pytest.mark.parametrize("approved", [True, False])
async def test_ask_puts_a_low_confidence_reply_to_a_person(approved: bool) -> None:
    asked = []

    async def approve(req):
        asked.append(req)
        return Decision(approved, "looks right" if approved else "route it by hand")

    result, events = await run_collect(_s(UNSURE, 'on_low_confidence = "ask"'), approve=approve)
    (req,) = asked
    assert (req.tool, req.schema) == ("reply", None)
    assert req.reason == "confidence 0.42 is below 0.7"
    assert req.arguments["reply"] == UNSURE
    (requested,) = [e for e in events if isinstance(e, ApprovalRequested)]
    assert requested.tool == "reply"
    decided = next(e for e in events if isinstance(e, ApprovalDecided))
    assert (decided.approved, decided.by) == (approved, "person")
    (end,) = _checks(events)
    assert end.detail == {"confidence": 0.42, "min_confidence": 0.7}
    if approved:
        assert result.status == "completed" and result.final_output == UNSURE
        assert (end.verdict, end.by) == ("allow", "person")
    else:
        assert result.stop_reason == "guardrail:output" and result.final_output == ""
        assert (end.verdict, end.by) == ("block", "person")
        assert end.reason == "confidence 0.42 is below 0.7; not approved: route it by hand"
    # Escalated, not retried: the model was asked once.
    assert sum(isinstance(e, LlmCallStarted) for e in events) == 1


@pytest.mark.parametrize(("policy", "status"), [("deny", "stopped"), ("allow", "completed")])
async def test_ask_with_no_one_to_ask_follows_the_approval_policy(policy: str, status: str) -> None:
    extra = f'on_low_confidence = "ask"\n[approvals]\npolicy = "{policy}"'
    result, events = await run_collect(_s(UNSURE, extra))
    assert result.status == status
    decided = next(e for e in events if isinstance(e, ApprovalDecided))
    assert decided.by == "policy"


async def test_flag_records_the_verdict_and_the_reply_stands() -> None:
    result, events = await run_collect(_s(UNSURE, 'on_low_confidence = "flag"'))
    assert result.status == "completed" and result.final_output == UNSURE
    (end,) = _checks(events)
    assert (end.verdict, end.reason) == ("flag", "confidence 0.42 is below 0.7; the reply stands")
    assert not [e for e in events if isinstance(e, ApprovalRequested)]


async def test_stop_ends_the_agent_with_guardrail_output() -> None:
    result, events = await run_collect(_s(UNSURE, 'on_low_confidence = "stop"'))
    assert result.stop_reason == "guardrail:output"
    (end,) = _checks(events)
    assert (end.verdict, end.reason) == ("stop", "confidence 0.42 is below 0.7")


async def test_a_confident_reply_passes_plainly() -> None:
    result, events = await run_collect(_s(SURE))
    assert result.status == "completed" and _checks(events) == []
    (call,) = [e for e in events if e.kind == "llm_call_ended"]
    assert "output_guard" in call.checks


async def test_the_threshold_itself_is_confident_enough() -> None:
    result, events = await run_collect(_s('{"confidence": 0.7}'))
    assert result.status == "completed" and _checks(events) == []


async def test_a_reply_that_states_no_confidence_fails_validation_and_is_sent_back() -> None:
    result, events = await run_collect(_s('{"queue": "billing"}'))
    assert result.status == "completed" and json.loads(result.final_output)["confidence"] == 0.9
    (end,) = _checks(events)
    assert end.verdict == "modify" and "states no confidence" in end.reason


async def test_nested_fenced_confidence_is_read() -> None:
    s = scenario(
        """
task = "t"
[guardrails]
confidence_field = "meta.confidence"
min_confidence = 0.7
on_low_confidence = "stop"
[[agents]]
name = "a"
model = "lab/scripted"
  [[agents.script]]
  text = '''
```json
{"meta": {"confidence": 0.2}}
```'''
"""
    )
    result, events = await run_collect(s)
    assert result.stop_reason == "guardrail:output"
    assert _checks(events)[0].detail["confidence"] == 0.2


@pytest.mark.parametrize(
    ("reply", "field", "got"),
    [
        ('{"c": 0.3}', "c", 0.3),
        ('{"c": 1}', "c", 1.0),
        ('{"a": {"c": 0}}', "a.c", 0.0),
        ('```json\n{"c": 0.5}\n```', "c", 0.5),
        ('{"c": 1.5}', "c", "the reply's confidence is 1.5, not a number from 0 to 1 at 'c'"),
        (
            '{"c": "high"}',
            "c",
            "the reply's confidence is \"high\", not a number from 0 to 1 at 'c'",
        ),
        ('{"c": true}', "c", "the reply's confidence is true, not a number from 0 to 1 at 'c'"),
        ('{"d": 0.5}', "c", "the reply states no confidence (a number from 0 to 1 at 'c')"),
        ("[0.5]", "c", "the reply states no confidence (a number from 0 to 1 at 'c')"),
        (
            "sure",
            "c",
            "the reply is not JSON, so it states no confidence (a number from 0 to 1 at 'c')",
        ),
    ],
)
def test_confidence_of_a_reply(reply: str, field: str, got: float | str) -> None:
    assert confidence(reply, field) == got


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("min_confidence = 0", "guardrails.min_confidence: Input should be greater than 0"),
        (
            "min_confidence = 2",
            "guardrails.min_confidence: Input should be less than or equal to 1",
        ),
        (
            'on_low_confidence = "maybe"',
            "guardrails.on_low_confidence: expected one of 'ask', 'stop' or 'flag'",
        ),
        ('confidence_field = ""', "guardrails.confidence_field: String should have at least 1"),
    ],
)
def test_bad_settings_are_one_line_with_file_and_line(line: str, message: str) -> None:
    text = f'task = "t"\n[guardrails]\n{line}\n[[agents]]\nname = "a"\n'
    with pytest.raises(ScenarioError) as err:
        parse_scenario(text, "c.toml")
    assert str(err.value).startswith(f"c.toml:3: {message}")


def _cli(*args: str, code: int = 0) -> dict:
    out = CliRunner().invoke(app, list(args))
    assert out.exit_code == code, out.output
    return json.loads(out.stdout)


def test_the_shipped_scenario_escalates_and_the_policy_decides(tmp_path) -> None:
    db = str(tmp_path / "c.db")
    path = str(SCENARIOS / "low_confidence.toml")
    denied = _cli("run", path, "--db", db, "--json", code=3)
    assert denied["stop_reason"] == "guardrail:output"
    assert "confidence 0.42 is below 0.7" in denied["error"]
    allowed = _cli("run", path, "--db", db, "--json", "--approvals", "reply=allow")
    assert allowed["status"] == "completed"
    assert json.loads(allowed["final_output"])["queue"] == "billing"
