"""What a scenario says, as validated values: the runtime's input.

The models live in core (the runtime reads them; core imports nothing above it). Reading TOML,
file/line error messages and the checks that ask the registries (tools, patterns) are in
``agentlab.scenario``, which builds these.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from agentlab.core.budget import LIMIT_KINDS
from agentlab.core.labmodels import LAB_MODELS


def checked_schema(v: dict[str, Any] | None) -> dict[str, Any] | None:
    """``v`` if it is a valid JSON schema (draft 2020-12), else ValueError saying why (a
    pydantic validator for scenario and eval fields)."""
    if v is not None:
        import jsonschema  # only files that declare a schema pay for the import

        try:
            jsonschema.Draft202012Validator.check_schema(v)
        except jsonschema.SchemaError as exc:
            raise ValueError(f"not a valid JSON schema: {exc.message}") from None
    return v


class Problem(NamedTuple):
    """A mistake in a scenario that parses: the dotted key it is at, and what is wrong.

    Checks that live with a registry (a pattern's own rules) return these; the loader adds the
    file and line."""

    key: str
    message: str
    #: A more precise key to find the line by (a script turn's ``tool``), when not ``key``.
    at: str = ""


_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

# Limits on what a scenario may ask for, so a typo cannot make a run hang or allocate without
# end (documented in the README's scenario reference):
#: A lab model's simulated time to first token (also ``agentlab run --lab-latency``).
MAX_LAB_LATENCY_MS = 60_000.0
#: A lab model's simulated speed: 0 (instant) or at least this many tokens per second.
MIN_LAB_TOKENS_PER_S = 1.0
#: One model call's output tokens.
MAX_OUTPUT_TOKENS = 1_000_000


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)


class ScriptCall(_Model):
    tool: str
    args: dict[str, Any] = Field(default_factory=dict)


class ScriptTurn(_Model):
    """One turn of a lab/scripted agent: text, one tool call, or several calls at once."""

    text: str = ""
    tool: str | None = None
    args: dict[str, Any] = Field(default_factory=dict)
    calls: list[ScriptCall] = Field(default_factory=list)
    #: Say this turn N times (to script an agent going round in circles).
    repeat: int = Field(default=1, ge=1, le=1000)

    @model_validator(mode="after")
    def _one_kind(self) -> ScriptTurn:
        if not self.text and self.tool is None and not self.calls:
            raise ValueError("a script turn needs `text`, `tool` or `calls`")
        return self


#: The largest count cap: SQLite's INTEGER is 64-bit (a bigger one is a typo, not a cap).
MAX_COUNT = 2**63 - 1


class Limits(_Model):
    """Hard caps. Session-wide at the top level, per agent under ``agents[i].limits``."""

    input_tokens: int | None = Field(default=None, ge=1, le=MAX_COUNT)
    output_tokens: int | None = Field(default=None, ge=1, le=MAX_COUNT)
    total_tokens: int | None = Field(default=None, ge=1, le=MAX_COUNT)
    cost_usd: float | None = Field(default=None, gt=0)
    steps: int | None = Field(default=None, ge=1, le=MAX_COUNT)
    tool_calls: int | None = Field(default=None, ge=0, le=MAX_COUNT)
    wall_time_s: float | None = Field(default=None, gt=0)
    #: Warn when a cap is this fraction used.
    warn_at: float = Field(default=0.8, gt=0, le=1)
    #: What hitting a cap does: end the run, or ask a person whether to raise it and go on.
    on_exceed: Literal["stop", "pause"] = "stop"
    #: How a lead's budget is shared among its workers when they have no explicit slice:
    #: "equal" gives each worker 1/(n+1) of what is left (the lead keeps a share to answer);
    #: "on-demand" lets workers draw on the lead's budget until it runs out.
    split: Literal["equal", "on-demand"] = "on-demand"

    @field_validator("cost_usd", "wall_time_s", "warn_at", mode="before")
    @classmethod
    def _num(cls, v: Any) -> Any:
        return float(v) if isinstance(v, int) and not isinstance(v, bool) else v

    def caps(self) -> dict[str, float]:
        """The caps that are set, by kind."""
        return {k: float(v) for k in LIMIT_KINDS if (v := getattr(self, k)) is not None}


class LoopSettings(_Model):
    """Loop ("recursive thought") detection."""

    enabled: bool = True
    #: Same tool + same arguments this many times in a row is a loop.
    repeat: int = Field(default=3, ge=2)
    #: Tools that are legitimately called again and again (polling).
    exempt: list[str] = Field(default_factory=list)
    #: Warn, then nudge the model, then stop.
    nudge_after: int = Field(default=1, ge=0)
    stop_after: int = Field(default=2, ge=1)


class Price(_Model):
    """USD per million tokens."""

    input: float = Field(ge=0)
    output: float = Field(ge=0)

    @field_validator("input", "output", mode="before")
    @classmethod
    def _num(cls, v: Any) -> Any:
        return float(v) if isinstance(v, int) and not isinstance(v, bool) else v


class Approvals(_Model):
    """Human approval gates for risky tool calls (payments, customer data changes, ...)."""

    #: Tools that need a person's OK, on top of every tool marked risky (e.g. issue_refund).
    tools: list[str] = Field(default_factory=list)
    #: What happens when there is no person to ask (CI, --json, no terminal).
    policy: Literal["deny", "allow"] = "deny"


#: What an injection found in a text does: record it (``flag``), wrap the text in delimited
#: untrusted markers with a warning to the model (``quarantine``), or keep it from the model
#: (``block``; for the user's input, the agent stops with ``guardrail:input``).
InjectionAction = Literal["off", "flag", "quarantine", "block"]


class Guardrails(_Model):
    """The Guardrail Sandwich. Off unless the scenario has a ``[guardrails]`` table; each
    layer then has its own switch (a scenario that enables no layer pays nothing)."""

    #: Input layer: strip control and zero-width characters, surface hidden text.
    sanitise: bool = True
    #: Input layer: what an injection in the user's input (role ``user``) does.
    user_input: InjectionAction = "block"
    #: Input layer: what an injection in an untrusted tool output or document does.
    untrusted: InjectionAction = "quarantine"
    #: Detector score (0..1) from which a text counts as an injection.
    threshold: float = Field(default=0.5, gt=0, le=1)
    #: Tools whose output is trusted (not scanned). Every other tool's output is untrusted.
    trusted_tools: list[str] = Field(default_factory=list)
    #: Tools whose output is a retrieved document (trust label ``retrieved``, not ``tool``).
    retrieval_tools: list[str] = Field(
        default_factory=lambda: ["read_file", "search_docs", "http_get"]
    )
    #: Reasoning layer: refuse (and record) a call to a tool the agent was not given.
    allowlist: bool = True
    #: Reasoning layer: check a tool's arguments against its JSON schema before it runs.
    validate_arguments: bool = True
    #: Output layer: mask PII and secrets in replies (and so in final outputs).
    mask_output: bool = True
    #: Mask the model's replies where they are stored too (and so in the conversation the
    #: model goes on with). Off: what is stored stays exact (replay, rerun and debugging see
    #: the real text) and only what people see is masked (console, final outputs, exports).
    mask_storage: bool = False
    #: Output layer: a reply longer than this fails validation.
    max_output_chars: int | None = Field(default=None, ge=1)
    #: Output layer: a final reply must match this regular expression.
    output_regex: str | None = None
    #: Output layer: a final reply must be JSON valid against this JSON schema (an inline
    #: table; a reply fenced in a ```json block counts).
    output_schema: dict[str, Any] | None = None
    #: Output layer: a final reply that fails validation is sent back once with the error
    #: (the model reads it and tries again) before ``on_invalid_output`` applies.
    output_retry: bool = True
    #: What a reply that still fails does: stop the agent (``guardrail:output``) or ask a
    #: person (the approval flow of risky tools; a denial stops it, an approval lets it stand).
    on_invalid_output: Literal["stop", "ask"] = "stop"
    #: Output layer: where a final reply states its confidence: a key (``a.b`` for a nested
    #: one) of the reply's JSON object holding a number from 0 to 1. A final reply without it
    #: fails validation (above); one below ``min_confidence`` gets ``on_low_confidence``.
    confidence_field: str | None = Field(default=None, min_length=1)
    #: The confidence from which a reply stands on its own.
    min_confidence: float = Field(default=0.5, gt=0, le=1)
    #: A reply less confident than that: a person decides (``ask``, the approval flow of risky
    #: tools: approved, it stands; denied, ``guardrail:output``), the agent stops (``stop``,
    #: ``guardrail:output``), or it stands and the verdict is recorded (``flag``).
    on_low_confidence: Literal["ask", "stop", "flag"] = "ask"
    #: Acknowledge a lethal trifecta on purpose: the reason (``agentlab audit`` reports it).
    trifecta_reason: str = ""

    @field_validator("threshold", "min_confidence", mode="before")
    @classmethod
    def _num(cls, v: Any) -> Any:
        return float(v) if isinstance(v, int) and not isinstance(v, bool) else v

    @field_validator("output_schema")
    @classmethod
    def _schema(cls, v: dict[str, Any] | None) -> dict[str, Any] | None:
        return checked_schema(v)

    @field_validator("output_regex")
    @classmethod
    def _regex(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                re.compile(v)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression: {exc}") from None
        return v


class LabSettings(_Model):
    """Simulated latency for the offline lab models (zero in tests)."""

    ttft_ms: float = Field(default=0.0, ge=0, le=MAX_LAB_LATENCY_MS)
    #: 0 streams instantly; otherwise at least MIN_LAB_TOKENS_PER_S.
    tokens_per_s: float = Field(default=0.0, ge=0, le=1e9)
    #: ``lab/flaky``: the share of runs it gets wrong (0..1), and the seed of its draw (the
    #: eval runner adds the repeat number to it).
    fail_rate: float = Field(default=0.0, ge=0, le=1)
    seed: int = Field(default=0, ge=0)

    @field_validator("tokens_per_s")
    @classmethod
    def _speed(cls, v: float) -> float:
        if 0 < v < MIN_LAB_TOKENS_PER_S:
            raise ValueError(f"must be 0 (instant) or at least {MIN_LAB_TOKENS_PER_S:g}")
        return v

    @field_validator("ttft_ms", "tokens_per_s", "fail_rate", mode="before")
    @classmethod
    def _num(cls, v: Any) -> Any:
        return float(v) if isinstance(v, int) and not isinstance(v, bool) else v


class AgentSpec(_Model):
    name: str
    instructions: str = "You are a helpful assistant."
    model: str = "lab/auto"
    tools: list[str] = Field(default_factory=list)
    #: lead / worker / supervisor / aggregator ... (derived from the pattern when omitted)
    role: str = ""
    #: Agents this one may delegate to (orchestrator-worker, hierarchical, supervisor).
    workers: list[str] = Field(default_factory=list)
    #: Agents this one may hand the conversation to (handoff pattern).
    handoffs: list[str] = Field(default_factory=list)
    limits: Limits | None = None
    price_as: str | None = None
    max_tokens: int | None = Field(default=None, ge=1, le=MAX_OUTPUT_TOKENS)
    script: list[ScriptTurn] = Field(default_factory=list)
    #: Lab models only: fail every call with this message (to exercise error handling).
    fail: str = ""

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not _NAME.match(v):
            raise ValueError("use letters, digits, '-' and '_' only (1-64 characters)")
        return v

    @field_validator("model")
    @classmethod
    def _model(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("expected a model name, e.g. lab/scripted or gpt-4o-mini")
        if v.startswith("lab/") and v not in LAB_MODELS:
            raise ValueError(
                f"unknown lab model {v!r} (lab models: {', '.join(sorted(LAB_MODELS))})"
            )
        return v


class Scenario(_Model):
    name: str
    description: str = ""
    task: str
    #: A name in the pattern registry (the loader, ``agentlab.scenario``, checks it).
    pattern: str = "single"
    agents: list[AgentSpec] = Field(min_length=1)
    #: First agent to run (handoff) or the lead (orchestrator-worker, supervisors).
    entry: str | None = None
    workspace: str | None = None
    docs: str | None = None
    #: Hosts a network tool (``http_get``) may reach; empty (the default): no network.
    hosts: list[str] = Field(default_factory=list)
    max_concurrency: int = Field(default=4, ge=1, le=64)
    price_as: str | None = None
    limits: Limits = Field(default_factory=Limits)
    loops: LoopSettings = Field(default_factory=LoopSettings)
    lab: LabSettings = Field(default_factory=LabSettings)
    approvals: Approvals = Field(default_factory=Approvals)
    #: The Guardrail Sandwich; None (no ``[guardrails]`` table) runs no guardrail check.
    guardrails: Guardrails | None = None
    prices: dict[str, Price] = Field(default_factory=dict)
    #: Where the file was read from (set by the loader, not the file).
    path: str = ""

    @model_validator(mode="after")
    def _refs(self) -> Scenario:
        names = [a.name for a in self.agents]
        for i, name in enumerate(names):
            if name in names[:i]:
                raise RefError(
                    f"agents[{i}].name", f"agent names must be unique: {name!r} is used twice"
                )
        known = set(names)
        if self.entry is not None and self.entry not in known:
            raise RefError("entry", f"no agent named {self.entry!r}")
        for i, a in enumerate(self.agents):
            for key in ("workers", "handoffs"):
                for ref in getattr(a, key):
                    if ref not in known:
                        raise RefError(f"agents[{i}].{key}", f"no agent named {ref!r}")
                    if ref == a.name:
                        raise RefError(f"agents[{i}].{key}", "an agent cannot name itself")
        return self

    def agent(self, name: str) -> AgentSpec:
        for a in self.agents:
            if a.name == name:
                return a
        raise KeyError(name)

    @property
    def entry_agent(self) -> AgentSpec:
        return self.agent(self.entry) if self.entry else self.agents[0]

    @property
    def base_dir(self) -> Path:
        return Path(self.path).parent if self.path else Path.cwd()

    def resolve(self, rel: str | None) -> Path | None:
        return None if rel is None else (self.base_dir / rel).resolve()


class RefError(ValueError):
    """A cross-reference that does not resolve (an unknown agent name); ``key`` says where."""

    def __init__(self, key: str, message: str) -> None:
        self.key = key
        super().__init__(message)
