"""Span-tree labels for events. Pure: no widgets, no state.

Transcript lines come from :mod:`agentlab.console.lines`, shared with the CLI printer, so the
terminal transcript, the live TUI and replays all read the same.
"""

from __future__ import annotations

from rich.text import Text

from agentlab.console.lines import clip, fmt_args, fmt_cost, status_style
from agentlab.core.events import (
    AgentStarted,
    Event,
    LlmCallEnded,
    LlmCallStarted,
    SessionStarted,
    ToolCallStarted,
)

#: A gated tool call's mark in the span tree, after the tool's name: where its approval stands.
APPROVAL_MARK = {
    "waiting": (" ? awaiting approval", "bold yellow"),
    "approved": (" ✓ approved", "green"),
    "denied": (" ✗ denied", "red"),
}


# --- span tree labels -----------------------------------------------------------------------


def span_label(e: Event, status: str = "running", extra: str = "", approval: str = "") -> Text:
    """The tree label of the span that ``e`` (a span start) opens.

    The icon carries the status colour; the status is also spelled out for the session and
    agents, and for calls only when they failed. ``approval`` ("waiting", "approved", "denied")
    marks a gated tool call next to its name, where a narrow tree still shows it.
    """
    style = status_style(status)
    if isinstance(e, SessionStarted):
        label = Text.assemble(("■ ", style), (e.scenario, "bold"), (f" {e.pattern}", "italic"))
    elif isinstance(e, AgentStarted):
        role = "" if e.role == "agent" else f" {e.role}"
        label = Text.assemble(("● ", style), (e.agent, "bold"), (role, "italic"))
    elif isinstance(e, LlmCallStarted):
        label = Text.assemble(("◇ ", style), f"step {e.step}")
    elif isinstance(e, ToolCallStarted):
        label = Text.assemble(("⚙ ", style), (e.tool, "bold"))
        if approval in APPROVAL_MARK:
            label.append(*APPROVAL_MARK[approval])
            label.append(" ")
        label.append(f"({clip(fmt_args(e.arguments), 24)})")
    else:
        label = Text(e.kind)
    spell = isinstance(e, SessionStarted | AgentStarted) or status not in ("running", "completed")
    spell = spell and approval != "denied"  # a denied call's error is its denial: said already
    if status != "running" and spell:
        label.append(f" {status}", style=style)
    if extra:
        label.append(f" · {extra}", style="dim")
    return label


def llm_extra(e: LlmCallEnded) -> str:
    return f"{e.input_tokens + e.output_tokens:,} tok · {fmt_cost(e.cost_usd)}"
