"""The question asked when an agent wants to run a tool that needs a person's approval."""

from __future__ import annotations

import json
from typing import Any

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from agentlab.core.context import ApprovalRequest
from agentlab.tui.screens.confirm import ConfirmModal

MAX_ARGS = 12  # arguments listed one per line; the rest are counted
MAX_VALUE = 400  # characters of one argument's value


def call_text(tool: str, arguments: dict[str, Any], width: int = 60) -> str:
    """``tool(a=1, b="x", …)``: whole arguments while they fit in ``width``, then ``…``."""
    shown: list[str] = []
    for key, value in arguments.items():
        part = f"{key}={json.dumps(value, ensure_ascii=False)}"
        if len(tool) + 2 + len(", ".join([*shown, part])) > width:
            shown.append("…")
            break
        shown.append(part)
    return f"{tool}({', '.join(shown)})"


def value_text(value: Any) -> str:
    """An argument as a person reads it: strings without quotes, anything else as JSON."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"


def arguments_table(arguments: dict[str, Any]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    items = list(arguments.items())
    for key, value in items[:MAX_ARGS]:
        table.add_row(key, value_text(value))
    if len(items) > MAX_ARGS:
        table.add_row("", Text(f"… and {len(items) - MAX_ARGS} more", style="dim"))
    if not items:
        table.add_row(Text("(no arguments)", style="dim"), "")
    return table


class ApprovalModal(ConfirmModal):
    """Dismisses with True (run the tool) or False (refuse it: the agent is told so)."""

    DEFAULT_CSS = """
    ApprovalModal #dialog {
        width: 80;
    }
    ApprovalModal #arguments {
        height: auto;
        max-height: 16;
        margin-bottom: 1;
        padding: 0 2;
        background: $boost;
    }
    """

    YES = "Approve (y)"
    NO = "Deny (n)"

    def __init__(self, request: ApprovalRequest) -> None:
        self.request = request
        super().__init__(
            f"Approve {request.agent}: {call_text(request.tool, request.arguments)}?",
            f"{request.agent} wants to run {request.tool}, which needs a person's approval. "
            "If you deny it, the agent is told so and carries on without it.",
        )

    def compose_details(self) -> ComposeResult:
        with VerticalScroll(id="arguments"):
            yield Static(arguments_table(self.request.arguments))

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#dialog").border_title = "Approval needed"
