"""Cost at your volume: from measured lab runs to monthly tokens, cost and suggested caps.

Pure arithmetic over numbers `measure.py` measures (it runs the try-it scenarios offline). Two
kinds of number, always labelled apart:

- measured: what the lab run of a scenario used (tokens in and out, steps, tool calls, counted
  with tiktoken), and a chat exchange of the same question and answer (the task in, the final
  answer out) to compare it with;
- multiplied: monthly tokens = tokens per session × sessions a day × 30, either from the lab run
  or from the article's multipliers (a single agent about 4x the tokens of chat, multi-agent
  about 15x) applied to that chat exchange; cost = tokens × the model's price from litellm's
  price map (the article's multiplier split into input and output like the lab run).

Suggested caps are agentlab's rule: twice what the lab run used, rounded up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from agentlab.advisor.knowledge import Knowledge
from agentlab.advisor.profile import Profile
from agentlab.advisor.recommendation import Recommendation

DAYS_PER_MONTH = 30
HEADROOM = 2
"""Caps at twice the measured run (agentlab's rule): room for a longer real task, while a
runaway loop still stops early."""
MULTIPLIER = {"single": 4, "multi": 15}
"""The article's figures: agents use about 4x the tokens of chat, multi-agent about 15x."""
DEFAULT_MODEL = "gpt-4o-mini"
"""The price the lab models are counted at when no model is stated."""
PROVIDER_MODEL = {
    "anthropic": "claude-sonnet-4-5",
    "openai": "gpt-4o-mini",
    "google": "gemini-2.5-flash",
}
"""agentlab's default model per provider, when only the provider is stated."""


@dataclass(frozen=True)
class Option:
    """One scenario to measure: the pick's try-it, or an alternative's."""

    role: str
    """"pick" or "alternative"."""
    name: str
    """What it shows, e.g. "Hierarchical (pattern)"."""
    scenario: str
    multi: bool
    """A team of agents (the article's ~15x) rather than a single agent (~4x)."""


def cost_options(rec: Recommendation, kb: Knowledge) -> list[Option]:
    """The pick's try-it scenario (and its second one), then one per alternative that has a
    scenario, without repeats."""
    pick_name = (
        "a single agent" if rec.profile.agents == "single" else kb.name_of(rec.pattern)
    ) + " (your pick)"
    out = [Option("pick", pick_name, rec.try_it.scenario, rec.profile.agents != "single")]
    if rec.try_it.also is not None:
        out.append(
            Option(
                "pick", f"{kb.name_of(rec.framework)} (your pick)", rec.try_it.also.scenario, True
            )
        )
    for a in rec.alternatives:
        if a.kind == "pattern" and a.id in kb.try_it:
            out.append(
                Option("alternative", f"{kb.name_of(a.id)} (pattern)", kb.try_it[a.id], True)
            )
        elif a.kind == "framework" and a.id == "anthropic-orchestrator-worker":
            out.append(
                Option("alternative", f"{kb.name_of(a.id)}", kb.try_it["orchestrator-worker"], True)
            )
        elif a.kind == "scenario":
            out.append(Option("alternative", "handoffs (scenario)", a.id, True))
    seen: set[str] = set()
    unique = []
    for o in out:
        if o.scenario not in seen:
            seen.add(o.scenario)
            unique.append(o)
    return unique


def pricing_model(p: Profile) -> tuple[str, str]:
    """The model the projection prices at, and how it was chosen (shown on the card)."""
    if p.model:
        return p.model, "your model"
    provider = p.model_provider
    if provider in PROVIDER_MODEL:
        return PROVIDER_MODEL[provider], f"agentlab's default for {provider}"
    return DEFAULT_MODEL, "model not stated: priced like the lab models"


@dataclass(frozen=True)
class Measured:
    """One offline lab run of a scenario (all numbers measured)."""

    scenario: str
    status: str
    steps: int = 0
    tool_calls: int = 0
    agents: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    chat_input_tokens: int = 0
    chat_output_tokens: int = 0
    error: str = ""

    @property
    def total(self) -> int:
        return self.input_tokens + self.output_tokens

    @property
    def chat_total(self) -> int:
        return self.chat_input_tokens + self.chat_output_tokens

    @property
    def times_chat(self) -> float | None:
        """The run's tokens over the chat exchange's: compare with the article's 4x / 15x."""
        return self.total / self.chat_total if self.chat_total else None


@dataclass(frozen=True)
class Projection:
    option: Option
    measured: Measured
    model: str
    price: tuple[float, float] | None
    """USD per (input, output) token from litellm's price map; None: unpriced (never $0)."""
    sessions_per_day: int | None

    @property
    def multiplier(self) -> int:
        return MULTIPLIER["multi" if self.option.multi else "single"]

    @property
    def ok(self) -> bool:
        return self.measured.status == "completed"

    def _cost(self, input_tokens: float, output_tokens: float) -> float | None:
        if self.price is None:
            return None
        return input_tokens * self.price[0] + output_tokens * self.price[1]

    @property
    def session_cost(self) -> float | None:
        """The measured tokens of one session × the model's price."""
        return self._cost(self.measured.input_tokens, self.measured.output_tokens)

    def _monthly(self) -> int | None:
        return None if self.sessions_per_day is None else self.sessions_per_day * DAYS_PER_MONTH

    @property
    def monthly_tokens_run(self) -> int | None:
        n = self._monthly()
        return None if n is None else self.measured.total * n

    @property
    def article_session_tokens(self) -> int:
        """The chat exchange × the article's multiplier, for one session."""
        return self.measured.chat_total * self.multiplier

    @property
    def monthly_tokens_article(self) -> int | None:
        n = self._monthly()
        return None if n is None else self.article_session_tokens * n

    @property
    def monthly_cost_run(self) -> float | None:
        n, cost = self._monthly(), self.session_cost
        return None if n is None or cost is None else cost * n

    @property
    def monthly_cost_article(self) -> float | None:
        n = self._monthly()
        m = self.measured
        if n is None or not m.total:
            return None
        share_in = m.input_tokens / m.total
        tokens = self.article_session_tokens
        cost = self._cost(tokens * share_in, tokens * (1 - share_in))
        return None if cost is None else cost * n

    def caps(self) -> dict[str, float]:
        """Per-session caps for this scenario: twice the lab run, rounded up."""
        m = self.measured
        out: dict[str, float] = {
            "total_tokens": nice_ceil(m.total * HEADROOM),
            "steps": max(2, m.steps * HEADROOM),
            "tool_calls": max(2, m.tool_calls * HEADROOM),
        }
        if self.session_cost is not None:
            out["cost_usd"] = nice_ceil(self.session_cost * HEADROOM)
        return out


def nice_ceil(x: float) -> float:
    """Round up to two significant figures: 2439 → 2500, 0.000283 → 0.00029."""
    if x <= 0:
        return 0
    exp = math.floor(math.log10(x)) - 1
    value = math.ceil(round(x / 10**exp, 9)) * 10**exp
    return int(value) if exp >= 0 else round(value, -exp)


def caps_toml(caps: dict[str, float]) -> str:
    """The caps as a scenario's ``[limits]`` table."""
    lines = ["[limits]"]
    for key in ("total_tokens", "cost_usd", "steps", "tool_calls"):
        if key in caps:
            value = caps[key]
            lines.append(f"{key} = {value:g}" if isinstance(value, float) else f"{key} = {value}")
    return "\n".join(lines)


@dataclass(frozen=True)
class CostReport:
    model: str
    model_reason: str
    priced: bool
    sessions_per_day: int | None
    projections: tuple[Projection, ...]
