"""Rich tables and trees for the CLI: sessions, agents, spans, scenarios, cost projections."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from agentlab.console.lines import STATUS_STYLE, fmt_cost
from agentlab.errors import ScenarioError


def fmt_time(ts: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts)) if ts else "-"


def session_json(row: dict[str, Any]) -> dict[str, Any]:
    """The JSON shape of a session in `sessions list --json`."""
    started, ended = row.get("started_at"), row.get("ended_at")
    return {
        "session_id": row["id"],
        "scenario": row.get("scenario"),
        "pattern": row.get("pattern"),
        "status": row.get("status"),
        "stop_reason": row.get("stop_reason"),
        "started_at": started,
        "ended_at": ended,
        "duration_s": round(ended - started, 3) if started and ended else None,
        "input_tokens": row.get("input_tokens") or 0,
        "output_tokens": row.get("output_tokens") or 0,
        "total_tokens": row.get("total_tokens") or 0,
        "cost_usd": row.get("cost_usd")
        if row.get("cost_usd") is not None
        else row.get("priced_cost_usd"),
        "unpriced": bool(row.get("unpriced")),
        "steps": row.get("steps") or 0,
        "tool_calls": row.get("tool_calls") or 0,
    }


def sessions_table(rows: list[dict[str, Any]]) -> Table | Text:
    if not rows:
        return Text("No sessions yet. Try: agentlab run scenarios/research_question.toml")
    t = Table(title="Sessions", title_justify="left", header_style="bold")
    t.add_column("session", no_wrap=True)
    t.add_column("scenario", no_wrap=True)
    for col in ("status", "started", "tokens", "cost", "steps"):
        t.add_column(col, justify="right" if col in ("tokens", "cost", "steps") else "left")
    for r in rows:
        status = r["status"] or "?"
        if r.get("stop_reason") and r["stop_reason"] not in (status, "completed"):
            status += f" ({r['stop_reason']})"
        cost = fmt_cost(r["cost_usd"]) + (" +unpriced" if r["unpriced"] else "")
        t.add_row(
            r["session_id"],
            r["scenario"] or "",
            Text(status, style=STATUS_STYLE.get(r["status"] or "", "")),
            fmt_time(r["started_at"]),
            f"{r['total_tokens']:,}",
            cost,
            str(r["steps"]),
        )
    return t


def session_panel(s: dict[str, Any]) -> Panel:
    j = session_json(s)
    lines = [
        f"scenario  {j['scenario']}  ({j['pattern']})",
        f"status    {j['status']} ({j['stop_reason']})",
        f"started   {fmt_time(j['started_at'])}   duration {j['duration_s'] or '-'}s",
        f"tokens    {j['input_tokens']:,} in / {j['output_tokens']:,} out = {j['total_tokens']:,}",
        f"cost      {fmt_cost(j['cost_usd'])}{' + unpriced calls' if j['unpriced'] else ''}",
        f"steps     {j['steps']}   tool calls {j['tool_calls']}",
    ]
    limits = s.get("limits") or {}
    for kind, v in limits.items():
        lines.append(f"cap       {kind}: {v.get('used')} of {v.get('cap')}")
    if s.get("final_output"):
        lines += ["", str(s["final_output"])]
    if s.get("error") and s.get("status") != "completed":
        lines += ["", f"error: {s['error']}"]
    return Panel("\n".join(lines), title=f"session {s['id']}", title_align="left")


def agents_table(rows: list[dict[str, Any]]) -> Table:
    t = Table(title="Per-agent spend", title_justify="left", header_style="bold")
    for col in (
        "agent",
        "role",
        "parent",
        "model",
        "status",
        "steps",
        "tools",
        "in",
        "out",
        "cost",
    ):
        t.add_column(
            col, justify="right" if col in ("steps", "tools", "in", "out", "cost") else "left"
        )
    for a in rows:
        cost = fmt_cost(a["cost_usd"]) + (" +unpriced" if a.get("unpriced_calls") else "")
        t.add_row(
            a["name"],
            a["role"],
            a["parent"] or "-",
            a["model"],
            Text(a["status"], style=STATUS_STYLE.get(a["status"], "")),
            str(a["steps"]),
            str(a["tool_calls"]),
            f"{a['input_tokens']:,}",
            f"{a['output_tokens']:,}",
            cost,
        )
    if len(rows) > 1:
        t.add_section()
        t.add_row(
            "total",
            "",
            "",
            "",
            "",
            str(sum(a["steps"] for a in rows)),
            str(sum(a["tool_calls"] for a in rows)),
            f"{sum(a['input_tokens'] for a in rows):,}",
            f"{sum(a['output_tokens'] for a in rows):,}",
            fmt_cost(sum(a["cost_usd"] or 0 for a in rows)),
        )
    return t


def span_label(span: dict[str, Any]) -> Text:
    attrs = span.get("attributes") or {}
    kind = span.get("kind")
    dur = ""
    if span.get("end_mono") is not None and span.get("start_mono") is not None:
        dur = f" {1000 * (span['end_mono'] - span['start_mono']):.0f}ms"
    style = STATUS_STYLE.get(span.get("status") or "", "")
    if kind == "llm":
        toks = f" {attrs.get('gen_ai.usage.input_tokens', 0)}→{attrs.get('gen_ai.usage.output_tokens', 0)} tok"
        return Text(f"chat {span.get('name')}{toks}{dur}", style=style)
    if kind == "tool":
        return Text(f"tool {span.get('name')}{dur}", style=style)
    if kind == "agent":
        return Text(f"agent {span.get('name')}{dur}", style="bold " + style)
    return Text(f"{kind} {span.get('name')}{dur}", style=style)


def span_tree(session: dict[str, Any], spans: list[dict[str, Any]]) -> Tree:
    tree = Tree(Text(f"spans of {session['id']}", style="bold"))
    children: dict[str | None, list[dict[str, Any]]] = {}
    for sp in spans:
        children.setdefault(sp.get("parent_id"), []).append(sp)
    ids = {sp["id"] for sp in spans}

    def add(node: Tree, parent: str | None) -> None:
        for sp in sorted(children.get(parent, []), key=lambda x: x.get("start_mono") or 0):
            add(node.add(span_label(sp)), sp["id"])

    roots = [sp for sp in spans if sp.get("parent_id") not in ids]
    for sp in roots:
        add(tree.add(span_label(sp)), sp["id"])
    return tree


def scenarios_json(found: list[tuple[Path, Any]]) -> list[dict[str, Any]]:
    out = []
    for path, s in found:
        if isinstance(s, ScenarioError):
            out.append({"path": str(path), "error": str(s)})
        else:
            out.append(
                {
                    "path": str(path),
                    "name": s.name,
                    "pattern": s.pattern,
                    "agents": [a.name for a in s.agents],
                    "description": s.description,
                }
            )
    return out


def scenarios_table(found: list[tuple[Path, Any]]) -> Table:
    t = Table(title="Scenarios", title_justify="left", header_style="bold", show_lines=False)
    for col in ("file", "pattern", "agents", "what it shows"):
        t.add_column(col)
    for path, s in found:
        if isinstance(s, ScenarioError):
            t.add_row(str(path), "-", "-", Text(str(s), style="red"))
        else:
            first = (s.description.strip().splitlines() or [""])[0]
            t.add_row(str(path), s.pattern, str(len(s.agents)), first)
    return t


def cost_table(report: dict[str, Any]) -> Table:
    rec = report["recorded"]
    t = Table(
        title=f"Cost projection for {report.get('session_id', '')}  "
        f"({rec['input_tokens']:,} in / {rec['output_tokens']:,} out tokens, recorded {fmt_cost(rec['cost_usd'])})",
        title_justify="left",
        header_style="bold",
    )
    t.add_column("model")
    t.add_column("$/1M in", justify="right")
    t.add_column("$/1M out", justify="right")
    agents = [r["agent"] for r in (report["models"][0]["agents"] if report["models"] else [])]
    for a in agents:
        t.add_column(a, justify="right")
    t.add_column("total", justify="right", style="bold")
    for m in report["models"]:
        if not m["priced"]:
            t.add_row(m["model"], "-", "-", *["unpriced"] * len(agents), "unpriced")
            continue
        t.add_row(
            m["model"],
            f"{m['input_usd_per_mtok']:.2f}",
            f"{m['output_usd_per_mtok']:.2f}",
            *[fmt_cost(r["cost_usd"]) for r in m["agents"]],
            fmt_cost(m["cost_usd"]),
        )
    return t
