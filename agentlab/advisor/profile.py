"""The advisor's input: a `Profile` of answers, validated with one-line errors.

The field names and values are the non-interactive contract (`agentlab advise --profile`), so
they do not change. Every error names the key and the values it accepts, e.g.
``profile: budget: expected one of "limited", "ample", got "huge"``.

A profile *file* must give every key the contract does not mark optional (`REQUIRED`: agents,
org, departments, compliance, budget, and workflow when agents = "multi");
``Profile.from_mapping(data, complete=True)`` checks that. The questionnaire fills in its own
answers, so it builds profiles without `complete` and the dataclass defaults apply. `workflow`
is only read for a team of agents: for any other `agents` it is rejected, not silently ignored.

`departments` counts the business units that will run agents. `MANY_BUSINESS_UNITS` (3) or more,
in a team of agents, is "many business units" — the article's supervisor-of-supervisors case —
whatever the organisation's size; see `Profile.many_business_units`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any, Literal, get_args

Agents = Literal["single", "multi", "learning"]
Workflow = Literal[
    "complex-branching", "multi-role-prototype", "conversational", "high-value-research"
]
Org = Literal["startup", "mid-size", "large-enterprise", "research", "education"]
Budget = Literal["limited", "ample"]
Stack = Literal["langchain", "none"]

AGENTS: tuple[str, ...] = get_args(Agents)
WORKFLOWS: tuple[str, ...] = get_args(Workflow)
ORGS: tuple[str, ...] = get_args(Org)
BUDGETS: tuple[str, ...] = get_args(Budget)
STACKS: tuple[str, ...] = get_args(Stack)

MANY_BUSINESS_UNITS = 3
"""From this many business units running agents, each unit gets its own supervisor and one
orchestrator serves them all (supervisor of supervisors). agentlab's threshold: the article says
"large multi-department" without a number. With two units a top-level orchestrator over two
supervisors adds a layer that routes between just two teams; one supervisor-led team, or one per
unit side by side, does the job, so two is not "many" — not even in a large enterprise."""

REQUIRED: tuple[str, ...] = ("agents", "workflow", "org", "departments", "compliance", "budget")
"""The keys a profile file must give (`workflow` only when agents = "multi"), in contract order."""
OPTIONAL: tuple[str, ...] = ("stack", "self_host", "open_source", "agent_specific")

_CHOICES: dict[str, tuple[str, ...]] = {
    "agents": AGENTS,
    "workflow": WORKFLOWS,
    "org": ORGS,
    "budget": BUDGETS,
    "stack": STACKS,
}
_BOOLS = ("compliance", "self_host", "open_source", "agent_specific")


def _required(key: str) -> str:
    if key == "workflow":
        return f'required when agents is "multi"; expected one of {_one_of(WORKFLOWS)}'
    if key == "departments":
        return "required; expected a whole number >= 1 (business units that will run agents)"
    if key in _BOOLS:
        return "required; expected true or false"
    return f"required; expected one of {_one_of(_CHOICES[key])}"


class ProfileError(ValueError):
    """A profile that cannot be used; the message is one line, fit to show a person as-is."""


def _show(value: Any) -> str:
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


def _one_of(values: tuple[str, ...]) -> str:
    return ", ".join(f'"{v}"' for v in values)


@dataclass(frozen=True)
class Profile:
    """A person's answers. Constructed directly (or from the questionnaire) only `agents` is
    required (and `workflow` when agents = "multi"); the rest default. Profile files must be
    complete: see `from_mapping(complete=True)`."""

    agents: Agents
    """One agent with tools, several collaborating agents, or learning/teaching the concepts."""
    workflow: Workflow | None = None
    """What the agents do together; read only when agents = "multi"."""
    org: Org = "startup"
    departments: int = 1
    """Business units that will run agents; `MANY_BUSINESS_UNITS` or more in a team of agents
    means a supervisor of supervisors, in any organisation. Not read for a single agent or for
    learning (nothing to orchestrate across units)."""
    compliance: bool = False
    """Regulated data or an audit trail is required: calls for the Guardrail Sandwich."""
    budget: Budget = "limited"
    """Defaults to "limited": the cautious assumption, since multi-agent runs cost ~15x chat."""
    stack: Stack = "none"
    self_host: bool = False
    open_source: bool = False
    """Monitoring must be fully open source."""
    agent_specific: bool = False
    """Needs agent-specific monitoring: session replay, loop (recursive thought) detection."""

    def __post_init__(self) -> None:
        for key, allowed in _CHOICES.items():
            value = getattr(self, key)
            if key == "workflow" and value is None:
                if self.agents == "multi":
                    raise ProfileError(
                        f'profile: workflow: required when agents is "multi"; '
                        f"expected one of {_one_of(allowed)}"
                    )
                continue
            if key == "workflow" and self.agents != "multi":
                raise ProfileError(
                    f'profile: workflow: only read when agents is "multi" (agents is '
                    f"{_show(self.agents)}); remove the key"
                )
            if not isinstance(value, str) or value not in allowed:
                raise ProfileError(
                    f"profile: {key}: expected one of {_one_of(allowed)}, got {_show(value)}"
                )
        for key in _BOOLS:
            value = getattr(self, key)
            if not isinstance(value, bool):
                raise ProfileError(f"profile: {key}: expected true or false, got {_show(value)}")
        deps = self.departments
        if isinstance(deps, bool) or not isinstance(deps, int) or deps < 1:
            raise ProfileError(
                f"profile: departments: expected a whole number >= 1, got {_show(deps)}"
            )

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    @classmethod
    def from_mapping(cls, data: Any, *, complete: bool = False) -> Profile:
        """Validate parsed TOML/JSON. A JSON ``null`` means "not given".

        With `complete` (profile files: the non-interactive contract) every key in `REQUIRED`
        must be given; the error names the first missing one with its allowed values, and any
        others on the same line. Without it, omitted keys take the dataclass defaults.
        """
        if not isinstance(data, Mapping):
            raise ProfileError(
                f"profile: expected a table of answers (key = value), got {type(data).__name__}"
            )
        allowed = cls.field_names()
        for key in data:
            if key not in allowed:
                raise ProfileError(
                    f"profile: unknown key {_show(key)}; allowed keys: {_one_of(allowed)}"
                )
        if data.get("agents") is None:
            raise ProfileError(f"profile: agents: required; expected one of {_one_of(AGENTS)}")
        given = {k: v for k, v in data.items() if v is not None}
        if complete:
            if given["agents"] not in AGENTS:  # a bad value first: it decides what is required
                cls(agents=given["agents"])
            missing = [
                k
                for k in REQUIRED
                if k not in given and (k != "workflow" or given["agents"] == "multi")
            ]
            if missing:
                also = f" (also missing: {', '.join(missing[1:])})" if missing[1:] else ""
                raise ProfileError(f"profile: {missing[0]}: {_required(missing[0])}{also}")
        return cls(**given)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def many_business_units(self) -> bool:
        """A team of agents run by `MANY_BUSINESS_UNITS` or more business units, in any
        organisation: the one-table summary's "large multi-department" row (LangGraph +
        supervisor, supervisor of supervisors)."""
        return self.agents == "multi" and self.departments >= MANY_BUSINESS_UNITS

    @property
    def large_multi_department(self) -> bool:
        """Many business units in a large enterprise: the one case where the enterprise
        monitoring suite (Braintrust) is inferred from the organisation itself."""
        return self.many_business_units and self.org == "large-enterprise"

    @property
    def has_monitoring_preference(self) -> bool:
        return (
            self.stack == "langchain" or self.self_host or self.open_source or self.agent_specific
        )
