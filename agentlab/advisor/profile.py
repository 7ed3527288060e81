"""The advisor's input: a `Profile` of answers, validated with one-line errors.

The field names and values are the non-interactive contract (`agentlab advise --profile`), so
they do not change. Every error names the key and the values it accepts, e.g.
``profile: budget: expected one of "limited", "ample", got "huge"``.
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

_CHOICES: dict[str, tuple[str, ...]] = {
    "agents": AGENTS,
    "workflow": WORKFLOWS,
    "org": ORGS,
    "budget": BUDGETS,
    "stack": STACKS,
}
_BOOLS = ("compliance", "self_host", "open_source", "agent_specific")


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
    """A person's answers. Only `agents` is required (and `workflow` when agents = "multi")."""

    agents: Agents
    """One agent with tools, several collaborating agents, or learning/teaching the concepts."""
    workflow: Workflow | None = None
    """What the agents do together; read only when agents = "multi"."""
    org: Org = "startup"
    departments: int = 1
    """Business units that will run agents; more than one in a large enterprise means a
    supervisor of supervisors."""
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
    def from_mapping(cls, data: Any) -> Profile:
        """Validate parsed TOML/JSON. A JSON ``null`` for an optional key means "not given"."""
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
        return cls(**{k: v for k, v in data.items() if v is not None})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def large_multi_department(self) -> bool:
        """Many business units in a large enterprise (the article's supervisor-of-supervisors case)."""
        return self.org == "large-enterprise" and self.departments > 1

    @property
    def has_monitoring_preference(self) -> bool:
        return (
            self.stack == "langchain" or self.self_host or self.open_source or self.agent_specific
        )
