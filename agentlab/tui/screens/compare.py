"""Two sessions side by side: totals, per-agent spend, stop reasons, the first step where they
part, and the final outputs with their diff (``services.compare_sessions``)."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from agentlab.console.lines import cost_text, status_style
from agentlab.console.tables import outcome_line
from agentlab.tui.typed import typed_app


class CompareScreen(Screen[None]):
    BINDINGS = [Binding("escape", "back", "Back")]

    def __init__(self, comparison: dict[str, Any]) -> None:
        super().__init__()
        self.comparison = comparison

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="compare"):
            yield Static(id="sides")
            yield Static(id="parted")
            yield Static(id="outputs")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Compare"
        c, fmt = self.comparison, typed_app(self).formats
        a, b = c["a"], c["b"]
        ids = [fmt.session_id(s["session"]["session_id"]) for s in (a, b)]
        self.sub_title = f"A {ids[0]} · B {ids[1]}"
        table = Table(expand=True, header_style="bold")
        table.add_column("")
        table.add_column(f"A {a['session']['scenario'] or ''}", justify="right")
        table.add_column(f"B {b['session']['scenario'] or ''}", justify="right")
        for side in (a, b):
            side["_status"] = Text(
                outcome_line(side["session"]["status"], side["session"]["stop_reason"]),
                style=status_style(side["session"]["status"] or ""),
            )
        table.add_row("outcome", a["_status"], b["_status"])
        for key, label in (
            ("total_tokens", "tokens"),
            ("steps", "steps"),
            ("tool_calls", "tool calls"),
        ):
            table.add_row(label, f"{a['totals'][key]:,}", f"{b['totals'][key]:,}")
        table.add_row(
            "cost",
            cost_text(a["totals"]["cost_usd"], a["totals"]["unpriced_calls"]),
            cost_text(b["totals"]["cost_usd"], b["totals"]["unpriced_calls"]),
        )
        for name in dict.fromkeys([*a["agents"], *b["agents"]]):
            cells = []
            for side in (a, b):
                r = side["agents"].get(name)
                cells.append(
                    f"{r['input_tokens'] + r['output_tokens']:,} tok · "
                    f"{cost_text(r['cost_usd'], r.get('unpriced_calls', 0))} · {r['steps']} st"
                    if r
                    else "-"
                )
            table.add_row(Text(f"  {name}", style="magenta"), *cells)
        self.query_one("#sides", Static).update(table)
        parted = c["parted"]
        if parted is None:
            text = Text("The two runs take the same steps.", style="green")
        else:
            text = Text.assemble(
                (f"They part at step {parted['index']}:\n", "bold yellow"),
                ("A  ", "bold"),
                parted["a"][:300],
                "\n",
                ("B  ", "bold"),
                parted["b"][:300],
            )
        self.query_one("#parted", Static).update(text)
        diff = Text()
        for line in c["output_diff"]:
            style = "green" if line.startswith("+") else "red" if line.startswith("-") else ""
            diff.append(line + "\n", style=style)
        outputs = Group(
            Text("Final outputs", style="bold"),
            diff if c["output_diff"] else Text("The same final output.", style="green"),
        )
        self.query_one("#outputs", Static).update(outputs)

    def action_back(self) -> None:
        self.dismiss(None)
