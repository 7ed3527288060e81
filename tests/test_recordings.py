"""The recordings shipped in ``recordings/`` stay loadable and re-runnable as the code moves:
each replays, and reruns to the same final output and token counts with no model call.
Regenerate them with ``python tests/make_recordings.py`` after changing their scenarios."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import ROOT
from typer.testing import CliRunner

from agentlab import services
from agentlab.cli import app
from agentlab.core import llm
from agentlab.core.events import SessionEnded, SessionStarted

runner = CliRunner()
RECORDINGS = sorted((ROOT / "recordings").glob("*.jsonl"))
PATTERNS = {
    "single",
    "orchestrator-worker",
    "sequential",
    "parallel",
    "hierarchical",
    "supervisor",
    "handoff",
}


def test_one_recording_per_pattern_and_one_through_litellm_over_http() -> None:
    starts = [services.load_recording(None, str(p)).events[0] for p in RECORDINGS]
    assert all(isinstance(s, SessionStarted) for s in starts)
    assert {s.pattern for s in starts if isinstance(s, SessionStarted)} == PATTERNS
    http = [s for s in starts if isinstance(s, SessionStarted) and s.config.get("api_base")]
    assert len(http) == 1
    assert http[0].config["model_override"] == "openai/gpt-4o-mini"
    assert http[0].config["api_base"].startswith("http://127.0.0.1:")


@pytest.fixture
def no_model(monkeypatch: pytest.MonkeyPatch) -> None:
    async def refuse(req, on_delta):  # type: ignore[no-untyped-def]
        raise AssertionError(f"a model was called: {req.model}")

    monkeypatch.setattr(llm, "_lab_complete", refuse)
    monkeypatch.setattr(llm, "_provider_complete", refuse)


@pytest.mark.parametrize("path", RECORDINGS, ids=lambda p: p.stem)
def test_a_shipped_recording_replays_and_reruns_the_same(
    path: Path, no_model: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    recording = services.load_recording(None, str(path))
    ended = recording.events[-1]
    assert isinstance(ended, SessionEnded) and ended.status == "completed"
    rel = str(path.relative_to(ROOT))
    monkeypatch.chdir(ROOT)  # as a newcomer types it in a fresh checkout
    res = runner.invoke(app, ["replay", rel])
    assert res.exit_code == 0
    assert "── completed ──" in res.stdout and f"session {recording.session['id']}" in res.stdout
    res = runner.invoke(app, ["rerun", rel, "--json"])
    assert res.exit_code == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["final_output"] == ended.final_output
    for key in ("input_tokens", "output_tokens", "total_tokens", "cost_usd"):
        assert data["usage"][key] == ended.usage[key], key
    assert data["replay"]["live_calls"] == 0 and data["replay"]["diverged"] is None
    assert data["replay"]["source_session"] == recording.session["id"]
    # From another folder too: the recorded scenario path is found beside the recordings.
    monkeypatch.chdir(tmp_path)
    res = runner.invoke(app, ["rerun", str(path), "--json"])
    assert res.exit_code == 0, res.stderr
    assert os.getcwd() == str(tmp_path)
