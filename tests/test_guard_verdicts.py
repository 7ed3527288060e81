"""Caps and loops in the Guardrail Sandwich's reasoning layer (issue 13): a cap hit is a
``limit`` check span with a ``stop`` verdict, beside the loop check's verdicts, in the events,
`sessions show`, replay, the TUI span tree and the OTLP export; recorded once per hit, with caps
enforced as before (never overshot)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from conftest import SCENARIOS
from helpers import run_collect, scenario
from test_tui import SIZE
from typer.testing import CliRunner

from agentlab import services
from agentlab.cli import app as cli_app
from agentlab.core.context import RunOptions
from agentlab.core.events import AgentStarted, CheckEnded, CheckStarted, LimitExceeded
from agentlab.scenario import load_scenario
from agentlab.tui.app import make_app
from agentlab.tui.screens.replay import ReplayScreen
from agentlab.tui.widgets.event_view import EventView

BUDGET = SCENARIOS / "budget_math.toml"


def _limit_spans(events):
    starts = {e.span_id: e for e in events if isinstance(e, CheckStarted) and e.check == "limit"}
    ends = [e for e in events if isinstance(e, CheckEnded) and e.span_id in starts]
    return starts, ends


async def test_a_steps_cap_is_a_stop_verdict_of_the_limit_check() -> None:
    result, events = await run_collect(
        load_scenario(BUDGET), RunOptions(stream=False, caps={"steps": 2})
    )
    assert result.stop_reason == "limit:steps" and result.summary()["steps"] == 2
    starts, ends = _limit_spans(events)
    (end,) = ends
    start = starts[end.span_id]
    (hit,) = [e for e in events if isinstance(e, LimitExceeded)]
    assert hit.span_id == start.span_id  # what the cap saw is inside its check span
    agent = next(e for e in events if isinstance(e, AgentStarted))
    assert start.parent_id == agent.span_id and (start.stage, start.subject) == (
        "reasoning",
        "steps",
    )
    assert (end.verdict, end.by) == ("stop", "check")
    assert end.reason == "cap reached: steps 2 of 2 (the session's cap)"
    assert end.detail == {"limit": "steps", "value": 2, "cap": 2, "scope": "session"}
    assert events.index(end) < events.index(next(e for e in events if e.kind == "agent_ended"))


async def test_a_cost_cap_is_still_never_overshot_and_recorded_once() -> None:
    s = load_scenario(SCENARIOS / "research_team.toml")
    s = s.model_copy(update={"lab": s.lab.model_copy(update={"ttft_ms": 0, "tokens_per_s": 0})})
    free, _ = await run_collect(s)
    cap = free.summary()["usage"]["cost_usd"] / 2
    result, events = await run_collect(s, RunOptions(stream=False, caps={"cost_usd": cap}))
    assert result.stop_reason == "limit:cost_usd"
    assert result.summary()["usage"]["cost_usd"] <= cap
    hits = [e for e in events if isinstance(e, LimitExceeded)]
    _, ends = _limit_spans(events)
    # One verdict per cap hit: the agents a cap above them stops record none of their own.
    assert len(ends) == len(hits) >= 1
    assert all(e.verdict == "stop" and e.detail["limit"] == "cost_usd" for e in ends)


async def test_no_cap_hit_no_limit_span() -> None:
    result, events = await run_collect(load_scenario(BUDGET))
    assert result.status == "completed"
    assert _limit_spans(events) == ({}, [])


async def test_the_sessions_wall_time_cap_is_a_verdict_on_the_session() -> None:
    s = scenario(
        """
task = "t"
[limits]
wall_time_s = 0.3
[lab]
ttft_ms = 5000
[[agents]]
name = "a"
model = "lab/scripted"
  [[agents.script]]
  text = "slow"
"""
    )
    result, events = await run_collect(s)
    assert result.stop_reason == "limit:wall_time_s"
    starts, ends = _limit_spans(events)
    assert len(ends) == 1 and ends[0].detail["limit"] == "wall_time_s"
    (hit,) = [e for e in events if isinstance(e, LimitExceeded)]
    assert hit.span_id in starts
    assert starts[hit.span_id].parent_id == events[0].span_id  # the session's own span


def _cli(*args: str, code: int = 0) -> str:
    res = CliRunner().invoke(cli_app, list(args), env={"COLUMNS": "160"})
    assert res.exit_code == code, res.output
    return res.stdout


LINE = "◈ check limit · stop: cap reached: steps 2 of 2 (the session's cap)"


def test_cli_show_replay_and_otlp_export_list_the_cap_verdict(tmp_path: Path) -> None:
    db = str(tmp_path / "v.db")
    live = _cli("run", str(BUDGET), "--db", db, "--max-steps", "2", code=3)
    assert LINE in live and "■ cap reached" not in live  # told once, by the check's line
    sid = json.loads(_cli("sessions", "list", "--db", db, "--json"))[0]["session_id"]
    assert LINE in _cli("sessions", "show", sid, "--db", db)
    replay = _cli("replay", sid, "--db", db)
    assert replay.count("◈ check limit") == 1 and "■ cap reached" not in replay
    doc = json.loads(_cli("export", sid, "--db", db, "-f", "otlp-json"))
    spans = doc["resourceSpans"][0]["scopeSpans"][0]["spans"]
    (check,) = [s for s in spans if s["name"] == "check limit"]
    attrs = {a["key"]: next(iter(a["value"].values())) for a in check["attributes"]}
    assert attrs["agentlab.check.verdict"] == "stop" and attrs["agentlab.check.stage"] == (
        "reasoning"
    )
    assert [e["name"] for e in check["events"]] == ["limit_exceeded"]


def test_loop_and_cap_verdicts_sit_together_in_sessions_show(tmp_path: Path) -> None:
    db = str(tmp_path / "l.db")
    _cli("run", "runaway_loop", "--db", db, "--max-steps", "4", code=3)
    sid = json.loads(_cli("sessions", "list", "--db", db, "--json"))[0]["session_id"]
    shown = _cli("sessions", "show", sid, "--db", db)
    assert "◈ check loop · flag" in shown and "◈ check loop · modify" in shown
    assert "◈ check limit · stop: cap reached: steps 4 of 4" in shown


async def test_tui_span_tree_shows_the_cap_verdict(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    result = await services.run_recorded(
        BUDGET, db_path=db, options=RunOptions(stream=False, caps={"steps": 2})
    )
    app = make_app(db_path=db, scenarios_dir=SCENARIOS)
    async with app.run_test(size=SIZE) as pilot:
        app.replay_session(result.session_id)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReplayScreen)
        for _ in range(50):  # the replay feeds the tree as it goes
            labels = [
                str(n.label) for n in screen.query_one(EventView).span_tree.nodes_by_span.values()
            ]
            if any("check limit" in label for label in labels):
                break
            await asyncio.sleep(0.05)
        assert any(label.startswith("◈ check limit · stop: cap reached") for label in labels)
