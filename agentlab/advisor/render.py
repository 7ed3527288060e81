"""Rendering a recommendation and the article's tables with Rich, and as JSON-ready dicts."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from agentlab.advisor.engine import Recommendation
from agentlab.advisor.knowledge import Knowledge, load_knowledge
from agentlab.advisor.recommendation import Alternative, TryIt
from agentlab.advisor.scenarios import run_command, runnable_path

_KIND_LABEL = {
    "framework": "Framework",
    "monitoring": "Monitoring",
    "pattern": "Pattern",
    "scenario": "Scenario",
}


def _kb(kb: Knowledge | None) -> Knowledge:
    return kb or load_knowledge()


def bullets(items: list[str] | tuple[str, ...], numbered: bool = False) -> Table:
    """A list with hanging indents, so wrapped lines stay clear of the bullets."""
    grid = Table.grid(padding=(0, 1, 0, 0), expand=True)
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(ratio=1)
    for i, item in enumerate(items, 1):
        grid.add_row(f"{i}." if numbered else "•", item)
    return grid


def picks_table(rec: Recommendation, kb: Knowledge | None = None) -> Table:
    """The three picks, one row each: the pick's name, then the reason that decided it."""
    kb = _kb(kb)
    table = Table.grid(padding=(0, 2, 1, 0), expand=True)
    table.add_column(style="bold", no_wrap=True)
    table.add_column(ratio=1)
    for kind, pick, why in (
        ("Framework", rec.framework, rec.rationale.framework),
        ("Monitoring", rec.monitoring, rec.rationale.monitoring),
        ("Pattern", rec.pattern, rec.rationale.pattern),
    ):
        cell = Text()
        cell.append(kb.name_of(pick) + "\n", style="bold cyan")
        cell.append(why)
        table.add_row(kind, cell)
    return table


def framework_matrix(
    framework_ids: tuple[str, ...] | None = None,
    kb: Knowledge | None = None,
    title: str | None = "Framework comparison matrix",
) -> Table:
    """The comparison matrix: one row per dimension, one column per framework."""
    kb = _kb(kb)
    ids = framework_ids or tuple(f.id for f in kb.frameworks.values() if f.matrix)
    table = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left")
    table.add_column("dimension", style="bold")
    for fid in ids:
        table.add_column(kb.frameworks[fid].name)
    for key, label in kb.dimensions:
        cells = [kb.frameworks[fid].matrix.get(key, "—") for fid in ids]
        table.add_row(label, *cells)
    missing = [kb.frameworks[fid].name for fid in ids if not kb.frameworks[fid].matrix]
    if missing:
        table.caption = f"— : {', '.join(missing)} is not in the article's matrix."
    return table


def monitoring_table(kb: Knowledge | None = None) -> Table:
    kb = _kb(kb)
    table = Table(title="Monitoring tools", box=box.SIMPLE_HEAD, title_justify="left")
    for col in ("platform", "type", "core features", "overhead", "open source", "fits"):
        table.add_column(col, style="bold" if col == "platform" else None)
    for tool in kb.monitoring.values():
        table.add_row(
            tool.name,
            tool.type,
            ", ".join(tool.features),
            tool.overhead,
            tool.open_source,
            tool.fits,
        )
    return table


def patterns_table(kb: Knowledge | None = None) -> Table:
    kb = _kb(kb)
    table = Table(title="Orchestration patterns", box=box.SIMPLE_HEAD, title_justify="left")
    for col in ("pattern", "fits", "frameworks", "try it"):
        table.add_column(col, style="bold" if col == "pattern" else None)
    for pat in kb.patterns.values():
        names = [kb.name_of(f) for f in pat.frameworks] + list(pat.others)
        scenario = kb.try_it.get(pat.id, "")
        table.add_row(
            pat.name, pat.fits, ", ".join(names), runnable_path(scenario) if scenario else ""
        )
    return table


def matrix_tables(kb: Knowledge | None = None) -> list[Table]:
    """`agentlab advise --matrix`: the comparison matrix, the monitoring table and the patterns."""
    kb = _kb(kb)
    tables = [framework_matrix(kb=kb), monitoring_table(kb), patterns_table(kb)]
    tables[-1].caption = kb.attribution
    return tables


def _alternative(a: Alternative, kb: Knowledge) -> str:
    if a.kind == "scenario":
        return f"{_KIND_LABEL[a.kind]}: {run_command(runnable_path(a.id))} — {a.when}"
    return f"{_KIND_LABEL[a.kind]}: {kb.name_of(a.id)} — {a.when}"


def try_it_text(try_it: TryIt, style: str = "bold") -> Text:
    """The command, what it shows, and the second scenario when there is one (CLI and TUI)."""
    text = Text()
    text.append(try_it.command, style=style)
    text.append(f"\n{try_it.about}")
    if try_it.also is not None:
        text.append("\nAlso: ")
        text.append(try_it.also.command, style=style)
        text.append(f"\n{try_it.also.about}")
    return text


def render_recommendation(rec: Recommendation, kb: Knowledge | None = None) -> RenderableType:
    """The recommendation as Rich panels, top to bottom in the order a reader acts on them.

    The try-it paths are shown as given: callers make them runnable from the current
    directory first (`scenarios.with_runnable_paths`), as `agentlab advise` does."""
    kb = _kb(kb)
    parts: list[RenderableType] = []
    subtitle = None
    if rec.summary_row:
        row = next(r for r in kb.summary if r.id == rec.summary_row)
        subtitle = f"matches the article's one-table summary: {row.need}"
    parts.append(
        Panel(
            picks_table(rec, kb),
            title="Recommendation",
            subtitle=subtitle,
            border_style="cyan",
            title_align="left",
            subtitle_align="left",
        )
    )
    parts.append(
        Panel(
            framework_matrix(rec.frameworks_in_play, kb, title=None),
            title="Frameworks in play",
            title_align="left",
        )
    )

    if rec.guardrails.needed:
        head = Text("Guardrail Sandwich: called for", style="bold yellow")
    else:
        head = Text("Guardrail Sandwich: not required; start with", style="bold")
    guard = Group(
        head, bullets(rec.guardrails.layers), Text(""), Text(rec.rationale.guardrails, "dim")
    )
    parts.append(Panel(guard, title="Guardrails", title_align="left"))

    if rec.alternatives:
        alts = [_alternative(a, kb) for a in rec.alternatives]
        parts.append(Panel(bullets(alts), title="Alternatives", title_align="left"))
    parts.append(
        Panel(bullets(rec.cautions), title="Cautions", border_style="yellow", title_align="left")
    )
    parts.append(
        Panel(bullets(rec.next_steps, numbered=True), title="Next steps", title_align="left")
    )
    parts.append(
        Panel(
            try_it_text(rec.try_it, "bold green"),
            title="Try it now",
            border_style="green",
            title_align="left",
        )
    )
    parts.append(Text(kb.attribution, style="dim italic"))
    return Group(*parts)


def recommendation_to_dict(rec: Recommendation, kb: Knowledge | None = None) -> dict[str, Any]:
    """The --json shape: plain JSON types; ids as in the profile contract, plus display names."""
    kb = _kb(kb)
    data = asdict(rec)
    data["guardrails"]["layers"] = list(rec.guardrails.layers)
    data["alternatives"] = [asdict(a) for a in rec.alternatives]
    data["cautions"] = list(rec.cautions)
    data["next_steps"] = list(rec.next_steps)
    data["names"] = {
        "framework": kb.name_of(rec.framework),
        "monitoring": kb.name_of(rec.monitoring),
        "pattern": kb.name_of(rec.pattern),
    }
    data["source"] = {"title": kb.title, "published": kb.published}
    return data


def matrix_to_dict(kb: Knowledge | None = None) -> dict[str, Any]:
    """`--matrix --json`: the same tables as data."""
    kb = _kb(kb)
    return {
        "frameworks": [asdict(f) for f in kb.frameworks.values()],
        "monitoring": [asdict(m) for m in kb.monitoring.values()],
        "patterns": [asdict(p) for p in kb.patterns.values()],
        "summary": [asdict(r) for r in kb.summary],
        "source": {"title": kb.title, "published": kb.published},
    }
