"""Exports: JSONL is lossless; OTLP JSON has the right shape, links and GenAI attributes."""

from __future__ import annotations

import json
import re

import pytest
from test_store_streams import (
    T0,
    checked_stream,
    llm_ends,
    record,
    single_agent_stream,
    two_agent_stream,
)

from agentlab.core.events import decode, event_from_dict
from agentlab.store.db import open_db
from agentlab.store.export import export_otlp, trace_id
from agentlab.store.queries import SessionNotFoundError, get_events, get_session
from agentlab.store.transfer import dump_lines


@pytest.fixture
def db(tmp_path, monkeypatch):
    monkeypatch.setenv("AGENTLAB_HOME", str(tmp_path / "home"))
    database = open_db(tmp_path / "lab.db")
    yield database
    database.close()


def attrs(span) -> dict:
    """OTLP attribute list -> {key: python value}."""
    out = {}
    for a in span["attributes"]:
        [(typ, value)] = a["value"].items()
        if typ == "intValue":
            assert isinstance(value, str)
            value = int(value)
        elif typ == "arrayValue":
            value = [next(iter(v.values())) for v in value["values"]]
        out[a["key"]] = value
    return out


def spans_of(doc) -> list[dict]:
    [rs] = doc["resourceSpans"]
    [ss] = rs["scopeSpans"]
    return ss["spans"]


@pytest.mark.parametrize("stream", [single_agent_stream, two_agent_stream, checked_stream])
def test_jsonl_round_trips_losslessly(db, stream):
    events = stream()
    record(db, events)
    sid = events[0].session_id
    lines = list(dump_lines(sid, get_events(db, sid)))[1:]  # what `export --format jsonl` writes
    assert all(line.endswith("\n") and "\n" not in line[:-1] for line in lines)
    stored = [e for e in events if e.kind not in ("llm_delta", "budget_update")]
    assert [event_from_dict(json.loads(line)) for line in lines] == stored
    assert [decode(line) for line in lines] == stored


def test_export_of_unknown_session_raises(db):
    with pytest.raises(SessionNotFoundError):
        export_otlp(db, "nope")


def test_otlp_structure_single_agent(db):
    events = single_agent_stream()
    sid = events[0].session_id
    record(db, events)
    doc = export_otlp(db, sid)
    json.dumps(doc)  # plain JSON

    [rs] = doc["resourceSpans"]
    assert rs["resource"]["attributes"] == [
        {"key": "service.name", "value": {"stringValue": "agentlab"}}
    ]
    [ss] = rs["scopeSpans"]
    assert ss["scope"]["name"] == "agentlab"
    assert ss["scope"]["version"]
    spans = ss["spans"]
    assert [s["name"] for s in spans] == [
        "session calc-demo",
        "invoke_agent solo",
        "chat lab/echo",
        "execute_tool calc",
        "chat lab/echo",
    ]
    for s in spans:
        assert s["traceId"] == trace_id(sid)
        assert re.fullmatch(r"[0-9a-f]{32}", s["traceId"])
        assert re.fullmatch(r"[0-9a-f]{16}", s["spanId"])
        assert re.fullmatch(r"\d+", s["startTimeUnixNano"])
        assert int(s["endTimeUnixNano"]) >= int(s["startTimeUnixNano"])
        assert s["status"]["code"] == 1
        assert attrs(s)["agentlab.session.id"] == sid
    assert len({s["spanId"] for s in spans}) == len(spans)
    assert export_otlp(db, sid) == doc  # deterministic

    session, agent, llm1, tool, llm2 = spans
    assert session["parentSpanId"] == ""
    assert agent["parentSpanId"] == session["spanId"]
    assert {llm1["parentSpanId"], tool["parentSpanId"], llm2["parentSpanId"]} == {agent["spanId"]}
    assert [s["kind"] for s in spans] == [1, 1, 3, 1, 3]

    # times come from the recorded clocks, in ns
    assert int(session["startTimeUnixNano"]) == round(events[0].ts * 1e9)
    assert int(session["endTimeUnixNano"]) == round(events[-1].ts * 1e9)

    a, l1, t = attrs(agent), attrs(llm1), attrs(tool)
    assert a["gen_ai.operation.name"] == "invoke_agent"
    assert a["gen_ai.agent.name"] == "solo"
    assert a["gen_ai.request.model"] == "lab/echo"
    assert l1["gen_ai.operation.name"] == "chat"
    assert l1["gen_ai.request.model"] == "lab/echo"
    assert l1["gen_ai.agent.name"] == "solo"
    assert (l1["gen_ai.usage.input_tokens"], l1["gen_ai.usage.output_tokens"]) == (100, 20)
    assert l1["agentlab.cost_usd"] == 0.25
    assert l1["gen_ai.response.finish_reasons"] == ["tool_calls"]
    assert t["gen_ai.operation.name"] == "execute_tool"
    assert t["gen_ai.tool.name"] == "calc"
    assert t["gen_ai.tool.call.id"] == "c1"

    s = attrs(session)
    assert s["agentlab.usage.input_tokens"] == 250
    assert s["agentlab.usage.output_tokens"] == 50
    assert s["agentlab.usage.total_tokens"] == 300
    assert s["agentlab.cost_usd"] == 0.375
    assert s["agentlab.steps"] == 2
    assert s["agentlab.tool_calls"] == 1
    # point events ride on their span
    assert [e["name"] for e in agent["events"]] == ["limit_warning"]


@pytest.mark.parametrize("stream", [single_agent_stream, two_agent_stream])
def test_otlp_token_sums_equal_session_totals(db, stream):
    events = stream()
    sid = events[0].session_id
    record(db, events)
    session = get_session(db, sid)
    spans = spans_of(export_otlp(db, sid))
    chat = [attrs(s) for s in spans if attrs(s).get("gen_ai.operation.name") == "chat"]
    assert len(chat) == session["steps"] == len(llm_ends(events))
    inp = sum(a.get("gen_ai.usage.input_tokens", 0) for s in spans for a in [attrs(s)])
    out = sum(a.get("gen_ai.usage.output_tokens", 0) for s in spans for a in [attrs(s)])
    assert (inp, out) == (session["input_tokens"], session["output_tokens"])


def test_otlp_two_agents_parent_links_and_errors(db):
    events = two_agent_stream()
    sid = events[0].session_id
    record(db, events)
    spans = {s["name"]: s for s in spans_of(export_otlp(db, sid))}
    lead, worker = spans["invoke_agent lead"], spans["invoke_agent worker"]
    delegate = spans["execute_tool delegate"]
    assert delegate["parentSpanId"] == lead["spanId"]
    assert worker["parentSpanId"] == delegate["spanId"]
    assert spans["chat ollama/llama3.2"]["parentSpanId"] == worker["spanId"]
    search = spans["execute_tool search"]
    assert search["status"]["code"] == 2
    session = attrs(spans["session team"])
    assert "agentlab.cost_usd" not in session  # unknown: a worker call was unpriced
    assert session["agentlab.unpriced"] is True
    assert attrs(spans["chat ollama/llama3.2"])["agentlab.unpriced"] is True


def test_otlp_interrupted_run_ends_open_spans_at_last_event(tmp_path):
    events = single_agent_stream(end=False)
    partial = events[:5]  # session, agent, llm start, delta, llm end
    sid = partial[0].session_id
    database = open_db(tmp_path / "lab.db")
    record(database, partial)
    database.execute("UPDATE sessions SET pid = 0")  # no such process: stale
    database.close()
    database = open_db(tmp_path / "lab.db")
    try:
        spans = spans_of(export_otlp(database, sid))
    finally:
        database.close()
    last_ns = str(round(partial[-1].ts * 1e9))
    session, agent, llm = spans
    assert session["endTimeUnixNano"] == agent["endTimeUnixNano"] == last_ns
    assert session["status"] == {"code": 2, "message": "interrupted"}
    assert agent["status"]["code"] == 2
    assert llm["status"]["code"] == 1
    assert int(session["startTimeUnixNano"]) == round((T0 + 0.5) * 1e9)


def test_otlp_check_spans_have_their_verdict_and_no_genai_operation(db):
    events = checked_stream()
    sid = events[0].session_id
    record(db, events)
    spans = {s["name"]: s for s in spans_of(export_otlp(db, sid))}
    assert set(spans) == {
        "session gated",
        "invoke_agent support",
        "chat m",
        "execute_tool issue_refund",
        "check approval",
        "check loop",
    }
    approval, loop = spans["check approval"], spans["check loop"]
    assert approval["parentSpanId"] == spans["execute_tool issue_refund"]["spanId"]
    assert loop["parentSpanId"] == spans["invoke_agent support"]["spanId"]
    a = attrs(approval)
    assert not [k for k in a if k.startswith("gen_ai.")]
    assert (a["agentlab.check.name"], a["agentlab.check.stage"]) == ("approval", "tool")
    assert (a["agentlab.check.verdict"], a["agentlab.check.by"]) == ("block", "person")
    assert a["agentlab.check.reason"] == "not today"
    assert approval["status"]["code"] == 1  # a refusal is the check working, not an error
    assert approval["kind"] == loop["kind"] == 1
    # the approval's request and the person's decision ride on the check span
    assert [e["name"] for e in approval["events"]] == ["approval_requested", "approval_decided"]
    assert [e["name"] for e in loop["events"]] == ["loop_detected"]
    assert attrs(loop)["agentlab.check.detail"] == '{"pattern":"repeat","count":3}'
    chats = [attrs(s) for s in spans_of(export_otlp(db, sid)) if s["name"] == "chat m"]
    assert chats[0]["agentlab.checks"] == ["loop", "tool_allowlist"]
