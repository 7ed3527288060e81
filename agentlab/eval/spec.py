"""What a case expects of a run, as validated values (the ``[expect]`` table).

The format is documented in docs/eval.md; each field's comment below says what it checks. Every
key is optional, but a case must expect *something* beyond finishing (the loader refuses an
empty ``[expect]``): an expectation that any model passes tests nothing.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from agentlab.core.spec import checked_schema

RunStatus = Literal["completed", "stopped", "error", "any"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)


def _regexes(values: list[str]) -> list[str]:
    for v in values:
        try:
            re.compile(v)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression {v!r}: {exc}") from None
    return values


class CallExpect(_Model):
    """A tool call that must have happened: its tool, optionally its agent and arguments.

    ``args``: each named argument must match; a string is a regular expression searched in the
    argument's text (``"^6 \\* 12000"``), any other value must be equal."""

    tool: str
    agent: str | None = None
    args: dict[str, Any] = Field(default_factory=dict)

    @field_validator("args")
    @classmethod
    def _args(cls, v: dict[str, Any]) -> dict[str, Any]:
        _regexes([x for x in v.values() if isinstance(x, str)])
        return v


class AgentExpect(_Model):
    """What one agent (by name) did: ``[expect.agents.NAME]``."""

    #: Tools this agent called (at least once each).
    called: list[str] = Field(default_factory=list)
    #: Tools this agent never called.
    not_called: list[str] = Field(default_factory=list)
    #: Texts this agent's own output (its last answer) contains.
    output_contains: list[str] = Field(default_factory=list)
    #: At most this many model calls by this agent.
    max_steps: int | None = Field(default=None, ge=0)


class Milestone(_Model):
    """A named intermediate check, scored for partial credit. It is reached when everything it
    names holds: a call (``tool``, with ``agent`` and ``args`` as in ``[[expect.calls]]``), a
    tool result containing a text, an agent's output containing a text, or a check's verdict."""

    name: str
    tool: str | None = None
    agent: str | None = None
    args: dict[str, Any] = Field(default_factory=dict)
    #: A result of ``tool`` (or of any tool) contains this text.
    result_contains: str | None = None
    #: The output of ``agent`` (or of any agent) contains this text.
    output_contains: str | None = None
    #: A check (``input_guard``, ``allowlist``, ``approval``, ``loop``, ...) gave a verdict other
    #: than allow.
    check: str | None = None

    @model_validator(mode="after")
    def _something(self) -> Milestone:
        if not any((self.tool, self.result_contains, self.output_contains, self.check, self.agent)):
            raise ValueError(
                "a milestone needs tool, agent, result_contains, output_contains or check"
            )
        _regexes([x for x in self.args.values() if isinstance(x, str)])
        return self


class Safety(_Model):
    """``[expect.safety]``: read from the final output and the guardrail checks' verdicts."""

    #: The final output has no PII or secret (the output guardrail's own detectors).
    no_pii: bool = False
    #: The input guardrail flagged a prompt injection (plant one, and expect it caught).
    injection_detected: bool = False
    #: Every tool that actually ran was on its agent's tool list (a call the allowlist refused
    #: did not run, so it does not count).
    within_allowlist: bool = False
    #: Only these tools ran (an explicit allowlist for the whole session).
    allowed_tools: list[str] | None = None

    def any(self) -> bool:
        return bool(
            self.no_pii
            or self.injection_detected
            or self.within_allowlist
            or self.allowed_tools is not None
        )


class Judge(_Model):
    """An LLM-as-judge rubric (``[expect.judge]``): run only with a real model; offline it is
    skipped, and the report says so (never silently passed). The judge answers JSON
    ``{"verdict": "pass" | "fail", "score": 0..1, "reasoning": "..."}``."""

    rubric: str = Field(min_length=1)
    #: The judging model (``--judge-model`` wins; default: ``--model``, else the scenario's
    #: first real model). A lab model cannot judge.
    model: str | None = None
    #: Pass when the judge's score is at least this (0..1); without it, its verdict decides.
    threshold: float | None = Field(default=None, ge=0, le=1)

    @field_validator("threshold", mode="before")
    @classmethod
    def _num(cls, v: Any) -> Any:
        return float(v) if isinstance(v, int) and not isinstance(v, bool) else v

    @field_validator("rubric")
    @classmethod
    def _text(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("the rubric is empty")
        return v

    @field_validator("model")
    @classmethod
    def _model(cls, v: str | None) -> str | None:
        if v is not None and (not v.strip() or v.startswith("lab/")):
            raise ValueError("a lab model cannot judge (it knows no answers): name a real model")
        return v


class Expect(_Model):
    """The ``[expect]`` table of a scenario, or of a case in an eval file."""

    # --- how the run ends ---
    #: The run's status; ``any`` accepts every ending.
    status: RunStatus = "completed"
    #: The run's stop reason (``completed``, ``loop``, ``limit:steps``, ``guardrail:output``).
    stop_reason: str | None = None

    # --- the final output ---
    contains: list[str] = Field(default_factory=list)
    not_contains: list[str] = Field(default_factory=list)
    #: Regular expressions searched in the output (each must match).
    regex: list[str] = Field(default_factory=list)
    equals: str | None = None
    #: The output parses as JSON and validates against this JSON Schema.
    json_schema: dict[str, Any] | None = None

    # --- the trajectory ---
    #: Tools called at least once (any agent).
    called: list[str] = Field(default_factory=list)
    not_called: list[str] = Field(default_factory=list)
    #: Calls with their arguments (``[[expect.calls]]``).
    calls: list[CallExpect] = Field(default_factory=list)
    #: These tools were called in this order (others may come between).
    order: list[str] = Field(default_factory=list)
    #: At most this many model calls (steps) and tool calls in the whole session.
    max_steps: int | None = Field(default=None, ge=0)
    max_tool_calls: int | None = Field(default=None, ge=0)
    #: What each agent did, by name.
    agents: dict[str, AgentExpect] = Field(default_factory=dict)

    # --- spend ---
    max_tokens: int | None = Field(default=None, ge=0)
    max_cost_usd: float | None = Field(default=None, ge=0)
    max_seconds: float | None = Field(default=None, gt=0)

    # --- safety, milestones, judge ---
    safety: Safety = Field(default_factory=Safety)
    milestones: list[Milestone] = Field(default_factory=list)
    #: Milestones a run must reach to pass (default: all of them). The score counts them all.
    min_milestones: int | None = Field(default=None, ge=0)
    judge: Judge | None = None

    @field_validator("regex", mode="before")
    @classmethod
    def _one_or_many(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v

    @field_validator("regex")
    @classmethod
    def _valid(cls, v: list[str]) -> list[str]:
        return _regexes(v)

    @field_validator("max_cost_usd", "max_seconds", mode="before")
    @classmethod
    def _num(cls, v: Any) -> Any:
        return float(v) if isinstance(v, int) and not isinstance(v, bool) else v

    @field_validator("json_schema")
    @classmethod
    def _schema(cls, v: dict[str, Any] | None) -> dict[str, Any] | None:
        return checked_schema(v)

    @model_validator(mode="after")
    def _milestones(self) -> Expect:
        names = [m.name for m in self.milestones]
        for i, name in enumerate(names):
            if name in names[:i]:
                raise ValueError(f"milestone names must be unique: {name!r} is used twice")
        if self.min_milestones is not None and self.min_milestones > len(self.milestones):
            raise ValueError(
                f"min_milestones is {self.min_milestones} but there are "
                f"{len(self.milestones)} milestones"
            )
        return self

    def required_milestones(self) -> int:
        return len(self.milestones) if self.min_milestones is None else self.min_milestones

    def specific(self) -> bool:
        """Whether it expects anything beyond the run's ending."""
        return bool(
            self.contains
            or self.not_contains
            or self.regex
            or self.equals is not None
            or self.json_schema is not None
            or self.called
            or self.not_called
            or self.calls
            or self.order
            or self.max_steps is not None
            or self.max_tool_calls is not None
            or self.agents
            or self.max_tokens is not None
            or self.max_cost_usd is not None
            or self.max_seconds is not None
            or self.safety.any()
            or self.milestones
            or self.judge is not None
            or self.stop_reason is not None
        )
