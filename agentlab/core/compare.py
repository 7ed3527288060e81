"""Two recorded sessions side by side: per-agent numbers, the final outputs as a text diff, and
the first step where their trajectories part.

Pure: it takes sessions as (row, events) and returns values; ``agentlab diff`` prints them and
the TUI can show the same through ``services.diff_sessions``.

A trajectory is what each agent *did* at each of its model calls, in order: the tool calls it
made (names and arguments, arguments compared as JSON values), or the answer it gave, or the
error it hit. Agents are aligned by name and calls by their number within the agent (its k-th
call in the session), so a worker running concurrently with another does not shift the
alignment. The parting point is the first aligned call, in the first session's order, that
differs (or that only one side made).
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from agentlab.core.events import AnyEvent, LlmCallEnded, LlmCallStarted
from agentlab.core.tally import tally_events

#: Per-agent numbers compared.
NUMBERS = ("steps", "tool_calls", "input_tokens", "output_tokens", "cost_usd")


@dataclass(frozen=True)
class Move:
    """What an agent did at one model call."""

    agent: str
    #: The agent's k-th call in the session (1-based).
    call: int
    #: ``tools``, ``answer`` or ``error``.
    kind: str
    #: The tool calls as (name, arguments) pairs, for ``tools``.
    tools: tuple[tuple[str, str], ...] = ()
    text: str = ""

    def same(self, other: Move) -> bool:
        return (self.kind, self.tools, self.text) == (other.kind, other.tools, other.text)

    def show(self, width: int = 100) -> str:
        if self.kind == "tools":
            out = ", ".join(f"{name}({args})" for name, args in self.tools)
            if self.text:
                out = f"{_clip(self.text, 30)} + {out}"
        elif self.kind == "error":
            out = f"failed: {self.text}"
        else:
            out = f"answered {json.dumps(self.text, ensure_ascii=False)}"
        return _clip(out, width)


def _clip(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _args(raw: Any) -> str:
    value = raw
    if isinstance(raw, str):
        try:
            value = json.loads(raw) if raw.strip() else {}
        except ValueError:
            return raw
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def trajectory(events: Sequence[AnyEvent]) -> list[Move]:
    """Every agent's moves, in the order the session made them."""
    agent_of: dict[str, str] = {}
    counts: dict[str, int] = {}
    moves: list[Move] = []
    for e in events:
        if isinstance(e, LlmCallStarted):
            agent_of[e.span_id] = e.agent
        elif isinstance(e, LlmCallEnded):
            if e.finish_reason == "cancelled":
                continue
            agent = agent_of.get(e.span_id, e.agent)
            counts[agent] = counts.get(agent, 0) + 1
            if e.status != "completed":
                moves.append(Move(agent, counts[agent], "error", text=e.error))
            elif e.tool_calls:
                calls = tuple(
                    (
                        str((c.get("function") or {}).get("name", "?")),
                        _args((c.get("function") or {}).get("arguments")),
                    )
                    for c in e.tool_calls
                )
                moves.append(Move(agent, counts[agent], "tools", calls, e.content.strip()))
            else:
                moves.append(Move(agent, counts[agent], "answer", text=e.content.strip()))
    return moves


@dataclass(frozen=True)
class Parting:
    """Where two trajectories first differ: an agent's k-th call, and what each side did
    (None: that side made no such call)."""

    agent: str
    call: int
    a: Move | None
    b: Move | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "agent": self.agent,
            "step": self.call,
            "a": self.a.show() if self.a else None,
            "b": self.b.show() if self.b else None,
        }


def first_parting(a: list[Move], b: list[Move]) -> Parting | None:
    by_agent: dict[str, list[Move]] = {}
    for m in b:
        by_agent.setdefault(m.agent, []).append(m)
    seen: dict[str, int] = {}
    for m in a:
        seen[m.agent] = m.call
        theirs = by_agent.get(m.agent, [])
        other = theirs[m.call - 1] if m.call <= len(theirs) else None
        if other is None or not m.same(other):
            return Parting(m.agent, m.call, m, other)
    for m in b:
        if m.call > seen.get(m.agent, 0):
            return Parting(m.agent, m.call, None, m)
    return None


@dataclass
class Comparison:
    """``agentlab diff A B``: everything it shows, JSON-ready through :meth:`to_dict`."""

    a: dict[str, Any]
    b: dict[str, Any]
    #: One row per agent (either side): name, a/b numbers (None when absent), and b - a.
    agents: list[dict[str, Any]] = field(default_factory=list)
    totals: dict[str, Any] = field(default_factory=dict)
    output_diff: list[str] = field(default_factory=list)
    parting: Parting | None = None

    @property
    def same_output(self) -> bool:
        return bool(self.a["final_output"] == self.b["final_output"])

    def to_dict(self) -> dict[str, Any]:
        return {
            "a": self.a,
            "b": self.b,
            "agents": self.agents,
            "totals": self.totals,
            "same_output": self.same_output,
            "output_diff": self.output_diff,
            "parting": self.parting.to_dict() if self.parting else None,
        }


def _side(
    session: dict[str, Any], events: Sequence[AnyEvent]
) -> tuple[dict[str, Any], dict[str, Any]]:
    tally = tally_events(list(events))
    side = {
        "session_id": session.get("id"),
        "scenario": session.get("scenario"),
        "status": session.get("status"),
        "stop_reason": session.get("stop_reason"),
        "final_output": session.get("final_output") or "",
        "source_session": session.get("source_session") or None,
        **{k: v for k, v in tally.totals().items() if k in (*NUMBERS, "unpriced_calls")},
    }
    return side, {a["name"]: a for a in tally.rows()}


def _delta(a: dict[str, Any] | None, b: dict[str, Any] | None) -> dict[str, float]:
    return {k: round((b or {}).get(k, 0) - (a or {}).get(k, 0), 10) for k in NUMBERS}


def compare(
    session_a: dict[str, Any],
    events_a: Sequence[AnyEvent],
    session_b: dict[str, Any],
    events_b: Sequence[AnyEvent],
) -> Comparison:
    a, agents_a = _side(session_a, events_a)
    b, agents_b = _side(session_b, events_b)
    rows = []
    for name in [*agents_a, *(n for n in agents_b if n not in agents_a)]:
        ra, rb = agents_a.get(name), agents_b.get(name)
        keep = (*NUMBERS, "status", "model")
        rows.append(
            {
                "agent": name,
                "a": {k: ra[k] for k in keep} if ra else None,
                "b": {k: rb[k] for k in keep} if rb else None,
                "delta": _delta(ra, rb),
            }
        )
    diff = list(
        difflib.unified_diff(
            a["final_output"].splitlines(),
            b["final_output"].splitlines(),
            fromfile=f"a/{a['session_id']}",
            tofile=f"b/{b['session_id']}",
            lineterm="",
        )
    )
    return Comparison(
        a=a,
        b=b,
        agents=rows,
        totals=_delta(a, b),
        output_diff=diff,
        parting=first_parting(trajectory(events_a), trajectory(events_b)),
    )
