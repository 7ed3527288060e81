"""Per-agent spend, from a ``Tally`` fed by the event stream (live or replayed).

Roles are in the span tree; the table keeps to numbers so a team fits beside the gauges."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from agentlab.console.lines import cost_text, status_style
from agentlab.core.tally import Tally

COLUMNS = (
    ("agent", "agent"),
    ("steps", "steps"),
    ("tools", "tools"),
    ("in", "in"),
    ("out", "out"),
    ("cost", "cost"),
    ("status", "status"),
)


class AgentsTable(DataTable):
    """One row per agent; ``show(tally)`` adds new agents and updates the others in place."""

    DEFAULT_CSS = """
    AgentsTable {
        height: 1fr;
    }
    """

    def on_mount(self) -> None:
        self.cursor_type = "none"
        self.zebra_stripes = True
        for key, label in COLUMNS:
            self.add_column(label, key=key)

    def show(self, tally: Tally) -> None:
        for a in tally.agents.values():
            cells = {
                "agent": a.name,
                "steps": str(a.steps),
                "tools": str(a.tool_calls),
                "in": f"{a.input_tokens:,}",
                "out": f"{a.output_tokens:,}",
                "cost": cost_text(a.cost_usd, a.unpriced_calls),
                "status": Text(a.status, style=status_style(a.status)),
            }
            if a.name not in self.rows:
                self.add_row(*cells.values(), key=a.name)
                continue
            for key, value in cells.items():
                if self.get_cell(a.name, key) != value:
                    self.update_cell(a.name, key, value, update_width=True)

    def clear_view(self) -> None:
        self.clear()
