"""What every agent in a session shares: the event bus and the session's span, the injected
model call, the tools' sandbox, the run options and the hooks through which people take part
(raise a cap, approve); and what one running agent is (:class:`AgentScope`)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from agentlab.core import llm, prices
from agentlab.core.budget import Budget
from agentlab.core.events import EventBus
from agentlab.core.models import ModelsConfig
from agentlab.core.spans import Span, root_span
from agentlab.core.spec import AgentSpec, Scenario
from agentlab.core.tokens import ConversationCounter
from agentlab.core.tools import ToolContext
from agentlab.errors import LimitExceededError

CompleteFn = Callable[[llm.LlmRequest, llm.OnDelta | None], Awaitable[llm.LlmResponse]]
#: Asked when a cap is hit and the scenario says ``on_exceed = "pause"``: return the new cap to
#: go on with, or None to stop.
RaiseCapFn = Callable[[LimitExceededError], Awaitable[float | None]]


async def never_raise(_: LimitExceededError) -> float | None:
    return None


@dataclass(frozen=True)
class ApprovalRequest:
    """What a person is asked about: a tool call (``tool``, its ``arguments`` and the JSON
    ``schema`` an edit of them must follow) or, with ``schema`` None, something else a check
    escalates (a reply that failed validation: ``tool`` is then ``"reply"``)."""

    agent: str
    tool: str
    arguments: dict[str, Any]
    #: The tool's JSON schema of arguments; None when the arguments cannot be edited.
    schema: dict[str, Any] | None = None
    #: Why a person is asked (the check's reason).
    reason: str = ""


#: How long an approval lasts: this call only, every call of the tool for the rest of the
#: session, or every call of the tool in every run of this scenario (remembered on disk).
Remember = Literal["once", "session", "always"]
#: Who decided: a person, or a rule (the scenario's policy, ``--approvals``).
DecidedBy = Literal["person", "policy"]


@dataclass(frozen=True)
class Decision:
    """An answer to an :class:`ApprovalRequest`.

    ``note`` is the reason (a denial's reason is what the model reads); ``arguments`` approves
    the call with these arguments instead (an edit, validated against the tool's schema);
    ``remember`` makes an approval last (see :data:`Remember`)."""

    approved: bool
    note: str = ""
    by: DecidedBy = "person"
    remember: Remember = "once"
    arguments: dict[str, Any] | None = None


#: Asks a person about a risky tool call; returns None when nobody can be asked (the scenario's
#: policy then decides).
ApproveFn = Callable[[ApprovalRequest], Awaitable[Decision | None]]


async def nobody_to_ask(_: ApprovalRequest) -> Decision | None:
    return None


@dataclass(frozen=True)
class RunOptions:
    """How to run a scenario (the CLI's flags, the TUI's run form)."""

    model: str | None = None  # overrides every agent's model
    api_base: str | None = None
    lab_latency_ms: float | None = None  # added to every lab call (time to first token)
    stream: bool = True  # stream tokens (someone is watching)
    caps: dict[str, float] = field(default_factory=dict)  # CLI cap overrides (session-wide)
    #: A rerun: the session it replays (recorded on the new session as its lineage), and
    #: where it was forked (``--fork-at``), if it was.
    source_session: str = ""
    fork_at: str = ""
    #: The models file (aliases, timeouts, retries, fallbacks); None: built-in defaults.
    models: ModelsConfig | None = None
    #: Tools a person approved "always" for this scenario (read by the caller from where it
    #: keeps them, ``approvalsfile.py``): their calls run without asking, recorded as such.
    approved_always: frozenset[str] = frozenset()


@dataclass
class RunContext:
    session_id: str
    scenario: Scenario
    bus: EventBus
    options: RunOptions = field(default_factory=RunOptions)
    complete: CompleteFn = llm.complete
    tool_ctx: ToolContext = field(default_factory=ToolContext)
    raise_cap: RaiseCapFn = never_raise
    approve: ApproveFn = nobody_to_ask
    semaphore: asyncio.Semaphore | None = None
    #: Tools approved for the rest of this session (a person's "session" or "always" answer).
    approved: dict[str, Remember] = field(default_factory=dict)
    _lab_configs: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)
    #: The session's span (set when the session opens; agents at the top open theirs below it).
    session_span: Span = field(init=False)

    def __post_init__(self) -> None:
        self.session_span = root_span(self.bus, self.session_id)
        self.approved.update(dict.fromkeys(self.options.approved_always, "always"))

    def model_for(self, spec: AgentSpec) -> str:
        return self.options.model or spec.model

    def call_settings(self, model: str) -> llm.CallSettings | None:
        """Timeouts, retries and fallbacks for a real model's calls (the models file)."""
        return None if self.options.models is None else self.options.models.settings(model)

    def price_as(self, spec: AgentSpec) -> str | None:
        return prices.price_as(self.scenario, spec)

    def price_for(self, spec: AgentSpec) -> tuple[float, float] | None:
        """USD per (input, output) token for this agent's calls; None when unpriced."""
        return prices.price_for(self.scenario, spec, self.model_for(spec))

    def lab_config(self, spec: AgentSpec) -> dict[str, Any]:
        """What a lab model is told about the agent it plays; built once per agent (dumping
        the script on every call was measured on the hot path)."""
        cached = self._lab_configs.get(spec.name)
        if cached is None:
            ttft = self.scenario.lab.ttft_ms + (self.options.lab_latency_ms or 0.0)
            cached = self._lab_configs[spec.name] = {
                "agent": spec.name,
                "script": [t.model_dump(exclude_defaults=True) for t in spec.script],
                "ttft_ms": ttft,
                "tokens_per_s": self.scenario.lab.tokens_per_s,
                "fail": spec.fail,
            }
            if self.scenario.lab.fail_rate:  # lab/flaky only (kept off every other request)
                cached["fail_rate"] = self.scenario.lab.fail_rate
                cached["seed"] = self.scenario.lab.seed
        return cached

    def limiter(self) -> asyncio.Semaphore:
        if self.semaphore is None:
            self.semaphore = asyncio.Semaphore(self.scenario.max_concurrency)
        return self.semaphore


@dataclass(frozen=True)
class AgentScope:
    """One running agent: the session it runs in, its spec, its budget and its span."""

    ctx: RunContext
    spec: AgentSpec
    budget: Budget
    span: Span
    #: Counts the agent's prompt incrementally (the gateway reserves it before every call).
    counter: ConversationCounter = field(default_factory=ConversationCounter, compare=False)

    @property
    def name(self) -> str:
        return self.spec.name
