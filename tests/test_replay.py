"""Rerun from a recording: zero model calls, the same outcome, divergence in one line, going on
live, forks, lineage and diff - as a user meets them on the command line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import SCENARIOS
from typer.testing import CliRunner

from agentlab.cli import app
from agentlab.core import llm

runner = CliRunner()
SHIPPED = sorted(p.name for p in SCENARIOS.glob("*.toml"))


def cli(*args: str):
    return runner.invoke(app, list(args))


@pytest.fixture
def model_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every real model call (lab or litellm) made from now on, by model. Calls still run."""
    calls: list[str] = []
    lab, via_litellm = llm._lab_complete, llm._provider_complete

    async def count_lab(req, on_delta):  # type: ignore[no-untyped-def]
        calls.append(req.model)
        return await lab(req, on_delta)

    async def count_litellm(req, on_delta):  # type: ignore[no-untyped-def]
        calls.append(req.model)
        return await via_litellm(req, on_delta)

    monkeypatch.setattr(llm, "_lab_complete", count_lab)
    monkeypatch.setattr(llm, "_provider_complete", count_litellm)
    return calls


def run_json(*args: str) -> tuple[int, dict]:
    res = cli("run", *args, "--json")
    return res.exit_code, json.loads(res.stdout)


def rerun_json(*args: str) -> tuple[int, dict, str]:
    res = cli("rerun", *args, "--json")
    return res.exit_code, json.loads(res.stdout), res.stderr


def same_outcome(a: dict, b: dict) -> None:
    assert b["final_output"] == a["final_output"]
    assert b["usage"] == a["usage"]  # tokens and cost, as recorded
    assert (b["status"], b["stop_reason"]) == (a["status"], a["stop_reason"])
    assert (b["steps"], b["tool_calls"]) == (a["steps"], a["tool_calls"])
    # Per agent (concurrent agents may start in another order).
    keys = ("steps", "tool_calls", "input_tokens", "output_tokens", "cost_usd", "status")
    assert {x["name"]: [x[k] for k in keys] for x in b["agents"]} == {
        x["name"]: [x[k] for k in keys] for x in a["agents"]
    }


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_scenario_reruns_the_same_with_zero_model_calls(
    name: str, model_calls: list[str]
) -> None:
    code, first = run_json(str(SCENARIOS / name))
    made = len(model_calls)
    assert made >= first["steps"] > 0  # a failed call (flaky_worker) is not a step
    code2, again, err = rerun_json(first["session_id"])
    assert len(model_calls) == made, "the rerun called a model"
    assert code2 == code and err == ""
    same_outcome(first, again)
    assert again["session_id"] != first["session_id"]
    assert again["replay"] == {
        "source_session": first["session_id"],
        "replayed_calls": made,
        "live_calls": 0,
        "diverged": None,
    }


def test_run_replay_from_is_the_same_as_rerun(model_calls: list[str]) -> None:
    _, first = run_json(str(SCENARIOS / "budget_math.toml"))
    before = len(model_calls)
    code, again = run_json(
        str(SCENARIOS / "budget_math.toml"), "--replay-from", first["session_id"]
    )
    assert code == 0 and len(model_calls) == before
    same_outcome(first, again)


def changed(tmp_path: Path, name: str, old: str, new: str) -> Path:
    """A copy of a shipped scenario with one change (its data folder alongside)."""
    text = (SCENARIOS / name).read_text()
    assert old in text
    shutil.copytree(SCENARIOS / "data", tmp_path / "data", dirs_exist_ok=True)
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1))
    return path


def test_a_changed_instruction_diverges_with_one_line_then_goes_on_live(
    tmp_path: Path, model_calls: list[str]
) -> None:
    _, first = run_json(str(SCENARIOS / "budget_math.toml"))
    edited = changed(tmp_path, "budget_math.toml", "careful cost analyst", "careless analyst")
    before = len(model_calls)
    res = cli("rerun", first["session_id"], str(edited))
    assert res.exit_code == 4
    assert len(model_calls) == before
    line = res.stderr.strip()
    assert len(line.splitlines()) == 1
    assert line.startswith("error: replay diverged: agent analyst, step 1: the system message")
    assert '"You are a careful cost analyst' in line and '"You are a careless analyst' in line
    assert "--then-model" in line

    code, data, err = rerun_json(first["session_id"], str(edited), "--then-model", "lab/auto")
    assert code == 0 and err == ""
    assert data["status"] == "completed"
    assert data["replay"]["live_calls"] == len(model_calls) - before > 0
    assert set(model_calls[before:]) == {"lab/auto"}
    assert data["replay"]["diverged"].startswith("replay diverged: agent analyst, step 1")
    shown = cli("replay", data["session_id"]).stdout
    assert "going on live on lab/auto" in shown  # the notice is in the recording


def test_a_tool_that_now_returns_something_else_diverges_at_that_step(tmp_path: Path) -> None:
    _, first = run_json(str(SCENARIOS / "file_summary.toml"))
    notes = tmp_path / "data" / "file-summary" / "workspace" / "decisions.txt"
    edited = changed(tmp_path, "file_summary.toml", "", "")
    notes.write_text(notes.read_text() + "\nA decision taken later.\n")
    code, data, err = rerun_json(first["session_id"], str(edited))
    assert code == 4 and data["stop_reason"] == "error:replay_diverged"
    # list_files reports sizes: the file grew, so the agent's second request is not the recorded one
    assert "agent summariser, step 2: message 4 (the result of list_files) differs" in err
    assert "bytes)" in err
    assert data["replay"]["diverged"] in err


def test_a_lowered_cap_stops_the_rerun_where_the_cap_says(model_calls: list[str]) -> None:
    _, first = run_json(str(SCENARIOS / "budget_math.toml"))
    before = len(model_calls)
    code, data, _ = rerun_json(first["session_id"], "--max-steps", "2")
    assert code == 3 and data["stop_reason"] == "limit:steps"
    assert data["steps"] == 2 and len(model_calls) == before
    assert data["replay"]["diverged"] is None


def test_a_fork_is_a_child_session_and_diff_shows_where_it_parts(
    model_calls: list[str],
) -> None:
    _, first = run_json(str(SCENARIOS / "budget_math.toml"))
    sid = first["session_id"]
    before = len(model_calls)
    code, fork, _ = rerun_json(sid, "--fork-at", "2", "--then-model", "lab/auto")
    assert code == 0
    assert fork["replay"]["replayed_calls"] == 1 and fork["replay"]["live_calls"] >= 1
    assert set(model_calls[before:]) == {"lab/auto"}

    child = json.loads(cli("sessions", "show", fork["session_id"], "--json").stdout)
    assert (child["source_session"], child["fork_at"]) == (sid, "2")
    parent = json.loads(cli("sessions", "show", sid, "--json").stdout)
    assert parent["reruns"] == [fork["session_id"]]
    shown = cli("sessions", "show", fork["session_id"]).stdout
    assert f"rerun of  {sid}, forked at 2" in shown

    diff = json.loads(cli("diff", sid, fork["session_id"], "--json").stdout)
    assert diff["parting"]["agent"] == "analyst" and diff["parting"]["step"] == 2
    assert diff["parting"]["a"] != diff["parting"]["b"]
    assert not diff["same_output"] and diff["output_diff"]
    text = cli("diff", sid, fork["session_id"]).stdout
    assert "Trajectories part at agent analyst, step 2:" in text


def test_fork_at_an_agent_step_and_a_rerun_diffs_as_the_same(model_calls: list[str]) -> None:
    _, first = run_json(str(SCENARIOS / "research_team.toml"))
    sid = first["session_id"]
    _, again, _ = rerun_json(sid)
    diff = json.loads(cli("diff", sid, again["session_id"], "--json").stdout)
    assert diff["parting"] is None and diff["same_output"]
    assert all(not any(r["delta"].values()) for r in diff["agents"])
    assert "the same tool calls and answers" in cli("diff", sid, again["session_id"]).stdout

    before = len(model_calls)
    code, fork, _ = rerun_json(sid, "--fork-at", "lead:2", "--then-model", "lab/auto")
    assert code == 0 and model_calls[before:] == ["lab/auto"]  # only the lead's last call
    assert fork["replay"]["diverged"] is None  # parting after a fork is the point
    diff = json.loads(cli("diff", sid, fork["session_id"], "--json").stdout)
    assert (diff["parting"]["agent"], diff["parting"]["step"]) == ("lead", 2)


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["--fork-at", "0"], "error: --fork-at: expected STEP or AGENT:STEP"),
        (["--fork-at", "lead:x"], "error: --fork-at: expected STEP or AGENT:STEP"),
        (["--then-model", "lab/nope"], "error: --then-model: unknown lab model 'lab/nope'"),
    ],
)
def test_bad_rerun_options_are_one_line(args: list[str], line: str) -> None:
    _, first = run_json(str(SCENARIOS / "budget_math.toml"))
    res = cli("rerun", first["session_id"], *args)
    assert res.exit_code == 2 and res.stderr.startswith(line)
    assert len(res.stderr.strip().splitlines()) == 1


def test_rerun_of_nothing_and_run_options_without_a_recording() -> None:
    res = cli("rerun", "nope")
    assert res.exit_code == 2 and "no session matches 'nope'" in res.stderr
    res = cli("rerun", "missing.jsonl")
    assert res.exit_code == 2 and res.stderr.strip() == "error: missing.jsonl: no such file"
    res = cli("run", str(SCENARIOS / "budget_math.toml"), "--then-model", "lab/auto")
    assert res.exit_code == 2 and "--then-model: only with --replay-from" in res.stderr
