"""Synthetic event streams shared by the store and export tests (built from the dataclasses)."""

from __future__ import annotations

from agentlab.core.events import (
    AgentEnded,
    AgentStarted,
    ApprovalDecided,
    ApprovalRequested,
    BudgetUpdate,
    CheckEnded,
    CheckStarted,
    Event,
    LimitWarning,
    LlmCallEnded,
    LlmCallStarted,
    LlmDelta,
    LoopDetected,
    SessionEnded,
    SessionStarted,
    ToolCallEnded,
    ToolCallStarted,
    new_id,
)

T0 = 1_700_000_000.0
MONO0 = 5_000.0


class Clock:
    """Deterministic ts/mono pairs, 0.5 s apart."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self) -> dict[str, float]:
        self.n += 1
        return {"ts": T0 + self.n * 0.5, "mono": MONO0 + self.n * 0.5}


def single_agent_stream(sid: str = "20250101-120000-abc123", end: bool = True) -> list[Event]:
    """session -> agent -> llm call -> tool call -> llm call -> agent end -> session end."""
    t = Clock()
    s, a, l1, tc, l2 = (new_id() for _ in range(5))
    events: list[Event] = [
        SessionStarted(
            session_id=sid,
            span_id=s,
            scenario="calc-demo",
            scenario_path="scenarios/calc.toml",
            task="What is 2+2?",
            config={"model": "lab/echo", "temperature": 0.0},
            **t(),
        ),
        AgentStarted(session_id=sid, span_id=a, parent_id=s, agent="solo", model="lab/echo", **t()),
        LlmCallStarted(
            session_id=sid,
            span_id=l1,
            parent_id=a,
            agent="solo",
            model="lab/echo",
            messages=[{"role": "user", "content": "What is 2+2?"}],
            tools=["calc"],
            max_tokens=256,
            step=1,
            **t(),
        ),
        LlmDelta(session_id=sid, span_id=l1, agent="solo", text="Let me", **t()),
        LlmCallEnded(
            session_id=sid,
            span_id=l1,
            agent="solo",
            model="lab/echo",
            tool_calls=[{"id": "c1", "name": "calc", "arguments": {"expr": "2+2"}}],
            finish_reason="tool_calls",
            input_tokens=100,
            output_tokens=20,
            cost_usd=0.25,
            **t(),
        ),
        ToolCallStarted(
            session_id=sid,
            span_id=tc,
            parent_id=a,
            agent="solo",
            tool="calc",
            call_id="c1",
            arguments={"expr": "2+2"},
            **t(),
        ),
        ToolCallEnded(
            session_id=sid, span_id=tc, agent="solo", tool="calc", call_id="c1", result="4", **t()
        ),
        LlmCallStarted(
            session_id=sid,
            span_id=l2,
            parent_id=a,
            agent="solo",
            model="lab/echo",
            step=2,
            **t(),
        ),
        LlmCallEnded(
            session_id=sid,
            span_id=l2,
            agent="solo",
            model="lab/echo",
            content="It is 4.",
            finish_reason="stop",
            input_tokens=150,
            output_tokens=30,
            cost_usd=0.125,
            **t(),
        ),
        BudgetUpdate(
            session_id=sid,
            span_id=a,
            agent="solo",
            used={"total_tokens": 300.0},
            caps={"total_tokens": 1000.0},
            **t(),
        ),
        LimitWarning(
            session_id=sid,
            span_id=a,
            agent="solo",
            limit="cost_usd",
            value=0.375,
            cap=0.5,
            fraction=0.75,
            **t(),
        ),
        AgentEnded(
            session_id=sid,
            span_id=a,
            agent="solo",
            status="completed",
            stop_reason="final_answer",
            output="It is 4.",
            **t(),
        ),
        SessionEnded(
            session_id=sid,
            span_id=s,
            status="completed",
            stop_reason="final_answer",
            final_output="It is 4.",
            usage={"limits": {"total_tokens": 1000, "cost_usd": 0.5}},
            **t(),
        ),
    ]
    if not end:
        events = [e for e in events if e.kind not in ("agent_ended", "session_ended")]
    return events


def two_agent_stream(sid: str = "20250101-130000-def456", worker_priced: bool = False):
    """lead -> llm -> delegate tool -> worker (parent span = the delegate tool span) -> llm ->
    tool -> worker end -> delegate end -> lead llm -> lead end -> session end."""
    t = Clock()
    s, lead, l1, deleg, w, wl, wt, l2 = (new_id() for _ in range(8))
    worker_cost = 0.5 if worker_priced else None
    return [
        SessionStarted(
            session_id=sid, span_id=s, scenario="team", pattern="orchestrator_worker", **t()
        ),
        AgentStarted(
            session_id=sid,
            span_id=lead,
            parent_id=s,
            agent="lead",
            model="gpt-4o-mini",
            role="lead",
            **t(),
        ),
        LlmCallStarted(
            session_id=sid, span_id=l1, parent_id=lead, agent="lead", model="gpt-4o-mini", **t()
        ),
        LlmCallEnded(
            session_id=sid,
            span_id=l1,
            agent="lead",
            model="gpt-4o-mini",
            finish_reason="tool_calls",
            input_tokens=200,
            output_tokens=40,
            cost_usd=0.25,
            **t(),
        ),
        ToolCallStarted(
            session_id=sid,
            span_id=deleg,
            parent_id=lead,
            agent="lead",
            tool="delegate",
            call_id="d1",
            arguments={"agent": "worker", "task": "research"},
            **t(),
        ),
        AgentStarted(
            session_id=sid,
            span_id=w,
            parent_id=deleg,
            agent="worker",
            model="ollama/llama3.2",
            role="worker",
            input="research",
            **t(),
        ),
        LlmCallStarted(
            session_id=sid,
            span_id=wl,
            parent_id=w,
            agent="worker",
            model="ollama/llama3.2",
            **t(),
        ),
        LlmCallEnded(
            session_id=sid,
            span_id=wl,
            agent="worker",
            model="ollama/llama3.2",
            finish_reason="tool_calls",
            input_tokens=300,
            output_tokens=60,
            cost_usd=worker_cost,
            **t(),
        ),
        ToolCallStarted(
            session_id=sid,
            span_id=wt,
            parent_id=w,
            agent="worker",
            tool="search",
            call_id="w1",
            **t(),
        ),
        ToolCallEnded(
            session_id=sid,
            span_id=wt,
            agent="worker",
            tool="search",
            call_id="w1",
            result="nothing found",
            is_error=True,
            **t(),
        ),
        AgentEnded(
            session_id=sid,
            span_id=w,
            agent="worker",
            status="completed",
            stop_reason="final_answer",
            output="notes",
            **t(),
        ),
        ToolCallEnded(
            session_id=sid,
            span_id=deleg,
            agent="lead",
            tool="delegate",
            call_id="d1",
            result="notes",
            **t(),
        ),
        LlmCallStarted(
            session_id=sid, span_id=l2, parent_id=lead, agent="lead", model="gpt-4o-mini", **t()
        ),
        LlmCallEnded(
            session_id=sid,
            span_id=l2,
            agent="lead",
            model="gpt-4o-mini",
            content="done",
            finish_reason="stop",
            input_tokens=400,
            output_tokens=80,
            cost_usd=0.125,
            **t(),
        ),
        AgentEnded(
            session_id=sid,
            span_id=lead,
            agent="lead",
            status="completed",
            stop_reason="final_answer",
            output="done",
            **t(),
        ),
        SessionEnded(
            session_id=sid,
            span_id=s,
            status="stopped",
            stop_reason="limit:cost_usd",
            final_output="done",
            **t(),
        ),
    ]


def checked_stream(sid: str = "20250101-140000-c4ec45") -> list[Event]:
    """Checks at work: a model call two checks allowed (recorded compactly), a refund whose
    approval check a person answered with a block (the check's span below the tool's), and a
    loop check that flagged a repeat (its span below the agent's)."""
    t = Clock()
    s, a, l1, tc, ck, l2, lk = (new_id() for _ in range(7))
    refund = {"customer_id": "C-1042", "amount_usd": 480.0}
    return [
        SessionStarted(session_id=sid, span_id=s, scenario="gated", **t()),
        AgentStarted(session_id=sid, span_id=a, parent_id=s, agent="support", model="m", **t()),
        LlmCallStarted(
            session_id=sid, span_id=l1, parent_id=a, agent="support", model="m", step=1, **t()
        ),
        LlmCallEnded(
            session_id=sid,
            span_id=l1,
            agent="support",
            model="m",
            finish_reason="tool_calls",
            input_tokens=100,
            output_tokens=20,
            cost_usd=0.25,
            checks=["loop", "tool_allowlist"],
            **t(),
        ),
        ToolCallStarted(
            session_id=sid,
            span_id=tc,
            parent_id=a,
            agent="support",
            tool="issue_refund",
            call_id="c1",
            arguments=refund,
            **t(),
        ),
        CheckStarted(
            session_id=sid,
            span_id=ck,
            parent_id=tc,
            agent="support",
            check="approval",
            stage="tool",
            subject="issue_refund",
            **t(),
        ),
        ApprovalRequested(
            session_id=sid,
            span_id=ck,
            agent="support",
            tool="issue_refund",
            call_id="c1",
            arguments=refund,
            **t(),
        ),
        ApprovalDecided(
            session_id=sid,
            span_id=ck,
            agent="support",
            tool="issue_refund",
            call_id="c1",
            approved=False,
            by="person",
            note="not today",
            **t(),
        ),
        CheckEnded(
            session_id=sid,
            span_id=ck,
            agent="support",
            check="approval",
            stage="tool",
            verdict="block",
            by="person",
            reason="not today",
            **t(),
        ),
        ToolCallEnded(
            session_id=sid,
            span_id=tc,
            agent="support",
            tool="issue_refund",
            call_id="c1",
            result="error: this issue_refund call was not approved: not today",
            is_error=True,
            **t(),
        ),
        LlmCallStarted(
            session_id=sid, span_id=l2, parent_id=a, agent="support", model="m", step=2, **t()
        ),
        LlmCallEnded(
            session_id=sid,
            span_id=l2,
            agent="support",
            model="m",
            content="I could not refund it.",
            finish_reason="stop",
            input_tokens=150,
            output_tokens=30,
            cost_usd=0.125,
            **t(),
        ),
        CheckStarted(
            session_id=sid,
            span_id=lk,
            parent_id=a,
            agent="support",
            check="loop",
            stage="reasoning",
            **t(),
        ),
        LoopDetected(
            session_id=sid,
            span_id=lk,
            agent="support",
            pattern="repeat",
            action="warn",
            detail="add(1,2) called 3 times in a row",
            **t(),
        ),
        CheckEnded(
            session_id=sid,
            span_id=lk,
            agent="support",
            check="loop",
            stage="reasoning",
            verdict="flag",
            reason="repeated add(1,2) x3",
            detail={"pattern": "repeat", "count": 3},
            **t(),
        ),
        AgentEnded(
            session_id=sid,
            span_id=a,
            agent="support",
            status="completed",
            stop_reason="final_answer",
            output="I could not refund it.",
            **t(),
        ),
        SessionEnded(
            session_id=sid,
            span_id=s,
            status="completed",
            stop_reason="final_answer",
            final_output="I could not refund it.",
            **t(),
        ),
    ]


def record(db, events) -> None:
    from agentlab.store.recorder import Recorder

    recorder = Recorder(db)
    for event in events:
        recorder(event)
    recorder.close()


def llm_ends(events) -> list[LlmCallEnded]:
    return [e for e in events if isinstance(e, LlmCallEnded)]


def test_streams_are_well_formed():
    """Every span that a stream opens it also closes (except the partial variant)."""
    for events in (single_agent_stream(), two_agent_stream(), checked_stream()):
        starts = {e.span_id for e in events if e.kind.endswith("_started")}
        ends = {e.span_id for e in events if e.kind.endswith("_ended")}
        assert starts == ends
