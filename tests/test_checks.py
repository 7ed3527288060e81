"""The check seam: a check at each stage, with each verdict, changes what the agent does and is
recorded as a span with its verdict; plain allows cost no events."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import pytest
from helpers import run_collect, scenario

from agentlab.core import checks
from agentlab.core.checks import ALLOW, Check, Seen, Verdict
from agentlab.core.context import Decision
from agentlab.core.events import (
    AgentStarted,
    ApprovalDecided,
    ApprovalRequested,
    CheckEnded,
    CheckStarted,
    Event,
    LlmCallEnded,
    LlmCallStarted,
    Stage,
    ToolCallEnded,
    ToolCallStarted,
)
from agentlab.core.session import SessionResult

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


def custom(stage: Stage, verdict: Verdict, when: Callable[[Seen], bool] | None = None) -> type:
    """A check named "custom" that gives ``verdict`` the first time ``when`` holds at ``stage``
    (by default: the first time it runs there), and allows everything else."""

    class Custom(Check):
        name: ClassVar[str] = "custom"
        stages: ClassVar[frozenset[Stage]] = frozenset({stage})

        def __init__(self) -> None:
            self.fired = False

        async def check(self, seen: Seen) -> Verdict:
            if self.fired or not (when is None or when(seen)):
                return ALLOW
            self.fired = True
            return verdict

    return Custom


@pytest.fixture
def register(monkeypatch: pytest.MonkeyPatch) -> Callable[[type], None]:
    def add(cls: type) -> None:
        monkeypatch.setattr(checks, "CHECKS", [*checks.CHECKS, cls])

    return add


def final_reply(seen: Seen) -> bool:
    return not getattr(seen, "tool_calls", True)


@dataclass
class Run:
    result: SessionResult
    events: list[Event]

    def of(self, cls: type) -> list[Any]:
        return [e for e in self.events if isinstance(e, cls)]

    def check_span(self) -> tuple[CheckStarted, CheckEnded]:
        (start,) = [e for e in self.of(CheckStarted) if e.check == "custom"]
        (end,) = [e for e in self.of(CheckEnded) if e.span_id == start.span_id]
        return start, end

    def parent_kind(self, start: CheckStarted) -> str:
        spans = {e.span_id: e for e in self.events if e.opens is not None}
        return spans[start.parent_id].opens or ""


async def run_with(register, cls: type, **kw: Any) -> Run:
    register(cls)
    result, events = await run_collect(scenario(CALC), **kw)
    return Run(result, events)


async def approve(_req: Any) -> Decision:
    return Decision(True, "fine by me")


# (stage, verdict, when, what the person says, the span the check's span hangs off, the verdict
# recorded, who gave it, and what a person running it would notice)
CASES: list[tuple[Any, ...]] = [
    # --- input: before a model call --------------------------------------------------------
    (
        "input",
        Verdict("flag", "looks odd", {"score": 0.7}),
        None,
        None,
        "agent",
        "flag",
        "check",
        lambda r: r.result.final_output == "The answer is 396.",
    ),
    (
        "input",
        Verdict("modify", "masked", content=[{"role": "user", "content": "MASKED"}]),
        None,
        None,
        "agent",
        "modify",
        "check",
        # the call sends the replacement; the agent's own conversation is left as it was
        lambda r: (
            r.of(LlmCallStarted)[0].messages == [{"role": "user", "content": "MASKED"}]
            and r.of(LlmCallStarted)[1].messages[0]["role"] == "system"
        ),
    ),
    (
        "input",
        Verdict("ask", "a person must look"),
        None,
        approve,
        "agent",
        "allow",
        "person",
        lambda r: r.result.status == "completed",
    ),
    (
        "input",
        Verdict("ask", "a person must look"),
        None,
        None,  # nobody to ask: the scenario's policy (deny) blocks, and a model call cannot be
        "agent",  # skipped, so the agent stops
        "block",
        "policy",
        lambda r: (
            (r.result.status, r.result.stop_reason) == ("stopped", "check:custom")
            and not r.of(LlmCallStarted)
        ),
    ),
    (
        "input",
        Verdict("block", "prompt injection"),
        None,
        None,
        "agent",
        "block",
        "check",
        lambda r: (
            r.result.stop_reason == "check:custom"
            and "prompt injection" in r.result.error
            and not r.of(LlmCallStarted)
        ),
    ),
    (
        "input",
        Verdict("stop", "over the line", stop_reason="guardrail"),
        None,
        None,
        "agent",
        "stop",
        "check",
        lambda r: (
            (r.result.status, r.result.stop_reason) == ("stopped", "guardrail")
            and r.result.error == "agent calc stopped: over the line"
        ),
    ),
    # --- output: after a model call --------------------------------------------------------
    (
        "output",
        Verdict("flag", "unsure"),
        None,
        None,
        "llm",
        "flag",
        "check",
        lambda r: r.result.status == "completed",
    ),
    (
        "output",
        Verdict("modify", "pii", content="The answer is [REDACTED]."),
        final_reply,
        None,
        "llm",
        "modify",
        "check",
        lambda r: (
            r.result.final_output == "The answer is [REDACTED]."
            and r.of(LlmCallEnded)[-1].content == "The answer is [REDACTED]."
        ),
    ),
    (
        "output",
        Verdict("block", "leaks a secret"),
        final_reply,
        None,
        "llm",
        "block",
        "check",
        # the call happened (and is paid for); its reply is not the answer
        lambda r: (
            r.result.stop_reason == "check:custom"
            and r.result.final_output == ""
            and len(r.of(LlmCallEnded)) == 2
        ),
    ),
    (
        "output",
        Verdict("stop", "enough"),
        None,
        None,
        "llm",
        "stop",
        "check",
        lambda r: r.result.stop_reason == "check:custom" and not r.of(ToolCallStarted),
    ),
    # --- tool: before a tool call ----------------------------------------------------------
    (
        "tool",
        Verdict("flag", "big number"),
        None,
        None,
        "tool",
        "flag",
        "check",
        lambda r: r.result.final_output == "The answer is 396.",
    ),
    (
        "tool",
        Verdict("modify", "rewritten", content={"expression": "2 + 2"}),
        None,
        None,
        "tool",
        "modify",
        "check",
        lambda r: r.result.final_output == "The answer is 4.",
    ),
    (
        "tool",
        Verdict("ask", "costly"),
        None,
        approve,
        "tool",
        "allow",
        "person",
        lambda r: r.result.final_output == "The answer is 396.",
    ),
    (
        "tool",
        Verdict("ask", "costly"),
        None,
        None,
        "tool",
        "block",
        "policy",
        lambda r: "call was not approved: no one to ask" in r.result.final_output,
    ),
    (
        "tool",
        Verdict("block", "not this one"),
        None,
        None,
        "tool",
        "block",
        "check",
        # the model reads why and goes on; the tool did not run
        lambda r: (
            r.result.status == "completed"
            and "blocked by the custom check: not this one" in r.result.final_output
            and r.of(ToolCallEnded)[0].is_error
        ),
    ),
    (
        "tool",
        Verdict("stop", "dangerous"),
        None,
        None,
        "tool",
        "stop",
        "check",
        lambda r: r.result.stop_reason == "check:custom" and r.of(ToolCallEnded)[0].is_error,
    ),
    # --- reasoning: between steps ----------------------------------------------------------
    (
        "reasoning",
        Verdict("flag", "hmm"),
        None,
        None,
        "agent",
        "flag",
        "check",
        lambda r: r.result.final_output == "The answer is 396.",
    ),
    (
        "reasoning",
        Verdict("modify", "reminder", content="Remember to show your working."),
        None,
        None,
        "agent",
        "modify",
        "check",
        lambda r: (
            r.of(LlmCallStarted)[1].messages[-1]
            == {"role": "user", "content": "Remember to show your working."}
        ),
    ),
    (
        "reasoning",
        Verdict("block", "off track"),
        None,
        None,
        "agent",
        "block",
        "check",
        lambda r: r.result.stop_reason == "check:custom" and len(r.of(LlmCallStarted)) == 1,
    ),
    (
        "reasoning",
        Verdict("stop", "off track", stop_reason="drift"),
        None,
        None,
        "agent",
        "stop",
        "check",
        lambda r: r.result.stop_reason == "drift" and len(r.of(LlmCallStarted)) == 1,
    ),
]


@pytest.mark.parametrize(
    ("stage", "verdict", "when", "person", "parent", "recorded", "by", "noticed"),
    CASES,
    ids=[f"{c[0]}-{c[1].kind}-{c[5]}-by-{c[6]}" for c in CASES],
)
async def test_a_check_at_each_stage_with_each_verdict(
    register, stage, verdict, when, person, parent, recorded, by, noticed
) -> None:
    kw = {"approve": person} if person else {}
    run = await run_with(register, custom(stage, verdict, when), **kw)
    assert noticed(run), (run.result.status, run.result.stop_reason, run.result.final_output)
    start, end = run.check_span()
    assert (start.stage, start.agent) == (stage, "calc")
    assert run.parent_kind(start) == parent
    assert (end.verdict, end.by) == (recorded, by)
    assert end.reason == (verdict.reason if by == "check" else end.reason)
    asked = [e for e in run.of(ApprovalRequested) if e.span_id == start.span_id]
    assert bool(asked) == (verdict.kind == "ask")
    # Every span closes, the check's inside its parent.
    opened = {e.span_id for e in run.events if e.opens is not None}
    closed = {e.span_id for e in run.events if e.closes}
    assert opened == closed


async def test_a_persons_decision_is_recorded_on_the_check_span(register) -> None:
    run = await run_with(register, custom("tool", Verdict("ask", "costly")), approve=approve)
    start, end = run.check_span()
    (asked,) = run.of(ApprovalRequested)
    (decided,) = run.of(ApprovalDecided)
    assert asked.span_id == decided.span_id == start.span_id
    assert (asked.tool, asked.arguments) == ("calculator", {"expression": "17 * 23 + 5"})
    assert (decided.approved, decided.by, decided.note) == (True, "person", "fine by me")
    assert (end.verdict, end.by, end.reason) == ("allow", "person", "fine by me")


@pytest.mark.parametrize("stage", ["input", "output", "tool", "reasoning"])
async def test_plain_allows_add_no_events_only_names(register, stage) -> None:
    plain, plain_events = await run_collect(scenario(CALC))
    run = await run_with(register, custom(stage, ALLOW))
    assert [e.kind for e in run.events] == [e.kind for e in plain_events]
    assert run.result.final_output == plain.final_output
    if stage == "tool":
        assert [e.checks for e in run.of(ToolCallEnded)] == [["custom"]]
    elif stage == "reasoning":  # between steps: recorded on the next model call, with the
        # loop check that ran there too (on by default)
        assert [e.checks for e in run.of(LlmCallEnded)] == [[], ["loop", "custom"]]
    else:
        assert [e.checks for e in run.of(LlmCallEnded)] == [["custom"], ["loop", "custom"]]


async def test_an_allow_with_detail_is_worth_a_span(register) -> None:
    run = await run_with(register, custom("output", Verdict("allow", "ok", {"score": 0.01})))
    _, end = run.check_span()
    assert (end.verdict, end.detail) == ("allow", {"score": 0.01})


async def test_checks_run_in_order_each_seeing_what_the_last_let_through(
    register, monkeypatch
) -> None:
    seen_by_second: list[dict[str, Any]] = []

    class Rewrite(Check):
        name: ClassVar[str] = "rewrite"
        stages: ClassVar[frozenset[Stage]] = frozenset({"tool"})

        async def check(self, seen: Seen) -> Verdict:
            return Verdict("modify", "simpler", content={"expression": "1 + 1"})

    class Watch(Check):
        name: ClassVar[str] = "watch"
        stages: ClassVar[frozenset[Stage]] = frozenset({"tool"})

        async def check(self, seen: Seen) -> Verdict:
            seen_by_second.append(seen.arguments)  # type: ignore[union-attr]
            return ALLOW

    register(Rewrite)
    register(Watch)
    result, events = await run_collect(scenario(CALC))
    assert seen_by_second == [{"expression": "1 + 1"}]
    assert result.final_output == "The answer is 2."
    (ended,) = [e for e in events if isinstance(e, ToolCallEnded)]
    assert ended.checks == ["watch"]  # the rewrite is a span of its own, not a plain pass


async def test_a_check_the_scenario_does_not_enable_does_not_run(register) -> None:
    class OnlyWithTools(Check):
        name: ClassVar[str] = "custom"
        stages: ClassVar[frozenset[Stage]] = frozenset({"input"})

        @classmethod
        def build(cls, scenario, agent, tools):  # type: ignore[no-untyped-def]
            return cls() if "search_docs" in agent.tools else None

        async def check(self, seen: Seen) -> Verdict:
            return Verdict("stop", "never")

    register(OnlyWithTools)
    result, events = await run_collect(scenario(CALC))
    assert result.status == "completed"
    assert not [e for e in events if isinstance(e, CheckStarted)]


async def test_check_spans_belong_to_the_agent_that_ran_them(register) -> None:
    run = await run_with(register, custom("reasoning", Verdict("flag", "x")))
    start, _ = run.check_span()
    (agent,) = run.of(AgentStarted)
    assert start.parent_id == agent.span_id and start.session_id == agent.session_id
