"""Hard caps: never overshot, exact stop reasons, per-agent slices, pause, loops, repricing."""

from __future__ import annotations

import math

import pytest
from helpers import run_collect, scenario

from agentlab.core.budget import MIN_USEFUL_OUTPUT, Budget, ReservationPending
from agentlab.core.context import RunOptions
from agentlab.core.events import (
    CheckEnded,
    CheckStarted,
    LimitExceeded,
    LimitWarning,
    LlmCallEnded,
    LoopDetected,
)
from agentlab.errors import LimitExceededError, UsageError

LONG = """
task = "Research the topic thoroughly."
price_as = "gpt-4o-mini"
[loops]
enabled = false
[[agents]]
name = "worker"
model = "lab/scripted"
tools = ["calculator"]
  [[agents.script]]
  text = "Let me think about this step by step. {input}"
  tool = "calculator"
  args = { expression = "2 ** 10" }
  repeat = 30
"""

CAPS = {
    "total_tokens": [150, 400, 1000, 2500],
    "input_tokens": [120, 700, 2000],
    "output_tokens": [20, 60, 200],
    "cost_usd": [0.00003, 0.0001, 0.0004],
    "steps": [1, 2, 5],
    "tool_calls": [0, 1, 4],
}


@pytest.mark.parametrize(("kind", "cap"), [(k, c) for k, caps in CAPS.items() for c in caps])
async def test_cap_is_never_overshot_and_not_stopped_early(kind: str, cap: float) -> None:
    result, events = await run_collect(scenario(LONG), RunOptions(stream=False, caps={kind: cap}))
    summary = result.summary()
    used = {
        **summary["usage"],
        "steps": summary["steps"],
        "tool_calls": summary["tool_calls"],
    }
    assert used[kind] <= cap, f"{kind} overshot: {used[kind]} > {cap}"
    assert result.status == "stopped"
    assert result.stop_reason == f"limit:{kind}"
    hit = next(e for e in events if isinstance(e, LimitExceeded))
    assert hit.limit == kind and hit.cap == cap and hit.agent == "worker"
    # It stopped because the next call really did not fit, not absurdly early.
    assert hit.value + hit.requested > cap
    assert summary["limits"][kind]["cap"] == cap
    assert summary["limits"][kind]["used"] <= cap


async def test_wall_time_cap_stops_the_run() -> None:
    result, _ = await run_collect(
        scenario(LONG), RunOptions(stream=False, lab_latency_ms=40, caps={"wall_time_s": 0.2})
    )
    assert (result.status, result.stop_reason) == ("stopped", "limit:wall_time_s")
    assert result.summary()["limits"]["wall_time_s"]["used"] <= 0.2


async def test_streamed_output_stops_at_the_reservation() -> None:
    s = scenario(
        """
task = "write"
[[agents]]
name = "a"
model = "lab/scripted"
  [[agents.script]]
  text = "word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word"
"""
    )
    result, _ = await run_collect(s, RunOptions(stream=True, caps={"output_tokens": 20}))
    assert result.summary()["usage"]["output_tokens"] <= 20
    assert result.final_output.startswith("word word")


async def test_warning_event_at_fraction_of_cap() -> None:
    _, events = await run_collect(scenario(LONG), RunOptions(stream=False, caps={"steps": 5}))
    warns = [e for e in events if isinstance(e, LimitWarning) and e.limit == "steps"]
    assert len(warns) == 1 and warns[0].value == 4 and warns[0].fraction == pytest.approx(0.8)


async def test_pause_asks_to_raise_the_cap_and_continues() -> None:
    s = scenario(LONG.replace("[loops]", '[limits]\nsteps = 2\non_exceed = "pause"\n[loops]'))
    asked = []

    async def raise_cap(exc: LimitExceededError) -> float | None:
        asked.append((exc.kind, exc.limit))
        return exc.limit + 2 if len(asked) == 1 else None

    result, events = await run_collect(s, raise_cap=raise_cap)
    assert asked == [("steps", 2.0), ("steps", 4.0)]
    notices = [e.message for e in events if e.kind == "notice"]
    assert notices == ["steps cap raised from 2 to 4; going on"]
    assert result.summary()["steps"] == 4
    assert result.stop_reason == "limit:steps"


async def test_pause_without_a_person_stops() -> None:
    s = scenario(LONG.replace("[loops]", '[limits]\nsteps = 2\non_exceed = "pause"\n[loops]'))
    result, _ = await run_collect(s)  # default: nobody to ask
    assert result.stop_reason == "limit:steps" and result.summary()["steps"] == 2


async def test_cost_cap_with_unpriced_model_is_refused_up_front() -> None:
    s = scenario(
        'task = "t"\n[limits]\ncost_usd = 1\n[[agents]]\nname = "a"\nmodel = "ollama/llama3.2"\n'
    )
    with pytest.raises(UsageError, match="no known price"):
        await run_collect(s)


async def test_scenario_price_makes_a_local_model_cappable() -> None:
    s = scenario(
        """
task = "t"
[limits]
cost_usd = 1
[prices."lab/scripted"]
input = 0
output = 0
[[agents]]
name = "a"
model = "lab/scripted"
  [[agents.script]]
  text = "done"
"""
    )
    result, _ = await run_collect(s)
    assert result.status == "completed" and result.summary()["usage"]["cost_usd"] == 0


async def test_unpriced_usage_is_reported_not_zeroed() -> None:
    from agentlab.core.llm import LlmResponse

    s = scenario('task = "t"\n[[agents]]\nname = "a"\nmodel = "ollama/llama3.2"\n')

    async def fake(req, on_delta):
        return LlmResponse(content="hi", input_tokens=10, output_tokens=2, cost_usd=None)

    result, _ = await run_collect(s, complete=fake)
    assert result.summary()["usage"]["unpriced_calls"] == 1


def test_concurrent_reservations_cannot_jointly_overshoot() -> None:
    root = Budget(caps={"total_tokens": 1000})
    a, b = root.child("a"), root.child("b")
    ra = a.reserve_call("a", 300, 400, None)
    assert ra.max_tokens == 400
    # b fits once a settles, not now: it waits instead of shrinking or failing.
    with pytest.raises(ReservationPending):
        b.reserve_call("b", 200, 400, None)
    a.commit_call(ra, 300, 50, None)
    rb = b.reserve_call("b", 200, 400, None)
    assert rb.max_tokens == 400
    b.commit_call(rb, 200, 100, None)
    assert root.used["total_tokens"] == 650 <= 1000
    # A call that cannot fit even when nothing is in flight is a limit, with what was spent.
    with pytest.raises(LimitExceededError) as hit:
        b.reserve_call("b", 340, 400, None)
    assert (hit.value.kind, hit.value.value, hit.value.requested) == ("total_tokens", 650, 356)


async def test_a_waiting_reservation_goes_ahead_when_the_call_in_flight_settles() -> None:
    import asyncio

    root = Budget(caps={"total_tokens": 1000})
    ra = root.reserve_call("a", 300, 400, None)

    async def later() -> None:
        await asyncio.sleep(0.01)
        root.commit_call(ra, 300, 20, None)

    task = asyncio.create_task(later())
    await asyncio.wait_for(root.settled(), 1)
    await task
    assert root.reserve_call("b", 200, 400, None).max_tokens == 400


def test_worker_slice_binds_before_the_session() -> None:
    root = Budget(caps={"total_tokens": 10_000})
    lead = root.child("lead")
    worker = lead.child("w1", {"total_tokens": 100})
    worker.commit_call(worker.reserve_call("w1", 50, 30, None), 50, 30, None)
    with pytest.raises(LimitExceededError) as hit:
        worker.reserve_call("w1", 50, 30, None)
    assert hit.value.scope == "agent:w1"
    assert root.used["total_tokens"] == 80 and lead.used["total_tokens"] == 80


def test_equal_split_shares_what_is_left() -> None:
    root = Budget(caps={"total_tokens": 900, "cost_usd": 0.3})
    share = root.share(3)
    assert share == {"total_tokens": 300, "cost_usd": pytest.approx(0.1)}
    assert math.isinf(Budget().remaining("steps"))


def test_min_useful_output_is_small() -> None:
    assert MIN_USEFUL_OUTPUT <= 32


LOOPING = """
task = "find it"
[loops]
repeat = 3
[[agents]]
name = "poller"
model = "lab/scripted"
tools = ["calculator"]
  [[agents.script]]
  tool = "calculator"
  args = { expression = "1 + 1" }
  repeat = 20
"""


async def test_loop_escalates_warn_nudge_stop() -> None:
    result, events = await run_collect(scenario(LOOPING))
    loops = [e for e in events if isinstance(e, LoopDetected)]
    assert [e.action for e in loops] == ["warn", "nudge", "stop"]
    assert loops[0].pattern == "repeat"
    assert (result.status, result.stop_reason) == ("stopped", "loop")
    # The nudge reached the model as a message.
    llm_starts = [e for e in events if e.kind == "llm_call_started"]
    assert any("repeating yourself" in str(m.get("content")) for m in llm_starts[-1].messages)


async def test_each_loop_detection_is_a_check_span_with_its_verdict() -> None:
    result, events = await run_collect(scenario(LOOPING))
    agent = next(e for e in events if e.kind == "agent_started")
    starts = [e for e in events if isinstance(e, CheckStarted)]
    ends = {e.span_id: e for e in events if isinstance(e, CheckEnded)}
    assert [(s.check, s.stage, s.parent_id) for s in starts] == [
        ("loop", "reasoning", agent.span_id)
    ] * 3
    assert [ends[s.span_id].verdict for s in starts] == ["flag", "modify", "stop"]
    # What the detector saw is inside each span, where the old renderers find it.
    for s in starts:
        (seen,) = [e for e in events if isinstance(e, LoopDetected) and e.span_id == s.span_id]
        assert seen.detail in ends[s.span_id].reason
    assert result.error.startswith("agent poller stopped: going round in circles (")
    # Steps without a loop passed the check plainly (named on the next model call).
    assert any("loop" in e.checks for e in events if isinstance(e, LlmCallEnded))


async def test_exempt_tools_are_not_loops() -> None:
    s = scenario(LOOPING.replace("repeat = 3\n", 'repeat = 3\nexempt = ["calculator"]\n'))
    result, events = await run_collect(s, RunOptions(stream=False, caps={"steps": 8}))
    assert not [e for e in events if isinstance(e, LoopDetected)]
    assert result.stop_reason == "limit:steps"


async def test_ab_cycle_is_detected() -> None:
    s = scenario(
        """
task = "t"
[[agents]]
name = "a"
model = "lab/scripted"
tools = ["calculator"]
"""
        + "".join(
            f'  [[agents.script]]\n  tool = "calculator"\n  args = {{ expression = "{x}" }}\n'
            for x in ["1+1", "2+2"] * 6
        )
    )
    result, events = await run_collect(s)
    loops = [e for e in events if isinstance(e, LoopDetected)]
    assert loops and loops[0].pattern == "cycle"
    assert result.stop_reason == "loop"


def test_similar_replies_are_detected() -> None:
    from agentlab.core.loops import LoopDetector

    d = LoopDetector()
    text = "I am still looking into the billing question and will check again shortly."
    assert d.observe(text, []) is None
    assert d.observe(text + " ", []) is None
    det = d.observe(text.replace("shortly", "soon"), [])
    assert det is not None and det.pattern == "similar"


async def test_models_file_prices_a_local_model(agentlab_home) -> None:
    from agentlab.services import run_recorded

    agentlab_home.mkdir(parents=True, exist_ok=True)
    (agentlab_home / "models.toml").write_text(
        '[prices."lab/scripted"]\ninput = 1.0\noutput = 2.0\n'
    )
    s = scenario(
        'task = "t"\n[limits]\ncost_usd = 1\n[[agents]]\nname = "a"\nmodel = "lab/scripted"\n'
        '  [[agents.script]]\n  text = "done"\n'
    )
    result = await run_recorded(s, options=RunOptions(stream=False))
    u = result.summary()["usage"]
    assert u["cost_usd"] == pytest.approx(u["input_tokens"] * 1e-6 + u["output_tokens"] * 2e-6)


def test_bad_models_file_is_one_clear_error(agentlab_home) -> None:
    from agentlab.core.prices import load_user_prices

    agentlab_home.mkdir(parents=True, exist_ok=True)
    (agentlab_home / "models.toml").write_text('[prices."x"]\ninput = "cheap"\noutput = 0\n')
    with pytest.raises(UsageError, match=r'prices."x".input'):
        load_user_prices()


async def test_default_step_cap_is_per_agent_not_per_subtree() -> None:
    worker_turns = "".join(
        f'  [[agents.script]]\n  tool = "calculator"\n  args = {{ expression = "{i} + 1" }}\n'
        for i in range(9)
    )
    text = (
        'task = "t"\npattern = "orchestrator-worker"\n'
        '[[agents]]\nname = "lead"\nmodel = "lab/scripted"\nworkers = ["w1", "w2", "w3"]\n'
        "  [[agents.script]]\n  calls = ["
        + ", ".join(
            f'{{ tool = "delegate", args = {{ worker = "w{i}", task = "x" }} }}' for i in (1, 2, 3)
        )
        + ']\n  [[agents.script]]\n  text = "done"\n'
        + "".join(
            f'[[agents]]\nname = "w{i}"\nmodel = "lab/scripted"\ntools = ["calculator"]\n'
            + worker_turns
            for i in (1, 2, 3)
        )
    )
    result, _ = await run_collect(scenario(text))
    assert result.status == "completed", result.stop_reason
    assert result.summary()["steps"] == 2 + 3 * 10  # more than the default 25, spread over agents


MULTI = ["multi_angle_review", "research_team", "flaky_worker", "qa_supervisor", "enterprise_desk"]


@pytest.mark.parametrize("name", MULTI)
@pytest.mark.parametrize(
    ("kind", "fraction"), [("total_tokens", 0.6), ("steps", 0.5), ("output_tokens", 0.5)]
)
async def test_concurrent_workers_spend_up_to_the_cap(
    name: str, kind: str, fraction: float
) -> None:
    from conftest import SCENARIOS

    from agentlab.scenario import load_scenario

    s = load_scenario(SCENARIOS / f"{name}.toml")
    s = s.model_copy(update={"limits": s.limits.model_copy(update={"steps": None})})
    free, _ = await run_collect(s)
    full = {**free.summary()["usage"], "steps": free.summary()["steps"]}[kind]
    cap = max(1, int(full * fraction))
    result, events = await run_collect(s, RunOptions(stream=False, caps={kind: cap}))
    used = {**result.summary()["usage"], "steps": result.summary()["steps"]}[kind]
    assert used <= cap
    assert result.stop_reason == f"limit:{kind}"
    hit = next(e for e in events if isinstance(e, LimitExceeded) and e.scope == "session")
    # Stopped because a call really did not fit in what was *spent*, not in what concurrent
    # calls had merely reserved.
    assert hit.value == used
    assert hit.value + hit.requested > cap


async def test_tool_call_cap_counts_calls_when_they_start() -> None:
    from conftest import SCENARIOS

    from agentlab.scenario import load_scenario

    s = load_scenario(SCENARIOS / "research_team.toml")
    result, events = await run_collect(s, RunOptions(stream=False, caps={"tool_calls": 2}))
    summary = result.summary()
    assert result.stop_reason == "limit:tool_calls"
    assert summary["tool_calls"] <= 2
    assert summary["limits"]["tool_calls"]["used"] == summary["tool_calls"]
    hit = next(e for e in events if isinstance(e, LimitExceeded))
    assert hit.value == 2
    # Nothing keeps running once the session has ended (no orphaned worker calls).
    assert events[-1].kind == "session_ended"


def test_repeat_detail_counts_the_whole_run() -> None:
    from agentlab.core.loops import LoopDetector

    d = LoopDetector(repeat=3, nudge_after=5, stop_after=9)
    call = {"function": {"name": "search", "arguments": '{"q": "x"}'}}
    details = [d.observe("", [call]) for _ in range(5)]
    assert details[2] is not None and "3 times in a row" in details[2].detail
    assert details[4] is not None and "5 times in a row" in details[4].detail


def test_cancelled_call_reads_as_cancelled_not_a_model_error() -> None:
    from agentlab.console.lines import transcript
    from agentlab.core.events import LlmCallEnded

    e = LlmCallEnded(
        session_id="s",
        span_id="x",
        agent="w",
        model="m",
        status="error",
        error="cancelled",
        finish_reason="cancelled",
    )
    text = " ".join(t.plain for t in transcript(e))
    assert "cancelled" in text and "model error" not in text


async def test_an_agents_wall_time_cap_stops_a_long_call() -> None:
    s = scenario(
        """
task = "t"
[[agents]]
name = "slow"
model = "lab/scripted"
limits = { wall_time_s = 0.3 }
  [[agents.script]]
  text = "this answer takes a while"
"""
    )
    result, events = await run_collect(s, RunOptions(stream=False, lab_latency_ms=1500))
    assert (result.status, result.stop_reason) == ("stopped", "limit:wall_time_s")
    assert result.duration_s < 1.2
    hit = next(e for e in events if isinstance(e, LimitExceeded))
    assert hit.scope == "agent:slow" and hit.cap == 0.3
