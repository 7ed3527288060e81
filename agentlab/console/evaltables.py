"""Rich rendering of an eval run: the cases, the CLEAR summary, notes and a baseline diff."""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from agentlab.console.lines import fmt_cost
from agentlab.eval.baseline import Change
from agentlab.eval.metrics import Report


def _table(title: str) -> Table:
    return Table(title=title, title_justify="left", header_style="bold", box=box.SIMPLE_HEAD)


def _rate(x: float | None) -> str:
    return "-" if x is None else f"{x:.0%}"


def cases_table(rep: Report) -> Table:
    t = _table("Cases (per run: tokens, cost; p95 latency)")
    t.add_column("case", no_wrap=True)
    t.add_column("passed", justify="right", no_wrap=True)
    t.add_column("milestones", justify="right", no_wrap=True)
    t.add_column("tokens", justify="right", no_wrap=True)
    t.add_column("cost", justify="right", no_wrap=True)
    t.add_column("p95", justify="right", no_wrap=True)
    for name, c in rep.cases.items():
        if c["skipped"]:
            t.add_row(name, Text("skipped", style="yellow"), "", "", "", "")
            continue
        eff = c["efficacy"]
        ok = c["reliability"]["passed_all"]
        ms = eff["milestones"]
        t.add_row(
            name,
            Text(f"{eff['passed']}/{eff['runs']}", style="green" if ok else "red"),
            f"{ms['reached']}/{ms['total']}" if ms["total"] else "-",
            f"{c['cost']['tokens_per_run']:,.0f}",
            fmt_cost(c["cost"]["cost_usd_per_run"]),
            f"{c['latency']['p95_s']:.2f} s",
        )
    return t


def failures(rep: Report) -> list[Text]:
    """One line per failed case run, naming each expectation that failed; one per skip."""
    out: list[Text] = []
    for r in sorted(rep.runs, key=lambda r: (r.case, r.repeat)):
        label = r.case if rep.repeat == 1 else f"{r.case} [repeat {r.repeat + 1}]"
        if r.skipped:
            out.append(Text(f"SKIP {label}: {r.skipped}", style="yellow"))
        for v in r.failures():
            out.append(Text(f"FAIL {label}: {v.name}: {v.message}", style="red"))
        for v in r.verdicts:  # a judge that passed: its verdict and reasoning, per case run
            if v.category == "judge" and v.passed:
                out.append(Text(f"JUDGE {label}: {v.message}", style="green"))
    return out


def _judge_cost(cost: dict[str, Any]) -> str:
    """The LLM judge's spend, apart from the agents'."""
    calls = int(cost.get("judge_calls") or 0)
    if not calls:
        return ""
    unpriced = int(cost.get("judge_unpriced") or 0)
    dollars = fmt_cost(cost["judge_cost_usd"]) + (f", {unpriced} unpriced" if unpriced else "")
    calls_ = f"{calls} call" + ("s" if calls != 1 else "")
    return f"{cost['judge_tokens']:,} tokens, {dollars} in {calls_} (not in the agents' cost)"


def clear_summary(rep: Report) -> Table:
    o = rep.overall
    t = _table("CLEAR")
    t.add_column("", style="bold")
    t.add_column("")
    cost = o["cost"]
    t.add_row(
        "Cost",
        f"{cost['tokens']:,} tokens, {fmt_cost(cost['cost_usd'])} "
        f"({cost['tokens_per_run']:,.0f} tokens, {fmt_cost(cost['cost_usd_per_run'])} a run)",
    )
    if cost.get("judge_calls"):
        t.add_row("  judge", _judge_cost(cost))
    t.add_row("Latency", f"p50 {o['latency']['p50_s']:.3f} s, p95 {o['latency']['p95_s']:.3f} s")
    eff = o["efficacy"]
    ms = eff["milestones"]
    milestones = (
        f", milestones {ms['reached']}/{ms['total']} ({_rate(eff['milestone_score'])})"
        if ms["total"]
        else ""
    )
    t.add_row(
        "Efficacy",
        f"{eff['passed']}/{eff['runs']} runs passed ({_rate(eff['pass_rate'])}){milestones}",
    )
    a = o["assurance"]
    t.add_row(
        "Assurance",
        f"{a['passed']}/{a['checked']} safety expectations passed"
        if a["checked"]
        else "none checked",
    )
    rel = o["reliability"]
    t.add_row(
        "Reliability",
        f"pass^{rel['k']} {_rate(rel['pass_hat_k'])}, pass@{rel['k']} {_rate(rel['pass_at_k'])} "
        f"of {o['cases'] - o['skipped']} cases"
        + (f" ({o['skipped']} skipped)" if o["skipped"] else ""),
    )
    return t


def baseline_table(changes: list[Change]) -> Table | Text:
    if not changes:
        return Text("baseline: nothing changed")
    t = _table("Against the baseline")
    t.add_column("what")
    t.add_column("baseline", justify="right")
    t.add_column("now", justify="right")
    t.add_column("")
    for c in changes:
        flag = (
            Text("REGRESSION " + c.why, style="red") if c.regression else Text(c.why, style="dim")
        )
        t.add_row(c.what, c.baseline, c.now, flag)
    return t


def eval_view(rep: Report, notes: list[str], changes: list[Change] | None) -> Group:
    parts: list[Any] = [cases_table(rep), *failures(rep), clear_summary(rep)]
    for note in [*rep.overall["notes"], *notes]:
        parts.append(Text(f"note: {note}", style="yellow"))
    if changes is not None:
        parts.append(baseline_table(changes))
    return Group(*parts)
