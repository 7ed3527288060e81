"""The live transcript of a run in the terminal (Rich), fed by the event stream.

The same printer replays a recorded session: it only ever looks at events.
"""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console, Group
from rich.live import Live
from rich.markup import escape
from rich.text import Text

from agentlab.core.events import (
    AgentEnded,
    AgentStarted,
    ApprovalDecided,
    ApprovalRequested,
    BudgetUpdate,
    Event,
    Handoff,
    LimitExceeded,
    LimitWarning,
    LlmCallEnded,
    LlmCallStarted,
    LlmDelta,
    LoopDetected,
    Notice,
    SessionEnded,
    SessionStarted,
    ToolCallEnded,
    ToolCallStarted,
)
from agentlab.core.tally import Tally

GAUGE_KINDS = (
    ("total_tokens", "tokens"),
    ("cost_usd", "cost"),
    ("steps", "steps"),
    ("tool_calls", "tools"),
)


def fmt_cost(value: float | None) -> str:
    if value is None:
        return "unpriced"
    if value == 0:
        return "$0"
    return f"${value:.6f}" if value < 0.01 else f"${value:.4f}"


def fmt_value(kind: str, value: float) -> str:
    if kind == "cost_usd":
        return fmt_cost(value)
    if kind == "wall_time_s":
        return f"{value:.1f}s"
    return f"{int(value):,}"


def gauge(kind: str, label: str, used: float, cap: float | None, width: int = 10) -> Text:
    text = Text(f"{label} ", style="bold")
    if cap:
        frac = min(1.0, used / cap)
        filled = round(frac * width)
        style = "red" if frac >= 1 else "yellow" if frac >= 0.8 else "green"
        text.append("█" * filled, style=style)
        text.append("░" * (width - filled), style="dim")
        text.append(f" {fmt_value(kind, used)}/{fmt_value(kind, cap)}")
    else:
        text.append(fmt_value(kind, used))
    return text


def clip(text: str, n: int = 200) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def fmt_args(args: dict[str, Any]) -> str:
    return ", ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in args.items())


class Printer:
    """An EventBus subscriber that prints a transcript; with ``live=True`` it also keeps a gauge
    line of spend against the caps and shows streamed text as it arrives."""

    def __init__(self, console: Console, *, live: bool = False, verbose: bool = False) -> None:
        self.console = console
        self.verbose = verbose
        self.depth: dict[str, int] = {}  # span id -> indentation
        self.parent: dict[str, str | None] = {}
        self.streaming: dict[str, str] = {}  # llm span -> text so far
        self.budget: BudgetUpdate | None = None
        self.last_text = ""  # the last assistant text printed (the summary does not repeat it)
        self.started = False
        self.tally = Tally()  # per-agent spend for the live line
        self.live: Live | None = None
        if live:
            self.live = Live(self._status(), console=console, refresh_per_second=12, transient=True)
            self.live.start()

    def pause(self) -> None:
        """Stop the live display (a prompt is about to read from the terminal)."""
        if self.live is not None:
            self.live.stop()

    def resume(self) -> None:
        if self.live is not None:
            self.live.start()

    def close(self) -> None:
        if self.live is not None:
            self.live.stop()
            self.live = None

    # --- helpers ---------------------------------------------------------------------------

    def _indent(self, span: str | None) -> str:
        return "  " * self.depth.get(span or "", 0)

    def _open(self, span: str, parent: str | None) -> None:
        self.parent[span] = parent
        self.depth[span] = self.depth.get(parent or "", -1) + 1

    def out(self, renderable: Any) -> None:
        self.console.print(renderable, highlight=False)

    def _status(self) -> Group:
        parts: list[Any] = []
        if not self.started:
            from rich.spinner import Spinner

            parts.append(Spinner("dots", text="starting: loading the model gateway (litellm)…"))
        for span, text in self.streaming.items():
            if text:
                line = text.splitlines()[-1] if text.splitlines() else ""
                parts.append(Text(f"{self._indent(span)}  … {clip(line, 100)}", style="cyan"))
        b = self.budget
        if b is not None:
            line = Text()
            for kind, label in GAUGE_KINDS:
                if line:
                    line.append("  ")
                line.append_text(gauge(kind, label, b.used.get(kind, 0.0), b.caps.get(kind)))
            line.append(f"  {b.used.get('wall_time_s', 0.0):.1f}s", style="dim")
            parts.append(line)
        if len(self.tally.agents) > 1:
            per = Text("per agent: ", style="dim")
            for i, a in enumerate(self.tally.agents.values()):
                if i:
                    per.append(" · ", style="dim")
                per.append(a.name, style="magenta")
                per.append(f" {a.input_tokens + a.output_tokens:,} tok {fmt_cost(a.cost_usd)}")
            parts.append(per)
        return Group(*parts)

    def _refresh(self) -> None:
        if self.live is not None:
            self.live.update(self._status())

    # --- events ----------------------------------------------------------------------------

    def __call__(self, e: Event) -> None:  # one branch per event kind reads best
        if not self.started:
            self.started = True
            self._refresh()
        self.tally(e)
        if isinstance(e, SessionStarted):
            self._open(e.span_id, None)
            self.out(
                Text.assemble(
                    ("▶ ", "bold green"),
                    (e.scenario, "bold"),
                    f"  pattern {e.pattern}  session {e.session_id}",
                )
            )
            if e.task:
                self.out(Text(f"  task: {clip(e.task, 300)}", style="dim"))
        elif isinstance(e, AgentStarted):
            self._open(e.span_id, e.parent_id)
            role = "" if e.role == "agent" else f" [{e.role}]"
            self.out(
                Text.assemble(
                    self._indent(e.span_id),
                    ("● ", "bold magenta"),
                    (e.agent, "bold magenta"),
                    f"{role} ({e.model})",
                )
            )
        elif isinstance(e, LlmCallStarted):
            self._open(e.span_id, e.parent_id)
            self.streaming[e.span_id] = ""
            if self.verbose:
                self.out(Text(f"{self._indent(e.span_id)}… step {e.step}", style="dim"))
        elif isinstance(e, LlmDelta):
            self.streaming[e.span_id] = self.streaming.get(e.span_id, "") + e.text
            self._refresh()
        elif isinstance(e, LlmCallEnded):
            self.streaming.pop(e.span_id, None)
            ind = self._indent(e.span_id)
            if e.status == "error":
                self.out(Text(f"{ind}✗ model error: {e.error}", style="red"))
            elif e.content:
                self.last_text = e.content
                for i, line in enumerate(e.content.splitlines() or [""]):
                    lead = "💬 " if i == 0 else "   "
                    self.out(Text(f"{ind}{lead}{line}"))
            if e.status != "error":
                self.out(
                    Text(
                        f"{ind}   {e.input_tokens:,} in / {e.output_tokens:,} out · {fmt_cost(e.cost_usd)}"
                        + (f" · {e.finish_reason}" if e.finish_reason == "length" else ""),
                        style="dim",
                    )
                )
        elif isinstance(e, ToolCallStarted):
            self._open(e.span_id, e.parent_id)
            self.out(
                Text.assemble(
                    self._indent(e.span_id),
                    ("⚙ ", "yellow"),
                    (e.tool, "bold yellow"),
                    f"({clip(fmt_args(e.arguments), 160)})",
                )
            )
        elif isinstance(e, ToolCallEnded):
            style = "red" if e.is_error else "green"
            self.out(Text(f"{self._indent(e.span_id)}  ↳ {clip(e.result, 200)}", style=style))
        elif isinstance(e, AgentEnded):
            style = {"completed": "green", "stopped": "yellow"}.get(e.status, "red")
            extra = f" ({e.stop_reason})" if e.stop_reason != "completed" else ""
            self.out(Text(f"{self._indent(e.span_id)}◆ {e.agent} {e.status}{extra}", style=style))
        elif isinstance(e, ApprovalRequested):
            self.out(
                Text(
                    f"{self._indent(e.span_id)}  ? {e.tool} needs approval ({e.agent})",
                    style="bold yellow",
                )
            )
        elif isinstance(e, ApprovalDecided):
            verdict = "approved" if e.approved else "denied"
            self.out(
                Text(
                    f"{self._indent(e.span_id)}  {'✓' if e.approved else '✗'} {verdict} by {e.by}"
                    + (f": {e.note}" if e.note else ""),
                    style="green" if e.approved else "red",
                )
            )
        elif isinstance(e, Handoff):
            self.out(Text(f"⇢ handoff {e.from_agent} → {e.to_agent}", style="bold cyan"))
        elif isinstance(e, BudgetUpdate):
            self.budget = e
            self._refresh()
        elif isinstance(e, LimitWarning):
            self.out(
                Text(
                    f"⚠ {e.limit} at {e.fraction:.0%} of its cap "
                    f"({fmt_value(e.limit, e.value)} of {fmt_value(e.limit, e.cap)})",
                    style="yellow",
                )
            )
        elif isinstance(e, LimitExceeded):
            who = f" by {e.agent}" if e.agent else ""
            self.out(
                Text(
                    f"■ cap reached{who}: {e.limit} {fmt_value(e.limit, e.value)} of "
                    f"{fmt_value(e.limit, e.cap)} ({e.scope})",
                    style="bold red",
                )
            )
        elif isinstance(e, LoopDetected):
            self.out(Text(f"↻ loop {e.action}: {e.agent}: {e.detail}", style="yellow"))
        elif isinstance(e, Notice):
            style = {"error": "red", "warning": "yellow"}.get(e.level, "dim")
            self.out(Text(f"ℹ {escape(e.message)}", style=style))
        elif isinstance(e, SessionEnded):
            self.close()
            print_summary(self.console, e, show_output=e.final_output != self.last_text)


def print_summary(console: Console, e: SessionEnded, *, show_output: bool = True) -> None:
    usage = e.usage or {}
    style = {"completed": "bold green", "stopped": "bold yellow"}.get(e.status, "bold red")
    console.print(Text(f"── {e.status} ({e.stop_reason}) ──", style=style))
    if e.final_output and show_output:
        console.print(Text(e.final_output))
    if e.error and e.status != "completed":
        console.print(Text(e.error, style="red"))
    unpriced = usage.get("unpriced_calls", 0)
    cost = fmt_cost(usage.get("cost_usd", 0.0)) + (
        f" (+{unpriced} unpriced calls)" if unpriced else ""
    )
    console.print(
        Text(
            f"tokens {usage.get('input_tokens', 0):,} in / {usage.get('output_tokens', 0):,} out"
            f" = {usage.get('total_tokens', 0):,} · cost {cost}",
            style="bold",
        )
    )
    console.print(Text(f"session {e.session_id}", style="dim"))
