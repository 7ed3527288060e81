"""The cassette alone: how requests are matched, what a divergence line says, replies cut at a
smaller max_tokens."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from agentlab.core import llm
from agentlab.core.cassette import (
    Cassette,
    ForkAt,
    RecordedCall,
    ReplayDiverged,
    describe_difference,
)
from agentlab.errors import ModelError, UsageError

SYSTEM = {"role": "system", "content": "You are terse."}
USER = {"role": "user", "content": "What is 6 * 7?"}
CALL = {
    "role": "assistant",
    "content": None,
    "name": "a",
    "tool_calls": [
        {"id": "c1", "type": "function", "function": {"name": "calc", "arguments": '{"x": "6*7"}'}}
    ],
}
RESULT = {"role": "tool", "tool_call_id": "c1", "content": "42"}
TOOL = {"type": "function", "function": {"name": "calc", "parameters": {}}}


def recorded(agent: str, messages: list[dict[str, Any]], content: str, index: int = 1, **kw: Any):
    return RecordedCall(
        index=index,
        agent=agent,
        agent_call=index,
        step=index,
        model="gpt-4o-mini",
        messages=messages,
        tools=["calc"],
        status=kw.pop("status", "completed"),
        content=content,
        input_tokens=10,
        output_tokens=kw.pop("output_tokens", 3),
        cost_usd=0.001,
        **kw,
    )


def request(agent: str, messages: list[dict[str, Any]], **kw: Any) -> llm.LlmRequest:
    return llm.LlmRequest(model="lab/auto", messages=messages, tools=[TOOL], agent=agent, **kw)


def test_answers_as_recorded_and_matches_concurrent_runs_of_one_agent_in_any_order() -> None:
    first = recorded("w", [SYSTEM, {"role": "user", "content": "task one"}], "one", 1)
    second = recorded("w", [SYSTEM, {"role": "user", "content": "task two"}], "two", 2)
    tape = Cassette([first, second])
    streamed: list[str] = []
    resp = asyncio.run(tape(request("w", second.messages), streamed.append))
    assert (resp.content, resp.input_tokens, resp.output_tokens, resp.cost_usd) == (
        "two",
        10,
        3,
        0.001,
    )
    assert "".join(streamed) == "two"
    assert asyncio.run(tape(request("w", first.messages))).content == "one"
    assert tape.replayed == 2 and tape.diverged is None


def test_argument_spelling_does_not_matter_but_their_values_do() -> None:
    spaced = dict(
        CALL,
        tool_calls=[
            dict(CALL["tool_calls"][0], function={"name": "calc", "arguments": '{ "x" : "6*7" }'})
        ],
    )
    tape = Cassette([recorded("a", [SYSTEM, USER, CALL, RESULT], "42")])
    assert asyncio.run(tape(request("a", [SYSTEM, USER, spaced, RESULT]))).content == "42"


@pytest.mark.parametrize(
    ("now", "tools", "expected"),
    [
        (
            [{"role": "system", "content": "You are chatty."}, USER, CALL, RESULT],
            ["calc"],
            'the system message (instructions) differs: recorded "You are terse.", now "You are chatty."',
        ),
        (
            [SYSTEM, USER, CALL, {**RESULT, "content": "41"}],
            ["calc"],
            'message 4 (the result of calc) differs: recorded "42", now "41"',
        ),
        (
            [SYSTEM, USER, CALL, RESULT, {"role": "user", "content": "Stop looping."}],
            ["calc"],
            'the conversation has 5 messages, the recording 4: message 5 (the user message) is new: "Stop looping."',
        ),
        (
            [SYSTEM, USER, CALL, RESULT],
            ["calc", "read_file"],
            "the tools offered differ: recorded [calc], now [calc, read_file]",
        ),
        (
            [
                SYSTEM,
                USER,
                {
                    **CALL,
                    "tool_calls": [
                        {"id": "c1", "function": {"name": "calc", "arguments": '{"x": "6*8"}'}}
                    ],
                },
                RESULT,
            ],
            ["calc"],
            'message 3 (the model\'s own reply) differs: recorded "calc({"x": "6*7"})", now "calc({"x": "6*8"})"',
        ),
    ],
)
def test_what_a_divergence_says(now: list[dict[str, Any]], tools: list[str], expected: str) -> None:
    assert describe_difference([SYSTEM, USER, CALL, RESULT], ["calc"], now, tools) == expected


def test_a_divergence_stops_every_later_call_with_the_same_line() -> None:
    tape = Cassette([recorded("a", [SYSTEM, USER], "hi"), recorded("b", [SYSTEM, USER], "yo", 2)])
    with pytest.raises(ReplayDiverged) as exc:
        asyncio.run(
            tape(request("a", [SYSTEM, {"role": "user", "content": "What is 6 * 8?"}], step=1))
        )
    line = str(exc.value)
    assert line.startswith("replay diverged: agent a, step 1: message 2 (the user message) differs")
    assert exc.value.kind == "replay_diverged"
    with pytest.raises(ReplayDiverged, match="agent a, step 1"):
        asyncio.run(tape(request("b", [SYSTEM, USER])))
    assert tape.diverged == line


@pytest.mark.parametrize(
    ("agent", "expected"),
    [
        ("zed", "the recording has no calls by 'zed' (it has: a)"),
        ("a", "the recording has no more calls by a (it made 1)"),
    ],
)
def test_calls_the_recording_does_not_have(agent: str, expected: str) -> None:
    tape = Cassette([recorded("a", [SYSTEM, USER], "hi")])
    asyncio.run(tape(request("a", [SYSTEM, USER])))
    with pytest.raises(ReplayDiverged, match=expected.replace("(", r"\(").replace(")", r"\)")):
        asyncio.run(tape(request(agent, [SYSTEM, USER])))


def test_going_live_after_a_divergence_or_at_the_fork() -> None:
    live_calls: list[str] = []

    async def live(req: llm.LlmRequest, on_delta: Any = None) -> llm.LlmResponse:
        live_calls.append(req.agent)
        return llm.LlmResponse(content="live")

    notes: list[tuple[str, str]] = []
    calls = [
        recorded("a", [SYSTEM, USER], "one", 1),
        recorded("a", [SYSTEM, USER, RESULT], "two", 2),
    ]
    tape = Cassette(calls, live=live, fork=ForkAt(2), notify=lambda a, m: notes.append((a, m)))
    assert asyncio.run(tape(request("a", [SYSTEM, USER]))).content == "one"
    assert asyncio.run(tape(request("a", [SYSTEM, USER, RESULT]))).content == "live"
    assert notes == [("a", "forked at step 2: a goes on live on lab/auto")]
    assert (tape.replayed, tape.live_calls, tape.diverged) == (1, 1, None)


def test_a_recorded_model_error_is_raised_again() -> None:
    failed = recorded("a", [SYSTEM, USER], "", status="error")
    failed.error = "InternalServerError: lab model scripted failure: boom"
    with pytest.raises(ModelError) as exc:
        asyncio.run(Cassette([failed])(request("a", [SYSTEM, USER])))
    assert exc.value.kind == "server" and "boom" in str(exc.value)


def test_a_reply_that_no_longer_fits_max_tokens_is_cut_there() -> None:
    long = recorded("a", [SYSTEM, USER], "word " * 50, output_tokens=50)
    resp = asyncio.run(
        Cassette([long])(request("a", [SYSTEM, USER], max_tokens=5, price=(1e-6, 2e-6)))
    )
    assert resp.finish_reason == "length" and resp.output_tokens <= 5
    assert resp.content and len(resp.content) < len(long.content)
    assert resp.cost_usd == pytest.approx(10 * 1e-6 + resp.output_tokens * 2e-6)


@pytest.mark.parametrize(
    ("text", "fork"), [("3", ForkAt(3)), ("lead:2", ForkAt(2, "lead")), ("a:b:1", ForkAt(1, "a:b"))]
)
def test_fork_at_parses(text: str, fork: ForkAt) -> None:
    assert ForkAt.parse(text) == fork and str(fork) == text


@pytest.mark.parametrize("text", ["0", "x", "lead:", "lead:-1", ""])
def test_fork_at_refuses(text: str) -> None:
    with pytest.raises(UsageError, match="--fork-at: expected STEP or AGENT:STEP"):
        ForkAt.parse(text)
