"""Orchestration patterns: every shipped scenario runs offline, spans nest, workers really run
concurrently, failures stay local, session-wide caps stop everything, and per-agent numbers add up.
"""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

import pytest

from agentlab.core import patterns
from agentlab.core.context import RunOptions
from agentlab.core.events import (
    AgentEnded,
    AgentStarted,
    Event,
    EventBus,
    Handoff,
    LimitExceeded,
    ToolCallEnded,
    ToolCallStarted,
)
from agentlab.core.session import SessionResult, run_session
from agentlab.scenario import LabSettings, Problem, Scenario, load_scenario, parse_scenario

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"

#: Shipped scenarios that are meant to end some other way than "completed" (name -> status).
#: Every other file in scenarios/ must complete offline.
INTENDED: dict[str, str] = {
    "runaway_loop": "stopped",  # loop
    "cap_pause": "stopped",  # paused cap
    "low_confidence": "stopped",  # escalated; no one to ask, the policy denies
}


def fast(s: Scenario) -> Scenario:
    """The scenario without its simulated latency (tests add their own where it matters)."""
    return s.model_copy(update={"lab": LabSettings()})


def shipped(name: str) -> Scenario:
    return fast(load_scenario(SCENARIOS / f"{name}.toml"))


def with_agent(s: Scenario, name: str, **changes: object) -> Scenario:
    agents = [a.model_copy(update=changes) if a.name == name else a for a in s.agents]
    return s.model_copy(update={"agents": agents})


async def run(s: Scenario, **options: object) -> tuple[SessionResult, list[Event]]:
    bus = EventBus()
    events: list[Event] = []
    bus.subscribe(events.append)
    result = await asyncio.wait_for(run_session(s, bus=bus, options=RunOptions(**options)), 60)
    return result, events


def agents_started(events: list[Event]) -> dict[str, AgentStarted]:
    return {e.agent: e for e in events if isinstance(e, AgentStarted)}


def agent_ended(events: list[Event], name: str) -> AgentEnded:
    return next(e for e in events if isinstance(e, AgentEnded) and e.agent == name)


def interval(events: list[Event], name: str) -> tuple[float, float]:
    """(start, end) of an agent's span on the monotonic clock."""
    start = agents_started(events)[name]
    end = next(e for e in events if e.kind == "agent_ended" and e.span_id == start.span_id)
    return start.mono, end.mono


def overlap(spans: list[tuple[float, float]]) -> bool:
    """All the spans were running at one common moment."""
    return max(s for s, _ in spans) < min(e for _, e in spans)


def assert_well_formed(events: list[Event]) -> None:
    """Every span that starts ends, after its start, and nothing follows the session's end."""
    started = [e.span_id for e in events if e.opens is not None]
    ended = [e.span_id for e in events if e.closes]
    assert sorted(started) == sorted(ended)
    assert events[-1].kind == "session_ended"
    ids = {e.span_id for e in events if e.opens is not None}
    for e in events:
        parent = getattr(e, "parent_id", None)
        assert parent is None or parent in ids


def assert_sums(result: SessionResult) -> None:
    summary = result.summary()
    rows, usage = summary["agents"], summary["usage"]
    for key in ("input_tokens", "output_tokens"):
        assert sum(r[key] for r in rows) == usage[key]
    assert round(sum(r["cost_usd"] for r in rows), 10) == pytest.approx(usage["cost_usd"])
    assert sum(r["steps"] for r in rows) == summary["steps"]
    assert sum(r["tool_calls"] for r in rows) == summary["tool_calls"]


# --- every shipped scenario ----------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.toml")), ids=lambda p: p.stem)
async def test_shipped_scenario_runs_offline(path: Path) -> None:
    s = fast(load_scenario(path))
    result, events = await run(s)
    assert result.status == INTENDED.get(s.name, "completed"), result.error
    assert result.final_output or s.name in INTENDED
    assert_well_formed(events)
    assert_sums(result)
    # Every agent the scenario declares took part (a pattern does not silently skip one).
    assert {a.name for a in s.agents} == set(agents_started(events))


async def test_each_pattern_has_a_shipped_scenario() -> None:
    shown = {load_scenario(p).pattern for p in SCENARIOS.glob("*.toml")}
    assert set(patterns.PATTERNS) - {"single"} <= shown


# --- orchestrator-worker -----------------------------------------------------------------------


async def test_spans_nest_session_lead_delegate_worker() -> None:
    result, events = await run(shipped("research_team"))
    spans = {e.span_id: e for e in events if e.opens is not None}
    session = next(e for e in events if e.kind == "session_started")
    lead = agents_started(events)["lead"]
    assert lead.parent_id == session.span_id and lead.role == "lead"
    workers = [a for a in agents_started(events).values() if a.agent != "lead"]
    assert len(workers) == 3
    for w in workers:
        call = spans[w.parent_id]
        assert isinstance(call, ToolCallStarted) and call.tool == "delegate"
        assert call.parent_id == lead.span_id and call.arguments["worker"] == w.agent
        assert w.role == "worker" and w.parent_agent == "lead"
        own = [e for e in events if e.kind == "llm_call_started" and e.agent == w.agent]
        assert own and all(e.parent_id == w.span_id for e in own)
    # The lead synthesised from what the workers found in the shipped docs.
    assert "Guardrail Sandwich" in result.final_output


async def test_lead_delegating_in_one_turn_runs_workers_concurrently() -> None:
    _, events = await run(shipped("research_team"), lab_latency_ms=60)
    names = ["observability-researcher", "cost-researcher", "guardrails-researcher"]
    assert overlap([interval(events, n) for n in names])


async def test_max_concurrency_one_serialises_workers() -> None:
    s = shipped("research_team").model_copy(update={"max_concurrency": 1})
    result, events = await run(s, lab_latency_ms=30)
    assert result.status == "completed"
    spans = sorted(
        interval(events, n)
        for n in ("observability-researcher", "cost-researcher", "guardrails-researcher")
    )
    for (_, end), (start, _) in itertools.pairwise(spans):
        assert end <= start


async def test_flaky_worker_fails_alone() -> None:
    result, events = await run(shipped("flaky_worker"))
    assert result.status == "completed"
    rows = {r["name"]: r for r in result.summary()["agents"]}
    assert rows["fabrikam-quotes"]["status"] == "error"
    assert rows["northwind-quotes"]["status"] == rows["contoso-quotes"]["status"] == "completed"
    failed = [e for e in events if isinstance(e, ToolCallEnded) and e.is_error]
    assert len(failed) == 1 and "fabrikam-quotes failed" in failed[0].result
    assert "Northwind" in result.final_output


TEAM = """
name = "capped-team"
task = "Research three things."
pattern = "orchestrator-worker"
docs = "{docs}"
{limits}

[[agents]]
name = "lead"
model = "lab/scripted"
workers = ["w1", "w2", "w3"]
max_tokens = 200
[[agents.script]]
calls = [
  {{ tool = "delegate", args = {{ worker = "w1", task = "one" }} }},
  {{ tool = "delegate", args = {{ worker = "w2", task = "two" }} }},
  {{ tool = "delegate", args = {{ worker = "w3", task = "three" }} }},
]
[[agents.script]]
text = "Done: {{results}}"
{workers}
"""

WORKER = """
[[agents]]
name = "{name}"
model = "lab/scripted"
tools = ["search_docs"]
max_tokens = 60
{limits}
[[agents.script]]
tool = "search_docs"
args = {{ query = "tracing spans" }}
[[agents.script]]
tool = "search_docs"
args = {{ query = "budget caps" }}
[[agents.script]]
tool = "search_docs"
args = {{ query = "guardrail layers" }}
[[agents.script]]
text = "{name} found: {{results}}"
"""


def team(limits: str = "", worker_limits: dict[str, str] | None = None) -> Scenario:
    worker_limits = worker_limits or {}
    workers = "".join(
        WORKER.format(name=n, limits=worker_limits.get(n, "")) for n in ("w1", "w2", "w3")
    )
    docs = SCENARIOS / "data" / "research_team" / "docs"
    text = TEAM.format(docs=docs.as_posix(), limits=limits, workers=workers)
    return parse_scenario(text, SCENARIOS / "capped-team.toml")


async def test_worker_limit_stops_only_that_worker() -> None:
    s = team(worker_limits={"w2": "limits = { steps = 2 }"})
    result, events = await run(s)
    assert result.status == "completed"
    rows = {r["name"]: r for r in result.summary()["agents"]}
    assert rows["w2"]["status"] == "stopped" and rows["w2"]["steps"] == 2
    assert rows["w1"]["status"] == rows["w3"]["status"] == "completed"
    (hit,) = [e for e in events if isinstance(e, LimitExceeded)]
    assert (hit.agent, hit.limit, hit.scope) == ("w2", "steps", "agent:w2")
    assert "worker w2 failed (limit:steps)" in result.final_output


async def test_equal_split_gives_each_worker_a_share() -> None:
    # The lead's first call leaves 20 of 21 steps: 4 shares of 5 (3 workers + the lead's own),
    # and the workers' scripts need 4 calls each.
    s = team(limits='[limits]\nsteps = 21\nsplit = "equal"')
    result, events = await run(s)
    assert result.status == "completed"
    assert not [e for e in events if isinstance(e, LimitExceeded)]
    # 12 of 13 left: 3 each, one call too few; each worker stops alone and the lead, which kept
    # its own share, still writes the answer.
    s = team(limits='[limits]\nsteps = 13\nsplit = "equal"')
    result, events = await run(s)
    assert result.status == "completed"
    rows = {r["name"]: r for r in result.summary()["agents"]}
    assert [rows[w]["status"] for w in ("w1", "w2", "w3")] == ["stopped"] * 3
    scopes = {e.scope for e in events if isinstance(e, LimitExceeded)}
    assert scopes == {"agent:w1", "agent:w2", "agent:w3"}


async def _usage_until_first_worker_call() -> int:
    """Tokens the team spends up to and including w1's first model call (measured uncapped,
    so the cap below does not depend on the tokenizer's exact counts)."""
    s = team().model_copy(update={"max_concurrency": 1})
    _, events = await run(s)
    total = 0
    for e in events:
        if e.kind == "llm_call_ended":
            total += e.input_tokens + e.output_tokens
            if e.agent == "w1":
                return total
    raise AssertionError("w1 made no call")


async def test_session_cap_hit_in_a_worker_stops_the_whole_session() -> None:
    cap = await _usage_until_first_worker_call() + 10  # w1's second call cannot fit
    s = team(limits=f"[limits]\ntotal_tokens = {cap}").model_copy(update={"max_concurrency": 1})
    result, events = await run(s)
    assert (result.status, result.stop_reason) == ("stopped", "limit:total_tokens")
    assert_well_formed(events)
    hits = [e for e in events if isinstance(e, LimitExceeded)]
    assert len(hits) == 1 and hits[0].scope == "session" and hits[0].agent == "w1"
    assert agent_ended(events, "lead").stop_reason == "limit:total_tokens"
    # The lead stopped at once: no second lead call, no other worker got going.
    lead_calls = [e for e in events if e.kind == "llm_call_started" and e.agent == "lead"]
    assert len(lead_calls) == 1
    assert {a for a in agents_started(events)} <= {"lead", "w1", "w2", "w3"}
    assert all(
        agent_ended(events, w).status != "completed" for w in agents_started(events) if w != "lead"
    )


async def test_session_cost_cap_with_concurrent_workers_stops_everything() -> None:
    base, _ = await run(team())
    lead_row = next(r for r in base.summary()["agents"] if r["name"] == "lead")
    # Enough for the lead's first call and a little more: the three workers, reserving at once,
    # run the session out of money mid-flight.
    cap = lead_row["cost_usd"] / 2 + 0.00005
    s = team(limits=f"[limits]\ncost_usd = {cap:.8f}").model_copy(
        update={"prices": {}, "price_as": "gpt-4o-mini"}
    )
    result, events = await run(s, lab_latency_ms=20)
    assert (result.status, result.stop_reason) == ("stopped", "limit:cost_usd")
    assert_well_formed(events)
    assert_sums(result)
    assert result.summary()["usage"]["cost_usd"] <= cap
    assert agent_ended(events, "lead").status == "stopped"


async def test_unknown_worker_is_an_error_result_not_a_crash() -> None:
    s = parse_scenario(
        """
name = "typo"
task = "t"
pattern = "orchestrator-worker"
[[agents]]
name = "lead"
model = "lab/scripted"
workers = ["helper"]
[[agents.script]]
tool = "delegate"
args = { worker = "helpr", task = "x" }
[[agents.script]]
text = "Got: {result}"
[[agents]]
name = "helper"
model = "lab/scripted"
[[agents.script]]
text = "hi"
"""
    )
    result, _ = await run(s)
    assert result.status == "completed"
    assert "no worker named 'helpr'" in result.final_output


# --- hierarchical / supervisor -------------------------------------------------------------


async def test_supervisor_of_supervisors_nests_three_levels() -> None:
    _, events = await run(shipped("enterprise_desk"), lab_latency_ms=30)
    started = agents_started(events)
    spans = {e.span_id: e for e in events if e.opens is not None}
    assert started["front-desk"].role == "supervisor"
    assert started["sales-supervisor"].role == "supervisor"
    assert started["pricing-analyst"].role == "worker"
    analyst = started["pricing-analyst"]
    call = spans[analyst.parent_id]
    assert call.agent == "sales-supervisor" and call.tool == "delegate"
    assert spans[call.parent_id] is started["sales-supervisor"]
    top_call = spans[started["sales-supervisor"].parent_id]
    assert top_call.agent == "front-desk" and spans[top_call.parent_id] is started["front-desk"]
    # Both units work at once, and inside each unit both specialists do.
    assert overlap([interval(events, n) for n in ("sales-supervisor", "compliance-supervisor")])
    assert overlap([interval(events, n) for n in ("privacy-officer", "security-officer")])


async def test_roles_are_derived_from_the_pattern() -> None:
    _, events = await run(shipped("project_hierarchy"))
    roles = {name: e.role for name, e in agents_started(events).items()}
    assert roles["project-manager"] == "supervisor"
    assert roles["backend-lead"] == roles["frontend-lead"] == "lead"
    assert roles["api-dev"] == roles["ui-dev"] == "worker"
    parents = {name: e.parent_agent for name, e in agents_started(events).items()}
    assert parents["db-dev"] == "backend-lead" and parents["backend-lead"] == "project-manager"


async def test_session_cap_two_levels_down_stops_the_whole_tree() -> None:
    # 3 manager calls, then the 4 specialists' first calls need 4 more steps: one of them hits
    # the session's cap; its unit, the other unit and the front desk all stop.
    s = shipped("enterprise_desk")
    s = s.model_copy(update={"limits": s.limits.model_copy(update={"steps": 6})})
    result, events = await run(s, lab_latency_ms=10)
    assert (result.status, result.stop_reason) == ("stopped", "limit:steps")
    assert_well_formed(events)
    assert_sums(result)
    # Specialists waiting on the same cap may each find it spent: every hit is the session's.
    hits = [e for e in events if isinstance(e, LimitExceeded)]
    assert hits and all(h.scope == "session" and h.value == 6 for h in hits)
    assert agent_ended(events, "front-desk").stop_reason == "limit:steps"
    assert result.summary()["steps"] <= 6


async def test_nested_teams_do_not_deadlock_at_max_concurrency_one() -> None:
    s = shipped("enterprise_desk").model_copy(update={"max_concurrency": 1})
    result, _ = await run(s)
    assert result.status == "completed"


async def test_supervisor_routes_then_checks() -> None:
    result, events = await run(shipped("qa_supervisor"))
    order = [e.agent for e in events if isinstance(e, AgentStarted)]
    assert order.index("qa-checker") > max(
        order.index("policy-specialist"), order.index("billing-calculator")
    )
    qa = agents_started(events)["qa-checker"]
    assert "160" in qa.input  # QA was given the specialists' draft
    assert "PASS" in result.final_output


# --- sequential ------------------------------------------------------------------------------


async def test_sequential_passes_each_output_on() -> None:
    result, events = await run(shipped("data_pipeline"))
    started = agents_started(events)
    assert [e.agent for e in events if isinstance(e, AgentStarted)] == [
        "extract",
        "transform",
        "report",
    ]
    extract_out = agent_ended(events, "extract").output
    assert "north,12400" in extract_out
    assert extract_out in started["transform"].input
    assert started["transform"].input.startswith("Task: ")
    assert agent_ended(events, "transform").output in started["report"].input
    assert "116900" in result.final_output


async def test_sequential_stops_at_the_failed_stage() -> None:
    s = with_agent(shipped("data_pipeline"), "transform", fail="disk full")
    result, events = await run(s)
    assert (result.status, result.stop_reason) == ("error", "error:server")
    assert "report" not in agents_started(events)


# --- parallel --------------------------------------------------------------------------------


async def test_parallel_branches_overlap_and_feed_the_aggregator() -> None:
    result, events = await run(shipped("multi_angle_review"), lab_latency_ms=60)
    reviewers = ["security-reviewer", "cost-reviewer", "reliability-reviewer"]
    assert overlap([interval(events, n) for n in reviewers])
    chair = agents_started(events)["chair"]
    assert chair.role == "aggregator"
    assert chair.mono >= max(interval(events, n)[1] for n in reviewers)
    for n in reviewers:
        assert f"## {n}\n" in chair.input
    assert result.status == "completed"


async def test_parallel_failed_branch_does_not_stop_siblings() -> None:
    s = with_agent(shipped("multi_angle_review"), "cost-reviewer", fail="rate limited")
    result, events = await run(s)
    assert result.status == "completed"
    assert agent_ended(events, "cost-reviewer").status == "error"
    assert agent_ended(events, "security-reviewer").status == "completed"
    assert "## cost-reviewer (failed: error:" in agents_started(events)["chair"].input


# --- handoff ---------------------------------------------------------------------------------


async def test_handoff_transfers_the_conversation() -> None:
    result, events = await run(shipped("support_desk"))
    hops = [(e.from_agent, e.to_agent) for e in events if isinstance(e, Handoff)]
    assert hops == [("triage", "billing"), ("billing", "technical")]
    reasons = [e.reason for e in events if isinstance(e, Handoff)]
    assert reasons[0] == "duplicate charge on the Pro plan"
    assert result.final_output == agent_ended(events, "technical").output
    assert result.final_output.startswith("Technical support here.")
    # The conversation continued: technical saw what triage and billing said.
    first = next(e for e in events if e.kind == "llm_call_started" and e.agent == "technical")
    said = [m for m in first.messages if m.get("role") == "assistant"]
    assert {m.get("name") for m in said} == {"triage", "billing"}
    asked = [m["content"] for m in first.messages if m.get("role") == "user"]
    assert asked == [shipped("support_desk").task] * 2  # the original, and once more to it
    assert first.messages[0]["role"] == "system"
    assert first.messages[0]["content"].startswith("You are the technical specialist")
    assert agents_started(events)["technical"].parent_agent == "billing"
    # Each handoff event hangs off the transfer tool call that caused it.
    spans = {e.span_id: e for e in events if isinstance(e, ToolCallStarted)}
    for e in events:
        if isinstance(e, Handoff):
            assert spans[e.span_id].tool == f"transfer_to_{e.to_agent}"


async def test_handoff_ping_pong_is_bounded() -> None:
    s = parse_scenario(
        """
name = "ping-pong"
task = "t"
pattern = "handoff"
[[agents]]
name = "ping"
model = "lab/scripted"
handoffs = ["pong"]
[[agents.script]]
tool = "transfer_to_pong"
repeat = 50
[[agents]]
name = "pong"
model = "lab/scripted"
handoffs = ["ping"]
[[agents.script]]
tool = "transfer_to_ping"
repeat = 50
"""
    )
    result, events = await run(s)
    assert (result.status, result.stop_reason) == ("stopped", "loop")
    assert sum(isinstance(e, Handoff) for e in events) == patterns.MAX_HANDOFFS
    assert any(e.kind == "loop_detected" for e in events)
    assert_well_formed(events)


async def test_handoff_keeps_each_agents_budget_across_visits() -> None:
    from helpers import scenario as parse

    s = parse(
        """
task = "ping pong"
pattern = "handoff"
[[agents]]
name = "a"
model = "lab/scripted"
handoffs = ["b"]
limits = { steps = 1 }
  [[agents.script]]
  tool = "transfer_to_b"
  [[agents.script]]
  tool = "transfer_to_b"
[[agents]]
name = "b"
model = "lab/scripted"
handoffs = ["a"]
  [[agents.script]]
  tool = "transfer_to_a"
  [[agents.script]]
  text = "done"
"""
    )
    result, _ = await run(s)
    rows = {r["name"]: r for r in result.summary()["agents"]}
    assert rows["a"]["steps"] == 1
    assert rows["a"]["status"] == "stopped"


# --- the pattern contract ------------------------------------------------------------------


def test_the_registry_names_every_pattern_a_scenario_accepts() -> None:
    from agentlab.scenario import pattern_names

    assert pattern_names() == tuple(patterns.PATTERNS)
    for name, pattern in patterns.PATTERNS.items():
        assert pattern.name == name and pattern.summary and pattern.roles


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.toml")), ids=lambda p: p.stem)
async def test_a_pattern_gives_agents_only_the_tools_it_declares(path: Path) -> None:
    s = fast(load_scenario(path))
    _, events = await run(s)
    pattern = patterns.PATTERNS[s.pattern]
    for e in events:
        if e.kind == "llm_call_started":
            spec = s.agent(e.agent)
            assert set(e.tools) - set(spec.tools) <= set(pattern.tool_names(s, spec))


def _unchecked(text: str) -> Scenario:
    """A scenario that passed the model's own validation but not the pattern's."""
    import tomllib

    return Scenario.model_validate({"name": "x", **tomllib.loads(text)})


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        (
            'task = "t"\n[[agents]]\nname = "a"\n[[agents]]\nname = "b"\n',
            [Problem("pattern", "a single-agent scenario runs one agent, but 2 are given")],
        ),
        (
            'task = "t"\npattern = "orchestrator-worker"\n[[agents]]\nname = "a"\n',
            [
                Problem(
                    "agents[0].workers", "the orchestrator-worker lead needs workers to delegate to"
                )
            ],
        ),
        (
            'task = "t"\npattern = "supervisor"\nentry = "b"\n[[agents]]\nname = "a"\n'
            '[[agents]]\nname = "b"\nworkers = ["a"]\n',
            [],
        ),
        ('task = "t"\npattern = "sequential"\n[[agents]]\nname = "a"\n', []),
    ],
)
def test_each_pattern_validates_its_own_scenarios(text: str, problems: list) -> None:
    s = _unchecked(text)
    assert patterns.PATTERNS[s.pattern].validate(s) == problems


async def test_a_new_pattern_is_one_object_in_the_registry(monkeypatch) -> None:
    """A toy pattern, registered here and nowhere else, runs through run_session like the
    shipped ones: spans, tally and outcome included."""
    from agentlab.core.agent import AgentResult, run_agent
    from agentlab.core.patterns.base import Pattern, agent_budget

    class Reverse(Pattern):
        name = "reverse"
        summary = "the agents in reverse file order, each on the task alone"
        roles = ("echo",)

        async def run(self, ctx, root) -> AgentResult:
            result = None
            for spec in reversed(ctx.scenario.agents):
                budget = agent_budget(root, ctx, spec.name)
                result = await run_agent(
                    ctx,
                    spec,
                    ctx.scenario.task,
                    parent=ctx.session_span,
                    budget=budget,
                    role="echo",
                )
            assert result is not None
            return result

    monkeypatch.setitem(patterns.PATTERNS, "reverse", Reverse())
    # The loader asks the registry: the new name parses, with no edit anywhere else.
    s = parse_scenario(
        'task = "t"\npattern = "reverse"\n'
        '[[agents]]\nname = "a"\nmodel = "lab/scripted"\n[[agents.script]]\ntext = "from a"\n'
        '[[agents]]\nname = "b"\nmodel = "lab/scripted"\n[[agents.script]]\ntext = "from b"\n'
    )
    result, events = await run(s)
    assert (result.status, result.final_output) == ("completed", "from a")
    assert [e.agent for e in events if isinstance(e, AgentStarted)] == ["b", "a"]
    assert {e.role for e in events if isinstance(e, AgentStarted)} == {"echo"}
    assert next(e for e in events if e.kind == "session_started").pattern == "reverse"
    assert_well_formed(events)
    assert_sums(result)


async def test_a_session_cap_stops_a_pipeline_without_the_pattern_checking() -> None:
    s = shipped("data_pipeline")
    free, _ = await run(s)
    rows = {r["name"]: r for r in free.summary()["agents"]}
    cap = rows["extract"]["steps"] + rows["transform"]["steps"]  # nothing left for the report
    capped = s.model_copy(update={"limits": s.limits.model_copy(update={"steps": cap})})
    result, events = await run(capped)
    assert (result.status, result.stop_reason) == ("stopped", "limit:steps")
    assert agent_ended(events, "report").stop_reason == "limit:steps"
    (hit,) = [e for e in events if isinstance(e, LimitExceeded)]
    assert (hit.agent, hit.scope) == ("report", "session")
    assert_well_formed(events)


async def test_too_many_handoffs_is_the_loop_check_stopping_the_run() -> None:
    from agentlab.core.events import CheckEnded, CheckStarted

    s = parse_scenario(
        'name = "pp"\ntask = "t"\npattern = "handoff"\n'
        '[[agents]]\nname = "ping"\nmodel = "lab/scripted"\nhandoffs = ["pong"]\n'
        '[[agents.script]]\ntool = "transfer_to_pong"\nrepeat = 50\n'
        '[[agents]]\nname = "pong"\nmodel = "lab/scripted"\nhandoffs = ["ping"]\n'
        '[[agents.script]]\ntool = "transfer_to_ping"\nrepeat = 50\n'
    )
    _, events = await run(s)
    (start,) = [e for e in events if isinstance(e, CheckStarted)]
    (end,) = [e for e in events if isinstance(e, CheckEnded)]
    spans = {e.span_id: e for e in events if e.opens is not None}
    assert (start.check, start.subject, end.verdict) == ("loop", "handoff", "stop")
    assert spans[start.parent_id].tool.startswith("transfer_to_")
    assert any(e.kind == "loop_detected" and e.span_id == start.span_id for e in events)
