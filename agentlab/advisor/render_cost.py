"""Rendering the cost at your volume: measured and multiplied numbers, labelled apart."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from agentlab.advisor.volume import DAYS_PER_MONTH, MULTIPLIER, CostReport, Projection, caps_toml


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
