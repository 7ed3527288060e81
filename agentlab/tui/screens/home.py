"""Home: recorded sessions (newest first) and the scenarios that can be run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from agentlab import services
from agentlab.console.lines import clip, cost_text, status_style
from agentlab.errors import ScenarioError
from agentlab.scenario import list_scenarios
from agentlab.tui.formats import Formats
from agentlab.tui.typed import typed_app

SESSION_COLUMNS = ("session", "scenario", "pattern", "status", "started", "tokens", "cost", "steps")
SCENARIO_COLUMNS = ("scenario", "pattern", "agents", "about")


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

    BINDINGS = [
        Binding("r", "run", "Run scenario"),
        # Priority: the tables' own enter would hide this from the footer; open() looks at focus.
        Binding("enter", "open", "Open (replay / run)", priority=True),
        Binding("tab", "app.focus_next", "Sessions ⇄ scenarios"),
        Binding("a", "advisor", "Advisor"),
        Binding("f5", "refresh", "Refresh"),
        Binding("ctrl+r", "refresh", "Refresh", show=False),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="sessions-box"):
            yield DataTable(id="sessions", cursor_type="row", zebra_stripes=True)
            yield Static(id="sessions-empty")
        with Vertical(id="scenarios-box"):
            yield DataTable(id="scenarios", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#sessions-box").border_title = "Sessions"
        self.query_one("#scenarios-box").border_title = "Scenarios"
        self.query_one("#sessions", DataTable).add_columns(*SESSION_COLUMNS)
        self.query_one("#scenarios", DataTable).add_columns(*SCENARIO_COLUMNS)
        self.load_scenarios()
        self.action_refresh()

    def on_screen_resume(self) -> None:
        self.action_refresh()

    # --- data ------------------------------------------------------------------------------

    def action_refresh(self) -> None:
        app = typed_app(self)
        fmt = app.formats
        rows = services.list_sessions(app.db_path, limit=200)
        table = self.query_one("#sessions", DataTable)
        table.clear()
        for r in rows:
            table.add_row(*_session_cells(r, fmt), key=r["session_id"])
        empty = self.query_one("#sessions-empty", Static)
        empty.update(
            "" if rows else "No sessions yet: pick a scenario below and press r to run it."
        )
        empty.display = not rows
        table.display = bool(rows)
        if rows and self.focused is None:
            table.focus()

    def load_scenarios(self) -> None:
        folder = typed_app(self).scenarios_dir
        table = self.query_one("#scenarios", DataTable)
        table.clear()
        found = list_scenarios(folder) if folder.is_dir() else []
        rows = []
        for path, s in found:
            if isinstance(s, ScenarioError):
                rows.append((str(path), path.stem, "-", "-", f"invalid: {s.message}"))
            else:
                about = (s.description.strip().splitlines() or [""])[0]
                rows.append((str(path), s.name, s.pattern, str(len(s.agents)), about))
        # The description takes what the other columns leave, so the table never scrolls sideways.
        fixed = sum(max(len(r[i]) for r in [("", *SCENARIO_COLUMNS), *rows]) + 2 for i in (1, 2, 3))
        room = max(20, self.app.size.width - fixed - 8)
        for key, *cells, about in rows:
            style = "red" if about.startswith("invalid: ") else ""
            table.add_row(*cells, Text(clip(about, room), style=style), key=key)
        if not found:
            table.add_row("(none)", "", "", f"no scenario files in {folder}", key="")

    # --- actions ---------------------------------------------------------------------------

    def action_run(self) -> None:
        table = self.query_one("#scenarios", DataTable)
        path = _key_at_cursor(table)
        if not path:
            self.notify("No scenario to run.", severity="warning")
            return
        self.post_message(self.RunScenario(path))

    def action_open(self) -> None:
        if self.focused is self.query_one("#scenarios"):
            self.action_run()
            return
        sid = _key_at_cursor(self.query_one("#sessions", DataTable))
        if sid:
            self.post_message(self.ReplaySession(sid))

    def action_advisor(self) -> None:
        self.post_message(self.OpenAdvisor())

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        """A click on a row (enter is the priority binding above)."""
        event.stop()
        self.action_open()


def _key_at_cursor(table: DataTable[Any]) -> str | None:
    if table.row_count == 0:
        return None
    key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
    return key or None


def _session_cells(r: dict[str, Any], fmt: Formats) -> tuple[Any, ...]:
    status = r["status"] or "?"
    label = status
    if r.get("stop_reason") and r["stop_reason"] not in (status, "completed"):
        label += f" ({r['stop_reason']})"
    return (
        fmt.session_id(r["session_id"]),
        r["scenario"] or "",
        r["pattern"] or "",
        Text(label, style=status_style(status)),
        fmt.time(r["started_at"]),
        Text(f"{r['total_tokens']:,}", justify="right"),
        Text(cost_text(r["cost_usd"], int(r["unpriced"])), justify="right"),
        Text(str(r["steps"]), justify="right"),
    )
