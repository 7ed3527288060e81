"""The single-agent loop over the lab models: steps, tool calls, errors, events."""

from __future__ import annotations

from helpers import kinds, run_collect, scenario

from agentlab.core.context import RunOptions
from agentlab.core.events import LlmCallEnded, LlmDelta, ToolCallEnded

CALC = """
task = "What is 17 * 23 + 5?"
[[agents]]
name = "calc"
model = "lab/scripted"
tools = ["calculator"]
  [[agents.script]]
  tool = "calculator"
  args = { expression = "17 * 23 + 5" }
  [[agents.script]]
  text = "The answer is {result}."
"""


async def test_loop_runs_tool_then_answers_with_its_result() -> None:
    result, events = await run_collect(scenario(CALC))
    assert result.status == "completed"
    assert result.final_output == "The answer is 396."
    summary = result.summary()
    assert summary["steps"] == 2 and summary["tool_calls"] == 1
    assert summary["usage"]["input_tokens"] > 0 and summary["usage"]["cost_usd"] > 0
    assert kinds(events)[0] == "session_started" and kinds(events)[-1] == "session_ended"
    assert [e.result for e in events if isinstance(e, ToolCallEnded)] == ["396"]


async def test_span_ids_nest_session_agent_calls() -> None:
    _, events = await run_collect(scenario(CALC))
    session = events[0]
    agent = next(e for e in events if e.kind == "agent_started")
    assert agent.parent_id == session.span_id
    for e in events:
        if e.kind in ("llm_call_started", "tool_call_started"):
            assert e.parent_id == agent.span_id


async def test_token_totals_equal_sum_of_calls() -> None:
    result, events = await run_collect(scenario(CALC))
    calls = [e for e in events if isinstance(e, LlmCallEnded)]
    usage = result.summary()["usage"]
    assert usage["input_tokens"] == sum(c.input_tokens for c in calls)
    assert usage["output_tokens"] == sum(c.output_tokens for c in calls)
    assert abs(usage["cost_usd"] - sum(c.cost_usd for c in calls)) < 1e-12


async def test_streaming_emits_deltas_that_add_up_to_the_answer() -> None:
    _, events = await run_collect(scenario(CALC), RunOptions(stream=True))
    text = "".join(e.text for e in events if isinstance(e, LlmDelta))
    assert text == "The answer is 396."


async def test_bad_tool_call_becomes_a_message_not_a_crash() -> None:
    s = scenario(
        """
task = "divide"
[[agents]]
name = "a"
model = "lab/scripted"
tools = ["calculator"]
  [[agents.script]]
  tool = "calculator"
  args = { expression = "1 / 0" }
  [[agents.script]]
  text = "Got: {result}"
"""
    )
    result, events = await run_collect(s)
    assert result.status == "completed"
    assert "division by zero" in result.final_output
    assert any(isinstance(e, ToolCallEnded) and e.is_error for e in events)


async def test_step_limit_stops_with_limit_steps() -> None:
    s = scenario(
        """
task = "loop"
[limits]
steps = 3
[loops]
enabled = false
[[agents]]
name = "a"
model = "lab/scripted"
tools = ["calculator"]
  [[agents.script]]
  tool = "calculator"
  args = { expression = "1 + 1" }
  repeat = 10
"""
    )
    result, _ = await run_collect(s)
    assert (result.status, result.stop_reason) == ("stopped", "limit:steps")
    assert result.summary()["steps"] == 3


async def test_model_error_ends_with_error_kind() -> None:
    s = scenario(
        """
task = "x"
[[agents]]
name = "a"
model = "lab/scripted"
fail = "provider down"
"""
    )
    result, events = await run_collect(s)
    assert result.status == "error"
    assert result.stop_reason.startswith("error:")
    assert "provider down" in result.error
    assert events[-1].kind == "session_ended"


async def test_lab_auto_calls_each_tool_once_then_summarises(tmp_path) -> None:
    (tmp_path / "ws").mkdir()
    (tmp_path / "ws" / "a.txt").write_text("hello")
    s = scenario(
        """
task = "look around"
workspace = "ws"
[[agents]]
name = "a"
model = "lab/auto"
tools = ["calculator", "list_files"]
""",
        str(tmp_path / "s.toml"),
    )
    result, events = await run_collect(s)
    tools = [e.tool for e in events if isinstance(e, ToolCallEnded)]
    assert sorted(tools) == ["calculator", "list_files"]
    assert result.status == "completed"
    assert "a.txt" in result.final_output and "42" in result.final_output


async def test_unknown_tool_call_is_refused_to_the_model() -> None:
    # The reasoning-layer allowlist: a model asking for a tool it was not given gets an error.
    from agentlab.core.agent import run_agent
    from agentlab.core.budget import Budget
    from agentlab.core.context import RunContext
    from agentlab.core.events import EventBus
    from agentlab.core.llm import LlmResponse

    s = scenario('task = "t"\n[[agents]]\nname = "a"\nmodel = "lab/auto"\n')
    calls = {"n": 0}

    async def fake(req, on_delta):  # an injected completion function (the one seam)
        calls["n"] += 1
        if calls["n"] == 1:
            tc = {"id": "c1", "type": "function", "function": {"name": "rm_rf", "arguments": "{}"}}
            return LlmResponse(tool_calls=[tc], input_tokens=5, output_tokens=5, cost_usd=0.0)
        return LlmResponse(content=req.messages[-1]["content"], input_tokens=5, output_tokens=5)

    bus = EventBus()
    ctx = RunContext(session_id="s", scenario=s, bus=bus, complete=fake)
    out = await run_agent(ctx, s.agents[0], "t", parent=ctx.session_span, budget=Budget())
    assert "not available" in out.output


async def test_an_unexpected_failure_still_closes_every_span() -> None:
    async def broken(req, on_delta):
        raise RuntimeError("bug in a custom completion function")

    result, events = await run_collect(scenario(CALC), complete=broken)
    assert (result.status, result.stop_reason) == ("error", "error:internal")
    opened = {e.span_id for e in events if e.kind.endswith("_started")}
    closed = {e.span_id for e in events if e.kind.endswith("_ended")}
    assert opened == closed
