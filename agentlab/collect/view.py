"""What ``agentlab collect`` shows: a live table of the sessions arriving (Rich), or one line
per finished session when the output is not a terminal."""

from __future__ import annotations

from typing import Any

from agentlab.collect.assembly import Assembler, SessionState
from agentlab.collect.server import Stats
from agentlab.console.lines import fmt_cost

MAX_ROWS = 15


def cost_text(s: SessionState) -> str:
    if s.unpriced_calls and not s.cost_usd:
        return "unpriced"
    text = fmt_cost(s.cost_usd)
    return text + " + unpriced" if s.unpriced_calls else text


def alerts(s: SessionState) -> list[str]:
    out = [f"cap crossed: {kind} {value:g}" for kind, value in s.crossed.items()]
    if s.loops:
        out.append(f"loop: {s.loops[-1]}")
    if s.errors:
        out.append(f"{s.errors} error(s)")
    return out


def summary_line(s: SessionState) -> str:
    """One line for a finished session (also what ``import-otlp`` prints)."""
    agents = ", ".join(s.agents) or "no agent span"
    extra = "".join(f"  [{a}]" for a in alerts(s))
    return (
        f"{s.id}  {s.framework}  {s.status}  agents: {agents}  "
        f"{s.llm_calls} model call(s), {s.tool_calls} tool call(s), "
        f"{s.total_tokens:,} tokens ({s.input_tokens:,} in / {s.output_tokens:,} out), "
        f"{cost_text(s)}{extra}"
    )


def table(assembler: Assembler, stats: Stats, url: str) -> Any:
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    t = Table(title=f"agentlab collect · {url}", title_justify="left", expand=False)
    for name in ("session", "framework", "status", "agents", "calls", "tools", "tokens", "cost"):
        t.add_column(name, justify="right" if name in ("calls", "tools", "tokens") else "left")
    t.add_column("alerts", style="bold red")
    rows = list(assembler.sessions.values())[-MAX_ROWS:]
    for s in rows:
        status = s.status + (f" ({len(s.held)} waiting)" if s.held else "")
        t.add_row(
            s.id,
            s.framework,
            status,
            ", ".join(s.agents[:4]) + (" …" if len(s.agents) > 4 else ""),
            str(s.llm_calls),
            str(s.tool_calls),
            f"{s.total_tokens:,}",
            cost_text(s),
            "; ".join(alerts(s)),
        )
    foot = (
        f"{stats.requests} request(s) · {stats.spans:,} span(s) · {assembler.held} waiting for "
        f"a parent · {stats.bad} bad payload(s)"
    )
    parts: list[Any] = [t, Text(foot, style="dim")]
    if stats.last_error:
        parts.append(Text(f"last bad payload: {stats.last_error}", style="yellow"))
    if not rows:
        parts.insert(1, Text("waiting for traces… (Ctrl-C to stop)", style="dim"))
    return Group(*parts)
