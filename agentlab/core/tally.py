"""Per-agent and session totals computed from the event stream.

The same code tallies a live run and a recorded one (events read back from SQLite), so the run
summary, ``sessions show`` and the TUI always agree, and per-agent numbers sum exactly to the
session's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, assert_never

from agentlab.core.events import (
    AgentEnded,
    AgentStarted,
    AnyEvent,
    ApprovalDecided,
    ApprovalRequested,
    BudgetUpdate,
    CheckEnded,
    CheckStarted,
    Handoff,
    LimitExceeded,
    LimitWarning,
    LlmCallEnded,
    LlmCallStarted,
    LlmDelta,
    LlmRetry,
    LoopDetected,
    Notice,
    SessionEnded,
    SessionStarted,
    ToolCallEnded,
    ToolCallStarted,
)


@dataclass
class AgentTally:
    name: str
    model: str = ""
    role: str = "agent"
    parent: str | None = None
    steps: int = 0
    tool_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    unpriced_calls: int = 0
    status: str = "running"
    runs: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "model": self.model,
            "role": self.role,
            "parent": self.parent,
            "steps": self.steps,
            "tool_calls": self.tool_calls,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cost_usd": round(self.cost_usd, 10),
            "unpriced_calls": self.unpriced_calls,
            "status": self.status,
        }


_RANK = {"running": 0, "completed": 1, "interrupted": 2, "stopped": 3, "error": 4}


@dataclass
class Tally:
    """Feed it events (it is an EventBus subscriber); read ``agents`` and ``totals()``."""

    agents: dict[str, AgentTally] = field(default_factory=dict)

    def __call__(self, event: AnyEvent) -> None:
        match event:
            case AgentStarted():
                a = self._get(event.agent)
                a.model, a.role, a.parent = event.model, event.role, event.parent_agent
                a.runs += 1
                a.status = "running" if a.status in ("running", "completed") else a.status
            case AgentEnded():
                a = self._get(event.agent)
                # An agent that ran several times reports its worst outcome.
                if a.status == "running" or _RANK[event.status] > _RANK.get(a.status, 0):
                    a.status = event.status
            case LlmCallEnded():
                a = self._get(event.agent)
                a.input_tokens += event.input_tokens
                a.output_tokens += event.output_tokens
                if event.status == "completed":
                    a.steps += 1
                if event.cost_usd is None:
                    if event.status == "completed":
                        a.unpriced_calls += 1
                else:
                    a.cost_usd += event.cost_usd
            case ToolCallEnded():
                self._get(event.agent).tool_calls += 1
            case SessionEnded():
                # An agent known only from its calls (a collected call no agent span encloses)
                # never ends on its own: it ends with the session.
                for a in self.agents.values():
                    if a.runs == 0 and a.status == "running":
                        a.status = event.status
            case (
                SessionStarted()
                | LlmCallStarted()
                | ToolCallStarted()
                | CheckStarted()
                | CheckEnded()
                | LlmDelta()
                | ApprovalRequested()
                | ApprovalDecided()
                | Handoff()
                | BudgetUpdate()
                | LimitWarning()
                | LimitExceeded()
                | LoopDetected()
                | Notice()
                | LlmRetry()
            ):
                pass  # spend is counted where calls end
            case _:
                assert_never(event)

    def _get(self, name: str) -> AgentTally:
        if name not in self.agents:
            self.agents[name] = AgentTally(name=name)
        return self.agents[name]

    def totals(self) -> dict[str, Any]:
        ags = self.agents.values()
        inp = sum(a.input_tokens for a in ags)
        out = sum(a.output_tokens for a in ags)
        return {
            "input_tokens": inp,
            "output_tokens": out,
            "total_tokens": inp + out,
            "cost_usd": round(sum(a.cost_usd for a in ags), 10),
            "unpriced_calls": sum(a.unpriced_calls for a in ags),
            "steps": sum(a.steps for a in ags),
            "tool_calls": sum(a.tool_calls for a in ags),
        }

    def rows(self) -> list[dict[str, Any]]:
        return [a.to_dict() for a in self.agents.values()]


def tally_events(events: Iterable[AnyEvent]) -> Tally:
    t = Tally()
    for e in events:
        t(e)
    return t


def with_budget_updates(events: list[AnyEvent]) -> list[AnyEvent]:
    """``events`` with a budget snapshot after every finished model and tool call, worked out
    from the calls (the recorder stores no snapshots: they follow from the calls). ``used`` is
    the session's spend so far (``wall_time_s`` since the session started), ``caps`` the
    session's caps as recorded at its start, ``agent_used`` the calling agent's own spend."""
    tally = Tally()
    # The session's totals kept as the calls come (a call changes one agent's numbers), so a
    # snapshot costs the same with 900 agents as with one (Tally.totals() sums every agent).
    running: dict[str, float] = dict.fromkeys(_SUMMED, 0)
    caps: dict[str, float] = {}
    started: float | None = None
    out: list[AnyEvent] = []
    pending: BudgetUpdate | None = None
    for e in events:
        if pending is not None and not isinstance(e, LimitWarning):
            out.append(pending)  # after the call's warnings, as the live run emits them
            pending = None
        out.append(e)
        if isinstance(e, LlmCallEnded | ToolCallEnded):
            before = tally.agents.get(e.agent)
            was = [getattr(before, k) for k in _SUMMED] if before is not None else None
            tally(e)
            now = tally.agents[e.agent]
            for i, k in enumerate(_SUMMED):
                running[k] += getattr(now, k) - (was[i] if was is not None else 0)
            pending = _snapshot(e, tally, running, caps, started)
            continue
        tally(e)
        if isinstance(e, SessionStarted):
            started = e.ts
            raw = e.config.get("caps") if isinstance(e.config, dict) else None
            caps = {k: float(v) for k, v in (raw or {}).items()}
    if pending is not None:
        out.append(pending)
    return out


#: The per-agent numbers a budget snapshot sums over the session.
_SUMMED = ("input_tokens", "output_tokens", "steps", "tool_calls", "cost_usd")


def _snapshot(
    e: LlmCallEnded | ToolCallEnded,
    tally: Tally,
    t: dict[str, float],
    caps: dict[str, float],
    started: float | None,
) -> BudgetUpdate:
    used = {
        "input_tokens": float(t["input_tokens"]),
        "output_tokens": float(t["output_tokens"]),
        "total_tokens": float(t["input_tokens"] + t["output_tokens"]),
        "steps": float(t["steps"]),
    }
    used["tool_calls"] = float(t["tool_calls"])
    used["cost_usd"] = float(round(t["cost_usd"], 10))
    used["wall_time_s"] = round(e.ts - started, 3) if started is not None else 0.0
    mine = tally.agents.get(e.agent)
    agent_used = {}
    if mine is not None:
        agent_used = {
            k: float(v)
            for k, v in mine.to_dict().items()
            if k in ("steps", "tool_calls", "input_tokens", "output_tokens", "cost_usd") and v
        }
    return BudgetUpdate(
        id=f"{e.id}.b",  # derived, so every replay or export of a session gives the same ids
        session_id=e.session_id,
        span_id=e.span_id,
        ts=e.ts,
        mono=e.mono,
        agent=e.agent,
        used=used,
        caps=dict(caps),
        agent_used=agent_used,
    )
