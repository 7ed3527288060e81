"""Received spans assembled into agentlab sessions, as events on a bus.

Spans arrive out of order: an exporter sends a span when it *ends*, in batches (every 5 s by
default, or at shutdown), so children come before their parents and a trace's root comes last.
The assembler builds each trace's tree as spans arrive and emits agentlab events
(``session_started``, ``agent_*``, ``llm_call_*``, ``tool_call_*``) for every span whose
ancestry is known: up to the trace's root, or up to a span already emitted. A span whose parent
has not arrived is *held*. When the parent arrives, the held subtree is emitted in time order,
each span under its nearest agent, model-call or tool ancestor, attributed to its nearest agent.

Memory while parents are missing is bounded: at most ``max_held`` spans are held in all (each
string attribute already cut to 64 KiB by the decoder), and none longer than ``orphan_wait``
seconds. A span pushed out by either bound is emitted at once under the session itself, with
the agent it names or none; when its parent arrives later, the parent is emitted as usual. A
span's own id is allocated when it is first referenced, so nothing is ever re-parented.

A session is a ``session.id`` (or conversation/thread id) when spans carry one, else a trace.
It is complete when every trace in it has its root and nothing more came for ``idle`` seconds.

Tokens are counted once per model call: on the outermost model-call span (a model-call span
below another, e.g. the OpenAI instrumentor under LangChain's, gives its usage to the outer one
when that has none). Agent and chain aggregates are never read. Cost is the span's own cost
attribute, else agentlab's price for the model, else unpriced.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from agentlab.core import otel_in
from agentlab.core.events import (
    AgentEnded,
    AgentStarted,
    AnyEvent,
    CheckEnded,
    CheckStarted,
    LimitExceeded,
    LlmCallEnded,
    LlmCallStarted,
    LoopDetected,
    SessionEnded,
    SessionStarted,
    ToolCallEnded,
    ToolCallStarted,
    new_id,
    new_session_id,
)
from agentlab.core.loops import LoopDetector
from agentlab.core.otel_in import InSpan, Role

#: The agent of calls that no agent span encloses (a bare litellm or OpenAI call).
UNATTRIBUTED = "app"

#: Ended sessions kept in memory for the live view (older ones are only in the database).
KEEP_ENDED = 50
IDLE_S = 2.0
ORPHAN_WAIT_S = 60.0
MAX_HELD = 20_000


@dataclass(frozen=True)
class Caps:
    """Alert thresholds for collected sessions (a collected run cannot be stopped: crossing
    one is flagged and recorded as a ``limit_exceeded`` event)."""

    cost_usd: float | None = None
    total_tokens: int | None = None

    def items(self) -> list[tuple[str, float]]:
        out: list[tuple[str, float]] = []
        if self.cost_usd is not None:
            out.append(("cost_usd", self.cost_usd))
        if self.total_tokens is not None:
            out.append(("total_tokens", float(self.total_tokens)))
        return out


@dataclass(slots=True, eq=False)
class Node:
    """One span of a session's tree. ``span`` is dropped once the span is emitted."""

    span: InSpan | None
    role: Role
    parent: str | None
    our_id: str
    arrived: float
    emitted: bool = False
    #: Our id of the nearest emitted ancestor span (agent, model call, tool) or the session.
    placed_parent: str = ""
    #: The agent this span belongs to (its own name for an agent span).
    agent: str = ""
    #: The outermost model-call span above this one (its tokens are counted there).
    llm_owner: str | None = None
    #: Usage, model and cost given up by a nested model-call span.
    inner: tuple[int, int, str, float | None] | None = None
    #: The nearest agent span (this one, for an agent) and, for an agent, its first model.
    agent_node: str | None = None
    model: str = ""


@dataclass(eq=False)
class SessionState:
    """One collected session: its tree and what the live view shows."""

    id: str
    key: str
    span_id: str = field(default_factory=new_id)
    framework: str = ""
    service: str = ""
    started: bool = False
    ended: bool = False
    status: str = "running"
    nodes: dict[str, Node] = field(default_factory=dict)
    held: dict[str, Node] = field(default_factory=dict)
    open_traces: set[str] = field(default_factory=set)
    done_traces: set[str] = field(default_factory=set)
    first_start: float = 0.0
    last_end: float = 0.0
    last_arrival: float = 0.0
    spans: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    unpriced_calls: int = 0
    llm_calls: int = 0
    tool_calls: int = 0
    agents: list[str] = field(default_factory=list)
    crossed: dict[str, float] = field(default_factory=dict)
    loops: list[str] = field(default_factory=list)
    detectors: dict[str, LoopDetector] = field(default_factory=dict)
    errors: int = 0
    final_output: str = ""
    root_error: str = ""

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens


class Assembler:
    """Feed it decoded spans (:meth:`add`) and the time (:meth:`tick`); it emits events."""

    def __init__(
        self,
        emit: Callable[[AnyEvent], None],
        *,
        caps: Caps | None = None,
        idle: float = IDLE_S,
        orphan_wait: float = ORPHAN_WAIT_S,
        max_held: int = MAX_HELD,
        on_end: Callable[[SessionState], None] | None = None,
    ) -> None:
        self._emit = emit
        self.caps = caps or Caps()
        self.idle = idle
        self.orphan_wait = orphan_wait
        self.max_held = max_held
        self.on_end = on_end
        self.sessions: dict[str, SessionState] = {}
        self._by_trace: dict[str, SessionState] = {}
        self._by_key: dict[str, SessionState] = {}
        self._ended: list[str] = []
        self.held = 0
        self.spans = 0
        self.duplicates = 0
        self.forced = 0

    # --- input ---------------------------------------------------------------------------

    def add(self, spans: Iterable[InSpan], now: float) -> None:
        """Take one batch of received spans (any order, any traces)."""
        by_trace: dict[str, list[InSpan]] = {}
        for sp in spans:
            by_trace.setdefault(sp.trace_id, []).append(sp)
        touched: list[SessionState] = []
        for trace_id, batch in by_trace.items():
            s = self._session_for(trace_id, batch)
            for sp in batch:
                self._add_span(s, sp, now)
            if s not in touched:
                touched.append(s)
        for s in touched:
            self._resolve(s, forced=())
        if self.held > self.max_held:
            self._force_oldest(self.held - self.max_held)

    def _session_for(self, trace_id: str, batch: list[InSpan]) -> SessionState:
        s = self._by_trace.get(trace_id)
        if s is not None and not s.ended:
            return s
        key = next((k for k in map(otel_in.session_key, batch) if k), None) or trace_id
        s = self._by_key.get(key)
        if s is None or s.ended:
            s = SessionState(id=new_session_id(), key=key)
            self.sessions[s.id] = s
            self._by_key[key] = s
        scopes = [otel_in.framework(sp.scope) for sp in batch if sp.scope]
        known = [f for f in scopes if f in {name for _, name in otel_in.FRAMEWORKS}]
        if not s.framework or (known and s.framework not in known):
            s.framework = (known or scopes or [s.framework or "unknown"])[0]
        s.service = s.service or next((sp.service for sp in batch if sp.service), "")
        self._by_trace[trace_id] = s
        if trace_id not in s.done_traces:
            s.open_traces.add(trace_id)
        return s

    def _add_span(self, s: SessionState, sp: InSpan, now: float) -> None:
        self.spans += 1
        existing = s.nodes.get(sp.span_id)
        if existing is not None and (existing.emitted or existing.span is not None):
            self.duplicates += 1  # an exporter's retry: already have it
            return
        role = otel_in.role(sp)
        our = existing.our_id if existing is not None else new_id()
        node = Node(sp, role, sp.parent_id, our, now)
        s.nodes[sp.span_id] = node
        s.held[sp.span_id] = node
        self.held += 1
        s.spans += 1
        s.last_arrival = now
        s.first_start = min(s.first_start or sp.start, sp.start)
        s.last_end = max(s.last_end, sp.end)
        if sp.parent_id is None:
            s.open_traces.discard(sp.trace_id)
            s.done_traces.add(sp.trace_id)
            if sp.error:
                s.root_error = sp.error_message or f"span {sp.name!r} failed"
        elif sp.parent_id not in s.nodes:
            # Allocate the parent's id now, so this span's parent link never changes.
            s.nodes[sp.parent_id] = Node(None, "other", None, new_id(), now)
        if role != "other" and not s.started:
            self._start(s)

    # --- time ----------------------------------------------------------------------------

    def tick(self, now: float) -> list[SessionState]:
        """Push out spans held too long and end the sessions that are complete. Returns the
        sessions ended now."""
        ended: list[SessionState] = []
        for s in list(self.sessions.values()):
            if s.ended:
                continue
            stale = [sid for sid, n in s.held.items() if now - n.arrived >= self.orphan_wait]
            if stale:
                self._resolve(s, forced=stale)
            if not s.open_traces and now - s.last_arrival >= self.idle:
                self._end(s, interrupted=False)
                ended.append(s)
        return ended

    def close(self) -> list[SessionState]:
        """End every open session (the receiver is stopping): held spans are emitted first; a
        session whose root never came is recorded as interrupted."""
        ended = []
        for s in list(self.sessions.values()):
            if not s.ended:
                self._end(s, interrupted=bool(s.open_traces))
                ended.append(s)
        return ended

    def _force_oldest(self, count: int) -> None:
        oldest = sorted(
            ((n.arrived, s.id, sid) for s in self.sessions.values() for sid, n in s.held.items()),
        )[:count]
        by_session: dict[str, list[str]] = {}
        for _, session_id, sid in oldest:
            by_session.setdefault(session_id, []).append(sid)
        for session_id, sids in by_session.items():
            self._resolve(self.sessions[session_id], forced=sids)

    # --- placing and emitting ------------------------------------------------------------

    def _grounded(self, s: SessionState, forced: Iterable[str]) -> list[Node]:
        """Held spans whose ancestry is known (to a root, an emitted span or a forced span),
        parents before children (a walk up each chain, no recursion: traces can be deep)."""
        forced_set = set(forced)
        level: dict[str, int] = {}  # held span id -> depth below its known ancestor; -1: not
        for sid in s.held:
            path: list[str] = []
            cur: str | None = sid
            base = -1
            while cur is not None:
                if cur in level:
                    base = level[cur] + 1 if level[cur] >= 0 else -1
                    break
                node = s.nodes.get(cur)
                if node is None or cur in path or (not node.emitted and node.span is None):
                    break  # missing, or a cycle in bad input
                if node.emitted:
                    base = 0
                    break
                path.append(cur)
                if node.parent is None or cur in forced_set:
                    base = 0
                    break
                cur = node.parent
            for i, held in enumerate(reversed(path)):
                level[held] = base + i if base >= 0 else -1
        group = [n for sid, n in s.held.items() if level.get(sid, -1) >= 0]
        group.sort(
            key=lambda n: (level[n.span.span_id] if n.span else 0, n.span.start if n.span else 0.0)
        )
        return group

    def _resolve(self, s: SessionState, forced: Iterable[str]) -> None:
        forced = list(forced)
        group = self._grounded(s, forced)
        if not group:
            return
        self.forced += sum(1 for sid in forced if sid in s.held)
        forced_set = set(forced)
        depth: dict[str, int] = {}
        # Pass 1: place each span (the group has parents before children).
        for n in group:
            sp = n.span
            assert sp is not None
            parent = s.nodes.get(sp.parent_id) if sp.parent_id else None
            if parent is None or sp.span_id in forced_set or not (parent.emitted or parent.span):
                n.placed_parent, n.llm_owner = s.span_id, None
                n.agent, n.agent_node = "", None
                depth[n.our_id] = 1
            else:
                placed = parent.role != "other" and not _absorbed(parent)
                n.placed_parent = parent.our_id if placed else parent.placed_parent
                n.agent, n.agent_node = parent.agent, parent.agent_node
                if parent.role == "llm" and not _absorbed(parent):
                    n.llm_owner = sp.parent_id
                else:
                    n.llm_owner = parent.llm_owner
                depth[n.our_id] = depth.get(parent.our_id, 1) + 1
            if n.role == "agent":
                n.agent, n.agent_node = otel_in.agent_name(sp), sp.span_id
                n.model = otel_in.model(sp) or str(sp.attributes.get("model_name", ""))
                if n.agent not in s.agents:
                    s.agents.append(n.agent)
            elif not n.agent:
                own = otel_in.first(sp.attributes, otel_in.AGENT_NAME)
                n.agent = str(own) if own else ""
            if n.role == "llm" and n.agent_node is not None:
                owner_agent = s.nodes.get(n.agent_node)
                if owner_agent is not None and not owner_agent.model:
                    owner_agent.model = otel_in.model(sp)
            if n.role == "llm" and n.llm_owner is not None:
                owner = s.nodes.get(n.llm_owner)
                if owner is not None and owner.span is not None and owner.inner is None:
                    found = otel_in.usage(sp)
                    if found is not None:
                        m = otel_in.model(sp)
                        owner.inner = (*found, m, otel_in.sent_cost(sp))
        # Pass 2: events, in time order.
        timeline: list[tuple[float, int, int, int, AnyEvent]] = []
        for i, n in enumerate(group):
            sp = n.span
            assert sp is not None
            if sp.parent_id is None and not s.final_output:
                s.final_output = otel_in.span_output(sp)
            pair = self._events(s, n, sp)
            if pair is not None:
                d = depth.get(n.our_id, 1)
                timeline.append((sp.start, 0, d, i, pair[0]))
                timeline.append((sp.end, 1, -d, i, pair[1]))
        timeline.sort(key=lambda t: t[:4])
        for n in group:
            assert n.span is not None
            del s.held[n.span.span_id]
            n.emitted = True
            n.span = None
            self.held -= 1
        for *_, event in timeline:
            self._out(s, event)

    def _events(self, s: SessionState, n: Node, sp: InSpan) -> tuple[AnyEvent, AnyEvent] | None:
        pair = self._pair(s, n, sp)
        if pair is None:
            return None
        for e, ts in zip(pair, (sp.start, sp.end), strict=True):
            e.session_id, e.span_id, e.ts, e.mono = s.id, n.our_id, ts, ts
        return pair

    def _pair(self, s: SessionState, n: Node, sp: InSpan) -> tuple[AnyEvent, AnyEvent] | None:
        """The start and end events of one span (ids and times are set by the caller)."""
        agent = n.agent or UNATTRIBUTED
        error = sp.error_message or (f"span {sp.name!r} failed" if sp.error else "")
        if n.role == "agent":
            parent = s.nodes.get(sp.parent_id) if sp.parent_id else None
            parent_agent = parent.agent if parent is not None and parent.agent else None
            return (
                AgentStarted(
                    parent_id=n.placed_parent,
                    agent=agent,
                    model=n.model,
                    parent_agent=parent_agent if parent_agent != agent else None,
                    input=otel_in.span_input(sp),
                ),
                AgentEnded(
                    agent=agent,
                    status="error" if sp.error else "completed",
                    stop_reason="error:span" if sp.error else "completed",
                    output=otel_in.span_output(sp),
                    error=error,
                ),
            )
        if n.role == "llm":
            if n.llm_owner is not None:
                return None  # the same call, seen by a second instrumentor: counted above
            model = otel_in.model(sp)
            found = otel_in.usage(sp)
            cost = otel_in.sent_cost(sp)
            if found is None and n.inner is not None:
                found, model, cost = n.inner[:2], model or n.inner[2], n.inner[3]
            if cost is None and found is not None:
                cost = otel_in.priced(model, otel_in.provider(sp), *found)
            content, calls, finish = otel_in.output(sp)
            inp, out = found or (0, 0)
            return (
                LlmCallStarted(
                    parent_id=n.placed_parent,
                    agent=agent,
                    model=model or sp.name,
                    messages=otel_in.input_messages(sp),
                ),
                LlmCallEnded(
                    agent=agent,
                    model=model or sp.name,
                    status="error" if sp.error else "completed",
                    content=content,
                    tool_calls=calls,
                    finish_reason=finish,
                    input_tokens=inp,
                    output_tokens=out,
                    cost_usd=cost,
                    error=error,
                ),
            )
        if n.role == "tool":
            tool, call_id, args, result = otel_in.tool_call(sp)
            return (
                ToolCallStarted(
                    parent_id=n.placed_parent,
                    agent=agent,
                    tool=tool,
                    call_id=call_id,
                    arguments=args,
                ),
                ToolCallEnded(
                    agent=agent,
                    tool=tool,
                    call_id=call_id,
                    result=result if not sp.error else (result or error),
                    is_error=sp.error,
                ),
            )
        return None

    def _start(self, s: SessionState) -> None:
        s.started = True
        self._emit(
            SessionStarted(
                session_id=s.id,
                span_id=s.span_id,
                ts=s.first_start,
                mono=s.first_start,
                scenario=s.service if s.service and "unknown_service" not in s.service else "",
                pattern=s.framework,
                config={
                    "source": "otlp",
                    "framework": s.framework,
                    "service": s.service,
                    "session_key": s.key,
                },
            )
        )

    def _out(self, s: SessionState, e: AnyEvent) -> None:
        """Emit one event and keep the live numbers, the caps and loop detection."""
        if not s.started:
            self._start(s)
        self._emit(e)
        if isinstance(e, LlmCallEnded):
            s.llm_calls += 1
            s.input_tokens += e.input_tokens
            s.output_tokens += e.output_tokens
            if e.cost_usd is None:
                s.unpriced_calls += 1
            else:
                s.cost_usd += e.cost_usd
            if e.status == "error":
                s.errors += 1
            if e.content.strip():
                self._loop(s, e, e.content, [])
            self._check_caps(s, e)
        elif isinstance(e, ToolCallStarted):
            s.tool_calls += 1
            call = {"function": {"name": e.tool, "arguments": e.arguments}}
            self._loop(s, e, "", [call])
        elif isinstance(e, AgentEnded | ToolCallEnded) and e.end_status() == "error":
            s.errors += 1
        elif isinstance(e, AgentStarted) and e.agent not in s.agents:
            s.agents.append(e.agent)

    def _check_caps(self, s: SessionState, e: LlmCallEnded) -> None:
        for kind, cap in self.caps.items():
            value = s.cost_usd if kind == "cost_usd" else float(s.total_tokens)
            if value > cap and kind not in s.crossed:
                s.crossed[kind] = value
                self._emit(
                    LimitExceeded(
                        session_id=s.id,
                        span_id=s.span_id,
                        ts=e.ts,
                        mono=e.mono,
                        agent=e.agent,
                        limit=kind,
                        value=value,
                        cap=cap,
                    )
                )

    def _loop(
        self, s: SessionState, e: LlmCallEnded | ToolCallStarted, text: str, calls: Any
    ) -> None:
        detector = s.detectors.get(e.agent)
        if detector is None:
            # A collected run cannot be nudged or stopped: every detection is a warning.
            detector = s.detectors[e.agent] = LoopDetector(nudge_after=10**9, stop_after=10**9)
        found = detector.observe(text, calls)
        if found is None:
            return
        s.loops.append(f"{e.agent}: {found.detail}")
        parent = e.parent_id if isinstance(e, ToolCallStarted) else None
        check_id = new_id()
        subject = e.tool if isinstance(e, ToolCallStarted) else "reply"
        events: list[AnyEvent] = [
            CheckStarted(
                parent_id=parent or s.span_id,
                agent=e.agent,
                check="loop",
                stage="reasoning",
                subject=subject,
            ),
            LoopDetected(agent=e.agent, pattern=found.pattern, action="warn", detail=found.detail),
            CheckEnded(
                agent=e.agent,
                check="loop",
                stage="reasoning",
                verdict="flag",
                reason=found.detail,
                detail={"pattern": found.pattern},
            ),
        ]
        for event in events:
            event.session_id, event.span_id, event.ts, event.mono = s.id, check_id, e.ts, e.mono
            self._emit(event)

    def _end(self, s: SessionState, *, interrupted: bool) -> None:
        if s.held:
            self._resolve(s, forced=list(s.held))
        s.ended = True
        self._by_key.pop(s.key, None)
        for trace_id in s.open_traces | s.done_traces:
            if self._by_trace.get(trace_id) is s:
                del self._by_trace[trace_id]
        s.nodes.clear()
        s.detectors.clear()
        self._ended.append(s.id)
        if len(self._ended) > KEEP_ENDED:
            self.sessions.pop(self._ended.pop(0), None)
        if not s.started:  # nothing but chains and HTTP spans: not an agent session
            s.status = "ignored"
            del self.sessions[s.id]
            return
        if interrupted:
            status, reason, error = "interrupted", "interrupted", "the root span never arrived"
        elif s.root_error:
            status, reason, error = "error", "error:span", s.root_error
        else:
            status, reason, error = "completed", "completed", ""
        s.status = status
        usage: dict[str, Any] = {
            "input_tokens": s.input_tokens,
            "output_tokens": s.output_tokens,
            "total_tokens": s.total_tokens,
            "cost_usd": None if s.unpriced_calls else round(s.cost_usd, 10),
            "steps": s.llm_calls,
            "tool_calls": s.tool_calls,
        }
        if self.caps.items():
            usage["limits"] = {
                kind: {
                    "cap": cap,
                    "used": round(s.cost_usd, 10) if kind == "cost_usd" else s.total_tokens,
                }
                for kind, cap in self.caps.items()
            }
        self._emit(
            SessionEnded(
                session_id=s.id,
                span_id=s.span_id,
                ts=s.last_end or s.first_start,
                mono=s.last_end or s.first_start,
                status=status,  # type: ignore[arg-type]
                stop_reason=reason,
                final_output=s.final_output,
                error=error,
                usage=usage,
            )
        )
        if self.on_end is not None:
            self.on_end(s)


def _absorbed(n: Node) -> bool:
    return n.role == "llm" and n.llm_owner is not None
