"""The advisor's input: a `Profile` of answers, validated with one-line errors.

The field names and values are the non-interactive contract (`agentlab advise --profile`), so
they do not change; new keys are only ever added as optional, so old profile files keep working.
Every error names the key and the values it accepts, e.g.
``profile: budget: expected one of "limited", "ample", got "huge"``.

A profile *file* must give every key the contract does not mark optional (`REQUIRED`: agents,
org, departments, compliance, budget, and workflow when agents = "multi");
``Profile.from_mapping(data, complete=True)`` checks that. The questionnaire fills in its own
answers, so it builds profiles without `complete` and the dataclass defaults apply. `workflow`
is only read for a team of agents: for any other `agents` it is rejected, not silently ignored.

`departments` counts the business units that will run agents. The supervisor of supervisors is
the article's pattern for a *large-scale, multi-department* organisation: a large enterprise with
`MANY_BUSINESS_UNITS` (3) or more units, or an explicit `platform = true` (one agent platform
serving several units); see `Profile.supervisor_of_supervisors`. Elsewhere many units keep the
workflow's pick.
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
Role = Literal["engineer", "tech-lead", "decision-maker"]
Provider = Literal["anthropic", "openai", "google", "other"]
Language = Literal["python", "typescript"]

AGENTS: tuple[str, ...] = get_args(Agents)
WORKFLOWS: tuple[str, ...] = get_args(Workflow)
ORGS: tuple[str, ...] = get_args(Org)
BUDGETS: tuple[str, ...] = get_args(Budget)
STACKS: tuple[str, ...] = get_args(Stack)
ROLES: tuple[str, ...] = get_args(Role)
PROVIDERS: tuple[str, ...] = get_args(Provider)
LANGUAGES: tuple[str, ...] = get_args(Language)

MANY_BUSINESS_UNITS = 3
"""From this many business units running agents in a large enterprise, each unit gets its own
supervisor and one orchestrator serves them all (supervisor of supervisors). agentlab's
threshold: the article says "large multi-department" without a number. With two units a
top-level orchestrator over two supervisors adds a layer that routes between just two teams, so
two is not "many" — not even in a large enterprise. Outside a large enterprise the number alone
never decides it (a startup or a research group with several units keeps its workflow's pick);
an explicit `platform = true` does."""

REQUIRED: tuple[str, ...] = ("agents", "workflow", "org", "departments", "compliance", "budget")
"""The keys a profile file must give (`workflow` only when agents = "multi"), in contract order."""
OPTIONAL: tuple[str, ...] = (
    "stack",
    "self_host",
    "open_source",
    "agent_specific",
    "all_in_one",
    "tooling_budget",
    "role",
    "platform",
    "private_data",
    "untrusted_input",
    "exfiltration",
    "provider",
    "model",
    "sessions_per_day",
    "language",
)
"""Keys a profile may leave out; each defaults to the old behaviour (added keys never change
what an older profile file gets)."""

_CHOICES: dict[str, tuple[str, ...]] = {
    "agents": AGENTS,
    "workflow": WORKFLOWS,
    "org": ORGS,
    "budget": BUDGETS,
    "stack": STACKS,
    "role": ROLES,
    "provider": PROVIDERS,
    "tooling_budget": BUDGETS,
    "language": LANGUAGES,
}
_NULLABLE = ("workflow", "role", "provider", "tooling_budget", "language")
"""Choice keys that may be left unset (None): not stated."""
BOOLS: tuple[str, ...] = (
    "compliance",
    "self_host",
    "open_source",
    "agent_specific",
    "all_in_one",
    "platform",
    "private_data",
    "untrusted_input",
    "exfiltration",
)
COUNTS: tuple[str, ...] = ("departments", "sessions_per_day")
"""Whole-number keys (>= 1); sessions_per_day may be left unset."""


def _required(key: str) -> str:
    if key == "workflow":
        return f'required when agents is "multi"; expected one of {_one_of(WORKFLOWS)}'
    if key == "departments":
        return "required; expected a whole number >= 1 (business units that will run agents)"
    if key in BOOLS:
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
    """The budget for model tokens. Defaults to "limited": the cautious assumption, since
    multi-agent runs cost ~15x chat."""
    stack: Stack = "none"
    self_host: bool = False
    open_source: bool = False
    """Monitoring must be fully open source."""
    agent_specific: bool = False
    """Needs agent-specific monitoring: session replay, loop (recursive thought) detection."""
    all_in_one: bool = False
    """Wants one enterprise suite for monitoring (the monitoring tree's "enterprise,
    all-in-one" leaf: Braintrust or Maxim AI)."""
    tooling_budget: Budget | None = None
    """The budget for monitoring tooling (not for tokens); None: not stated. The monitoring
    tree's self-hosting branch reads it."""
    role: Role | None = None
    """Who is reading: picks the article's advice by reader type. Never changes a pick."""
    platform: bool = False
    """One agent platform serving several business units: the supervisor of supervisors in any
    organisation. Only read for a team of agents."""
    private_data: bool = False
    """The agents can reach private data (the lethal trifecta's first leg)."""
    untrusted_input: bool = False
    """They read untrusted content: web pages, documents, email, tool output (second leg)."""
    exfiltration: bool = False
    """They have a way to send data out: email, HTTP, writes others can read (third leg)."""
    provider: Provider | None = None
    """The model provider; when None it is read from `model`. Adds notes and alternatives."""
    model: str | None = None
    """The model you will run (a litellm model string): prices the cost at your volume."""
    sessions_per_day: int | None = None
    """Agent sessions a day in production: the volume the cost projection uses."""
    language: Language | None = None
    """The language the agents are written in; None: not stated (Python is assumed, as the
    article's frameworks are Python first). "typescript" passes over the Python-only picks
    (CrewAI, AutoGen, Swarm) for the TypeScript framework on the same branch."""

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
            if value is None and key in _NULLABLE:
                continue
            if not isinstance(value, str) or value not in allowed:
                raise ProfileError(
                    f"profile: {key}: expected one of {_one_of(allowed)}, got {_show(value)}"
                )
        for key in BOOLS:
            value = getattr(self, key)
            if not isinstance(value, bool):
                raise ProfileError(f"profile: {key}: expected true or false, got {_show(value)}")
        for key in COUNTS:
            value = getattr(self, key)
            if value is None and key != "departments":
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ProfileError(
                    f"profile: {key}: expected a whole number >= 1, got {_show(value)}"
                )
        model = self.model
        if model is not None and (
            not isinstance(model, str) or not model or model != model.strip()
        ):
            raise ProfileError(
                f'profile: model: expected a model name such as "gpt-4o-mini" or '
                f'"claude-sonnet-4-5", got {_show(model)}'
            )
        if self.platform and self.agents == "multi" and self.departments < 2:
            raise ProfileError(
                "profile: platform: true means one platform serving several business units, "
                f"but departments is {self.departments}; set departments to the number of units"
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
        """A team of agents run by `MANY_BUSINESS_UNITS` or more business units (any
        organisation). On its own this no longer decides the pattern: see
        `supervisor_of_supervisors`."""
        return self.agents == "multi" and self.departments >= MANY_BUSINESS_UNITS

    @property
    def supervisor_of_supervisors(self) -> bool:
        """The one-table summary's "large multi-department" row (LangGraph + supervisor,
        Braintrust, supervisor of supervisors): a large enterprise with many business units, or
        a team of agents that is explicitly one platform serving several units."""
        if self.agents != "multi":
            return False
        return self.platform or (self.org == "large-enterprise" and self.many_business_units)

    @property
    def large_multi_department(self) -> bool:
        """Alias of `supervisor_of_supervisors` (the summary row's name)."""
        return self.supervisor_of_supervisors

    @property
    def lethal_trifecta(self) -> bool:
        """Private data, untrusted input and a way out, all three: a vulnerability."""
        return self.private_data and self.untrusted_input and self.exfiltration

    @property
    def trifecta_legs(self) -> tuple[str, ...]:
        """The legs of the lethal trifecta this profile states, as keys."""
        return tuple(
            k for k in ("private_data", "untrusted_input", "exfiltration") if getattr(self, k)
        )

    @property
    def model_provider(self) -> str | None:
        """`provider`, or the provider read from `model`'s name; None when neither says."""
        if self.provider is not None:
            return self.provider
        if self.model is None:
            return None
        name = self.model.lower()
        if "claude" in name or name.startswith("anthropic/"):
            return "anthropic"
        if name.startswith(("gpt", "o1", "o3", "o4", "openai/", "chatgpt")):
            return "openai"
        if "gemini" in name or name.startswith(("vertex_ai/", "google/")):
            return "google"
        return "other"

    @property
    def has_monitoring_preference(self) -> bool:
        return (
            self.stack == "langchain"
            or self.self_host
            or self.open_source
            or self.agent_specific
            or self.all_in_one
        )
