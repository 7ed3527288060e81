"""``agentlab diff``: two sessions side by side (the comparison is ``core.compare``)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.text import Text

from agentlab.console.lines import STATUS_STYLE, fmt_cost
from agentlab.console.tables import _num, _table, outcome, whole_numbers
from agentlab.core.compare import NUMBERS, Comparison

_LABEL = {
    "steps": "steps",
    "tool_calls": "tools",
    "input_tokens": "in",
    "output_tokens": "out",
    "cost_usd": "cost",
}


def _fmt(kind: str, value: float | None) -> str:
    if value is None:
        return "-"
    return fmt_cost(value) if kind == "cost_usd" else f"{int(value):,}"


def _cell(kind: str, a: dict[str, Any] | None, b: dict[str, Any] | None) -> Text:
    """``A`` when both sides agree, else ``A → B``."""
    va, vb = (a or {}).get(kind), (b or {}).get(kind)
    if va == vb:
        return Text(_fmt(kind, va))
    return Text(f"{_fmt(kind, va)} → {_fmt(kind, vb)}", style="yellow")


def _status(side: dict[str, Any] | None) -> str:
    if side is None:
        return "-"
    if "stop_reason" in side:
        return outcome(side.get("status"), side.get("stop_reason"))
    return str(side.get("status") or "-")


def print_comparison(console: Console, c: Comparison) -> None:
    a, b = c.a, c.b
    for tag, side in (("A", a), ("B", b)):
        line = Text(f"{tag}  {side['session_id']}  {side['scenario']}  ")
        line.append(_status(side), style=STATUS_STYLE.get(side["status"], ""))
        if side.get("source_session"):
            line.append(f"  (rerun of {side['source_session']})", style="dim")
        console.print(line)
    t = _table("Per agent (A → B where they differ)")
    t.add_column("agent", overflow="fold", min_width=12)
    _num(t, *(_LABEL[k] for k in NUMBERS))
    t.add_column("status", overflow="fold", min_width=9)
    rows = [(r["agent"], r["a"], r["b"]) for r in c.agents]
    if len(rows) > 1:
        rows.append(("total", a, b))
    for i, (name, ra, rb) in enumerate(rows):
        if i and i == len(c.agents):
            t.add_section()
        sa, sb = _status(ra), _status(rb)
        status = Text(sa, style="dim") if sa == sb else Text(f"{sa} → {sb}", style="yellow")
        t.add_row(name, *(_cell(k, ra, rb) for k in NUMBERS), status)
    console.print(whole_numbers(t))
    if c.parting is None:
        console.print(
            Text("Trajectories: the same tool calls and answers, step by step.", style="green")
        )
    else:
        p = c.parting
        console.print(
            Text(f"Trajectories part at agent {p.agent}, step {p.call}:", style="bold yellow")
        )
        for tag, move in (("A", p.a), ("B", p.b)):
            console.print(Text(f"  {tag}: {move.show() if move else '(no such step)'}"))
    if c.same_output:
        console.print(Text("Final output: the same.", style="green"))
    else:
        console.print(Text("Final output:", style="bold"))
        for diff_line in c.output_diff:
            first = diff_line[:1]
            style = "green" if first == "+" else "red" if first == "-" else "dim"
            console.print(Text(diff_line, style=style))
