"""Home: recorded sessions (newest first) and the scenarios that can be run.

The sessions and the dashboard paint first; the scenarios are read in a thread right after
(validating them imports the runtime: a third of a second and more that the first paint does
not wait for). Running one waits for that read.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Sparkline, Static

from agentlab import services
from agentlab.console.lines import clip, cost_text, status_style
from agentlab.console.tables import outcome
from agentlab.errors import ScenarioError
from agentlab.tui.columns import Column, cut, fit
from agentlab.tui.formats import Formats
from agentlab.tui.typed import typed_app

if TYPE_CHECKING:
    from agentlab.core.spec import Scenario

#: What ``scenario.list_scenarios`` gives: each file with its scenario or its error.
Found = list[tuple[Path, "Scenario | ScenarioError"]]

#: In display order; ``priority`` says which survive a narrow terminal (status, cost and tokens
#: before timestamps and the pattern).
SESSION_COLUMNS = (
    Column("session", "session", 3),
    Column("scenario", "scenario", 4, shrinks=True, min_width=8),
    Column("status", "status", 0),
    Column("tokens", "tokens", 2, right=True),
    Column("cost", "cost", 1, right=True),
    Column("steps", "steps", 5, right=True),
    Column("started", "started", 6),
    Column("pattern", "pattern", 7),
)
SCENARIO_COLUMNS = ("scenario", "pattern", "agents", "about")


class RowTable(DataTable[Any]):
    """A table whose enter (the row the cursor is on, after the keys typed before it) is in the
    footer: DataTable's own hides it."""

    BINDINGS = [Binding("enter", "select_cursor", "Open (replay / run)")]


class HomeScreen(Screen[None]):
    @dataclass
    class RunScenario(Message):
        """Run this scenario file."""

        path: str

    @dataclass
    class ReplaySession(Message):
        """Replay this recorded session."""

        session_id: str

    class OpenAdvisor(Message):
        """Open the advisor."""

    class OpenSessions(Message):
        """Open the sessions browser."""

    class OpenEvals(Message):
        """Open the eval runs."""

    BINDINGS = [
        Binding("r", "run", "Run scenario"),
        # Not priority: a table's own enter selects the row its cursor is on once the keys typed
        # before it are handled (a priority binding ran ahead of them: the wrong row opened).
        Binding("enter", "open", "Open (replay / run)"),
        Binding("tab", "app.focus_next", "Sessions ⇄ scenarios"),
        Binding("s", "sessions", "Sessions"),
        Binding("v", "evals", "Evals"),
        Binding("a", "advisor", "Advisor"),
        Binding("f5", "refresh_all", "Refresh"),
        Binding("ctrl+r", "refresh_all", "Refresh", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        #: Scenario files that failed to load -> their error (``file:line: key: message``).
        self.invalid: dict[str, str] = {}
        self._rows: list[dict[str, Any]] = []
        #: Scenario file -> its whole description (or its error), for the line under the table.
        self._about: dict[str, str] = {}
        self._width = 0
        #: The scenario files read (None until the first read is done).
        self.found: Found | None = None
        #: Set once the scenarios have been read (running one waits for it).
        self.scenarios_loaded = asyncio.Event()

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="dashboard"):
            yield Static(id="totals")
            with Vertical(id="spend-box"):
                yield Sparkline([], id="spend")
                yield Static(id="spend-label")
        with Vertical(id="sessions-box"):
            yield RowTable(id="sessions", cursor_type="row", zebra_stripes=True)
            yield Static(id="sessions-empty")
        with Vertical(id="scenarios-box"):
            yield RowTable(id="scenarios", cursor_type="row", zebra_stripes=True)
            # The highlighted scenario's whole description (the table's column is cut to fit).
            yield Static(id="scenario-about")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#sessions-box").border_title = "Sessions"
        self.query_one("#scenarios-box").border_title = "Scenarios"
        self.query_one("#scenarios", DataTable).add_columns(*SCENARIO_COLUMNS)
        self.load_scenarios()
        self.call_after_refresh(self.read_scenarios)  # once the first frame is out
        self.action_refresh()
        # First launch: something has focus, so arrows and enter work before any tab.
        sessions = self.query_one("#sessions", DataTable)
        (sessions if self._rows else self.query_one("#scenarios", DataTable)).focus()

    def on_screen_resume(self) -> None:
        self.action_refresh()

    def on_resize(self) -> None:
        """Re-flow: the columns that fit and the descriptions' room follow the width."""
        if self.size.width != self._width:
            self._width = self.size.width
            self.set_class(self._width < 100, "-narrow")
            self.load_scenarios()
            self._fill_sessions()

    # --- data ------------------------------------------------------------------------------

    def action_refresh_all(self) -> None:
        """F5: the sessions and the dashboard, and the scenario files read again."""
        self.read_scenarios()
        self.action_refresh()

    def read_scenarios(self) -> None:
        self.run_worker(self._read_scenarios(), group="scenarios", exclusive=True)

    async def _read_scenarios(self) -> None:
        folder = typed_app(self).scenarios_dir

        def read() -> Found:
            from agentlab.scenario import list_scenarios

            return list_scenarios(folder) if folder.is_dir() else []

        try:
            self.found = await asyncio.to_thread(read)
            if self.is_attached:  # not when the app closed while the files were read
                try:
                    self.load_scenarios()
                except NoMatches:  # the screen is being torn down
                    pass
        finally:
            self.scenarios_loaded.set()

    def action_refresh(self) -> None:
        app = typed_app(self)
        rows = self._rows = services.list_sessions(app.db_path, limit=200)
        self._fill_sessions()
        self._fill_dashboard()
        table = self.query_one("#sessions", DataTable)
        empty = self.query_one("#sessions-empty", Static)
        empty.update(
            "" if rows else "No sessions yet: pick a scenario below and press r to run it."
        )
        empty.display = not rows
        table.display = bool(rows)
        if rows and self.focused is None:
            table.focus()

    def _fill_dashboard(self) -> None:
        app = typed_app(self)
        d = services.dashboard(app.db_path, now=app.formats.now())
        lines = Text()
        for key, label in (("today", "today "), ("week", "7 days")):
            t = d[key]
            fail = "-" if t["failure_rate"] is None else f"{t['failure_rate']:.0%}"
            p50 = "-" if t["p50_s"] is None else app.formats.duration(t["p50_s"])
            p95 = "-" if t["p95_s"] is None else app.formats.duration(t["p95_s"])
            if lines:
                lines.append("\n")
            lines.append(f"{label} ", style="bold")
            lines.append(
                f"{t['sessions']} session{'' if t['sessions'] == 1 else 's'} · "
                f"{t['tokens']:,} tok · "
                f"{cost_text(t['cost_usd'])} · failed {fail} · p50 {p50} p95 {p95}"
            )
        self.query_one("#totals", Static).update(lines)
        self.query_one("#spend", Sparkline).data = d["spend"]
        self.query_one("#spend-label", Static).update(
            f"spend, 14 days: {cost_text(sum(d['spend']))}"
        )

    def _fill_sessions(self) -> None:
        """The session rows with the columns that fit the width (the cursor row is kept)."""
        fmt = typed_app(self).formats
        table = self.query_one("#sessions", DataTable)
        cursor = table.cursor_row
        cells = [session_cells(r, fmt) for r in self._rows]
        width = max(20, self.size.width - 4)  # the box's border and the scrollbar
        shown, caps = fit(SESSION_COLUMNS, cells, width)
        table.clear(columns=True)
        for i in shown:
            c = SESSION_COLUMNS[i]
            table.add_column(c.label, key=c.key, width=caps[i])
        for r, row in zip(self._rows, cells, strict=True):
            table.add_row(*(cut(row[i], caps.get(i)) for i in shown), key=r["session_id"])
        if cells:
            table.move_cursor(row=min(cursor, len(cells) - 1))

    def load_scenarios(self) -> None:
        """Fill the scenarios table from what was read, fitted to the width."""
        folder = typed_app(self).scenarios_dir
        table = self.query_one("#scenarios", DataTable)
        table.clear()
        if self.found is None:
            table.add_row("(reading…)", "", "", "", key="")
            return
        found = self.found
        rows = []
        self.invalid = {}
        for path, s in found:
            if isinstance(s, ScenarioError):
                where = f"{path.name}:{s.line}" if s.line is not None else path.name
                error = f"{where}: {s.key}: {s.message}" if s.key else f"{where}: {s.message}"
                self.invalid[str(path)] = error
                rows.append((str(path), path.stem, "-", "-", f"invalid: {error}"))
            else:
                about = " ".join(s.description.split())
                rows.append((str(path), s.name, s.pattern, str(len(s.agents)), about))
        # The description takes what the other columns leave, so the table never scrolls sideways.
        fixed = sum(max(len(r[i]) for r in [("", *SCENARIO_COLUMNS), *rows]) + 2 for i in (1, 2, 3))
        room = max(20, self.size.width - fixed - 8)
        self._about = {key: about for key, *_, about in rows}
        for key, *cells, about in rows:
            style = "red" if about.startswith("invalid: ") else ""
            table.add_row(*cells, Text(clip(about, room), style=style), key=key)
        if not found:
            table.add_row("(none)", "", "", f"no scenario files in {folder}", key="")

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "scenarios":
            about = self._about.get(str(event.row_key.value), "")
            self.query_one("#scenario-about", Static).update(Text(about))

    # --- actions ---------------------------------------------------------------------------

    async def action_run(self) -> None:
        await self.scenarios_loaded.wait()  # a fraction of a second, once, at start
        table = self.query_one("#scenarios", DataTable)
        path = _key_at_cursor(table)
        if not path:
            self.notify("No scenario to run.", severity="warning")
            return
        if path in self.invalid:
            self.notify(self.invalid[path], title="Invalid scenario", severity="error")
            return
        self.post_message(self.RunScenario(path))

    async def action_open(self) -> None:
        if self.focused is self.query_one("#scenarios"):
            await self.action_run()
            return
        sid = _key_at_cursor(self.query_one("#sessions", DataTable))
        if sid:
            self.post_message(self.ReplaySession(sid))

    def action_advisor(self) -> None:
        self.post_message(self.OpenAdvisor())

    def action_sessions(self) -> None:
        self.post_message(self.OpenSessions())

    def action_evals(self) -> None:
        self.post_message(self.OpenEvals())

    @on(DataTable.RowSelected)
    async def _selected(self, event: DataTable.RowSelected) -> None:
        """Enter or a click on a row: that row (a scenario runs, a session replays)."""
        event.stop()
        if event.data_table.id == "scenarios":
            # A worker: waiting here for the scenarios' first read would block this screen's
            # queue, where that read is itself queued (call_after_refresh).
            self.run_worker(self.action_run(), group="open", exclusive=True)
        elif event.row_key.value:
            self.post_message(self.ReplaySession(event.row_key.value))


def _key_at_cursor(table: DataTable[Any]) -> str | None:
    if table.row_count == 0:
        return None
    key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
    return key or None


def session_cells(r: dict[str, Any], fmt: Formats) -> tuple[Any, ...]:
    """Cells in ``SESSION_COLUMNS`` order. The status is one word: the stop reason when it says
    more (``limit:steps``), so it never needs cutting."""
    status = r["status"] or "?"
    return (
        fmt.session_id(r["session_id"]),
        r["scenario"] or "",
        Text(outcome(status, r.get("stop_reason")), style=status_style(status)),
        Text(f"{r['total_tokens']:,}", justify="right"),
        Text(cost_text(r["cost_usd"], int(r["unpriced"])), justify="right"),
        Text(str(r["steps"]), justify="right"),
        fmt.time(r["started_at"]),
        r["pattern"] or "",
    )
