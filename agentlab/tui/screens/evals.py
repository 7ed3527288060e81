"""Eval runs (``agentlab eval``): the list with their CLEAR figures; one run's cases; a case run
opens its session in replay. Read through ``services.list_eval_runs``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from agentlab import services
from agentlab.console.lines import clip, cost_text
from agentlab.tui.columns import Column, cut, fit
from agentlab.tui.formats import Formats
from agentlab.tui.typed import typed_app

RUN_COLUMNS = (
    Column("run", "eval run", 3),
    Column("result", "result", 0),
    Column("cases", "cases", 4, right=True),
    Column("pass", "pass", 1, right=True),
    Column("pass^k", "pass^k", 5, right=True),
    Column("cost", "cost", 2, right=True),
    Column("p50", "p50", 6, right=True),
    Column("started", "started", 7),
)
CASE_COLUMNS = (
    Column("case", "case", 0, shrinks=True, min_width=10),
    Column("repeat", "#", 3, right=True),
    Column("result", "result", 1),
    Column("session", "session", 4),
    Column("why", "why", 2, shrinks=True, min_width=10),
)


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def run_cells(run: dict[str, Any], fmt: Formats) -> tuple[Any, ...]:
    """Cells in ``RUN_COLUMNS`` order: the CLEAR figures that fit a row."""
    o = run.get("overall") or {}
    ok = run.get("ok")
    result = (
        Text("running", style="cyan")
        if ok is None
        else Text("passed", style="green")
        if ok
        else Text("failed", style="red")
    )
    eff, rel = o.get("efficacy") or {}, o.get("reliability") or {}
    p50 = (o.get("latency") or {}).get("p50_s")
    cases = o.get("cases", len({r["case_id"] for r in run.get("results") or []}))
    return (
        fmt.session_id(run["id"]),
        result,
        Text(str(cases), justify="right"),
        Text(_rate(eff.get("pass_rate")), justify="right"),
        Text(_rate(rel.get("pass_hat_k")), justify="right"),
        Text(cost_text((o.get("cost") or {}).get("cost_usd") or 0.0), justify="right"),
        Text("-" if p50 is None else fmt.duration(p50), justify="right"),
        fmt.time(run.get("started_at")),
    )


def clear_text(run: dict[str, Any], fmt: Formats) -> Text:
    """The run's CLEAR report in five lines: Cost, Latency, Efficacy, Assurance, Reliability."""
    o = run.get("overall") or {}
    if not o:
        return Text("This eval run has not finished (no report yet).", style="yellow")
    c, lat, eff = o.get("cost") or {}, o.get("latency") or {}, o.get("efficacy") or {}
    a, rel = o.get("assurance") or {}, o.get("reliability") or {}
    ms = eff.get("milestones") or {}
    lines = [
        ("Cost", f"{cost_text(c.get('cost_usd') or 0.0)} · {c.get('tokens', 0):,} tok "
                 f"· {c.get('tokens_per_run', 0):,.0f} tok a run"),
        ("Latency", f"p50 {fmt.duration(lat.get('p50_s') or 0)} · "
                    f"p95 {fmt.duration(lat.get('p95_s') or 0)}"),
        ("Efficacy", f"{eff.get('passed', 0)}/{eff.get('runs', 0)} runs passed "
                     f"({_rate(eff.get('pass_rate'))}) · milestones "
                     f"{ms.get('reached', 0)}/{ms.get('total', 0)}"),
        ("Assurance", f"{a.get('passed', 0)}/{a.get('checked', 0)} safety checks held "
                      f"({_rate(a.get('rate'))})" if a.get("checked") else "none checked"),
        ("Reliability", f"k={rel.get('k', 1)} · pass^k {_rate(rel.get('pass_hat_k'))} · "
                        f"pass@k {_rate(rel.get('pass_at_k'))}"),
    ]  # fmt: skip
    text = Text()
    for i, (name, value) in enumerate(lines):
        text.append(("\n" if i else "") + f"{name:<12}", style="bold")
        text.append(value)
    return text


def _table(screen: Screen[Any], table: DataTable[Any], columns: tuple[Column, ...],
           keys: list[str], cells: list[tuple[Any, ...]]) -> None:  # fmt: skip
    """Fill a table with the columns that fit the screen (the cursor row is kept)."""
    shown, caps = fit(columns, cells, max(20, screen.size.width - 2))
    cursor = table.cursor_row
    table.clear(columns=True)
    for i in shown:
        table.add_column(columns[i].label, key=columns[i].key, width=caps[i])
    for key, row in zip(keys, cells, strict=True):
        table.add_row(*(cut(row[i], caps.get(i)) for i in shown), key=key)
    if cells:
        table.move_cursor(row=min(cursor, len(cells) - 1))


class EvalRunsScreen(Screen[None]):
    """Every eval run, newest first; enter opens one."""

    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("enter", "open", "Open"),  # not priority: keys typed ahead move the cursor first
    ]

    def __init__(self) -> None:
        super().__init__()
        self._ready = False
        self.runs: list[dict[str, Any]] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(id="runs", cursor_type="row", zebra_stripes=True)
        yield Static(id="runs-empty")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Eval runs"
        self.runs = services.list_eval_runs(typed_app(self).db_path, limit=500)
        n = len(self.runs)
        self.sub_title = f"{n} run{'' if n == 1 else 's'}"
        empty = self.query_one("#runs-empty", Static)
        empty.update("" if self.runs else "No eval runs yet: `agentlab eval scenarios/` makes one.")
        empty.display = not self.runs
        self.show()
        self.query_one("#runs", DataTable).focus()
        self._ready = True

    def on_resize(self) -> None:
        if self._ready:
            self.show()

    def show(self) -> None:
        fmt = typed_app(self).formats
        cells = [run_cells(r, fmt) for r in self.runs]
        table = self.query_one("#runs", DataTable)
        _table(self, table, RUN_COLUMNS, [r["id"] for r in self.runs], cells)

    def action_open(self) -> None:
        table = self.query_one("#runs", DataTable)
        if table.row_count == 0:
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        run = next((r for r in self.runs if r["id"] == key), None)
        if run is not None:
            self.app.push_screen(EvalRunScreen(run))

    def action_back(self) -> None:
        self.dismiss(None)

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()


class EvalRunScreen(Screen[None]):
    """One eval run: its CLEAR report and its case runs; enter replays a case's session."""

    @dataclass
    class ReplaySession(Message):
        session_id: str

    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("enter", "replay", "Replay the case"),  # not priority (see above)
    ]

    def __init__(self, run: dict[str, Any]) -> None:
        super().__init__()
        self._ready = False
        self.run = run
        self.results: list[dict[str, Any]] = list(run.get("results") or [])

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="clear")
        yield DataTable(id="cases", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        fmt = typed_app(self).formats
        self.title = f"Eval run {fmt.session_id(self.run['id'])}"
        self.sub_title = f"{len(self.results)} case runs"
        self.query_one("#clear", Static).update(clear_text(self.run, fmt))
        self.show()
        self.query_one("#cases", DataTable).focus()
        self._ready = True

    def on_resize(self) -> None:
        if self._ready:
            self.show()

    def show(self) -> None:
        fmt = typed_app(self).formats
        cells = []
        for r in self.results:
            failures = r.get("failures") or []
            why = r.get("skipped") or (failures[0].get("message", "") if failures else "")
            passed = "skipped" if r.get("skipped") else "passed" if r["passed"] else "failed"
            style = {"passed": "green", "failed": "red"}.get(passed, "yellow")
            sid = r.get("session_id")
            cells.append(
                (
                    r["case_id"],
                    Text(str(r["repeat"] + 1), justify="right"),
                    Text(passed, style=style),
                    fmt.session_id(sid) if sid else "-",
                    clip(str(why), 300),
                )
            )
        keys = [f"{r['case_id']}#{r['repeat']}" for r in self.results]
        _table(self, self.query_one("#cases", DataTable), CASE_COLUMNS, keys, cells)

    def action_replay(self) -> None:
        table = self.query_one("#cases", DataTable)
        if table.row_count == 0:
            return
        row = self.results[table.cursor_row]
        if not row.get("session_id"):
            self.notify("This case did not run (no session).", severity="warning")
            return
        self.post_message(self.ReplaySession(str(row["session_id"])))

    def action_back(self) -> None:
        self.dismiss(None)

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_replay()
