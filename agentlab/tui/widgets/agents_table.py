"""Per-agent spend, from a ``Tally`` fed by the event stream (live or replayed).

Roles are in the span tree; the table keeps to numbers so a team fits beside the gauges. The
columns are fitted to the width like the sessions table's (:mod:`agentlab.tui.columns`): at 80
columns status and cost stay, the token and step counts go first, a long agent name ends in an
ellipsis."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from agentlab.console.lines import cost_text, status_style
from agentlab.core.tally import AgentTally, Tally
from agentlab.tui.columns import Column, cut, fit

#: In display order; a lower ``priority`` survives a narrower table.
COLUMNS = (
    Column("agent", "agent", 2, shrinks=True, min_width=6),
    Column("steps", "steps", 5, right=True),
    Column("tools", "tools", 6, right=True),
    Column("in", "in", 4, right=True),
    Column("out", "out", 3, right=True),
    Column("cost", "cost", 1, right=True),
    Column("status", "status", 0),
)


def agent_cells(a: AgentTally) -> tuple[str | Text, ...]:
    """Cells in ``COLUMNS`` order."""

    def num(text: str) -> Text:
        return Text(text, justify="right")

    return (
        a.name,
        num(str(a.steps)),
        num(str(a.tool_calls)),
        num(f"{a.input_tokens:,}"),
        num(f"{a.output_tokens:,}"),
        num(cost_text(a.cost_usd, a.unpriced_calls)),
        Text(a.status, style=status_style(a.status)),
    )


class AgentsTable(DataTable):
    """One row per agent; ``show(tally)`` adds new agents and updates the others in place."""

    DEFAULT_CSS = """
    AgentsTable {
        height: 1fr;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._cells: dict[str, tuple[str | Text, ...]] = {}
        #: The columns shown and their widths, as last laid out.
        self._layout: tuple[list[int], dict[int, int]] | None = None

    def on_mount(self) -> None:
        self.cursor_type = "none"
        self.zebra_stripes = True
        self._lay_out()

    def on_resize(self) -> None:
        self._lay_out()

    def show(self, tally: Tally) -> None:
        for a in tally.agents.values():
            self._cells[a.name] = agent_cells(a)
        self._lay_out()

    def _lay_out(self) -> None:
        """Columns that fit the width; rows updated in place while the columns stay."""
        width = self.scrollable_content_region.width or 1_000
        rows = list(self._cells.values())
        layout = fit(COLUMNS, rows, width)
        shown, caps = layout
        if layout != self._layout:
            self._layout = layout
            self.clear(columns=True)
            for i in shown:
                self.add_column(COLUMNS[i].label, key=COLUMNS[i].key, width=caps[i])
        for name, cells in self._cells.items():
            values = {COLUMNS[i].key: cut(cells[i], caps.get(i)) for i in shown}
            if name not in self.rows:
                self.add_row(*values.values(), key=name)
                continue
            for key, value in values.items():
                if self.get_cell(name, key) != value:
                    self.update_cell(name, key, value)

    def clear_view(self) -> None:
        self._cells.clear()
        self._layout = None
        self.clear(columns=True)
