"""Rich tables and trees for the CLI: sessions, agents, spans, scenarios, cost projections."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from rich import box
from rich.cells import cell_len
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from agentlab.console.lines import (
    CHECK_MARK,
    STATUS_STYLE,
    checks_passed,
    fmt_cost,
    fmt_costs,
    fmt_value,
    verdict_text,
)
from agentlab.errors import ScenarioError
from agentlab.services import session_row


def fmt_time(ts: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts)) if ts else "-"


def _table(title: str) -> Table:
    """Light borders and a left title: fits 80 columns better than Rich's default box."""
    return Table(title=title, title_justify="left", header_style="bold", box=box.SIMPLE_HEAD)


def _num(t: Table, *names: str) -> None:
    for name in names:
        t.add_column(name, justify="right", no_wrap=True)


def whole_numbers(t: Table) -> Table:
    """Numbers are never cut ("$0.009…"): every right-aligned column is at least as wide as
    its widest cell, so the text columns give way when the table is narrow (80 columns, or a
    pipe, which Rich lays out at 80)."""
    for col in t.columns:
        if col.justify == "right":
            cells = [col.header, *col.cells]
            widest = max(c.cell_len if isinstance(c, Text) else cell_len(str(c)) for c in cells)
            col.min_width = max(col.min_width or 0, widest)
    return t


def outcome(status: str | None, stop_reason: str | None) -> str:
    """One word for a list: the status, or the stop reason when it says more."""
    if stop_reason and stop_reason not in (status, "completed", "running"):
        return stop_reason
    return status or "?"


def outcome_line(status: str | None, stop_reason: str | None) -> str:
    """``stopped (limit:steps)``; just ``completed`` when the reason says nothing more."""
    if stop_reason and stop_reason != status:
        return f"{status} ({stop_reason})"
    return status or "?"


def sessions_table(rows: list[dict[str, Any]]) -> Table | Text:
    if not rows:
        return Text("No sessions yet. Try: agentlab run scenarios/research_question.toml")
    t = _table("Sessions")
    t.pad_edge, t.collapse_padding = False, True  # one space between columns: room for names
    # The session id starts with its start time (YYYYMMDD-HHMMSS): no separate column.
    t.add_column("session (started)", no_wrap=True, min_width=22)
    # Names are cut with an ellipsis, never folded mid-word ("research_t/eam").
    # (not no_wrap: Rich only narrows wrappable columns; these hold one word each, so
    # "wrapping" them is cutting with the ellipsis)
    t.add_column("scenario", overflow="ellipsis", min_width=10)
    t.add_column("outcome", overflow="ellipsis", min_width=9)
    _num(t, "tokens", "cost", "steps")
    costs = fmt_costs([r["cost_usd"] for r in rows])
    for r, cost in zip(rows, costs, strict=True):
        cost += " +unpriced" if r["unpriced"] else ""
        t.add_row(
            r["session_id"],
            r["scenario"] or "",
            Text(
                outcome(r["status"], r["stop_reason"]),
                style=STATUS_STYLE.get(r["status"] or "", ""),
            ),
            f"{r['total_tokens']:,}",
            cost,
            str(r["steps"]),
        )
    return whole_numbers(t)


def session_panel(s: dict[str, Any], reruns: list[str] | None = None) -> Panel:
    j = session_row(s)
    duration = "-" if j["duration_s"] is None else f"{j['duration_s']}s"
    lines = [
        *lineage(s, reruns or []),
        f"scenario  {j['scenario']}  ({j['pattern']})",
        f"status    {outcome_line(j['status'], j['stop_reason'])}",
        f"started   {fmt_time(j['started_at'])}   duration {duration}",
        f"tokens    {j['input_tokens']:,} in / {j['output_tokens']:,} out = {j['total_tokens']:,}",
        f"cost      {fmt_cost(j['cost_usd'])}{' + unpriced calls' if j['unpriced'] else ''}",
        f"steps     {j['steps']}   tool calls {j['tool_calls']}",
    ]
    limits = s.get("limits") or {}
    for kind, v in limits.items():
        if kind == "cost_usd":  # one precision for both ("$0.009874 of $0.100000")
            used, cap = fmt_costs([v.get("used") or 0, v.get("cap") or 0])
        else:
            used, cap = fmt_value(kind, v.get("used") or 0), fmt_value(kind, v.get("cap") or 0)
        lines.append(f"cap       {kind}: {used} of {cap}")
    if s.get("final_output"):
        lines += ["", str(s["final_output"])]
    if s.get("error") and s.get("status") != "completed":
        lines += ["", f"error: {s['error']}"]
    return Panel("\n".join(lines), title=f"session {s['id']}", title_align="left")


def lineage(s: dict[str, Any], reruns: list[str]) -> list[str]:
    """Where a session comes from (a rerun, a fork) and the reruns made of it."""
    lines = []
    if s.get("source_session"):
        fork = f", forked at {s['fork_at']}" if s.get("fork_at") else ""
        lines.append(f"rerun of  {s['source_session']}{fork}")
    if reruns:
        shown = ", ".join(reruns[:5]) + (f" and {len(reruns) - 5} more" if len(reruns) > 5 else "")
        lines.append(f"reruns    {shown}")
    return lines


def _depths(rows: list[dict[str, Any]]) -> dict[str, int]:
    parent = {a["name"]: a.get("parent") for a in rows}

    def depth(name: str, seen: int = 0) -> int:
        p = parent.get(name)
        return 0 if not p or p not in parent or seen > 20 else 1 + depth(p, seen + 1)

    return {name: depth(name) for name in parent}


def agents_table(rows: list[dict[str, Any]]) -> Table:
    """Per-agent spend; workers indented under the agent that delegated to them. A column that
    is the same for every agent (one model, all completed) moves into the title."""
    depth = _depths(rows)
    models = {a["model"] for a in rows}
    statuses = {a["status"] for a in rows}
    title = "Per-agent spend"
    notes = []
    if len(models) == 1 and len(rows) > 1:
        notes.append(f"all on {next(iter(models))}")
    if statuses == {"completed"} and len(rows) > 1:
        notes.append("all completed")
    t = _table(title + (f" ({', '.join(notes)})" if notes else ""))
    t.pad_edge = False  # two more columns for names at 80
    t.add_column("agent (role)", overflow="fold", min_width=10)
    show_model = not (len(models) == 1 and len(rows) > 1)
    show_status = not (statuses == {"completed"} and len(rows) > 1)
    if show_model:
        t.add_column("model", overflow="fold", min_width=6)
    if show_status:
        t.add_column("status", overflow="ellipsis", min_width=6)
    _num(t, "steps", "tools", "in", "out", "cost")
    for a in rows:
        cost = fmt_cost(a["cost_usd"]) + (" +unpriced" if a.get("unpriced_calls") else "")
        who = Text("  " * depth[a["name"]] + a["name"])
        if a["role"] and a["role"] != "agent":
            who.append(f" ({a['role']})", style="dim")
        cells: list[Any] = [who]
        if show_model:
            cells.append(a["model"])
        if show_status:
            cells.append(Text(a["status"], style=STATUS_STYLE.get(a["status"], "")))
        cells += [
            str(a["steps"]),
            str(a["tool_calls"]),
            f"{a['input_tokens']:,}",
            f"{a['output_tokens']:,}",
            cost,
        ]
        t.add_row(*cells)
    if len(rows) > 1:
        t.add_section()
        blanks = [""] * (int(show_model) + int(show_status))
        t.add_row(
            Text("total", style="bold"),
            *blanks,
            str(sum(a["steps"] for a in rows)),
            str(sum(a["tool_calls"] for a in rows)),
            f"{sum(a['input_tokens'] for a in rows):,}",
            f"{sum(a['output_tokens'] for a in rows):,}",
            fmt_cost(sum(a["cost_usd"] or 0 for a in rows)),
        )
    return whole_numbers(t)


def span_label(span: dict[str, Any]) -> Text:
    attrs = span.get("attributes") or {}
    kind = span.get("kind")
    dur = ""
    if span.get("end_mono") is not None and span.get("start_mono") is not None:
        dur = f" {1000 * (span['end_mono'] - span['start_mono']):.0f}ms"
    style = STATUS_STYLE.get(span.get("status") or "", "")
    passed = checks_passed(attrs.get("agentlab.checks") or [])
    passed = f" {passed}" if passed else ""
    if kind == "llm":
        toks = f" {attrs.get('gen_ai.usage.input_tokens', 0)}→{attrs.get('gen_ai.usage.output_tokens', 0)} tok"
        est_in = attrs.get("agentlab.usage.estimated_input_tokens")
        if est_in is not None:  # the provider's usage won; the local count beside it
            est_out = attrs.get("agentlab.usage.estimated_output_tokens", 0)
            toks += f" (local estimate {est_in}→{est_out})"
        return Text(f"chat {span.get('name')}{toks}{dur}{passed}", style=style)
    if kind == "tool":
        return Text(f"tool {span.get('name')}{dur}{passed}", style=style)
    if kind == "check" and attrs.get("agentlab.check.verdict"):
        text = Text(f"{CHECK_MARK} check {span.get('name')} · ", style=style)
        verdict = verdict_text(
            attrs["agentlab.check.verdict"],
            attrs.get("agentlab.check.by", "check"),
            attrs.get("agentlab.check.reason", ""),
            120,
        )
        return text.append_text(verdict).append(dur)
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
    out: list[dict[str, Any]] = []
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


def scenarios_table(found: list[tuple[Path, Any]], where: str, by_name: bool) -> Table:
    """The scenarios found ``where``; ``by_name`` shows the names `agentlab run NAME` takes
    (the default folder: ./scenarios or the shipped ones) instead of the file paths."""
    how = "agentlab run NAME" if by_name else "agentlab run FILE"
    t = _table(f"Scenarios {where} (run one with `{how}`)")
    t.add_column("name" if by_name else "file", no_wrap=True, overflow="ellipsis", max_width=28)
    t.add_column("pattern", no_wrap=True)
    _num(t, "agents")
    t.add_column("what it shows", ratio=1)  # the whole description, wrapped at words
    for path, s in found:
        label = path.stem if by_name else str(path)
        if isinstance(s, ScenarioError):
            t.add_row(label, "-", "-", Text(str(s), style="red"))
        else:
            about = " ".join(s.description.split())
            t.add_row(label, s.pattern, str(len(s.agents)), Text(about))  # not markup
    return t


def cost_table(report: dict[str, Any]) -> Table:
    """One row per agent, one column per model: what the recorded tokens cost there."""
    rec = report["recorded"]
    t = _table(
        f"Cost projection for {report.get('session_id', '')}: "
        f"{rec['input_tokens']:,} in / {rec['output_tokens']:,} out tokens"
    )
    t.add_column("agent", overflow="fold", min_width=14)
    t.add_column("recorded", justify="right", no_wrap=True)
    for m in report["models"]:
        head = m["model"]
        if m["priced"]:
            head += f"\n${m['input_usd_per_mtok']:.2f}/${m['output_usd_per_mtok']:.2f} per 1M"
        t.add_column(head, justify="right", no_wrap=True)
    names = [r["agent"] for r in (report["models"][0]["agents"] if report["models"] else [])]
    recorded = report.get("recorded_agents") or {}
    # Each column at one precision (its total included), so its decimals line up.
    rec_col = fmt_costs([recorded.get(n) for n in names] + [rec["cost_usd"]])
    model_cols = [
        fmt_costs([a["cost_usd"] for a in m["agents"]] + [m["cost_usd"]]) for m in report["models"]
    ]
    for i, name in enumerate(names):
        t.add_row(
            name,
            rec_col[i] if name in recorded else "-",
            *[col[i] for col in model_cols],
        )
    t.add_section()
    t.add_row(
        Text("total", style="bold"),
        rec_col[-1],
        *[Text(col[-1], style="bold") for col in model_cols],
    )
    return whole_numbers(t)
