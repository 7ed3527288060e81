"""The LLM-as-judge rubric of `agentlab eval`: a real model (here the tests' OpenAI-compatible
server on 127.0.0.1) judges the run's output; its verdict and reasoning are shown per case and in
JUnit, its spend apart from the agent's; offline it is a note, never a pass; an answer that is
not a verdict is one clear failure."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fake_openai import USAGE, FakeOpenAI
from junitparser import Failure, JUnitXml
from typer.testing import CliRunner

from agentlab.cli import app
from agentlab.eval.judge import BadAnswer, parse

runner = CliRunner()

CALC = """
name = "calc"
task = "What is 6 * 7?"
[[agents]]
name = "solver"
model = "lab/scripted"
tools = ["calculator"]
  [[agents.script]]
  tool = "calculator"
  args = { expression = "6 * 7" }
  [[agents.script]]
  text = "The answer is {result}."

[expect]
contains = ["42"]

  [expect.judge]
  rubric = "The answer gives the product of 6 and 7 as a number."
"""
#: USD per 1M tokens for the judge model (so its cost is known and checkable).
PRICE_IN, PRICE_OUT = 2.0, 8.0


def cli(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture
def server(agentlab_home: Path):
    """The judge: alias ``judge`` -> ``openai/judge-model`` on a local server, priced."""
    with FakeOpenAI() as fake:
        agentlab_home.mkdir(parents=True, exist_ok=True)
        (agentlab_home / "models.toml").write_text(
            f'[models.judge]\nmodel = "openai/judge-model"\napi_base = "{fake.base_url}"\n'
            "retries = 0\n\n"
            f'[prices."openai/judge-model"]\ninput = {PRICE_IN}\noutput = {PRICE_OUT}\n'
        )
        yield fake


def calc(tmp_path: Path, text: str = CALC) -> Path:
    f = tmp_path / "calc.toml"
    f.write_text(text)
    return f


def judged(out) -> dict:
    assert "Traceback" not in out.output
    return json.loads(out.stdout)


def test_a_judge_that_passes_the_output_with_its_reasoning_and_its_own_spend(tmp_path, server):
    server.replies.append(
        json.dumps({"verdict": "pass", "score": 0.9, "reasoning": "It says 42, the product."})
    )
    junit = tmp_path / "out.xml"
    out = cli(
        "eval", str(calc(tmp_path)), "--judge-model", "judge", "--json", "--junit", str(junit)
    )
    data = judged(out)
    assert out.exit_code == 0, data["runs"][0]["failures"]
    run = data["runs"][0]
    assert run["judge"]["passed"] is True and run["judge"]["score"] == 0.9
    assert run["judge"]["reasoning"] == "It says 42, the product."
    assert run["judge"]["model"] == "openai/judge-model"
    # the judge was shown the task, the tool calls, the output and the rubric
    [req] = server.requests
    body = req["body"]
    assert body["model"] == "judge-model" and not body.get("tools")
    shown = body["messages"][-1]["content"]
    for text in ("What is 6 * 7?", "calculator", "The answer is 42.", "product of 6 and 7"):
        assert text in shown
    # its spend is apart from the agent's
    cost = data["overall"]["cost"]
    want = USAGE["prompt_tokens"] * PRICE_IN / 1e6 + USAGE["completion_tokens"] * PRICE_OUT / 1e6
    assert cost["judge_calls"] == 1 and cost["judge_tokens"] == USAGE["total_tokens"]
    assert cost["judge_cost_usd"] == pytest.approx(want)
    agent_only = judged(
        cli("eval", str(calc(tmp_path, CALC.split("\n  [expect.judge]")[0])), "--json")
    )
    assert cost["tokens"] == agent_only["overall"]["cost"]["tokens"]
    assert cost["cost_usd"] == agent_only["overall"]["cost"]["cost_usd"]
    # JUnit carries the verdict and reasoning
    [case] = [c for s in JUnitXml.fromfile(str(junit)) for c in s]
    assert case.is_passed
    assert "judge: pass (score 0.90) by openai/judge-model: It says 42" in case.system_out
    assert "judge spend (openai/judge-model): 38 tokens" in case.system_out


def test_the_text_report_shows_the_verdict_per_case_and_the_judge_cost(tmp_path, server):
    server.replies.append('{"verdict": "pass", "reasoning": "Correct."}')
    out = cli("eval", str(calc(tmp_path)), "--judge-model", "judge")
    assert out.exit_code == 0, out.output
    assert "JUDGE calc: pass by openai/judge-model: Correct." in out.stdout
    assert re.search(r"judge +38 tokens, \$0\.000118 in 1 call", out.stdout), out.stdout


def test_a_judge_that_fails_the_output_fails_the_case_with_its_reasoning(tmp_path, server):
    server.replies.append(
        '```json\n{"verdict": "fail", "score": 0.1, "reasoning": "No units given."}\n```'
    )
    junit = tmp_path / "out.xml"
    out = cli(
        "eval", str(calc(tmp_path)), "--judge-model", "judge", "--json", "--junit", str(junit)
    )
    data = judged(out)
    assert out.exit_code == 1
    [failure] = data["runs"][0]["failures"]
    assert failure["expectation"] == "judge"
    assert failure["message"] == "fail (score 0.10) by openai/judge-model: No units given."
    [case] = [c for s in JUnitXml.fromfile(str(junit)) for c in s]
    result = case.result[0]
    assert isinstance(result, Failure) and result.type == "judge"
    assert "No units given." in result.message


def test_a_malformed_judge_answer_is_one_clear_failure_not_a_crash(tmp_path, server):
    server.replies.append("Looks fine to me!")
    out = cli("eval", str(calc(tmp_path)), "--judge-model", "judge", "--json")
    data = judged(out)
    assert out.exit_code == 1
    [failure] = data["runs"][0]["failures"]
    assert failure["expectation"] == "judge"
    assert failure["message"].startswith("the judge's answer is not a verdict (not a JSON object)")
    assert "'Looks fine to me!'" in failure["message"]
    assert data["overall"]["cost"]["judge_tokens"] == USAGE["total_tokens"]  # it was still paid


def test_a_threshold_scores_the_verdict(tmp_path, server):
    text = CALC + "  threshold = 0.7\n"
    server.replies.extend(
        [
            '{"verdict": "pass", "score": 0.6, "reasoning": "Thin."}',
            '{"verdict": "fail", "score": 0.8, "reasoning": "Good enough."}',
        ]
    )
    out = cli("eval", str(calc(tmp_path, text)), "--judge-model", "judge", "--json")
    assert out.exit_code == 1
    assert judged(out)["runs"][0]["failures"][0]["message"].startswith("fail (score 0.60 < 0.7)")
    out = cli("eval", str(calc(tmp_path, text)), "--judge-model", "judge", "--json")
    assert out.exit_code == 0, out.stdout


def test_a_judge_that_cannot_be_reached_fails_the_case_in_one_line(tmp_path, server):
    server.faults.append("401")
    out = cli("eval", str(calc(tmp_path)), "--judge-model", "judge", "--json")
    data = judged(out)
    assert out.exit_code == 1
    message = data["runs"][0]["failures"][0]["message"]
    assert message.startswith("the judge (openai/judge-model) could not be asked:")
    assert "\n" not in message


def test_the_run_model_judges_when_it_is_real(tmp_path, server):
    """``--model`` a real model (the agent runs on the server too) and no --judge-model: the
    same model judges; the agent's calls (with tools) never take the judge's scripted reply."""
    server.replies.append('{"verdict": "pass", "reasoning": "States 42."}')
    out = cli("eval", str(calc(tmp_path)), "--model", "judge", "--json")
    data = judged(out)
    assert out.exit_code == 0, data["runs"][0]["failures"]
    run = data["runs"][0]
    assert run["judge"]["passed"] is True
    assert data["overall"]["cost"]["judge_tokens"] == USAGE["total_tokens"]
    assert run["tokens"] == 2 * USAGE["total_tokens"]  # the agent's two calls, not the judge's


def test_offline_the_judge_is_a_visible_note_never_a_pass(tmp_path, server):
    junit = tmp_path / "out.xml"
    out = cli("eval", str(calc(tmp_path)), "--junit", str(junit))
    assert out.exit_code == 0  # the other expectations pass; the judge neither passes nor fails
    assert "note: judge: skipped offline" in out.stdout
    [case] = [c for s in JUnitXml.fromfile(str(junit)) for c in s]
    assert "skipped judge: skipped offline" in case.system_out
    data = judged(cli("eval", str(calc(tmp_path)), "--json"))
    assert data["runs"][0]["judge"] is None and data["overall"]["cost"]["judge_calls"] == 0
    assert data["overall"]["notes"][0].startswith("judge: skipped offline")
    assert not server.requests


def test_from_recordings_judges_only_with_judge_model(tmp_path, server):
    f = calc(tmp_path)
    assert cli("eval", str(f)).exit_code == 0  # a recorded session to replay
    out = cli("eval", str(f), "--from-recordings", "--json")
    data = judged(out)
    assert out.exit_code == 0 and "--judge-model" in data["overall"]["notes"][0]
    assert not server.requests  # a replay calls no model unless asked
    server.replies.append('{"verdict": "pass", "reasoning": "ok"}')
    out = cli("eval", str(f), "--from-recordings", "--judge-model", "judge", "--json")
    assert judged(out)["runs"][0]["judge"]["passed"] is True and len(server.requests) == 1


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('model = "lab/scripted"', "expect.judge.model: a lab model cannot judge"),
        ("threshold = 2", "expect.judge.threshold: Input should be less than or equal to 1"),
        ('rubric = " "', "expect.judge.rubric: the rubric is empty"),
        ('model = "nope/x y"', "expect.judge.model"),
    ],
)
def test_a_bad_judge_table_is_one_line_with_file_and_line(tmp_path, table, message):
    text = (
        CALC + f"  {table}\n"
        if "rubric" not in table
        else CALC.replace('rubric = "The answer gives the product of 6 and 7 as a number."', table)
    )
    f = calc(tmp_path, text)
    out = runner.invoke(app, ["eval", str(f)])
    assert out.exit_code == 2, out.output
    # the table's own line (the last that starts so: the agent has a `model` key too)
    line = max(i for i, ln in enumerate(text.splitlines(), 1) if ln.strip() == table)
    assert f"{f}:{line}: {message}" in out.output
    assert "Traceback" not in out.output


def test_a_lab_judge_model_is_refused_naming_the_option(tmp_path):
    out = runner.invoke(app, ["eval", str(calc(tmp_path)), "--judge-model", "lab/scripted"])
    assert out.exit_code == 2 and "--judge-model: a lab model cannot judge" in out.output


@pytest.mark.parametrize(
    ("answer", "threshold", "want"),
    [
        ('{"verdict": "pass", "reasoning": "ok"}', None, (True, None, "ok")),
        ('{"verdict": "FAIL"}', None, (False, None, "")),
        (
            'Sure! {"verdict": "pass", "score": 1, "reasoning": "x"} Hope it helps.',
            None,
            (True, 1.0, "x"),
        ),
        ('{"verdict": "pass", "score": 0.5}', 0.5, (True, 0.5, "")),
        ('{"verdict": "pass", "score": 0.49}', 0.5, (False, 0.49, "")),
    ],
)
def test_parse_reads_a_verdict(answer, threshold, want):
    assert parse(answer, threshold) == want


@pytest.mark.parametrize(
    ("answer", "threshold", "why"),
    [
        ("no json here", None, "not a JSON object"),
        ("[1, 2]", None, "not a JSON object"),
        ('{"verdict": "maybe"}', None, "verdict must be"),
        ('{"verdict": "pass", "score": 7}', None, "score must be"),
        ('{"verdict": "pass"}', 0.5, "no score"),
    ],
)
def test_parse_refuses_what_is_not_a_verdict(answer, threshold, why):
    with pytest.raises(BadAnswer, match=why):
        parse(answer, threshold)


def test_the_judges_verdict_is_kept_with_the_eval_run(tmp_path, server):
    """A passing verdict's reasoning and the judge's spend are stored, not only failures."""
    from agentlab import services

    server.replies.append(json.dumps({"verdict": "pass", "score": 0.8, "reasoning": "Right."}))
    db = tmp_path / "e.db"
    out = cli("eval", str(calc(tmp_path)), "--judge-model", "judge", "--db", str(db), "--json")
    assert out.exit_code == 0, out.output
    [run] = services.list_eval_runs(db)
    [result] = run["results"]
    assert result["passed"] is True
    judge = result["judge"]
    assert (judge["passed"], judge["score"], judge["reasoning"]) == (True, 0.8, "Right.")
    assert judge["model"] == "openai/judge-model" and judge["tokens"] == USAGE["total_tokens"]
