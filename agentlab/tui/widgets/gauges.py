"""Spend against the caps: one bar per limit kind (tokens, cost, steps, tool calls)."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from agentlab.console.lines import cost_text, fmt_value
from agentlab.core.budget import LimitKind

#: (limit kind, label). Wall time gets a bar only when it is capped: it is always moving.
KINDS: tuple[tuple[LimitKind, str], ...] = (
    ("total_tokens", "tokens"),
    ("cost_usd", "cost"),
    ("steps", "steps"),
    ("tool_calls", "tools"),
    ("wall_time_s", "time"),
)


class Gauges(Widget):
    """Renders ``used`` against ``caps``; the owner sets both and calls ``refresh()``."""

    DEFAULT_CSS = """
    Gauges {
        height: auto;
        min-height: 4;
        padding: 0 1;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.used: dict[str, float] = {}
        self.caps: dict[str, float] = {}
        #: Calls with no known price so far: the cost shows "unpriced", never "$0".
        self.unpriced_calls = 0

    def clear_view(self) -> None:
        self.used, self.caps, self.unpriced_calls = {}, {}, 0
        self.refresh(layout=True)

    def value(self, kind: str, value: float) -> str:
        if kind == "cost_usd":
            return cost_text(value, self.unpriced_calls)
        return fmt_value(kind, value)

    def render(self) -> Text:
        label_w = 7
        lines = Text()
        # Every bar is as long as the shortest room any row leaves: bars line up and compare.
        tails = {
            kind: f" {self.value(kind, self.used.get(kind, 0.0))} / {fmt_value(kind, cap)}"
            for kind, _ in KINDS
            if (cap := self.caps.get(kind))
        }
        tail_w = max((len(t) for t in tails.values()), default=0)
        width = max(4, self.content_size.width - label_w - tail_w)
        for kind, label in KINDS:
            cap = self.caps.get(kind)
            if kind == "wall_time_s" and not cap:
                continue
            used = self.used.get(kind, 0.0)
            if lines:
                lines.append("\n")
            lines.append(f"{label:<{label_w}}", style="bold")
            if not cap:
                lines.append(self.value(kind, used))
                lines.append("  no cap", style="dim")
                continue
            tail = tails[kind]
            frac = min(1.0, used / cap)
            filled = round(frac * width)
            style = "red" if frac >= 1 else "yellow" if frac >= 0.8 else "green"
            lines.append("█" * filled, style=style)
            lines.append("░" * (width - filled), style="dim")
            lines.append(tail)
        return lines
