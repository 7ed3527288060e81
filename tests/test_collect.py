"""`agentlab collect` and `import-otlp`: other frameworks' traces recorded as sessions.

The payloads in tests/fixtures/otlp/ were sent by real clients (tests/collect_clients.py):
pydantic-ai's own instrumentation (GenAI semconv) and OpenInference's OpenAI Agents SDK
instrumentor, each running one agent that makes one tool call and gives one final answer; the
fake models reported 31/7 and 45/9 tokens (pydantic-ai) and 31/7 twice (the fake OpenAI server).
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from collect_clients import CapturingReceiver
from conftest import ROOT
from typer.testing import CliRunner

from agentlab import services
from agentlab.cli import app
from agentlab.collect.assembly import Assembler, Caps
from agentlab.collect.command import assemble, read_file
from agentlab.core.events import LimitExceeded, LlmCallEnded, LoopDetected
from agentlab.core.otel_in import InSpan
from agentlab.errors import RecordingFailed

FIXTURES = Path(__file__).parent / "fixtures" / "otlp"
PYDANTIC = FIXTURES / "pydantic_ai.pb"
OPENAI_AGENTS = FIXTURES / "openai_agents_openinference.pb"
LANGGRAPH = FIXTURES / "langgraph_openinference.pb"
runner = CliRunner()


def to_json(pb: bytes) -> bytes:
    """The OTLP/HTTP JSON form of a protobuf request (hex ids, as exporters send them)."""
    from google.protobuf import json_format
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
    )

    req = ExportTraceServiceRequest()
    req.ParseFromString(pb)
    doc = json_format.MessageToDict(req)
    for rs in doc["resourceSpans"]:
        for ss in rs["scopeSpans"]:
            for sp in ss["spans"]:
                for key in ("traceId", "spanId", "parentSpanId"):
                    if key in sp:
                        sp[key] = base64.b64decode(sp[key]).hex()
    return json.dumps(doc).encode()


def record(spans: list[InSpan], db: Path, **kw: Any) -> list[Any]:
    with services.recording_bus(db) as rec, rec.batch():
        done = assemble(spans, rec.emit) if not kw else _assemble(spans, rec.emit, **kw)
    return done


def _assemble(spans: list[InSpan], emit: Any, **kw: Any) -> list[Any]:
    done: list[Any] = []
    a = Assembler(emit, idle=0.0, on_end=done.append, **kw)
    a.add(spans, 0.0)
    a.tick(1e9)
    a.close()
    return done


def show(db: Path, sid: str) -> dict[str, Any]:
    out = runner.invoke(app, ["sessions", "show", sid, "--db", str(db), "--json"])
    assert out.exit_code == 0, out.output
    return json.loads(out.output)


def agents(data: dict[str, Any]) -> dict[str, tuple[int, int, int, int]]:
    return {
        a["name"]: (a["steps"], a["tool_calls"], a["input_tokens"], a["output_tokens"])
        for a in data["agents"]
    }


# --- what real clients sent --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "framework", "tokens"),
    [
        (PYDANTIC, "pydantic-ai", (76, 16)),
        (OPENAI_AGENTS, "openai-agents", (62, 14)),
        (LANGGRAPH, "langchain", (76, 16)),
    ],
)
def test_import_otlp_records_a_real_clients_run_as_a_session(
    tmp_path: Path, fixture: Path, framework: str, tokens: tuple[int, int]
) -> None:
    db = tmp_path / "a.db"
    out = runner.invoke(app, ["import-otlp", str(fixture), "--db", str(db)])
    assert out.exit_code == 0, out.output
    assert f"{framework}  completed  agents: calc  2 model call(s), 1 tool call(s)" in out.output
    sid = out.output.split()[1]
    data = show(db, sid)
    assert agents(data) == {"calc": (2, 1, *tokens)}
    assert (data["input_tokens"], data["output_tokens"]) == tokens
    assert data["status"] == "completed"
    if fixture == LANGGRAPH:  # langchain-core's fake model names no model: unpriced, not $0
        assert data["unpriced"] is True
    else:  # pydantic-ai sends its own cost; the OpenAI Agents SDK's model is priced
        assert data["cost_usd"] > 0 and data["unpriced"] is False
    kinds = [s["kind"] for s in data["spans"]]
    assert kinds.count("llm") == 2 and kinds.count("tool") == 1 and kinds.count("agent") == 1
    session = services.session_report(db, sid).session
    assert session["config"]["source"] == "otlp"
    assert session["config"]["framework"] == framework
    # replay and export work on it as on a native session
    replay = runner.invoke(app, ["replay", sid, "--db", str(db)])
    assert replay.exit_code == 0 and "calculator" in replay.output, replay.output
    export = runner.invoke(app, ["export", sid, "--db", str(db)])
    assert export.exit_code == 0 and "gen_ai.usage.input_tokens" in export.output


def test_tool_calls_messages_and_answer_are_kept(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    (s,) = record(read_file(OPENAI_AGENTS), db)
    events = services.load_recording(db, s.id).events
    calls = [e for e in events if isinstance(e, LlmCallEnded)]
    assert calls[0].tool_calls[0]["function"]["name"] == "calculator"
    assert calls[1].content == "The tool said 42."
    started = [e for e in events if e.kind == "llm_call_started"]
    assert started[1].messages[-1] == {"role": "tool", "content": "42", "tool_call_id": "call_1"}
    tool = next(e for e in events if e.kind == "tool_call_started")
    assert tool.arguments == {"expression": "6 * 7"}


def test_an_agentlab_export_collected_back_is_the_same_session(tmp_path: Path) -> None:
    """What core/semconv.py writes on export, otel_in reads back: agents, calls, tokens, cost."""
    db = str(tmp_path / "a.db")
    run = runner.invoke(app, ["run", "research_question", "--json", "--db", db])
    assert run.exit_code == 0, run.output
    native = json.loads(run.output)
    exported = tmp_path / "x.json"
    out = runner.invoke(app, ["export", native["session_id"], "-o", str(exported), "--db", db])
    assert out.exit_code == 0, out.output
    out = runner.invoke(app, ["import-otlp", str(exported), "--db", db])
    assert out.exit_code == 0, out.output
    back = show(Path(db), out.output.split()[1])
    mine = show(Path(db), native["session_id"])
    assert agents(back) == agents(mine)
    assert back["cost_usd"] == pytest.approx(mine["cost_usd"])
    assert back["final_output"] == mine["final_output"]


# --- the receiver over HTTP ----------------------------------------------------------------------


def post(url: str, body: bytes, ctype: str, gz: bool = False) -> tuple[int, bytes]:
    headers = {"Content-Type": ctype}
    if gz:
        body = gzip.compress(body)
        headers["Content-Encoding"] = "gzip"
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.mark.parametrize(
    ("encoding", "gz"),
    [("protobuf", False), ("protobuf", True), ("json", False), ("json", True)],
)
def test_receiver_accepts_protobuf_and_json_gzip_or_not(
    tmp_path: Path, encoding: str, gz: bool
) -> None:
    pb = PYDANTIC.read_bytes()
    body = pb if encoding == "protobuf" else to_json(pb)
    ctype = "application/x-protobuf" if encoding == "protobuf" else "application/json"
    with services.recording_bus(tmp_path / "a.db") as rec:
        done: list[Any] = []
        a = Assembler(rec.emit, idle=0.0, on_end=done.append)
        with CapturingReceiver(lambda spans: a.add(spans, 0.0)) as r:
            status, reply = post(r.endpoint, body, ctype, gz)
        a.tick(1e9)
    assert status == 200
    assert reply == (b"" if encoding == "protobuf" else b"{}")  # an empty export response
    (s,) = done
    assert (s.agents, s.llm_calls, s.tool_calls) == (["calc"], 2, 1)
    assert (s.input_tokens, s.output_tokens) == (76, 16)


def test_bad_payloads_get_a_400_with_the_reason_and_the_receiver_keeps_going(
    tmp_path: Path,
) -> None:
    got: list[InSpan] = []
    with CapturingReceiver(got.extend) as r:
        cases = [
            (b"\x00\xffnot protobuf", "application/x-protobuf", False, "not an OTLP protobuf"),
            (b'{"hello": 1}', "application/json", False, "no resourceSpans"),
            (b"{not json", "application/json", False, "not JSON"),
            (b"x", "text/plain", False, "unsupported Content-Type"),
        ]
        for body, ctype, gz, why in cases:
            status, reply = post(r.endpoint, body, ctype, gz)
            assert status == 400 and why in reply.decode(), (status, reply)
        req = urllib.request.Request(
            r.endpoint,
            data=b"\x1f\x8bbroken",
            headers={"Content-Type": "application/x-protobuf", "Content-Encoding": "gzip"},
        )
        with pytest.raises(urllib.error.HTTPError) as bad_gzip:
            urllib.request.urlopen(req, timeout=30)
        assert bad_gzip.value.code == 400
        status, _ = post(r.endpoint.replace("/v1/traces", "/v1/logs"), b"", "application/json")
        assert status == 404
        assert post(r.endpoint, PYDANTIC.read_bytes(), "application/x-protobuf")[0] == 200
        assert r.receiver.stats.bad == 5
    assert len(got) == 4


# --- assembly ------------------------------------------------------------------------------------


def span(
    sid: str,
    parent: str | None,
    name: str,
    start: float,
    end: float,
    trace: str = "t" * 32,
    **attrs: Any,
) -> InSpan:
    return InSpan(trace, sid, parent, name, start, end, attributes=attrs, scope="test")


def llm(sid: str, parent: str, start: float, inp: int, out: int, **kw: Any) -> InSpan:
    return span(
        sid,
        parent,
        "chat",
        start,
        start + 1,
        **{
            "gen_ai.operation.name": "chat",
            "gen_ai.request.model": "gpt-4o-mini",
            "gen_ai.usage.input_tokens": inp,
            "gen_ai.usage.output_tokens": out,
            **kw,
        },
    )


def agent(sid: str, parent: str | None, name: str, start: float, end: float) -> InSpan:
    return span(
        sid,
        parent,
        f"invoke_agent {name}",
        start,
        end,
        **{
            "gen_ai.operation.name": "invoke_agent",
            "gen_ai.agent.name": name,
            # an aggregate: never counted
            "gen_ai.aggregated_usage.input_tokens": 999,
        },
    )


def tool(sid: str, parent: str, start: float, name: str = "search", args: str = "{}") -> InSpan:
    return span(
        sid,
        parent,
        f"execute_tool {name}",
        start,
        start + 0.5,
        **{
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": name,
            "gen_ai.tool.call.arguments": args,
        },
    )


def team() -> list[InSpan]:
    """A lead that delegates to a worker; the worker's calls go through a chain span."""
    return [
        agent("a0", None, "lead", 0, 20),
        llm("l1", "a0", 1, 10, 2),
        tool("t1", "a0", 3, "delegate"),
        agent("a1", "t1", "worker", 3.1, 10),
        span("c1", "a1", "chain", 3.2, 9, **{"openinference.span.kind": "CHAIN"}),
        llm("l2", "c1", 4, 20, 3),
        tool("t2", "c1", 6),
        llm("l3", "c1", 7, 30, 4),
        llm("l4", "a0", 12, 40, 5),
    ]


@pytest.mark.parametrize(
    "order",
    ["root first", "root last", "reversed", "one span a request"],
)
def test_out_of_order_spans_give_the_same_session(tmp_path: Path, order: str) -> None:
    spans = team()
    if order == "root last":
        spans = [*spans[1:], spans[0]]
    elif order == "reversed":
        spans = spans[::-1]
    done: list[Any] = []
    with services.recording_bus(tmp_path / "a.db") as rec, rec.batch():
        a = Assembler(rec.emit, idle=0.0, on_end=done.append)
        if order == "one span a request":
            for n, sp in enumerate(sorted(spans, key=lambda s: s.end)):
                a.add([sp], float(n))
                assert not done  # the root comes last: nothing ends early
        else:
            a.add(spans, 0.0)
        a.tick(1e9)
    (s,) = done
    data = show(tmp_path / "a.db", s.id)
    assert agents(data) == {"lead": (2, 1, 50, 7), "worker": (2, 1, 50, 7)}
    assert data["input_tokens"] == 100
    worker = next(a for a in data["agents"] if a["name"] == "worker")
    assert worker["parent"] == "lead"
    by_id = {sp["id"]: sp for sp in data["spans"]}
    tool_t1 = next(sp for sp in data["spans"] if sp["name"] == "delegate")
    worker_span = next(sp for sp in data["spans"] if sp["name"] == "worker")
    assert worker_span["parent_id"] == tool_t1["id"]
    # the chain is not a span of ours: the worker's calls hang under the worker
    for sp in data["spans"]:
        if sp["agent"] == "worker" and sp["kind"] in ("llm", "tool"):
            assert by_id[sp["parent_id"]]["name"] == "worker"


def test_deep_traces_and_skewed_clocks(tmp_path: Path) -> None:
    """A 3,000-deep chain of graph nodes (no recursion limit), and a child whose clock says it
    started before its parent (another process): still placed under its agent."""
    chain = [span(f"c{i}", f"c{i - 1}" if i else "a0", "node", 1, 9) for i in range(3000)]
    spans = [
        llm("l1", "c2999", 2, 10, 1),
        *chain[::-1],
        llm("l2", "a1", 0.5, 20, 2),  # starts "before" its agent
        agent("a1", "a0", "helper", 1, 5),
        agent("a0", None, "bot", 0.9, 10),
    ]
    (s,) = record(spans, tmp_path / "a.db")
    assert (s.llm_calls, s.input_tokens) == (2, 30)
    assert agents(show(tmp_path / "a.db", s.id)) == {"bot": (1, 0, 10, 1), "helper": (1, 0, 20, 2)}


def test_a_model_call_seen_by_two_instrumentors_counts_once(tmp_path: Path) -> None:
    oi = {"openinference.span.kind": "LLM", "llm.model_name": "gpt-4o-mini"}
    spans = [
        agent("a0", None, "bot", 0, 10),
        # LangChain's LLM span with usage, and the OpenAI instrumentor's below it repeating it
        span("o1", "a0", "ChatOpenAI", 1, 3, **oi, **{"llm.token_count.prompt": 10}),
        span("o2", "o1", "ChatCompletion", 1.1, 2.9, **oi, **{"llm.token_count.prompt": 10}),
        # a wrapper with no usage: the inner span's usage is the call's
        span("o3", "a0", "ChatOpenAI", 4, 6, **oi),
        span(
            "o4",
            "o3",
            "ChatCompletion",
            4.1,
            5.9,
            **oi,
            **{"llm.token_count.prompt": 20, "llm.token_count.completion": 2},
        ),
    ]
    (s,) = record(spans, tmp_path / "a.db")
    assert (s.llm_calls, s.input_tokens, s.output_tokens) == (2, 30, 2)
    assert show(tmp_path / "a.db", s.id)["steps"] == 2


def test_cost_is_the_spans_own_else_priced_else_unpriced(tmp_path: Path) -> None:
    spans = [
        agent("a0", None, "bot", 0, 10),
        llm("l1", "a0", 1, 1000, 100, **{"operation.cost": 0.5}),
        llm("l2", "a0", 2, 1_000_000, 0),
        llm("l3", "a0", 3, 10, 1, **{"gen_ai.request.model": "no-such-model-xyz"}),
    ]
    db = tmp_path / "a.db"
    (s,) = record(spans, db)
    events = [e for e in services.load_recording(db, s.id).events if isinstance(e, LlmCallEnded)]
    assert events[0].cost_usd == 0.5
    assert events[1].cost_usd == pytest.approx(0.15)  # gpt-4o-mini: $0.15 / 1M input tokens
    assert events[2].cost_usd is None
    row = services.list_sessions(db)[0]
    assert row["unpriced"] is True


def test_sessions_group_by_session_id_across_traces(tmp_path: Path) -> None:
    def turn(trace: str, base: float) -> list[InSpan]:
        return [
            span(f"a{trace}", None, "agent", base, base + 5, trace=trace * 32,
                 **{"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "chat",
                    "session.id": "conv-1"}),
            llm(f"l{trace}", f"a{trace}", base + 1, 5, 1, **{"session.id": "conv-1"}),
        ]  # fmt: skip

    (s,) = record([*turn("1", 0), *turn("2", 10)], tmp_path / "a.db")
    assert (s.key, s.llm_calls, s.input_tokens) == ("conv-1", 2, 10)


def test_orphans_are_bounded_and_recorded_when_pushed_out(tmp_path: Path) -> None:
    done: list[Any] = []
    with services.recording_bus(tmp_path / "a.db") as rec, rec.batch():
        a = Assembler(rec.emit, idle=0.0, orphan_wait=30.0, max_held=10, on_end=done.append)
        # 50 model calls whose parent (the agent, the root) has not arrived
        a.add([llm(f"l{i}", "a0", i, 1, 1) for i in range(50)], 0.0)
        assert a.held <= 10
        assert a.sessions[next(iter(a.sessions))].llm_calls == 40  # pushed out, recorded
        a.tick(31.0)  # past the wait: the rest go too
        assert a.held == 0
        a.add([agent("a0", None, "bot", 0, 60)], 32.0)
        a.tick(1e9)
    (s,) = done
    assert (s.llm_calls, s.input_tokens, s.status) == (50, 50, "completed")


def test_a_session_whose_root_never_comes_is_interrupted_at_stop(tmp_path: Path) -> None:
    done: list[Any] = []
    with services.recording_bus(tmp_path / "a.db") as rec, rec.batch():
        a = Assembler(rec.emit, idle=0.0, on_end=done.append)
        a.add([llm("l1", "a0", 1, 5, 1)], 0.0)
        assert a.tick(100.0) == []
        a.close()
    assert done[0].status == "interrupted"
    assert services.list_sessions(tmp_path / "a.db")[0]["status"] == "interrupted"


def test_traces_with_no_agent_spans_are_not_sessions(tmp_path: Path) -> None:
    http = [span("h1", None, "GET /", 0, 1), span("h2", "h1", "db query", 0.1, 0.5)]
    assert record(http, tmp_path / "a.db") == []
    assert services.list_sessions(tmp_path / "a.db") == []


def test_caps_are_flagged_and_recorded(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    spans = [agent("a0", None, "bot", 0, 10), llm("l1", "a0", 1, 60, 5), llm("l2", "a0", 3, 60, 5)]
    (s,) = record(spans, db, caps=Caps(total_tokens=100))
    assert s.crossed == {"total_tokens": 130}
    events = services.load_recording(db, s.id).events
    (hit,) = [e for e in events if isinstance(e, LimitExceeded)]
    assert (hit.limit, hit.value, hit.cap) == ("total_tokens", 130, 100)
    assert show(db, s.id)["limits"] == {"total_tokens": {"cap": 100.0, "used": 130}}


def test_loop_detection_runs_on_incoming_tool_calls(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    args = '{"q": "same"}'
    spans = [agent("a0", None, "bot", 0, 10)] + [
        tool(f"t{i}", "a0", i + 1, "search", args) for i in range(3)
    ]
    (s,) = record(spans, db)
    assert s.loops and "search" in s.loops[0]
    events = services.load_recording(db, s.id).events
    assert any(isinstance(e, LoopDetected) and e.pattern == "repeat" for e in events)


# --- the CLI -------------------------------------------------------------------------------------


def test_import_otlp_reads_json_lines_and_gzip(tmp_path: Path) -> None:
    lines = to_json(PYDANTIC.read_bytes()) + b"\n" + to_json(OPENAI_AGENTS.read_bytes()) + b"\n"
    path = tmp_path / "traces.jsonl.gz"
    path.write_bytes(gzip.compress(lines))
    out = runner.invoke(app, ["import-otlp", str(path), "--db", str(tmp_path / "a.db")])
    assert out.exit_code == 0, out.output
    assert out.output.count("recorded ") == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read"),
        (b"garbage bytes \x00\xff", "not an OTLP protobuf"),
        (b'{"resourceSpans": []}', "no agent, model or tool spans"),
        (b'{"a": 1}\n{"b": 2}\n', "line 1: JSON body has no resourceSpans"),
    ],
)
def test_import_otlp_bad_files_are_one_error_line(
    tmp_path: Path, content: bytes | None, message: str
) -> None:
    path = tmp_path / "x.bin"
    if content is not None:
        path.write_bytes(content)
    out = runner.invoke(app, ["import-otlp", str(path), "--db", str(tmp_path / "a.db")])
    assert out.exit_code == 2
    assert message in out.output and "Traceback" not in out.output
    assert len(out.output.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fail-on-cap"], "--fail-on-cap: only with --once"),
        (["--once", "--fail-on-cap"], "give a cap"),
        (["--max-cost", "0"], "--max-cost: must be"),
        (["--max-tokens", "0"], "--max-tokens: must be at least 1"),
    ],
)
def test_collect_bad_options(tmp_path: Path, args: list[str], message: str) -> None:
    out = runner.invoke(app, ["collect", *args, "--db", str(tmp_path / "a.db")])
    assert out.exit_code == 2 and message in out.output


def _start_collect(tmp_path: Path, *args: str) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "AGENTLAB_HOME": str(tmp_path)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "agentlab", "collect", "--port", "0", "--db",
         str(tmp_path / "a.db"), *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    assert proc.stderr is not None
    line = proc.stderr.readline()
    found = re.search(r"(http://127\.0\.0\.1:\d+/v1/traces)", line)
    assert found, line
    return proc, found.group(1)


def test_collect_once_fail_on_cap_exits_3_for_ci(tmp_path: Path) -> None:
    proc, url = _start_collect(tmp_path, "--once", "--fail-on-cap", "--max-tokens", "50",
                               "--idle", "0.5")  # fmt: skip
    try:
        assert post(url, PYDANTIC.read_bytes(), "application/x-protobuf")[0] == 200
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 3, err
    assert "recorded " in out and "cap crossed: total_tokens 92" in out
    assert "crossed a cap: total_tokens 92" in err
    assert services.list_sessions(tmp_path / "a.db")[0]["total_tokens"] == 92


def test_collect_once_under_the_cap_exits_0_and_the_port_clash_is_one_line(
    tmp_path: Path,
) -> None:
    proc, url = _start_collect(tmp_path, "--once", "--fail-on-cap", "--max-cost", "5",
                               "--idle", "0.2")  # fmt: skip
    try:
        port = url.split(":")[2].split("/")[0]
        clash = runner.invoke(app, ["collect", "--port", port, "--db", str(tmp_path / "b.db")])
        assert clash.exit_code == 2 and f"--port {port}: cannot listen" in clash.output
        assert post(url, to_json(OPENAI_AGENTS.read_bytes()), "application/json")[0] == 200
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert "openai-agents  completed  agents: calc" in out


def test_collect_stops_cleanly_on_sigterm_recording_what_it_has(tmp_path: Path) -> None:
    proc, url = _start_collect(tmp_path)
    try:
        partial = [llm("l1", "a0", time.time(), 5, 1)]
        body = _request_json(partial)
        assert post(url, body, "application/json")[0] == 200
        proc.terminate()
        _out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    (row,) = services.list_sessions(tmp_path / "a.db")
    assert (row["status"], row["input_tokens"]) == ("interrupted", 5)


def _request_json(spans: list[InSpan]) -> bytes:
    """OTLP JSON for hand-made spans (ids made hex)."""

    def hexid(s: str, n: int) -> str:
        return s.encode().hex().ljust(n, "0")[:n]

    def value(v: Any) -> dict[str, Any]:
        if isinstance(v, bool):
            return {"boolValue": v}
        if isinstance(v, int):
            return {"intValue": str(v)}
        if isinstance(v, float):
            return {"doubleValue": v}
        return {"stringValue": str(v)}

    out = []
    for sp in spans:
        d: dict[str, Any] = {
            "traceId": hexid(sp.trace_id, 32),
            "spanId": hexid(sp.span_id, 16),
            "name": sp.name,
            "startTimeUnixNano": str(int(sp.start * 1e9)),
            "endTimeUnixNano": str(int(sp.end * 1e9)),
            "attributes": [{"key": k, "value": value(v)} for k, v in sp.attributes.items()],
        }
        if sp.parent_id:
            d["parentSpanId"] = hexid(sp.parent_id, 16)
        out.append(d)
    doc = {"resourceSpans": [{"scopeSpans": [{"scope": {"name": "test"}, "spans": out}]}]}
    return json.dumps(doc).encode()


def test_spans_that_cannot_be_recorded_get_a_503_so_the_exporter_retries(tmp_path: Path) -> None:
    def accept(spans: list[InSpan]) -> None:
        raise RecordingFailed("recording failed: the disk is full (/x/agentlab.db)")

    with CapturingReceiver(accept) as r:
        status, reply = post(r.endpoint, PYDANTIC.read_bytes(), "application/x-protobuf")
    assert status == 503 and b"the disk is full" in reply
    assert r.receiver.stats.spans == 0
