"""Rendering a recommendation with Rich (the CLI card; the TUI reuses the parts), and as
JSON-ready dicts. The article's tables and trees are in `tables.py`."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from agentlab.advisor.answers import answer_text
from agentlab.advisor.engine import Recommendation
from agentlab.advisor.knowledge import Knowledge, load_knowledge
from agentlab.advisor.recommendation import Alternative, TryIt
from agentlab.advisor.render_cost import cost_renderable, cost_to_dict
from agentlab.advisor.scenarios import run_command, runnable_path
from agentlab.advisor.tables import framework_matrix
from agentlab.advisor.volume import CostReport
from agentlab.advisor.whatif import Flip

_KIND_LABEL = {
    "framework": "Framework",
    "monitoring": "Monitoring",
    "pattern": "Pattern",
    "scenario": "Scenario",
}
ROLE_LABEL = {
    "engineer": "Engineers new to agents",
    "tech-lead": "Tech leads and architects",
    "decision-maker": "Decision makers",
}


def _kb(kb: Knowledge | None) -> Knowledge:
    return kb or load_knowledge()


def bullets(items: list[str] | tuple[str, ...], numbered: bool = False) -> Table:
    """A list with hanging indents, so wrapped lines stay clear of the bullets."""
    grid = Table.grid(padding=(0, 1, 0, 0), expand=True)
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(ratio=1)
    for i, item in enumerate(items, 1):  # Text: a "[...]" in an item is not Rich markup
        grid.add_row(f"{i}." if numbered else "•", Text(item))
    return grid


def guardrails_name(needed: bool) -> str:
    return "Guardrail Sandwich" if needed else "baseline guardrails"


def row_note(rec: Recommendation, kb: Knowledge) -> str | None:
    """The article's one-table summary row the picks match, in words."""
    if not rec.summary_row:
        return None
    row = next(r for r in kb.summary if r.id == rec.summary_row)
    return f"the article's row: {row.need}"


def pick_name(kind: str, value: str, kb: Knowledge) -> str:
    if kind == "guardrails":
        return guardrails_name(value == "sandwich")
    return kb.name_of(value)


def summary_line(rec: Recommendation, kb: Knowledge | None = None) -> Text:
    """The picks on one line, for the top of the card."""
    kb = _kb(kb)
    text = Text()
    names = [kb.name_of(rec.framework), kb.name_of(rec.monitoring), kb.name_of(rec.pattern)]
    for i, name in enumerate(names):
        if i:
            text.append(" · ")
        text.append(name, style="bold cyan")
    text.append(" · ")
    text.append(
        guardrails_name(rec.guardrails.needed),
        style="bold yellow" if rec.guardrails.needed else "bold",
    )
    return text


def because(rec: Recommendation, kind: str) -> str:
    basis = rec.basis.get(kind)
    if basis is None or not basis.answers:
        return ""
    return "Because you answered " + "; ".join(answer_text(rec.profile, k) for k in basis.answers)


def pick_cell(rec: Recommendation, kind: str, kb: Knowledge) -> Text:
    """One pick: its name, why, the answers that decided it and the article behind it."""
    value = {"framework": rec.framework, "monitoring": rec.monitoring, "pattern": rec.pattern}
    cell = Text()
    cell.append(kb.name_of(value[kind]) + "\n", style="bold cyan")
    cell.append(getattr(rec.rationale, kind))
    basis = rec.basis.get(kind)
    if basis is not None:
        if basis.answers:
            cell.append(f"\n{because(rec, kind)}.", style="italic")
        cell.append("\nThe article: ", style="dim bold")
        cell.append(basis.article, style="dim")
    return cell


def picks_table(rec: Recommendation, kb: Knowledge | None = None) -> Table:
    kb = _kb(kb)
    table = Table.grid(padding=(0, 2, 1, 0), expand=True)
    table.add_column(style="bold", no_wrap=True)
    table.add_column(ratio=1)
    for kind in ("framework", "monitoring", "pattern"):
        table.add_row(kind.capitalize(), pick_cell(rec, kind, kb))
    return table


def guardrails_renderable(rec: Recommendation) -> Group:
    if rec.guardrails.needed:
        head = Text("Guardrail Sandwich: called for", style="bold yellow")
    else:
        head = Text("Guardrail Sandwich: not required; start with", style="bold")
    parts: list[RenderableType] = [head, bullets(rec.guardrails.layers), Text("")]
    parts.append(Text(rec.rationale.guardrails))
    if because(rec, "guardrails"):
        parts.append(Text(f"{because(rec, 'guardrails')}.", style="italic"))
    basis = rec.basis.get("guardrails")
    if basis is not None:
        parts.append(Text.assemble(("The article: ", "dim bold"), (basis.article, "dim")))
    return Group(*parts)


def advice_lines(rec: Recommendation) -> list[str]:
    out = [
        f"{ROLE_LABEL.get(a.role, a.role)}{' (you)' if a.yours else ''}: "
        f"{a.text.split(': ', 1)[-1]}"
        for a in rec.reader_advice
    ]
    return out + list(rec.notes)


def alternative_text(a: Alternative, kb: Knowledge) -> str:
    tag = " (agentlab's note, since the article)" if a.since else ""
    if a.kind == "scenario":
        return f"{_KIND_LABEL[a.kind]}: {run_command(runnable_path(a.id))} — {a.when}"
    return f"{_KIND_LABEL[a.kind]}: {kb.name_of(a.id)}{tag} — {a.when}"


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


def since_renderable(rec: Recommendation) -> Group:
    """agentlab's dated note, apart from the article's claims, with where each fact comes from."""
    lines = [f"{item.text} (sources: {'; '.join(item.sources)})" for item in rec.since]
    return Group(Text(rec.since_label, style="italic"), bullets(lines))


def flips_table(flips: list[Flip], changed: dict[str, tuple[Any, Any]], kb: Knowledge) -> Group:
    """The answers changed and the picks that flipped."""
    answers = "; ".join(f"{k}: {_val(a)} → {_val(b)}" for k, (a, b) in changed.items())
    head = Text.assemble(("You changed ", "bold"), answers or "nothing")
    if not flips:
        return Group(head, Text("No pick changed.", style="italic"))
    table = Table(box=None, padding=(0, 2, 0, 0), show_header=True, header_style="bold")
    table.add_column("pick")
    table.add_column("was")
    table.add_column("now", style="bold green")
    for f in flips:
        table.add_row(f.pick, pick_name(f.pick, f.before, kb), pick_name(f.pick, f.after, kb))
    return Group(head, table)


def _val(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "not stated" if value is None else str(value)


# --- the card --------------------------------------------------------------------------------


def render_recommendation(
    rec: Recommendation,
    kb: Knowledge | None = None,
    *,
    cost: CostReport | None = None,
    flips: tuple[list[Flip], dict[str, tuple[Any, Any]]] | None = None,
    width: int = 100,
) -> RenderableType:
    """The recommendation as Rich panels, top to bottom in the order a reader acts on them.

    The try-it paths are shown as given: callers make them runnable from the current
    directory first (`scenarios.with_runnable_paths`), as `agentlab advise` does."""
    kb = _kb(kb)
    parts: list[RenderableType] = [summary_line(rec, kb)]
    if flips is not None:
        parts.append(
            Panel(
                flips_table(*flips, kb),
                title="What flips",
                title_align="left",
                border_style="magenta",
            )
        )
    parts.append(
        Panel(picks_table(rec, kb), title="Recommendation", border_style="cyan", title_align="left")
    )
    parts.append(Panel(guardrails_renderable(rec), title="Guardrails", title_align="left"))
    parts.append(Panel(bullets(advice_lines(rec)), title="Advice for you", title_align="left"))
    if rec.alternatives:
        alts = [alternative_text(a, kb) for a in rec.alternatives]
        parts.append(Panel(bullets(alts), title="Alternatives", title_align="left"))
    parts.append(
        Panel(bullets(rec.cautions), title="Cautions", border_style="yellow", title_align="left")
    )
    parts.append(
        Panel(bullets(rec.next_steps, numbered=True), title="Next steps", title_align="left")
    )
    if cost is not None:
        parts.append(Panel(cost_renderable(cost), title="Cost at your volume", title_align="left"))
    parts.append(
        Panel(
            try_it_text(rec.try_it, "bold green"),
            title="Try it now",
            border_style="green",
            title_align="left",
        )
    )
    matrix = framework_matrix(rec.frameworks_in_play, kb, title=None, width=width - 4)
    parts.append(Panel(Group(*matrix), title="Frameworks in play", title_align="left"))
    if rec.since:
        parts.append(
            Panel(
                since_renderable(rec),
                title="Since the article",
                border_style="blue",
                title_align="left",
            )
        )
    parts.append(Text(kb.attribution, style="dim italic"))
    return Group(*parts)


def recommendation_to_dict(
    rec: Recommendation,
    kb: Knowledge | None = None,
    *,
    cost: CostReport | None = None,
    flips: tuple[list[Flip], dict[str, tuple[Any, Any]]] | None = None,
) -> dict[str, Any]:
    """The --json shape: plain JSON types; ids as in the profile contract, plus display names."""
    kb = _kb(kb)
    data = asdict(rec)
    data["guardrails"]["layers"] = list(rec.guardrails.layers)
    data["alternatives"] = [asdict(a) for a in rec.alternatives]
    data["cautions"] = list(rec.cautions)
    data["next_steps"] = list(rec.next_steps)
    data["basis"] = {
        kind: {
            "answers": {k: getattr(rec.profile, k) for k in b.answers},
            "article": b.article,
        }
        for kind, b in rec.basis.items()
    }
    data["reader_advice"] = [asdict(a) for a in rec.reader_advice]
    data["notes"] = list(rec.notes)
    data["since"] = {
        "label": rec.since_label,
        "checked": kb.since.checked if kb.since else None,
        "items": [{**asdict(s), "sources": list(s.sources)} for s in rec.since],
    }
    data.pop("since_label", None)
    data["names"] = {
        "framework": kb.name_of(rec.framework),
        "monitoring": kb.name_of(rec.monitoring),
        "pattern": kb.name_of(rec.pattern),
    }
    data["source"] = {"title": kb.title, "published": kb.published}
    if cost is not None:
        data["cost"] = cost_to_dict(cost)
    if flips is not None:
        data["flips"] = [asdict(f) for f in flips[0]]
        data["changed"] = {k: {"before": a, "after": b} for k, (a, b) in flips[1].items()}
    return data


def matrix_to_dict(kb: Knowledge | None = None) -> dict[str, Any]:
    """`--matrix --json`: the same tables as data."""
    kb = _kb(kb)
    return {
        "frameworks": [asdict(f) for f in kb.frameworks.values()],
        "matrix_footnote": kb.matrix_footnote,
        "monitoring": [asdict(m) for m in kb.monitoring.values()],
        "patterns": [asdict(p) for p in kb.patterns.values()],
        "summary": [asdict(r) for r in kb.summary],
        "trees": {
            "framework": asdict(kb.framework_tree),
            "monitoring": asdict(kb.monitoring_tree),
        },
        "since": asdict(kb.since) if kb.since else None,
        "source": {"title": kb.title, "published": kb.published},
    }
