"""The advisor's output: a `Recommendation` and its parts (plain frozen dataclasses)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from agentlab.advisor.profile import Profile

AltKind = Literal["framework", "monitoring", "pattern", "scenario"]


@dataclass(frozen=True)
class Guardrails:
    needed: bool
    """True when the answers call for the full Guardrail Sandwich (compliance / audit trail)."""
    layers: tuple[str, ...]
    """The layers to start with: all three when needed, else the reasoning layer every agent needs."""


@dataclass(frozen=True)
class Rationale:
    """Why each pick, in plain words, naming the rule or tree branch that decided it."""

    framework: str
    monitoring: str
    pattern: str
    guardrails: str


@dataclass(frozen=True)
class Alternative:
    id: str
    kind: AltKind
    when: str
    """When you would pick this instead."""
    since: bool = False
    """From agentlab's dated note on what changed after the article, not from the article."""


@dataclass(frozen=True)
class Basis:
    """What decided a pick: the answers it rests on and the article's rule or figure behind it."""

    answers: tuple[str, ...]
    """Profile keys whose answers decided it (shown as "Because you answered ...")."""
    article: str
    """The article's rule, row or figure behind it, in the knowledge's words; where the article
    is silent this says "agentlab's rule"."""


@dataclass(frozen=True)
class ReaderAdvice:
    role: str
    text: str
    yours: bool
    """True for the reader type the profile states."""


@dataclass(frozen=True)
class SinceItem:
    """One fact of agentlab's dated note that concerns this recommendation."""

    id: str
    text: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class TryIt:
    """A shipped scenario that shows the recommended pattern, and the command that runs it.

    The engine gives repo-relative paths ("scenarios/x.toml"); the edges (the CLI, the TUI)
    make them runnable from the current directory with `scenarios.runnable_try_it`.
    """

    scenario: str
    command: str
    about: str
    also: TryIt | None = None
    """A second scenario worth running, e.g. the orchestrator-worker form of the parallel
    pattern when that is the framework pick."""


@dataclass(frozen=True)
class Recommendation:
    profile: Profile
    framework: str
    monitoring: str
    pattern: str
    guardrails: Guardrails
    rationale: Rationale
    alternatives: tuple[Alternative, ...]
    cautions: tuple[str, ...]
    next_steps: tuple[str, ...]
    try_it: TryIt
    decided_by: dict[str, str] = field(default_factory=dict)
    """Rule id per pick, e.g. {"framework": "tree:multi-research", "monitoring": "infer:research"}."""
    summary_row: str | None = None
    """The id of the article's one-table summary row these picks match, if any."""
    basis: dict[str, Basis] = field(default_factory=dict)
    """Per pick ("framework", "monitoring", "pattern", "guardrails"): what decided it."""
    reader_advice: tuple[ReaderAdvice, ...] = ()
    """The article's advice by reader type: the profile's role, or every reader when unstated."""
    notes: tuple[str, ...] = ()
    """What other answers add (provider, business units, the trifecta): never a pick."""
    since: tuple[SinceItem, ...] = ()
    """agentlab's dated note, for the picks and alternatives on this card (not the article)."""
    since_label: str = ""

    @property
    def frameworks_in_play(self) -> tuple[str, ...]:
        """The pick first, then framework alternatives (for the comparison-matrix rows)."""
        alts = tuple(a.id for a in self.alternatives if a.kind == "framework")
        out: list[str] = [self.framework]
        out += [a for a in alts if a not in out]
        return tuple(out)

    def picks(self) -> dict[str, str]:
        """The picks that flip: framework, monitoring, pattern, guardrails (as one word)."""
        return {
            "framework": self.framework,
            "monitoring": self.monitoring,
            "pattern": self.pattern,
            "guardrails": "sandwich" if self.guardrails.needed else "baseline",
        }
