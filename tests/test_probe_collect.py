"""Trace payloads other instrumentations send, through a real OpenTelemetry SDK exporter to the
receiver on 127.0.0.1: OpenLLMetry/Traceloop (``traceloop.*``, ``gen_ai.prompt.N.*``,
``llm.usage.*``), the GenAI conventions' span events (``gen_ai.content.prompt``,
``gen_ai.choice``, ``gen_ai.client.inference.operation.details``), exception events, and OTLP
JSON with base64 ids."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from collect_clients import CapturingReceiver
from test_collect import post, to_json

from agentlab import services
from agentlab.collect.assembly import Assembler
from agentlab.collect.otlp import decode
from agentlab.core.events import LlmCallEnded, LlmCallStarted, ToolCallEnded, ToolCallStarted


def export(endpoint: str, build: Callable[[Any], None], service: str = "probe") -> None:
    """Spans made by ``build(provider)`` exported with the SDK's OTLP/HTTP exporter (gzip)."""
    from opentelemetry.exporter.otlp.proto.http import Compression
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    exporter = OTLPSpanExporter(endpoint=endpoint, compression=Compression.Gzip)
    provider.add_span_processor(BatchSpanProcessor(exporter))
    build(provider)
    provider.shutdown()


def collected(db: Path, build: Callable[[Any], None]) -> tuple[Any, list[Any], dict[str, Any]]:
    done: list[Any] = []
    with services.recording_bus(db) as rec:
        a = Assembler(rec.emit, idle=0.0, on_end=done.append)

        def accept(spans: list[Any]) -> None:
            with rec.batch():
                a.add(spans, 0.0)

        with CapturingReceiver(accept) as r:
            export(r.endpoint, build)
        with rec.batch():
            a.tick(1e9)
    assert len(done) == 1, [s.id for s in done]
    s = done[0]
    report = services.session_report(db, s.id)
    return s, services.load_recording(db, s.id).events, report.session


def traceloop(provider: Any) -> None:
    """What OpenLLMetry's SDK (``@workflow``, ``@agent``, ``@tool``) and its OpenAI
    instrumentor put on their spans."""
    sdk = provider.get_tracer("traceloop.sdk")
    oai = provider.get_tracer("opentelemetry.instrumentation.openai.v1", "0.40.0")
    entity = {"traceloop.workflow.name": "research"}
    with (
        sdk.start_as_current_span(
            "research.workflow",
            attributes={
                **entity,
                "traceloop.span.kind": "workflow",
                "traceloop.entity.name": "research",
                "traceloop.entity.input": json.dumps({"args": [], "kwargs": {"q": "6*7?"}}),
                "traceloop.entity.output": json.dumps("It is 42."),
            },
        ),
        sdk.start_as_current_span(
            "researcher.agent",
            attributes={
                **entity,
                "traceloop.span.kind": "agent",
                "traceloop.entity.name": "researcher",
            },
        ),
    ):
        with oai.start_as_current_span(
            "openai.chat",
            attributes={
                "llm.request.type": "chat",
                "gen_ai.system": "OpenAI",
                "gen_ai.request.model": "gpt-4o-mini",
                "gen_ai.prompt.0.role": "system",
                "gen_ai.prompt.0.content": "You are careful.",
                "gen_ai.prompt.1.role": "user",
                "gen_ai.prompt.1.content": "6*7?",
                "gen_ai.completion.0.role": "assistant",
                "gen_ai.completion.0.finish_reason": "tool_calls",
                "gen_ai.completion.0.tool_calls.0.id": "call_1",
                "gen_ai.completion.0.tool_calls.0.name": "calculator",
                "gen_ai.completion.0.tool_calls.0.arguments": '{"expression": "6*7"}',
                "llm.usage.total_tokens": 38,
                "gen_ai.usage.prompt_tokens": 31,
                "gen_ai.usage.completion_tokens": 7,
            },
        ):
            pass
        with sdk.start_as_current_span(
            "calculator.tool",
            attributes={
                **entity,
                "traceloop.span.kind": "tool",
                "traceloop.entity.name": "calculator",
                "traceloop.entity.input": json.dumps({"args": [], "kwargs": {"expression": "6*7"}}),
                "traceloop.entity.output": json.dumps("42"),
            },
        ):
            pass
        with oai.start_as_current_span(
            "openai.chat",
            attributes={
                "llm.request.type": "chat",
                "gen_ai.system": "OpenAI",
                "gen_ai.request.model": "gpt-4o-mini",
                "gen_ai.prompt.0.role": "user",
                "gen_ai.prompt.0.content": "6*7?",
                "gen_ai.prompt.1.role": "tool",
                "gen_ai.prompt.1.content": "42",
                "gen_ai.prompt.1.tool_call_id": "call_1",
                "gen_ai.completion.0.role": "assistant",
                "gen_ai.completion.0.content": "It is 42.",
                "gen_ai.completion.0.finish_reason": "stop",
                "llm.usage.total_tokens": 54,
            },
        ):
            pass


def test_openllmetry_traceloop_spans_read_fully(tmp_path: Path) -> None:
    s, events, session = collected(tmp_path / "a.db", traceloop)
    assert s.agents == ["researcher"]  # traceloop.entity.name, not the span name
    assert session["config"]["framework"] == "openai (openllmetry)"
    tool = next(e for e in events if isinstance(e, ToolCallStarted))
    assert (tool.tool, tool.arguments) == ("calculator", {"expression": "6*7"})
    ended = next(e for e in events if isinstance(e, ToolCallEnded))
    assert ended.result == "42"
    starts = [e for e in events if isinstance(e, LlmCallStarted)]
    assert starts[0].messages == [
        {"role": "system", "content": "You are careful."},
        {"role": "user", "content": "6*7?"},
    ]
    assert starts[1].messages[1] == {"role": "tool", "content": "42", "tool_call_id": "call_1"}
    calls = [e for e in events if isinstance(e, LlmCallEnded)]
    assert calls[0].tool_calls == [
        {
            "id": "call_1",
            "type": "function",
            "function": {"name": "calculator", "arguments": '{"expression": "6*7"}'},
        }
    ]
    assert calls[0].finish_reason == "tool_calls"
    assert (calls[1].content, calls[1].finish_reason) == ("It is 42.", "stop")
    # only a total (llm.usage.total_tokens) is still a count, never lost
    assert [(c.input_tokens, c.output_tokens) for c in calls] == [(31, 7), (54, 0)]
    assert session["final_output"] == "It is 42."


def genai_events(provider: Any) -> None:
    """Messages as span events: the GenAI conventions' older content events
    (``gen_ai.content.prompt``/``completion``), the per-message events (``gen_ai.user.message``,
    ``gen_ai.choice``) and the newer ``gen_ai.client.inference.operation.details``."""
    t = provider.get_tracer("opentelemetry.instrumentation.openai_v2")
    common = {"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o-mini"}
    with t.start_as_current_span(
        "invoke_agent helper",
        attributes={"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "helper"},
    ):
        with t.start_as_current_span(
            "chat gpt-4o-mini",
            attributes={**common, "gen_ai.usage.input_tokens": 12, "gen_ai.usage.output_tokens": 4},
        ) as span:
            span.add_event(
                "gen_ai.content.prompt",
                {"gen_ai.prompt": json.dumps([{"role": "user", "content": "Say hi"}])},
            )
            span.add_event(
                "gen_ai.content.completion",
                {"gen_ai.completion": json.dumps([{"role": "assistant", "content": "hi there"}])},
            )
        with t.start_as_current_span(
            "chat gpt-4o-mini",
            attributes={**common, "gen_ai.usage.input_tokens": 20, "gen_ai.usage.output_tokens": 3},
        ) as span:
            span.add_event(
                "gen_ai.system.message", {"gen_ai.system": "openai", "content": "Be brief"}
            )
            span.add_event("gen_ai.user.message", {"gen_ai.system": "openai", "content": "Again"})
            span.add_event(
                "gen_ai.choice",
                {
                    "gen_ai.system": "openai",
                    "index": 0,
                    "finish_reason": "stop",
                    "message": json.dumps({"role": "assistant", "content": "hello again"}),
                },
            )
        with t.start_as_current_span(
            "chat gpt-4o-mini",
            attributes={**common, "gen_ai.usage.input_tokens": 30, "gen_ai.usage.output_tokens": 5},
        ) as span:
            span.add_event(
                "gen_ai.client.inference.operation.details",
                {
                    "gen_ai.input.messages": json.dumps(
                        [{"role": "user", "parts": [{"type": "text", "content": "Last one"}]}]
                    ),
                    "gen_ai.output.messages": json.dumps(
                        [
                            {
                                "role": "assistant",
                                "parts": [{"type": "text", "content": "bye"}],
                                "finish_reason": "stop",
                            }
                        ]
                    ),
                },
            )
        from opentelemetry.trace import Status, StatusCode

        failed = t.start_span("chat gpt-4o-mini", attributes=common)
        failed.record_exception(ConnectionError("connection reset"))
        failed.set_status(Status(StatusCode.ERROR))  # no description: the event says why
        failed.end()


def test_genai_messages_in_span_events_are_read(tmp_path: Path) -> None:
    s, events, _ = collected(tmp_path / "a.db", genai_events)
    assert s.agents == ["helper"]
    starts = [e for e in events if isinstance(e, LlmCallStarted)]
    ends = [e for e in events if isinstance(e, LlmCallEnded)]
    assert starts[0].messages == [{"role": "user", "content": "Say hi"}]
    assert ends[0].content == "hi there"
    assert starts[1].messages == [
        {"role": "system", "content": "Be brief"},
        {"role": "user", "content": "Again"},
    ]
    assert (ends[1].content, ends[1].finish_reason) == ("hello again", "stop")
    assert starts[2].messages == [{"role": "user", "content": "Last one"}]
    assert (ends[2].content, ends[2].finish_reason) == ("bye", "stop")
    failed = [e for e in ends if e.status == "error"]
    assert [e.error for e in failed] == ["ConnectionError: connection reset"]


def test_otlp_json_with_base64_ids_is_read(tmp_path: Path) -> None:
    """OTLP/JSON says hex ids, but protobuf's own JSON mapping (base64) is what some clients
    send: both decode to the same spans."""
    got: list[bytes] = []
    with CapturingReceiver() as r:
        export(r.endpoint, traceloop)
        got = [b for _c, _e, b in r.bodies]
    import gzip

    pb = b"".join(gzip.decompress(b) for b in got[:1])
    hex_spans = decode(to_json(pb), "application/json")
    from google.protobuf import json_format
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
    )

    req = ExportTraceServiceRequest()
    req.ParseFromString(pb)
    b64_doc = json_format.MessageToDict(req)  # ids in base64
    b64_spans = decode(json.dumps(b64_doc).encode(), "application/json")
    assert [(s.span_id, s.parent_id) for s in b64_spans] == [
        (s.span_id, s.parent_id) for s in hex_spans
    ]
    with CapturingReceiver() as r:
        status, _ = post(r.endpoint, json.dumps(b64_doc).encode(), "application/json")
    assert status == 200
    assert base64.b64decode(b64_doc["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["spanId"])


def test_hostile_counts_and_costs_are_not_read() -> None:
    """A negative, NaN or infinite token count or cost on a span is not a number to add up
    (it made a session's tokens and cost negative)."""
    from agentlab.core import otel_in
    from agentlab.core.otel_in import InSpan

    def sp(**attrs: Any) -> InSpan:
        return InSpan("t" * 32, "s" * 16, "p" * 16, "chat", 0.0, 1.0, attributes=attrs)

    assert otel_in.usage(sp(**{"gen_ai.usage.input_tokens": -500})) is None
    assert otel_in.usage(
        sp(**{"gen_ai.usage.input_tokens": "-5", "gen_ai.usage.output_tokens": 7})
    ) == (0, 7)
    assert otel_in.usage(sp(**{"llm.token_count.total": -3})) is None
    for bad in (-0.5, "nan", float("inf"), "-1e9"):
        assert otel_in.sent_cost(sp(**{"gen_ai.usage.cost": bad})) is None, bad
    assert otel_in.sent_cost(sp(**{"gen_ai.usage.cost": "0.25"})) == 0.25


def lone_call(provider: Any) -> None:
    """One bare chat span (an instrumented OpenAI call outside any agent)."""
    t = provider.get_tracer("opentelemetry.instrumentation.openai.v1")
    with t.start_as_current_span(
        "chat gpt-4o-mini",
        attributes={
            "gen_ai.operation.name": "chat",
            "gen_ai.system": "openai",
            "gen_ai.request.model": "gpt-4o-mini",
            "gen_ai.usage.input_tokens": 12,
            "gen_ai.usage.output_tokens": 3,
        },
    ):
        pass


def test_a_lone_call_s_agent_is_not_left_running(tmp_path: Path) -> None:
    """A call no agent span encloses is put under a stand-in agent; in a session that ended,
    that agent is not listed as still running."""
    s, _, _ = collected(tmp_path / "a.db", lone_call)
    report = services.session_report(tmp_path / "a.db", s.id)
    assert report.session["status"] == "completed"
    assert [(a["name"], a["status"]) for a in report.tally.rows()] == [("app", "completed")]
