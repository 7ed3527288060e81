"""The LLM seam: lab models through litellm, offline token counting, a real OpenAI-compatible
server on 127.0.0.1, cost from litellm's local price map."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from fake_openai import FakeOpenAI
from helpers import run_collect, scenario

from agentlab.core import llm, prices, tokens
from agentlab.core.context import RunOptions
from agentlab.core.labmodels import (
    LabConfig,
    args_from_schema,
    counted_as,
    fill_template,
    lab_reply,
)
from agentlab.errors import ModelError

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "calculator",
            "parameters": {
                "type": "object",
                "properties": {"expression": {"type": "string"}},
                "required": ["expression"],
            },
        },
    }
]


def test_tiktoken_counts_offline_in_a_fresh_process(tmp_path) -> None:
    """No BPE download: a fresh interpreter with sockets disabled and an empty cache counts."""
    code = textwrap.dedent(
        """
        import socket
        def blocked(*a, **k):
            raise OSError("network blocked")
        socket.socket.connect = blocked
        socket.create_connection = blocked
        from agentlab.core import tokens
        print(tokens.count_text("hello world", "gpt-4o-mini"), tokens.count_text("hello world", "gpt-4"))
        """
    )
    env = {k: v for k, v in os.environ.items() if "TIKTOKEN" not in k}
    env["XDG_CACHE_HOME"] = str(tmp_path)  # no warm cache to fall back on
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["2", "2"]


def test_encodings_follow_the_model() -> None:
    assert tokens.encoding_name_for("gpt-4o-mini") == "o200k_base"
    assert tokens.encoding_name_for("gpt-4") == "cl100k_base"
    assert tokens.encoding_name_for("anthropic/claude-sonnet-4-5") == "o200k_base"


def test_message_count_grows_with_content() -> None:
    short = tokens.count_messages([{"role": "user", "content": "hi"}])
    long = tokens.count_messages([{"role": "user", "content": "hi " * 100}])
    assert long - short >= 99
    assert tokens.count_messages([{"role": "user", "content": "hi"}], tools=TOOLS) > short


def test_scripted_turns_follow_own_assistant_messages() -> None:
    cfg = LabConfig(
        agent="a",
        script=[{"tool": "calculator", "args": {"expression": "1+1"}}, {"text": "ok {result}"}],
    )
    msgs = [{"role": "user", "content": "q"}]
    first = lab_reply("lab/scripted", msgs, TOOLS, cfg)
    assert first.calls[0].name == "calculator"
    msgs += [
        {
            "role": "assistant",
            "name": "a",
            "tool_calls": [{"id": "c", "function": {"name": "calculator", "arguments": "{}"}}],
        },
        {"role": "tool", "tool_call_id": "c", "content": "2"},
    ]
    assert lab_reply("lab/scripted", msgs, TOOLS, cfg).text == "ok 2"
    # Another agent's assistant messages do not advance this agent's script.
    other = [*msgs[:1], {"role": "assistant", "name": "b", "content": "x"}]
    assert lab_reply("lab/scripted", other, TOOLS, cfg).calls


def test_templates() -> None:
    msgs = [
        {"role": "user", "content": "the task"},
        {
            "role": "assistant",
            "tool_calls": [
                {"id": "1", "function": {"name": "a"}},
                {"id": "2", "function": {"name": "b"}},
            ],
        },
        {"role": "tool", "tool_call_id": "1", "content": "A!"},
        {"role": "tool", "tool_call_id": "2", "content": "B!"},
    ]
    assert fill_template("{result[1]} {result} {tool:a} {input}", msgs) == "A! B! A! the task"
    assert fill_template("{results}", msgs) == "- a: A!\n- b: B!"
    assert fill_template("{not_a_template} {x}", msgs) == "{not_a_template} {x}"


def test_args_from_schema() -> None:
    schema = {
        "type": "object",
        "properties": {
            "path": {"type": "string"},
            "n": {"type": "integer", "minimum": 2},
            "mode": {"type": "string", "enum": ["fast", "slow"]},
            "flag": {"type": "boolean"},
        },
    }
    assert args_from_schema(schema, "task") == {"path": ".", "n": 2, "mode": "fast", "flag": True}


async def test_lab_model_through_litellm_reports_real_usage_and_cost() -> None:
    msgs = [{"role": "user", "content": "What is 6 * 7?"}]
    req = llm.LlmRequest(model="lab/auto", messages=msgs, tools=TOOLS)
    resp = await llm.complete(req)
    assert resp.tool_calls[0]["function"]["name"] == "calculator"
    assert resp.input_tokens == tokens.count_messages(msgs, "gpt-4o-mini", TOOLS)
    price = prices.model_price("gpt-4o-mini")
    assert resp.cost_usd == pytest.approx(
        resp.input_tokens * price[0] + resp.output_tokens * price[1]
    )


async def test_lab_model_respects_max_tokens() -> None:
    cfg = {
        "agent": "a",
        "script": [{"text": "one two three four five six seven eight nine ten " * 5}],
    }
    req = llm.LlmRequest(
        model="lab/scripted", messages=[{"role": "user", "content": "x"}], max_tokens=5, lab=cfg
    )
    resp = await llm.complete(req)
    assert resp.output_tokens <= 5 and resp.finish_reason == "length"


async def test_model_errors_become_typed_errors() -> None:
    req = llm.LlmRequest(
        model="lab/scripted", messages=[{"role": "user", "content": "x"}], lab={"fail": "down"}
    )
    with pytest.raises(ModelError) as err:
        await llm.complete(req)
    assert err.value.kind == "server" and "down" in str(err.value)


def test_unknown_models_are_unpriced_not_free() -> None:
    assert prices.model_price("gpt-4o-mini") == pytest.approx((1.5e-07, 6e-07))
    assert prices.model_price("ollama/llama3.2") is None
    assert prices.model_price("claude-sonnet-4-20250514") is None  # missing from the map
    assert prices.model_price("no-such/model") is None
    assert prices.model_price("lab/auto") is None  # priced as its price_as, never by itself


@pytest.mark.parametrize("stream", [False, True])
async def test_real_provider_path_against_local_openai_server(monkeypatch, stream: bool) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-secret")
    s = scenario('task = "compute"\n[[agents]]\nname = "a"\nmodel = "x"\ntools = ["calculator"]\n')
    with FakeOpenAI() as server:
        options = RunOptions(model="openai/gpt-4o-mini", api_base=server.base_url, stream=stream)
        result, _ = await run_collect(s, options)
        assert result.status == "completed", result.error
        assert result.final_output == "The tool said 42."
        usage = result.summary()["usage"]
        assert (usage["input_tokens"], usage["output_tokens"]) == (62, 14)  # the server's numbers
        assert usage["cost_usd"] == pytest.approx(62 * 1.5e-07 + 14 * 6e-07)
        assert server.requests[0]["body"]["model"] == "gpt-4o-mini"
        # Streamed watched or not (a silent server is seen within the first-token clock).
        assert server.requests[0]["body"].get("stream") is True


async def test_unpriced_real_model_is_flagged(monkeypatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    s = scenario('task = "hi"\n[[agents]]\nname = "a"\nmodel = "openai/my-local-model"\n')
    with FakeOpenAI() as server:
        result, _ = await run_collect(s, RunOptions(api_base=server.base_url, stream=False))
    assert result.status == "completed"
    assert result.summary()["usage"]["unpriced_calls"] == 1


async def test_connection_refused_is_a_model_error() -> None:
    s = scenario('task = "hi"\n[[agents]]\nname = "a"\nmodel = "openai/m"\n')
    os.environ.setdefault("OPENAI_API_KEY", "sk-test")
    result, _ = await run_collect(s, RunOptions(api_base="http://127.0.0.1:9/v1", stream=False))
    assert result.status == "error" and result.stop_reason.startswith("error:")


async def test_streamed_model_errors_keep_their_kind() -> None:
    req = llm.LlmRequest(
        model="lab/scripted", messages=[{"role": "user", "content": "x"}], lab={"fail": "down"}
    )
    with pytest.raises(ModelError) as err:
        await llm.complete(req, on_delta=lambda _t: None)
    assert err.value.kind == "server"
    assert "MidStream" not in str(err.value)


def test_price_as_only_reprices_lab_models() -> None:
    assert counted_as("lab/scripted", "gpt-4o") == "gpt-4o"
    assert counted_as("lab/scripted", None) == "gpt-4o-mini"
    assert counted_as("ollama/llama3.2", "gpt-4o") == "ollama/llama3.2"


async def test_openai_compatible_server_without_a_key(monkeypatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    s = scenario('task = "hi"\n[[agents]]\nname = "a"\nmodel = "openai/local-model"\n')
    with FakeOpenAI() as server:
        result, _ = await run_collect(s, RunOptions(api_base=server.base_url, stream=False))
    assert result.status == "completed", result.error


async def test_unknown_price_as_is_refused_up_front() -> None:
    from agentlab.errors import UsageError

    s = scenario(
        'task = "t"\nprice_as = "no-such-model-xyz"\n[[agents]]\nname = "a"\nmodel = "lab/auto"\n'
    )
    with pytest.raises(UsageError, match="price_as: no price known for 'no-such-model-xyz'"):
        await run_collect(s)


async def test_a_provider_ignoring_max_tokens_stops_the_run() -> None:
    from agentlab.core.llm import LlmResponse

    async def greedy(req, on_delta):
        return LlmResponse(content="x", input_tokens=50, output_tokens=600, cost_usd=0.0)

    s = scenario('task = "t"\n[[agents]]\nname = "a"\nmodel = "openai/x"\n')
    result, events = await run_collect(
        s, RunOptions(stream=False, caps={"total_tokens": 400}), complete=greedy
    )
    assert (result.status, result.stop_reason) == ("stopped", "limit:total_tokens")
    assert any(e.kind == "notice" and "ignored max_tokens" in e.message for e in events)


@pytest.mark.parametrize(
    "model", ["gpt-4o-mini", "gpt-4o", "claude-sonnet-4-5", "anthropic/claude-sonnet-4-5"]
)
def test_prices_read_by_path_match_litellms_own(model: str) -> None:
    """Lab runs read litellm's bundled price map without importing litellm; the numbers must be
    the ones litellm itself charges."""
    price = llm.map_price(model)
    assert price is not None
    inp, out = price
    want_in, want_out = llm.cost_per_token(model, 1_000_000, 1_000_000)
    assert (inp * 1_000_000, out * 1_000_000) == pytest.approx((want_in, want_out))


def test_a_lab_run_does_not_import_litellm(tmp_path) -> None:
    """Offline runs skip litellm's seconds-long import: the lab models answer in the seam."""
    code = (
        "import sys, asyncio\n"
        "from agentlab.core import llm\n"
        "req = llm.LlmRequest(model='lab/auto', messages=[{'role': 'user', 'content': 'hi'}],"
        " price_as='gpt-4o-mini')\n"
        "resp = asyncio.run(llm.complete(req))\n"
        "assert resp.cost_usd and resp.input_tokens, resp\n"
        "print('litellm' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, check=True
    )
    assert out.stdout.strip() == "False"
