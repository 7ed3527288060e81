"""The advisor's knowledge, loaded from the packaged ``knowledge.toml`` into plain dataclasses.

The file is the single place the article's figures, matrix cells and decision rules live; the
engine refers to its entries by id and the renderer shows them. Loading is cached: the file is
read once per process.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class Framework:
    id: str
    name: str
    summary: str
    pros: tuple[str, ...]
    cons: tuple[str, ...]
    matrix: dict[str, str]
    """Comparison-matrix cells by dimension key; empty when the article's matrix has no column."""
    experimental: bool = False
    principles: tuple[str, ...] = ()
    reconstructed: tuple[str, ...] = ()
    """Matrix cells (dimension keys) read from the article's prose, not its table: shown with *."""

    def cell(self, key: str) -> str:
        """A matrix cell as shown: "—" when missing, a trailing * when reconstructed."""
        value = self.matrix.get(key, "—")
        return f"{value}*" if key in self.reconstructed else value


@dataclass(frozen=True)
class MonitoringTool:
    id: str
    name: str
    type: str
    features: tuple[str, ...]
    overhead: str
    open_source: str
    licence: str
    fits: str


@dataclass(frozen=True)
class Pattern:
    id: str
    name: str
    fits: str
    frameworks: tuple[str, ...]
    others: tuple[str, ...]
    """Non-framework names the article lists for the pattern (e.g. "Databricks architecture")."""
    summary: str


@dataclass(frozen=True)
class Leaf:
    """One leaf of a decision tree: the branch taken from the root, and what it recommends."""

    id: str
    path: tuple[str, ...]
    picks: tuple[str, ...]
    why: str


@dataclass(frozen=True)
class Tree:
    question: str
    leaves: tuple[Leaf, ...]
    notes: tuple[str, ...] = ()

    def leaf(self, leaf_id: str) -> Leaf:
        for leaf in self.leaves:
            if leaf.id == leaf_id:
                return leaf
        raise KeyError(leaf_id)


@dataclass(frozen=True)
class SummaryRow:
    id: str
    need: str
    framework: str
    framework_label: str
    monitoring: str
    """Empty when the article names no monitoring tool for the row."""
    pattern: str


@dataclass(frozen=True)
class Figure:
    id: str
    source: str
    text: str


@dataclass(frozen=True)
class SinceFramework:
    """A framework the article does not cover, named in agentlab's dated note."""

    id: str
    name: str
    summary: str


@dataclass(frozen=True)
class SinceNote:
    """One fact from agentlab's own note on what changed since the article (dated, sourced)."""

    id: str
    text: str
    sources: tuple[str, ...]
    applies_to: tuple[str, ...]
    """Framework or monitoring ids it concerns; "*" for every card, "matrix" for the tables."""
    caution: bool = False
    """Shown on top of the cautions when it applies to the pick (e.g. AutoGen's maintenance)."""


@dataclass(frozen=True)
class Since:
    checked: str
    label: str
    frameworks: dict[str, SinceFramework]
    notes: tuple[SinceNote, ...]

    def note(self, note_id: str) -> SinceNote:
        for n in self.notes:
            if n.id == note_id:
                return n
        raise KeyError(note_id)


@dataclass(frozen=True)
class Knowledge:
    title: str
    published: str
    attribution: str
    thesis: str
    figures: tuple[Figure, ...]
    dimensions: tuple[tuple[str, str], ...]
    """Comparison-matrix rows as (key, label), in the article's order."""
    frameworks: dict[str, Framework]
    monitoring: dict[str, MonitoringTool]
    patterns: dict[str, Pattern]
    framework_tree: Tree
    monitoring_tree: Tree
    summary: tuple[SummaryRow, ...]
    advice: dict[str, str]
    guardrail_layers: tuple[str, ...]
    guardrail_baseline: tuple[str, ...]
    lethal_trifecta: tuple[str, ...]
    start_today: tuple[str, ...]
    try_it: dict[str, str]
    """Scenario path by key: a pattern id, or "single-agent", "orchestrator-worker", "handoff"."""
    matrix_footnote: str = ""
    since: Since | None = None
    """agentlab's dated note on what changed after the article (kept apart from its claims)."""

    def figure(self, figure_id: str) -> Figure:
        for fig in self.figures:
            if fig.id == figure_id:
                return fig
        raise KeyError(figure_id)

    def name_of(self, item_id: str) -> str:
        """The display name of a framework, monitoring tool or pattern id."""
        for table in (self.frameworks, self.monitoring, self.patterns):
            if item_id in table:
                return table[item_id].name
        if self.since is not None and item_id in self.since.frameworks:
            return self.since.frameworks[item_id].name
        return item_id

    def is_since(self, item_id: str) -> bool:
        """True for a framework named only in agentlab's note, not in the article."""
        return self.since is not None and item_id in self.since.frameworks


def _tree(data: dict[str, Any]) -> Tree:
    leaves = tuple(
        Leaf(id=x["id"], path=tuple(x["path"]), picks=tuple(x["picks"]), why=x["why"])
        for x in data["leaves"]
    )
    return Tree(question=data["question"], leaves=leaves, notes=tuple(data.get("notes", ())))


def parse_knowledge(data: dict[str, Any]) -> Knowledge:
    """Build a `Knowledge` from the parsed TOML document (separate from loading, for tests)."""
    src = data["source"]
    frameworks = {
        f["id"]: Framework(
            id=f["id"],
            name=f["name"],
            summary=f["summary"],
            pros=tuple(f["pros"]),
            cons=tuple(f["cons"]),
            matrix=dict(f.get("matrix", {})),
            experimental=f.get("experimental", False),
            principles=tuple(f.get("principles", ())),
            reconstructed=tuple(f.get("reconstructed", ())),
        )
        for f in data["frameworks"]
    }
    monitoring = {
        m["id"]: MonitoringTool(
            id=m["id"],
            name=m["name"],
            type=m["type"],
            features=tuple(m["features"]),
            overhead=m["overhead"],
            open_source=m["open_source"],
            licence=m["licence"],
            fits=m["fits"],
        )
        for m in data["monitoring"]
    }
    patterns = {
        p["id"]: Pattern(
            id=p["id"],
            name=p["name"],
            fits=p["fits"],
            frameworks=tuple(p["frameworks"]),
            others=tuple(p["others"]),
            summary=p["summary"],
        )
        for p in data["patterns"]
    }
    return Knowledge(
        title=src["title"],
        published=src["published"],
        attribution=src["attribution"],
        thesis=src["thesis"],
        figures=tuple(Figure(**f) for f in data["figures"]),
        dimensions=tuple((d["key"], d["label"]) for d in data["matrix"]["dimensions"]),
        frameworks=frameworks,
        monitoring=monitoring,
        patterns=patterns,
        framework_tree=_tree(data["trees"]["framework"]),
        monitoring_tree=_tree(data["trees"]["monitoring"]),
        summary=tuple(SummaryRow(**row) for row in data["summary"]),
        advice=dict(data["advice"]),
        guardrail_layers=tuple(data["guardrails"]["layers"]),
        guardrail_baseline=tuple(data["guardrails"]["baseline"]),
        lethal_trifecta=tuple(data["guardrails"]["lethal_trifecta"]),
        start_today=tuple(data["start_today"]["steps"]),
        try_it=dict(data["try_it"]),
        matrix_footnote=data["matrix"].get("footnote", ""),
        since=_since(data["since"]) if "since" in data else None,
    )


def _since(data: dict[str, Any]) -> Since:
    return Since(
        checked=data["checked"],
        label=data["label"],
        frameworks={f["id"]: SinceFramework(**f) for f in data.get("frameworks", ())},
        notes=tuple(
            SinceNote(
                id=n["id"],
                text=n["text"],
                sources=tuple(n["sources"]),
                applies_to=tuple(n["applies_to"]),
                caution=n.get("caution", False),
            )
            for n in data.get("notes", ())
        ),
    )


@cache
def load_knowledge() -> Knowledge:
    """The packaged knowledge (read once; package data, so it works from a wheel or a zip)."""
    text = resources.files("agentlab.advisor").joinpath("knowledge.toml").read_text("utf-8")
    return parse_knowledge(tomllib.loads(text))
