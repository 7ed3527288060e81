"""The output layer, finished (issue 13): JSON schema validation with one retry, then
guardrail:output or a person's decision; PII masked where people see it, stored exact unless
``mask_storage``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import SCENARIOS
from helpers import run_collect, scenario
from typer.testing import CliRunner

from agentlab import services
from agentlab.cli import app
from agentlab.core.checks.display import DisplayMask
from agentlab.core.context import Decision
from agentlab.core.events import (
    ApprovalDecided,
    CheckEnded,
    LlmCallEnded,
    LlmCallStarted,
    LlmDelta,
    SessionEnded,
    SessionStarted,
)
from agentlab.errors import ScenarioError
from agentlab.scenario import parse_scenario

POISONED = SCENARIOS / "poisoned_document.toml"
EMAIL = "dana.whitfield@example.com"

SCHEMA = """
task = "t"
[guardrails]
output_schema = {{ type = "object", required = ["answer"], properties = {{ answer = {{ type = "integer" }} }} }}
{extra}
[[agents]]
name = "a"
model = "lab/scripted"
  [[agents.script]]
  text = "{first}"
  [[agents.script]]
  text = "{second}"
"""
GOOD = '{\\"answer\\": 4}'
BAD = "four"


def _s(first: str, second: str, extra: str = ""):
    return scenario(SCHEMA.format(first=first, second=second, extra=extra))


async def test_an_invalid_reply_is_sent_back_once_with_the_error() -> None:
    result, events = await run_collect(_s(BAD, GOOD))
    assert result.status == "completed" and json.loads(result.final_output) == {"answer": 4}
    (check,) = [e for e in events if isinstance(e, CheckEnded)]
    assert (check.check, check.verdict, check.detail["retry"]) == ("output_guard", "modify", 1)
    assert "not JSON" in check.reason
    second = [e for e in events if isinstance(e, LlmCallStarted)][1]
    feedback = second.messages[-1]
    assert feedback["role"] == "user" and "failed validation" in feedback["content"]
    assert second.messages[-2] == {"role": "assistant", "content": BAD} or (
        second.messages[-2]["content"] == BAD
    )


async def test_a_second_failure_stops_with_guardrail_output() -> None:
    result, events = await run_collect(_s(BAD, '{\\"answer\\": \\"four\\"}'))
    assert result.stop_reason == "guardrail:output"
    last = [e for e in events if isinstance(e, CheckEnded)][-1]
    assert last.verdict == "stop" and "answer: 'four' is not of type 'integer'" in last.reason


async def test_no_retry_when_the_scenario_says_so() -> None:
    result, events = await run_collect(_s(BAD, GOOD, "output_retry = false"))
    assert result.stop_reason == "guardrail:output"
    assert sum(isinstance(e, LlmCallStarted) for e in events) == 1


@pytest.mark.parametrize("approved", [True, False])
async def test_ask_puts_a_failed_reply_to_a_person(approved: bool) -> None:
    asked = []

    async def approve(req):
        asked.append(req)
        return Decision(approved, "fine by me" if approved else "no")

    s = _s(BAD, BAD, 'on_invalid_output = "ask"')
    result, events = await run_collect(s, approve=approve)
    (req,) = asked
    assert (req.tool, req.schema) == ("reply", None) and "not JSON" in req.reason
    decided = next(e for e in events if isinstance(e, ApprovalDecided))
    assert (decided.approved, decided.by) == (approved, "person")
    if approved:
        assert result.status == "completed" and result.final_output == BAD
    else:
        assert result.stop_reason == "guardrail:output"


async def test_ask_with_no_one_to_ask_follows_the_policy() -> None:
    result, _ = await run_collect(_s(BAD, BAD, 'on_invalid_output = "ask"'))
    assert result.stop_reason == "guardrail:output"  # the default policy is deny


def test_a_bad_schema_is_one_line_with_file_and_line() -> None:
    text = (
        'task = "t"\n[guardrails]\noutput_schema = { type = "nothing" }\n[[agents]]\nname = "a"\n'
    )
    with pytest.raises(ScenarioError) as err:
        parse_scenario(text, "o.toml")
    assert str(err.value).startswith("o.toml:3: guardrails.output_schema: not a valid JSON schema")


# --- masking where people see it ---------------------------------------------------------------


def _run(args: list[str]) -> str:
    out = CliRunner().invoke(app, args)
    assert out.exit_code == 0, out.output
    return out.stdout


def test_people_see_it_masked_while_the_store_keeps_it_exact(tmp_path: Path) -> None:
    db = str(tmp_path / "m.db")
    printed = _run(["run", str(POISONED), "--db", db])
    assert "[EMAIL]" in printed and EMAIL not in printed
    summary = json.loads(_run(["run", str(POISONED), "--db", db, "--json"]))
    assert "[EMAIL]" in summary["final_output"] and EMAIL not in summary["final_output"]
    sid = summary["session_id"]
    stored = services.load_recording(db, sid).events
    ended = next(e for e in stored if isinstance(e, SessionEnded))
    assert EMAIL in ended.final_output  # exact, for replay and rerun
    for args in (["replay", sid], ["sessions", "show", sid]):
        shown = _run([*args, "--db", db])
        assert EMAIL not in shown, args
    for fmt in ("jsonl", "otlp-json"):
        masked = _run(["export", sid, "--db", db, "-f", fmt])
        assert EMAIL not in masked and "[EMAIL]" in masked and sid in masked
        exact = _run(["export", sid, "--db", db, "-f", fmt, "--no-mask"])
        assert EMAIL in exact
    proto = tmp_path / "t.pb"
    _run(["export", sid, "--db", db, "-f", "otlp-proto", "-o", str(proto)])
    assert EMAIL.encode() not in proto.read_bytes()


def test_a_scenario_that_does_not_mask_is_shown_as_stored(tmp_path: Path) -> None:
    db = str(tmp_path / "n.db")
    src = POISONED.read_text().replace("mask_output = true", "mask_output = false")
    f = tmp_path / "poisoned_document.toml"
    f.write_text(src.replace("data/", str(POISONED.parent / "data") + "/"))
    printed = _run(["run", str(f), "--db", db, "--allow-path", str(POISONED.parent)])
    assert EMAIL in printed


@pytest.mark.parametrize("mask_storage", [False, True])
def test_rerun_still_matches_the_recording(tmp_path: Path, mask_storage: bool) -> None:
    db = str(tmp_path / "r.db")
    f = tmp_path / "poisoned_document.toml"
    shutil.copytree(
        POISONED.parent / "data" / "poisoned-document", tmp_path / "data" / "poisoned-document"
    )
    src = POISONED.read_text()
    if mask_storage:
        src = src.replace("mask_output = true", "mask_output = true\nmask_storage = true")
    f.write_text(src)
    allow: list[str] = []
    sid = json.loads(_run(["run", str(f), "--db", db, "--json", *allow]))["session_id"]
    stored = services.load_recording(db, sid).events
    final = next(e for e in stored if isinstance(e, SessionEnded)).final_output
    assert (EMAIL in final) is not mask_storage
    if mask_storage:  # the store is masked (checks/storage.py); the run went on exact
        end = next(e for e in stored if isinstance(e, CheckEnded) and e.check == "output_guard")
        assert end.verdict == "flag" and "where it is stored" in end.reason
        (url,) = [
            e.arguments["url"]
            for e in stored
            if e.kind == "tool_call_started" and e.tool == "http_get"
        ]
        assert url.endswith("data=[EMAIL]")
    rerun = json.loads(_run(["rerun", sid, "--db", db, "--json", *allow]))
    assert rerun["replay"]["diverged"] is None and rerun["replay"]["live_calls"] == 0
    assert rerun["status"] == "completed"


def test_streamed_tokens_are_held_to_the_end_of_a_line_and_masked() -> None:
    mask = DisplayMask()
    ids = {"session_id": "s", "span_id": "c"}
    mask(SessionStarted(**ids, scenario="x", config={"mask_pii": True}))
    out = []
    for piece in ["mail dana.whit", "field@exam", "ple.com now\nnext ", "line"]:
        out += mask(LlmDelta(**ids, text=piece))
    assert "".join(e.text for e in out) == "mail [EMAIL] now\n"
    (ended,) = mask(LlmCallEnded(**ids, model="m", content=f"mail {EMAIL} now\nnext line"))
    assert ended.content == "mail [EMAIL] now\nnext line"
    plain = DisplayMask()
    plain(SessionStarted(**ids, scenario="x"))
    (same,) = plain(LlmDelta(**ids, text=EMAIL))
    assert same.text == EMAIL
