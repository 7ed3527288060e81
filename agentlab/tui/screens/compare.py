"""Two sessions side by side: totals, per-agent spend, stop reasons, the first step where they
part, and the final outputs with their diff (``services.diff_sessions``, the same
comparison as ``agentlab diff``)."""

from __future__ import annotations

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
from agentlab.core.compare import Comparison
from agentlab.tui.typed import typed_app


class CompareScreen(Screen[None]):
    BINDINGS = [Binding("escape", "back", "Back")]

    def __init__(self, comparison: Comparison) -> None:
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
        a, b = c.a, c.b
        self.sub_title = (
            f"A {fmt.session_id(a['session_id'])} · B {fmt.session_id(b['session_id'])}"
        )
        table = Table(expand=True, header_style="bold")
        table.add_column("")
        table.add_column(f"A {a['scenario'] or ''}", justify="right")
        table.add_column(f"B {b['scenario'] or ''}", justify="right")
        table.add_row(
            "outcome",
            *(
                Text(
                    outcome_line(s["status"], s["stop_reason"]),
                    style=status_style(s["status"] or ""),
                )
                for s in (a, b)
            ),
        )
        table.add_row("tokens", *(f"{s['input_tokens'] + s['output_tokens']:,}" for s in (a, b)))
        for key, label in (("steps", "steps"), ("tool_calls", "tool calls")):
            table.add_row(label, f"{a[key]:,}", f"{b[key]:,}")
        table.add_row(
            "cost", *(cost_text(s["cost_usd"], s.get("unpriced_calls", 0)) for s in (a, b))
        )
        for row in c.agents:
            cells = [
                f"{r['input_tokens'] + r['output_tokens']:,} tok · "
                f"{cost_text(r['cost_usd'], 0)} · {r['steps']} step{'' if r['steps'] == 1 else 's'}"
                if r
                else "-"
                for r in (row["a"], row["b"])
            ]
            table.add_row(Text(f"  {row['agent']}", style="magenta"), *cells)
        self.query_one("#sides", Static).update(table)
        p = c.parting
        if p is None:
            text = Text("The two runs take the same steps.", style="green")
        else:
            text = Text.assemble(
                (f"They part at {p.agent}'s call {p.call}:\n", "bold yellow"),
                ("A  ", "bold"),
                p.a.show(300) if p.a else "(no such call)",
                "\n",
                ("B  ", "bold"),
                p.b.show(300) if p.b else "(no such call)",
            )
        self.query_one("#parted", Static).update(text)
        diff = Text()
        for line in c.output_diff:
            if line.startswith(("--- a/", "+++ b/")):
                line = line[:4] + line[4].upper()  # the sides are named A and B above
            style = "green" if line.startswith("+") else "red" if line.startswith("-") else ""
            diff.append(line + "\n", style=style)
        outputs = Group(
            Text("Final outputs", style="bold"),
            diff if c.output_diff else Text("The same final output.", style="green"),
        )
        self.query_one("#outputs", Static).update(outputs)

    def action_back(self) -> None:
        self.dismiss(None)
