"""The OpenTelemetry mapping (core/semconv.py): span names, GenAI attributes, check attributes."""

from __future__ import annotations

import pytest
from test_store_streams import checked_stream

from agentlab.core import semconv
from agentlab.core.events import (
    AnyEvent,
    CheckEnded,
    CheckStarted,
    LlmCallEnded,
    SpanEndEvent,
    SpanStartEvent,
    ToolCallEnded,
    ToolCallStarted,
)


def test_span_start_and_end_unions_match_the_class_metadata() -> None:
    """The typed unions the consumers use agree with ``opens``/``closes`` on the classes."""
    every = AnyEvent.__args__  # type: ignore[attr-defined]
    assert {c for c in every if c.opens is not None} == set(SpanStartEvent.__args__)  # type: ignore[attr-defined]
    assert {c for c in every if c.closes} == set(SpanEndEvent.__args__)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("model", "provider"),
    [
        ("gpt-4o-mini", "openai"),
        ("o3-mini", "openai"),
        ("claude-sonnet-4-5", "anthropic"),
        ("gemini-2.0-flash", "gemini"),
        ("ollama/llama3.2", "ollama"),
        ("lab/scripted", "lab"),
        ("mistral-large", None),
    ],
)
def test_provider_of(model: str, provider: str | None) -> None:
    assert semconv.provider_of(model) == provider


@pytest.mark.parametrize(
    ("kind", "name", "expected"),
    [
        ("session", "budget_math", "session budget_math"),
        ("agent", "lead", "invoke_agent lead"),
        ("llm", "gpt-4o", "chat gpt-4o"),
        ("tool", "search", "execute_tool search"),
        ("check", "approval", "check approval"),
        ("llm", None, "chat"),
    ],
)
def test_span_names(kind: str, name: str | None, expected: str) -> None:
    assert semconv.span_name(kind, name) == expected


def test_long_text_is_cut_and_says_by_how_much() -> None:
    assert semconv.truncate("x" * 10) == "x" * 10
    cut = semconv.truncate("x" * (semconv.MAX_ATTR_TEXT + 5))
    assert cut == "x" * semconv.MAX_ATTR_TEXT + "… [5 more chars]"


def test_check_spans_carry_agentlab_check_attributes_and_no_genai_operation() -> None:
    start = semconv.span_start(
        CheckStarted(check="approval", stage="tool", subject="issue_refund", agent="support")
    )
    assert (start.name, start.agent) == ("approval", "support")
    assert start.attributes == {
        "agentlab.check.name": "approval",
        "agentlab.check.stage": "tool",
        "agentlab.check.subject": "issue_refund",
        "agentlab.agent.name": "support",
    }
    end = semconv.span_end(
        CheckEnded(
            check="loop",
            stage="reasoning",
            verdict="flag",
            reason="repeated add(1,2) x3",
            detail={"count": 3},
        )
    )
    assert end == {
        "agentlab.check.verdict": "flag",
        "agentlab.check.by": "check",
        "agentlab.check.reason": "repeated add(1,2) x3",
        "agentlab.check.detail": '{"count":3}',
    }
    assert not any(k.startswith("gen_ai.") for k in {**start.attributes, **end})


def test_passed_checks_ride_on_the_call_span() -> None:
    llm = LlmCallEnded(model="m", checks=["loop", "pii"])
    assert semconv.span_end(llm)["agentlab.checks"] == ["loop", "pii"]
    tool = ToolCallEnded(tool="t", call_id="1", checks=["approval"])
    assert semconv.span_end(tool)["agentlab.checks"] == ["approval"]
    assert "agentlab.checks" not in semconv.span_end(LlmCallEnded(model="m"))


def test_tool_span_attributes() -> None:
    start = semconv.span_start(
        ToolCallStarted(tool="calc", call_id="c1", agent="solo", arguments={"expr": "2+2"})
    )
    assert start.attributes == {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "calc",
        "gen_ai.tool.call.id": "c1",
        "gen_ai.tool.type": "function",
        "gen_ai.agent.name": "solo",
        "gen_ai.tool.call.arguments": '{"expr":"2+2"}',
    }


def test_only_telling_point_events_become_span_events() -> None:
    shown = {e.kind: semconv.span_event(e) for e in checked_stream()}
    assert {k for k, v in shown.items() if v is not None} == {
        "approval_requested",
        "approval_decided",
        "loop_detected",
    }
    decided = shown["approval_decided"]
    assert decided is not None
    assert decided["agentlab.approved"] is False
    assert decided["agentlab.by"] == "person"
    assert not {"agentlab.id", "agentlab.ts", "agentlab.span_id"} & set(decided)
