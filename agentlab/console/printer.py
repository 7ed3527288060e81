"""The live transcript of a run in the terminal (Rich), fed by the event stream.

How each event reads comes from :mod:`agentlab.console.lines` (shared with the TUI); this
module adds the terminal's live part: streamed text as it arrives and a gauge line of spend
against the caps. The same printer replays a recorded session: it only ever looks at events.
"""

from __future__ import annotations

from typing import Any, assert_never

from rich.cells import cell_len
from rich.console import COLOR_SYSTEMS, Console, Group
from rich.live import Live
from rich.text import Text

from agentlab.console.lines import clip, fmt_value, summary, transcript
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
from agentlab.core.tally import Tally

GAUGE_KINDS = (
    ("total_tokens", "tokens"),
    ("cost_usd", "cost"),
    ("steps", "steps"),
    ("tool_calls", "tools"),
)


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


#: A batching printer writes at least every this many lines.
BATCH_LINES = 2048


def write_lines(console: Console, lines: list[Text]) -> None:
    """Write many transcript lines at once, as ``console.print`` would one by one (the same
    word wrapping at the console's width, the same styles), without Rich's per-call work
    (measuring, locking, wrapping every line): an instant replay of 10,000 events printed line
    by line took seconds. Lines that fit are rendered straight to text or ANSI codes; only the
    few wider than the console go through Rich's wrapping."""
    system = COLOR_SYSTEMS.get(console.color_system or "")
    width = console.width
    parts: list[str] = []
    for line in lines:
        pieces = [line] if cell_len(line.plain) <= width else list(line.wrap(console, width))
        for piece in pieces:
            if system is None:
                parts.append(piece.plain)
            else:
                base = console.get_style(piece.style) if piece.style else None
                for text, style, _ in piece.render(console):
                    style = base + style if base is not None and style else (style or base)
                    parts.append(style.render(text, color_system=system) if style else text)
            parts.append("\n")
    console.file.write("".join(parts))
    console.file.flush()


class Printer:
    """An EventBus subscriber that prints a transcript; with ``live=True`` it also keeps a gauge
    line of spend against the caps and shows streamed text as it arrives. With ``batch=True``
    (an instant replay) lines are written in batches (:func:`write_lines`) and on ``close()``."""

    def __init__(self, console: Console, *, live: bool = False, batch: bool = False) -> None:
        self.console = console
        #: Lines waiting to be written (batch mode); None: every line is printed at once.
        self.pending: list[Text] | None = [] if batch and not live else None
        self.depth: dict[str, int] = {}  # span id -> nesting depth (workers under their lead)
        self.checks: set[str] = set()  # check span ids
        self.streaming: dict[str, str] = {}  # llm span -> text so far
        self.budget: BudgetUpdate | None = None
        self.last_text = ""  # the last assistant text printed (the summary does not repeat it)
        self.started = False
        self.tally = Tally()  # per-agent spend for the live line and the summary
        self.held: list[AnyEvent] | None = None  # events that arrived while a prompt was open
        self.live: Live | None = None
        if live:
            self.live = Live(self._status(), console=console, refresh_per_second=12, transient=True)
            self.live.start()

    def pause(self) -> None:
        """A prompt is about to read from the terminal: stop the live display and hold new
        output (concurrent workers go on) so the question stays on screen."""
        self.held = []
        if self.live is not None:
            self.live.stop()

    def resume(self) -> None:
        held, self.held = self.held, None
        if self.live is not None:
            self.live.start()
        for e in held or []:
            self(e)

    def close(self) -> None:
        if self.live is not None:
            self.live.stop()
            self.live = None
        self.flush()

    def flush(self) -> None:
        """Write the lines a batching printer holds."""
        if self.pending:
            lines, self.pending = self.pending, []
            write_lines(self.console, lines)

    def _indent(self, span: str | None) -> str:
        return "  " * self.depth.get(span or "", 0)

    def _status(self) -> Group:
        parts: list[Any] = []
        if not self.started:
            from rich.spinner import Spinner

            parts.append(Spinner("dots", text="starting: loading the model gateway (litellm)…"))
        for span, text in self.streaming.items():
            if text:
                last = text.splitlines()[-1] if text.splitlines() else ""
                parts.append(Text(f"{self._indent(span)}… {clip(last, 100)}", style="cyan"))
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
                per.append(f" {a.input_tokens + a.output_tokens:,} tok ${a.cost_usd:.6f}")
            parts.append(per)
        return Group(*parts)

    def _refresh(self) -> None:
        if self.live is not None:
            self.live.update(self._status())

    def _nest(self, span: str, parent: str | None) -> None:
        # The session line is not indented; agents sit one level below what opened them.
        self.depth[span] = self.depth.get(parent or "", -1) + 1

    def __call__(self, e: AnyEvent) -> None:
        if self.held is not None:
            self.held.append(e)
            return
        if not self.started:
            self.started = True
            self._refresh()
        self.tally(e)
        match e:
            case LlmDelta():
                self.streaming[e.span_id] = self.streaming.get(e.span_id, "") + e.text
                self._refresh()
                return
            case BudgetUpdate():
                self.budget = e
                self._refresh()
                return
            case SessionEnded():
                self._session_ended(e)
                return
            case SessionStarted():
                self._nest(e.span_id, None)
            case LlmCallStarted():
                self._nest(e.span_id, e.parent_id)
                self.streaming[e.span_id] = ""
            case AgentStarted() | ToolCallStarted():
                self._nest(e.span_id, e.parent_id)
            case CheckStarted():
                self._nest(e.span_id, e.parent_id)
                self.checks.add(e.span_id)
            case LlmCallEnded():
                self.streaming.pop(e.span_id, None)
                if e.content.strip():
                    self.last_text = e.content
            case (
                AgentEnded()
                | ToolCallEnded()
                | CheckEnded()
                | ApprovalRequested()
                | ApprovalDecided()
                | Handoff()
                | LimitWarning()
                | LimitExceeded()
                | LoopDetected()
                | Notice()
                | LlmRetry()
            ):
                pass
            case _:
                assert_never(e)
        self._print(e)

    def _print(self, e: AnyEvent) -> None:
        in_check = e.span_id in self.checks
        self._out(*transcript(e, self._indent(e.span_id), in_check=in_check))

    def _out(self, *lines: Text) -> None:
        if self.pending is None:
            for line in lines:
                self.console.print(line, highlight=False)
            return
        self.pending.extend(lines)
        if len(self.pending) >= BATCH_LINES:
            self.flush()

    def _session_ended(self, e: SessionEnded) -> None:
        self.close()
        if e.status == "interrupted":
            return  # Ctrl-C: the CLI says so in one line; no "── interrupted ──" and summary
        self._print(e)
        if e.final_output and e.final_output != self.last_text:
            self._out(Text(e.final_output))
        self._out(summary(self.tally.totals(), e.status, e.stop_reason, e.session_id))
        self.flush()
