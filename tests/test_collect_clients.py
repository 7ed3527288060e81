"""Real framework clients exporting to `agentlab collect`'s receiver (the ``collect-test``
extra): each runs one agent that calls one tool and gives one final answer against a fake model,
exporting OTLP/HTTP to a receiver this test starts; the recorded session must have the agent,
two model calls, one tool call and the tokens the fake model reported. Each test skips, saying
which package is missing, when the extra is not installed (tests/test_collect.py replays the
payloads these clients sent, kept as fixtures)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest
from collect_clients import (
    CapturingReceiver,
    run_langgraph,
    run_openai_agents,
    run_pydantic_ai,
)
from fake_openai import FakeOpenAI

from agentlab import services
from agentlab.collect.assembly import Assembler


def _absent(module: str) -> bool:
    # find_spec on a dotted name imports its parents and raises when one is missing.
    try:
        return importlib.util.find_spec(module) is None
    except ModuleNotFoundError:
        return True


def need(*modules: str) -> None:
    missing = [m for m in modules if _absent(m)]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (pip install -e '.[collect-test]')")


def collected(db: Path, run: Any) -> tuple[Any, dict[str, Any]]:
    done: list[Any] = []
    with services.recording_bus(db) as rec:
        a = Assembler(rec.emit, idle=0.0, on_end=done.append)

        def accept(spans: list[Any]) -> None:
            with rec.batch():
                a.add(spans, 0.0)

        with CapturingReceiver(accept) as r:
            output = run(r.endpoint)
        with rec.batch():
            a.tick(1e9)
    assert len(done) == 1, [s.id for s in done]
    s = done[0]
    report = services.session_report(db, s.id)
    return output, {
        "agents": {
            a["name"]: (a["steps"], a["tool_calls"], a["input_tokens"], a["output_tokens"])
            for a in report.tally.rows()
        },
        "status": report.session["status"],
        "config": report.session["config"],
    }


def test_pydantic_ai_with_its_own_instrumentation_gzip(tmp_path: Path) -> None:
    need("pydantic_ai", "opentelemetry.sdk", "opentelemetry.exporter.otlp.proto.http")
    output, got = collected(tmp_path / "a.db", lambda url: run_pydantic_ai(url, gzip_=True))
    assert output == "6 * 7 is 42."
    assert got["agents"] == {"calc": (2, 1, 31 + 45, 7 + 9)}
    assert got["status"] == "completed"
    assert got["config"]["framework"] == "pydantic-ai"


def test_openai_agents_sdk_with_openinference(tmp_path: Path) -> None:
    need("agents", "openinference.instrumentation.openai_agents", "opentelemetry.sdk")
    with FakeOpenAI() as fake:
        output, got = collected(
            tmp_path / "a.db", lambda url: run_openai_agents(url, fake.base_url)
        )
    assert output == "The tool said 42."
    assert got["agents"] == {"calc": (2, 1, 31 + 31, 7 + 7)}
    assert got["status"] == "completed"
    assert got["config"]["framework"] == "openai-agents"


def test_langgraph_with_openinference(tmp_path: Path) -> None:
    need("langgraph", "openinference.instrumentation.langchain", "opentelemetry.sdk")
    output, got = collected(tmp_path / "a.db", run_langgraph)
    assert output == "6 * 7 is 42."
    assert got["agents"] == {"calc": (2, 1, 31 + 45, 7 + 9)}
    assert got["status"] == "completed"
    assert got["config"]["framework"] == "langchain"
