"""The inbound OpenTelemetry mapping (core/otel_in.py): what a span from another framework
means in agentlab's model. Tables of attributes as the instrumentors send them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from agentlab.core import otel_in
from agentlab.core.otel_in import InSpan


def sp(name: str = "s", parent: str | None = "p", scope: str = "x", **attrs: Any) -> InSpan:
    return InSpan("t" * 32, "s" * 16, parent, name, 0.0, 1.0, attributes=attrs, scope=scope)


OI = "openinference.span.kind"
OP = "gen_ai.operation.name"


@pytest.mark.parametrize(
    ("span", "role"),
    [
        (sp(**{OI: "LLM"}), "llm"),
        (sp(**{OI: "TOOL"}), "tool"),
        (sp(**{OI: "RETRIEVER"}), "tool"),
        (sp(**{OI: "AGENT", "agent.name": "calc"}), "agent"),
        (sp(**{OI: "CHAIN"}), "other"),
        (sp(**{OI: "EMBEDDING"}), "other"),
        # the OpenAI Agents SDK's unnamed workflow root is a wrapper, not an agent
        (sp(parent=None, scope="openinference.instrumentation.openai_agents", **{OI: "AGENT"}),
         "other"),
        # smolagents' root agent span is an agent
        (sp("CodeAgent.run", parent=None, scope="openinference.instrumentation.smolagents",
            **{OI: "AGENT"}), "agent"),
        (sp(**{OP: "chat"}), "llm"),
        (sp(**{OP: "text_completion"}), "llm"),
        (sp(**{OP: "generate_content"}), "llm"),
        (sp(**{OP: "execute_tool"}), "tool"),
        (sp(**{OP: "invoke_agent"}), "agent"),
        (sp(**{OP: "embeddings", "gen_ai.request.model": "e", "gen_ai.usage.input_tokens": 3}),
         "other"),
        (sp("openai.chat", **{"llm.request.type": "chat"}), "llm"),
        (sp(**{"traceloop.span.kind": "agent"}), "agent"),
        (sp("agent run", **{"agent_name": "a"}), "agent"),
        (sp("running tool", **{"gen_ai.tool.name": "t"}), "tool"),
        # no kind at all (litellm's callback): a model and its usage make a model call
        (sp("litellm_request", **{"gen_ai.request.model": "gpt-4o",
                                  "gen_ai.usage.prompt_tokens": 5}), "llm"),
        (sp("GET /", **{"http.method": "GET"}), "other"),
        # the OTel span kind is never read: OpenInference spans are all INTERNAL
        (sp("chat"), "other"),
    ],
)  # fmt: skip
def test_what_a_span_is(span: InSpan, role: str) -> None:
    assert otel_in.role(span) == role


@pytest.mark.parametrize(
    ("attrs", "usage"),
    [
        ({"gen_ai.usage.input_tokens": 10, "gen_ai.usage.output_tokens": 2}, (10, 2)),
        ({"gen_ai.usage.prompt_tokens": 10, "gen_ai.usage.completion_tokens": 2}, (10, 2)),
        ({"llm.token_count.prompt": 10, "llm.token_count.completion": 2}, (10, 2)),
        ({"llm.token_count.prompt": "10"}, (10, 0)),  # a JSON exporter's string int64
        ({"llm.token_count.total": 12}, (12, 0)),  # only a total: counted as input
        ({"gen_ai.aggregated_usage.input_tokens": 99}, None),  # an aggregate: not a call's
        ({}, None),
    ],
)
def test_tokens(attrs: dict[str, Any], usage: tuple[int, int] | None) -> None:
    assert otel_in.usage(sp(**attrs)) == usage


@pytest.mark.parametrize(
    ("attrs", "key"),
    [
        ({"session.id": "s1"}, "s1"),
        ({"gen_ai.conversation.id": "c1"}, "c1"),
        ({"metadata": json.dumps({"thread_id": "th1"})}, "th1"),
        ({}, None),
    ],
)
def test_session_key(attrs: dict[str, Any], key: str | None) -> None:
    assert otel_in.session_key(sp(**attrs)) == key


@pytest.mark.parametrize(
    ("scope", "framework"),
    [
        ("pydantic-ai", "pydantic-ai"),
        ("openinference.instrumentation.openai_agents", "openai-agents"),
        ("openinference.instrumentation.langchain", "langchain"),
        ("openinference.instrumentation.smolagents", "smolagents"),
        ("openinference.instrumentation.crewai", "crewai"),
        ("opentelemetry.instrumentation.openai.v1", "openai (openllmetry)"),
        ("my.own", "my.own"),
        ("", "unknown"),
    ],
)
def test_framework(scope: str, framework: str) -> None:
    assert otel_in.framework(scope) == framework


def test_model_provider_and_cost() -> None:
    span = sp(**{"llm.model_name": "gpt-4o-mini", "llm.provider": "OpenAI"})
    assert (otel_in.model(span), otel_in.provider(span)) == ("gpt-4o-mini", "openai")
    assert otel_in.priced("gpt-4o-mini", "openai", 1_000_000, 0) == pytest.approx(0.15)
    assert otel_in.priced("no-such-model-xyz", "", 10, 10) is None
    assert otel_in.sent_cost(sp(**{"operation.cost": 0.25})) == 0.25


def test_genai_messages() -> None:
    span = sp(
        **{
            "gen_ai.system_instructions": json.dumps([{"type": "text", "content": "Be brief."}]),
            "gen_ai.input.messages": json.dumps(
                [
                    {"role": "user", "parts": [{"type": "text", "content": "hi"}]},
                    {
                        "role": "user",
                        "parts": [{"type": "tool_call_response", "id": "c1", "response": "42"}],
                    },
                ]
            ),
            "gen_ai.output.messages": json.dumps(
                [
                    {
                        "role": "assistant",
                        "finish_reason": "tool_call",
                        "parts": [
                            {"type": "text", "content": "Let me check."},
                            {
                                "type": "tool_call",
                                "id": "c2",
                                "name": "calc",
                                "arguments": {"x": 1},
                            },
                        ],
                    }
                ]
            ),
        }
    )
    assert otel_in.input_messages(span) == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "hi"},
        {"role": "tool", "tool_call_id": "c1", "content": "42"},
    ]
    text, calls, finish = otel_in.output(span)
    assert (text, finish) == ("Let me check.", "tool_call")
    assert calls == [
        {"id": "c2", "type": "function", "function": {"name": "calc", "arguments": '{"x": 1}'}}
    ]


def test_openinference_flattened_messages() -> None:
    p = "llm.input_messages."
    span = sp(
        **{
            f"{p}0.message.role": "user",
            f"{p}0.message.contents.0.message_content.text": "what is ",
            f"{p}0.message.contents.1.message_content.text": "6 * 7?",
            f"{p}1.message.role": "assistant",
            f"{p}1.message.tool_calls.0.tool_call.function.name": "calc",
            f"{p}1.message.tool_calls.0.tool_call.function.arguments": "{}",
            "llm.output_messages.0.message.role": "assistant",
            "llm.output_messages.0.message.content": "42",
        }
    )
    msgs = otel_in.input_messages(span)
    assert msgs[0] == {"role": "user", "content": "what is 6 * 7?"}
    assert msgs[1]["tool_calls"][0]["function"] == {"name": "calc", "arguments": "{}"}
    assert otel_in.output(span)[0] == "42"


@pytest.mark.parametrize(
    ("attrs", "name", "expected"),
    [
        ({"gen_ai.tool.name": "calc", "gen_ai.tool.call.id": "c1",
          "gen_ai.tool.call.arguments": '{"x": 1}', "gen_ai.tool.call.result": "2"},
         "execute_tool calc", ("calc", "c1", {"x": 1}, "2")),
        ({"tool.name": "search", "input.value": '{"q": "a"}', "output.value": "found"},
         "search", ("search", "s" * 16, {"q": "a"}, "found")),
        ({"input.value": "plain text"}, "lookup", ("lookup", "s" * 16, {"input": "plain text"},
                                                   "")),
    ],
)  # fmt: skip
def test_tool_calls(attrs: dict[str, Any], name: str, expected: tuple[Any, ...]) -> None:
    assert otel_in.tool_call(sp(name, **attrs)) == expected
