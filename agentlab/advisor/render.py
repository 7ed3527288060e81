"""Rendering a recommendation with Rich (the CLI card; the TUI reuses the parts), and as
JSON-ready dicts. The article's tables and trees are in `tables.py`."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from agentlab.advisor.engine import Recommendation
from agentlab.advisor.knowledge import Knowledge, load_knowledge
from agentlab.advisor.questions import answer_text
from agentlab.advisor.recommendation import Alternative, TryIt
from agentlab.advisor.scenarios import run_command, runnable_path
from agentlab.advisor.tables import framework_matrix
from agentlab.advisor.volume import DAYS_PER_MONTH, MULTIPLIER, CostReport, Projection, caps_toml
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
    for i, item in enumerate(items, 1):
        grid.add_row(f"{i}." if numbered else "•", item)
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
    tag = " [agentlab's note, since the article]" if a.since else ""
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


# --- cost at your volume ---------------------------------------------------------------------


def money(x: float | None) -> str:
    if x is None:
        return "unpriced"
    if x >= 100:
        return f"${x:,.0f}"
    if x >= 1:
        return f"${x:,.2f}"
    return f"${x:.2g}" if x else "$0"


def compact(n: float | None) -> str:
    if n is None:
        return "—"
    for size, unit in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if n >= size:
            return f"{n / size:.1f}{unit}"
    return f"{n:,.0f}"


def _projection_rows(pr: Projection) -> list[tuple[str, str]]:
    m = pr.measured
    if not pr.ok:
        return [("could not measure", f"{m.status}: {m.error or 'no details'}")]
    times = f"{pr.measured.times_chat:.1f}x" if pr.measured.times_chat else "—"
    rows = [
        (
            "measured, one lab run",
            f"{m.input_tokens:,} in + {m.output_tokens:,} out = {m.total:,} tokens; {m.steps} "
            f"steps, {m.tool_calls} tool calls; {times} a chat exchange of the same question "
            f"and answer ({m.chat_total:,} tokens)",
        ),
        ("multiplied, one session", f"{money(pr.session_cost)} at {pr.model}"),
    ]
    if pr.sessions_per_day is not None:
        rows.append(
            (
                "multiplied, a month",
                f"from the lab run: {compact(pr.monthly_tokens_run)} tokens ≈ "
                f"{money(pr.monthly_cost_run)}; with the article's ~{pr.multiplier}x chat: "
                f"{compact(pr.monthly_tokens_article)} tokens ≈ {money(pr.monthly_cost_article)}",
            )
        )
    caps = pr.caps()
    rows.append(("suggested caps", ", ".join(f"{k} {v:,}" for k, v in caps.items())))
    return rows


def cost_renderable(report: CostReport) -> Group:
    volume = (
        f"{report.sessions_per_day:,} sessions a day × {DAYS_PER_MONTH} days"
        if report.sessions_per_day
        else "no volume stated (per session only)"
    )
    price = ""
    first = report.projections[0] if report.projections else None
    if first is not None and first.price is not None:
        price = f"; litellm's price map: ${first.price[0] * 1e6:.2f} in / ${first.price[1] * 1e6:.2f} out per 1M tokens"
    parts: list[RenderableType] = [
        Text(f"{volume}, priced as {report.model} ({report.model_reason}{price}).", style="bold"),
        Text(
            "Measured: the lab run's tokens, steps and tool calls (offline, counted with "
            "tiktoken). Multiplied: everything per month or in dollars. The article's "
            f"multipliers: a single agent ~{MULTIPLIER['single']}x chat, multi-agent "
            f"~{MULTIPLIER['multi']}x. Caps: agentlab's rule, twice the lab run.",
            style="dim",
        ),
    ]
    if not report.priced:
        parts.append(
            Text(
                f"No price for {report.model} in litellm's price map: costs unpriced.",
                style="yellow",
            )
        )
    for pr in report.projections:
        grid = Table.grid(padding=(0, 1, 0, 2), expand=True)
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(ratio=1)
        for label, value in _projection_rows(pr):
            grid.add_row(label, value)
        parts += [
            Text(""),
            Text(f"{pr.option.name}: {pr.option.scenario}", style="bold cyan"),
            grid,
        ]
    if report.projections and report.projections[0].ok:
        parts += [Text(""), Text("Caps for your pick's scenario, to paste:", style="bold")]
        parts.append(Text(caps_toml(report.projections[0].caps()), style="green"))
    return Group(*parts)


def cost_to_dict(report: CostReport) -> dict[str, Any]:
    first = report.projections[0] if report.projections else None
    price = first.price if first else None
    return {
        "model": report.model,
        "model_reason": report.model_reason,
        "usd_per_mtok": None
        if price is None
        else {"input": price[0] * 1e6, "output": price[1] * 1e6},
        "sessions_per_day": report.sessions_per_day,
        "days_per_month": DAYS_PER_MONTH,
        "multipliers": dict(MULTIPLIER),
        "options": [
            {
                "role": pr.option.role,
                "name": pr.option.name,
                "scenario": pr.option.scenario,
                "measured": {**asdict(pr.measured), "times_chat": pr.measured.times_chat},
                "multiplied": {
                    "session_cost_usd": pr.session_cost,
                    "monthly_tokens_run": pr.monthly_tokens_run,
                    "monthly_tokens_article": pr.monthly_tokens_article,
                    "monthly_cost_usd_run": pr.monthly_cost_run,
                    "monthly_cost_usd_article": pr.monthly_cost_article,
                    "article_multiplier": pr.multiplier,
                },
                "suggested_caps": pr.caps() if pr.ok else None,
            }
            for pr in report.projections
        ],
    }


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
