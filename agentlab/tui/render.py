"""Span-tree labels for events. Pure: no widgets, no state.

Transcript lines come from :mod:`agentlab.console.lines`, shared with the CLI printer, so the
terminal transcript, the live TUI and replays all read the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import assert_never

from rich.text import Text

from agentlab.console.lines import (
    CHECK_MARK,
    clip,
    fmt_args,
    fmt_cost,
    status_style,
)
from agentlab.core.events import (
    AgentEnded,
    AgentStarted,
    AnyEvent,
    ApprovalDecided,
    ApprovalRequested,
    BudgetUpdate,
    CheckEnded,
    CheckStarted,
    Handoff,
    LimitExceeded,
    LimitWarning,
    LlmCallEnded,
    LlmCallStarted,
    LlmDelta,
    LlmRetry,
    LoopDetected,
    Notice,
    SessionEnded,
    SessionStarted,
    ToolCallEnded,
    ToolCallStarted,
)

#: A gated tool call's mark in the span tree, after the tool's name: where its approval stands.
APPROVAL_MARK = {
    "waiting": (" ? awaiting approval", "bold yellow"),
    "approved": (" ✓ approved", "green"),
    "denied": (" ✗ denied", "red"),
}


# --- span tree labels -----------------------------------------------------------------------


def span_label(
    e: AnyEvent, status: str = "running", extra: str | Text = "", approval: str = ""
) -> Text:
    """The tree label of the span that ``e`` (a span start) opens.

    The icon carries the status colour; the status is also spelled out for the session and
    agents, and for calls only when they failed. ``approval`` ("waiting", "approved", "denied")
    marks a gated tool call next to its name, where a narrow tree still shows it. A check's
    ``extra`` is its verdict (:func:`agentlab.console.lines.verdict_text`), not dimmed.
    """
    style = status_style(status)
    spell = status not in ("running", "completed")
    match e:
        case SessionStarted():
            label = Text.assemble(("■ ", style), (e.scenario, "bold"), (f" {e.pattern}", "italic"))
            spell = True
        case AgentStarted():
            role = "" if e.role in ("agent", e.agent) else f" {e.role}"
            label = Text.assemble(("● ", style), (e.agent, "bold"), (role, "italic"))
            spell = True
        case LlmCallStarted():
            label = Text.assemble(("◇ ", style), f"step {e.step}")
        case ToolCallStarted():
            label = Text.assemble(("⚙ ", style), (e.tool, "bold"))
            if approval in APPROVAL_MARK:
                label.append(*APPROVAL_MARK[approval])
                label.append(" ")
            label.append(f"({clip(fmt_args(e.arguments), 24)})")
        case CheckStarted():
            label = Text.assemble((f"{CHECK_MARK} ", style), "check ", (e.check, "bold"))
            if extra:  # the verdict says how it ended: "stopped" would say it twice
                label.append(" · ")
                label.append_text(extra if isinstance(extra, Text) else Text(extra))
            return label
        case (
            SessionEnded()
            | AgentEnded()
            | LlmCallEnded()
            | ToolCallEnded()
            | CheckEnded()
            | LlmDelta()
            | ApprovalRequested()
            | ApprovalDecided()
            | Handoff()
            | BudgetUpdate()
            | LimitWarning()
            | LimitExceeded()
            | LoopDetected()
            | Notice()
            | LlmRetry()
        ):
            label = Text(e.kind)  # not a span start: nothing to say but what it is
        case _:
            assert_never(e)
    spell = spell and approval != "denied"  # a denied call's error is its denial: said already
    if status != "running" and spell:
        label.append(f" {status}", style=style)
    if isinstance(extra, Text):
        label.append(" · ", style="dim")
        label.append_text(extra)
    elif extra:
        label.append(f" · {extra}", style="dim")
    return label


def llm_extra(e: LlmCallEnded) -> str:
    # Checks that passed are not listed here: the loop check passes every step, and the tree
    # stays quiet; `sessions show` and the trace list them.
    return f"{e.input_tokens + e.output_tokens:,} tok · {fmt_cost(e.cost_usd)}"


#: A fact after a span's label: (priority, text); priority 0 is the last to go.
Fact = tuple[int, Text]


def llm_facts(e: LlmCallEnded, duration: str) -> list[Fact]:
    """A finished model call's facts in display order: duration, tokens, cost (kept longest)."""
    return [
        (1, Text(duration, style="dim")),
        (2, Text(f"{e.input_tokens + e.output_tokens:,} tok", style="dim")),
        (0, Text(fmt_cost(e.cost_usd), style="dim")),
    ]


def fit_label(head: Text, facts: Sequence[Fact], width: int) -> Text:
    """``head · fact · fact`` in at most ``width`` cells (defect 10: no silent clipping).

    The least important facts go first while the head keeps 20 cells; the most important one
    (a step's cost) stays while the head keeps 6; whatever of the head does not fit is cut with
    an ellipsis."""
    order = sorted(range(len(facts)), key=lambda i: facts[i][0])
    for k in range(len(facts), -1, -1):
        tail = Text()
        for i in sorted(order[:k]):
            tail.append(" · ", style="dim")
            tail.append_text(facts[i][1])
        room = width - tail.cell_len
        if k == 0 or room >= min(head.cell_len, 20 if k > 1 else 6):
            out = head.copy()
            if out.cell_len > room:
                out.truncate(max(1, room), overflow="ellipsis")
            return out + tail
    raise AssertionError("unreachable")  # k == 0 always returns
