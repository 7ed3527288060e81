"""Replay from a recording: a completion function that answers every model call with the
response recorded for it, so a rerun makes no model call at all.

A :class:`Cassette` is a :data:`agentlab.core.context.CompleteFn` (``(request, on_delta) ->
response``): the runtime hands it to the gateway in place of :func:`agentlab.core.llm.complete`
and everything else runs for real - tools, checks, caps, approvals and the recorder - on the
offline fast path (no litellm import, no tokenizer for the answer). Recorded token counts and
cost come back as recorded.

How a request is matched
------------------------
Per agent and in order: the recording's calls are queued by agent name, and a request is
answered by the first queued call of its agent whose *request* equals it. "Equals" compares

- the conversation the agent sends (every message's role, text, name, tool-call id, and the
  tool calls with their arguments parsed as JSON, so key order and spacing do not matter), and
- the names of the tools offered, in order.

That is exactly what the model saw and what decides its answer: a changed instruction (the
system message), a tool that now returns something else (a tool message), a different task, a
worker's different answer (the lead's tool message), a tool removed from an agent - each changes
the request, so the recorded answer no longer applies. Not compared: the model name (the
cassette answers in its place), ``max_tokens`` (the budget shrinks it call by call as caps run
down; a recorded reply that no longer fits is cut there as a model would cut it, so a lowered cap
shows what would have happened), and the tools' descriptions (the recording keeps only names).

Matching the first *equal* queued call rather than strictly the next one lets the concurrent
runs of one agent (a worker given two subtasks in one turn) start in any order.

When nothing matches, the run has diverged: the cassette raises :class:`ReplayDiverged` (a
``ModelError`` of kind ``replay_diverged``) with one line naming the agent, the step and what
differed, compared with the queued call that shares the longest start of conversation; every
later call fails with the same line, so the session stops at the first divergence. Given a
``live`` completion function (``--then-model``), it goes on live from there instead.
``fork`` makes calls from a step on live even when they still match (``--fork-at``).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from agentlab.core import llm, tokens
from agentlab.core.events import AnyEvent, LlmCallEnded, LlmCallStarted
from agentlab.core.labmodels import counted_as
from agentlab.core.matching import (
    Keys,
    MessageKeys,
    RequestKey,
    common_prefix,
    tool_names,
)
from agentlab.core.matching import describe_difference as describe_difference
from agentlab.errors import ModelError, UsageError

CompleteFn = Callable[[llm.LlmRequest, llm.OnDelta | None], Awaitable[llm.LlmResponse]]
#: Told (agent, message) when a call goes live: after a divergence or at the fork.
Notify = Callable[[str, str], None]

DIVERGED = "replay_diverged"
#: A call that was cancelled in the recording (a sibling hit a cap) has no answer. The same cap
#: is hit again in the rerun and cancels it; if that has not happened after this long, the run
#: went another way.
CANCELLED_WAIT_S = 5.0


class ReplayDiverged(ModelError):
    """The run no longer matches the recording (``str()`` is the one line to show)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, kind=DIVERGED)


@dataclass
class RecordedCall:
    """One model call of a recording: what was asked and what came back."""

    #: 1-based, in the order the recording started its calls (``--fork-at N``).
    index: int
    agent: str
    #: 1-based: this agent's k-th call in the session (``--fork-at AGENT:K``).
    agent_call: int
    #: The agent's step when it made the call (as the transcript numbers it).
    step: int
    model: str
    messages: list[dict[str, Any]]
    tools: list[str]
    #: ``completed``, ``error`` (the model failed), ``cancelled`` or ``missing`` (the recording
    #: ends before the answer).
    status: str = "missing"
    content: str = ""
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    finish_reason: str = "stop"
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float | None = None
    error: str = ""
    #: The call before this one in the same agent run, and how many leading messages this one
    #: shares with it (the same objects): its key is that call's key plus the new messages.
    prev: RecordedCall | None = field(default=None, repr=False)
    shared: int = 0


def recorded_calls(events: Iterable[AnyEvent]) -> list[RecordedCall]:
    """The model calls of a recorded session, in the order they started."""
    calls: list[RecordedCall] = []
    by_span: dict[str, RecordedCall] = {}
    per_agent: dict[str, int] = {}
    #: The previous call's messages in each agent run: a call repeats them and adds a few, and
    #: sharing the equal ones lets the matcher key each message once (``matching.Keys``).
    last: dict[str | None, RecordedCall] = {}
    for e in events:
        if isinstance(e, LlmCallStarted):
            per_agent[e.agent] = per_agent.get(e.agent, 0) + 1
            messages = list(e.messages)
            before = last.get(e.parent_id)
            shared = 0
            for m, p in zip(messages, before.messages if before else [], strict=False):
                if m is not p and m != p:  # loaded conversations share their prefix objects
                    break
                messages[shared] = p
                shared += 1
            call = RecordedCall(
                index=len(calls) + 1,
                agent=e.agent,
                agent_call=per_agent[e.agent],
                step=e.step,
                model=e.model,
                messages=messages,
                tools=list(e.tools),
                prev=before,
                shared=shared,
            )
            last[e.parent_id] = call
            calls.append(call)
            by_span[e.span_id] = call
        elif isinstance(e, LlmCallEnded) and e.span_id in by_span:
            call = by_span.pop(e.span_id)
            if e.status == "completed":
                call.status = "completed"
            else:
                call.status = "cancelled" if e.finish_reason == "cancelled" else "error"
            call.content, call.tool_calls = e.content, list(e.tool_calls)
            call.finish_reason = e.finish_reason or "stop"
            call.input_tokens, call.output_tokens = e.input_tokens, e.output_tokens
            call.cost_usd, call.error = e.cost_usd, e.error
    return calls


# --- the fork point ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ForkAt:
    """Where a fork goes live: from the session's N-th recorded call on, or (``AGENT:N``) from
    that agent's N-th call on."""

    step: int
    agent: str | None = None

    @classmethod
    def parse(cls, text: str) -> ForkAt:
        agent, _, step = text.rpartition(":")
        try:
            n = int(step)
        except ValueError:
            n = 0
        if n < 1:
            raise UsageError(
                f"--fork-at: expected STEP or AGENT:STEP with STEP a whole number >= 1, got {text!r}"
            )
        return cls(n, agent or None)

    def reached(self, call: RecordedCall) -> bool:
        if self.agent is None:
            return call.index >= self.step
        return call.agent == self.agent and call.agent_call >= self.step

    def __str__(self) -> str:
        return f"{self.agent}:{self.step}" if self.agent else str(self.step)


# --- the cassette --------------------------------------------------------------------------------


class Cassette:
    """Answers model calls from a recording (see the module docstring).

    ``live``: where calls go once the run has diverged or reached ``fork`` (the normal seam,
    with the model already switched by the caller); without it a divergence stops the run.
    """

    def __init__(
        self,
        calls: list[RecordedCall],
        *,
        live: CompleteFn | None = None,
        fork: ForkAt | None = None,
        notify: Notify | None = None,
        chunk: int = 12,
        masked: bool = False,
    ) -> None:
        self.calls = calls
        self.live = live
        self.fork = fork
        self.notify = notify
        self.chunk = chunk
        # A recording stored masked (mask_storage) is compared with requests masked the same way.
        mask: Callable[[Any], Any] | None = None
        if masked:
            from agentlab.core.checks.display import mask_value

            mask = mask_value
        self._keys = Keys(mask=mask)
        self._recorded_keys: dict[int, RequestKey] = {}
        self._queues: dict[str, list[RecordedCall]] = {}
        for c in calls:
            self._queues.setdefault(c.agent, []).append(c)
        #: The first divergence, as the line to show (None while the run matches).
        self.diverged: str | None = None
        self._live_agents: set[str] = set()
        self._forked = False
        #: Calls answered from the recording, and calls made live.
        self.replayed = 0
        self.live_calls = 0

    async def __call__(
        self, req: llm.LlmRequest, on_delta: llm.OnDelta | None = None
    ) -> llm.LlmResponse:
        if self.diverged is not None and self.live is None:
            raise ReplayDiverged(self.diverged)
        agent = req.agent or str((req.lab or {}).get("agent", ""))
        tools = tool_names(req)
        queue = self._queues.get(agent, [])
        key = self._keys.request(req.messages, tools)
        call = next((c for c in queue if self._key(c) == key), None)
        if call is not None:
            queue.remove(call)
            if self.fork is not None and self.fork.reached(call) and self.live is not None:
                self._forked = True
                return await self._go_live(
                    req, on_delta, agent, f"forked at step {self.fork}: {agent} goes on live"
                )
            if call.status != "missing":
                return await self._answer(call, req, on_delta)
            line = (
                f"replay diverged: agent {agent}, step {req.step or call.step}: the recording "
                "ends before this call was answered (the recorded run was cut short)"
            )
        else:
            line = self._divergence(agent, req, queue, tools)
        if self.diverged is None and not self._forked:
            self.diverged = line  # after the fork, parting from the recording is the point
        if self.live is None:
            raise ReplayDiverged(line)
        return await self._go_live(req, on_delta, agent, line + "; going on live")

    def _key(self, call: RecordedCall) -> RequestKey:
        key = self._recorded_keys.get(call.index)
        if key is not None:
            return key
        chain = [call]  # back to a call whose key is known (no recursion: runs can be long)
        while chain[-1].prev is not None and chain[-1].prev.index not in self._recorded_keys:
            chain.append(chain[-1].prev)
        for c in reversed(chain):
            head: MessageKeys = ()
            if c.prev is not None and c.shared:
                head = self._recorded_keys[c.prev.index][0][: c.shared]
            keys = head + tuple(map(self._keys.message, c.messages[len(head) :]))
            self._recorded_keys[c.index] = (keys, tuple(c.tools))
        return self._recorded_keys[call.index]

    def _divergence(
        self, agent: str, req: llm.LlmRequest, queue: list[RecordedCall], tools: list[str]
    ) -> str:
        head = f"replay diverged: agent {agent or '?'}, step {req.step or '?'}: "
        if not any(c.agent == agent for c in self.calls):
            known = ", ".join(sorted(self._queues)) or "none"
            return head + f"the recording has no calls by {agent!r} (it has: {known})"
        if not queue:
            made = sum(1 for c in self.calls if c.agent == agent)
            return head + f"the recording has no more calls by {agent} (it made {made})"
        best = max(queue, key=lambda c: common_prefix(c.messages, req.messages))
        return head + describe_difference(best.messages, best.tools, req.messages, tools)

    async def _go_live(
        self, req: llm.LlmRequest, on_delta: llm.OnDelta | None, agent: str, why: str
    ) -> llm.LlmResponse:
        assert self.live is not None
        if agent not in self._live_agents:
            self._live_agents.add(agent)
            if self.notify is not None:
                self.notify(agent, f"{why} on {req.model}")
        self.live_calls += 1
        return await self.live(req, on_delta)

    async def _answer(
        self, call: RecordedCall, req: llm.LlmRequest, on_delta: llm.OnDelta | None
    ) -> llm.LlmResponse:
        if call.status == "cancelled":
            # Cancelled in the recording: the same cap cancels it again (see CANCELLED_WAIT_S).
            await asyncio.sleep(CANCELLED_WAIT_S)
            raise ReplayDiverged(
                f"replay diverged: agent {call.agent}, step {req.step or call.step}: the "
                "recorded call was cancelled and nothing cancelled it this time"
            )
        if call.status != "completed":
            self.replayed += 1
            kind = llm._ERROR_KINDS.get(call.error.split(":", 1)[0], "model")
            raise ModelError(call.error or "the recorded call failed", kind=kind)
        self.replayed += 1
        resp = llm.LlmResponse(
            content=call.content,
            tool_calls=json.loads(json.dumps(call.tool_calls)),  # the agent may keep them
            finish_reason=call.finish_reason,
            input_tokens=call.input_tokens,
            output_tokens=call.output_tokens,
            cost_usd=call.cost_usd,
            model=call.model,
        )
        if req.max_tokens is not None and resp.output_tokens > req.max_tokens:
            _cut(resp, req)
        if on_delta is not None and resp.content:
            text = resp.content
            for i in range(0, len(text), self.chunk):
                on_delta(text[i : i + self.chunk])
        return resp


def _cut(resp: llm.LlmResponse, req: llm.LlmRequest) -> None:
    """Cut a recorded reply at a smaller ``max_tokens``, as a model would (no tool calls)."""
    assert req.max_tokens is not None
    model = counted_as(req.model, req.price_as)
    resp.content = tokens.truncate_text(resp.content, req.max_tokens, model)
    resp.tool_calls, resp.finish_reason = [], "length"
    out = tokens.count_text(resp.content, model)
    if resp.cost_usd is not None and req.price is not None:
        resp.cost_usd = resp.input_tokens * req.price[0] + out * req.price[1]
    elif resp.cost_usd is not None and resp.output_tokens:
        # Unknown split of the price: keep the recorded input share, scale the output.
        resp.cost_usd *= (resp.input_tokens + out) / (resp.input_tokens + resp.output_tokens)
    resp.output_tokens = out
