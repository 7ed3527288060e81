"""One view of a session, fed one event at a time: the span tree, the transcript, the gauges
against the caps, per-agent spend and the summary.

The run screen feeds it from the live event bus, the replay screen from events read back from
SQLite: the same widgets, the same code path. Cheap per event: deltas and budget updates only
mark the view dirty, and the dirty parts are redrawn at most ``REFRESH_HZ`` times a second.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cached_property
from typing import assert_never

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import Static

from agentlab.console import lines as render
from agentlab.core.checks.display import DisplayMask
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
from agentlab.tui.widgets.agents_table import AgentsTable
from agentlab.tui.widgets.gauges import Gauges
from agentlab.tui.widgets.span_tree import SpanTree
from agentlab.tui.widgets.transcript import Transcript

REFRESH_HZ = 15


class EventView(Vertical):
    DEFAULT_CSS = """
    EventView {
        height: 1fr;
    }
    EventView #main {
        height: 1fr;
    }
    EventView #spans {
        width: 40%;
        min-width: 36;  /* at 80 columns a step keeps its duration and cost */
        border: round $primary 50%;
    }
    EventView #transcript {
        border: round $primary 50%;
    }
    EventView #spend {
        height: 6;  /* as many rows as the gauges or the agents need (_fit_spend) */
    }
    EventView #gauges {
        width: 42;
        height: 100%;
        border: round $primary 50%;
    }
    EventView #agents {
        height: 100%;
        border: round $primary 50%;
    }
    EventView #summary {
        height: auto;
        min-height: 2;
        padding: 0 1;
        background: $boost;
    }
    """

    def __init__(
        self,
        *,
        format_id: Callable[[str], str] = str,
        format_duration: Callable[[float], str] | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.format_id = format_id
        self.format_duration = format_duration
        self._timer: Timer | None = None
        #: Why the run waits for a person (a modal is open), or "" when it does not.
        self.waiting = ""
        self._clear_state()

    def _clear_state(self) -> None:
        #: Every event fed so far: what the span inspector reads (the state at this point).
        self.events: list[AnyEvent] = []
        self.tally = Tally()
        self.ended: SessionEnded | None = None
        self.multi_agent = False
        self.level: dict[str, int] = {}  # span id -> agent nesting depth (indentation)
        self.checks: set[str] = set()  # check span ids
        self.tool_spans: set[str] = set()
        #: PII masked on the way in when the session's scenario asks (``mask_output``), as the
        #: CLI does: the transcript, the tree and the inspector (it reads ``events``) all see it.
        self.mask = DisplayMask()

    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            if self.format_duration is None:
                yield SpanTree(id="spans")
            else:
                yield SpanTree(id="spans", format_duration=self.format_duration)
            yield Transcript(id="transcript")
        with Horizontal(id="spend"):
            yield Gauges(id="gauges")
            yield AgentsTable(id="agents")
        yield Static("starting…", id="summary")

    def on_mount(self) -> None:
        for wid, title in (
            ("#spans", "Spans"),
            ("#transcript", "Transcript"),
            ("#gauges", "Caps"),
            ("#agents", "Agents"),
        ):
            self.query_one(wid).border_title = title

    # Children looked up once: ``feed`` runs for every event of a run.
    @cached_property
    def span_tree(self) -> SpanTree:
        return self.query_one(SpanTree)

    @cached_property
    def transcript(self) -> Transcript:
        return self.query_one(Transcript)

    @cached_property
    def gauges(self) -> Gauges:
        return self.query_one(Gauges)

    @cached_property
    def agents_table(self) -> AgentsTable:
        return self.query_one(AgentsTable)

    # --- feeding -----------------------------------------------------------------------------

    def feed(self, e: AnyEvent) -> None:
        """Take one event (an EventBus subscriber: keep it quick)."""
        if not self.mask.on and not isinstance(e, SessionStarted):
            self._feed(e)  # the common case: one attribute check
            return
        for out in self.mask(e):
            self._feed(out)

    def _feed(self, e: AnyEvent) -> None:
        self.events.append(e)
        self.tally(e)
        named = self.multi_agent  # lines say whose they are when several agents run
        ended: SessionEnded | None = None
        match e:
            case LlmDelta():
                self.transcript.stream(e.span_id, e.agent, e.text)
                self._dirty()
                return
            case BudgetUpdate():
                self.gauges.used, self.gauges.caps = dict(e.used), dict(e.caps)
                self._dirty()
                return
            case SessionStarted():
                self.level[e.span_id] = -1
                self.multi_agent = e.pattern != "single"
                self.gauges.caps = dict(e.config.get("caps") or {})
            case AgentStarted():
                self.level[e.span_id] = self.level.get(e.parent_id or "", -1) + 1
                named = False  # the agent's own line names it
            case LlmCallStarted():
                self.level[e.span_id] = self.level.get(e.parent_id or "", 0)
            case ToolCallStarted():
                self.level[e.span_id] = self.level.get(e.parent_id or "", 0)
                self.tool_spans.add(e.span_id)
            case CheckStarted():
                # A check on a tool call sits with the call's result lines, one level in.
                parent = e.parent_id or ""
                inside = 1 if parent in self.tool_spans else 0
                self.level[e.span_id] = self.level.get(parent, 0) + inside
                self.checks.add(e.span_id)
            case LlmCallEnded():
                self.transcript.end_stream(e.span_id)
            case SessionEnded():
                ended = e
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
        self.span_tree.add_event(e)
        indent = "  " * max(0, self.level.get(e.span_id, 0))
        who = getattr(e, "agent", "") if named else ""
        in_check = e.span_id in self.checks
        self.transcript.write(render.transcript(e, indent, who, in_check), e.span_id)
        if ended is not None:
            self._ended(ended)
        else:
            self._dirty()

    def feed_all(self, events: Iterable[AnyEvent]) -> None:
        for e in events:
            self.feed(e)
        self.flush()

    def _ended(self, e: SessionEnded) -> None:
        self.ended = e
        self.transcript.streaming.clear()
        limits = (e.usage or {}).get("limits") or {}
        self.gauges.caps.update({k: v["cap"] for k, v in limits.items()})
        totals = self.tally.totals()
        self.gauges.used.update(
            {k: totals[k] for k in ("total_tokens", "cost_usd", "steps", "tool_calls")}
        )
        self.flush()

    # --- drawing -----------------------------------------------------------------------------

    def _dirty(self) -> None:
        if self._timer is None:
            self._timer = self.set_timer(1 / REFRESH_HZ, self.flush)

    def flush(self) -> None:
        """Redraw the parts that change with every delta or budget update."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        totals = self.tally.totals()
        self._fit_spend()
        self.transcript.show_streaming()
        self.gauges.unpriced_calls = totals["unpriced_calls"]
        self.gauges.refresh()
        self.agents_table.show(self.tally)
        if self.ended is not None:
            e = self.ended
            self.set_status(
                render.summary(totals, e.status, e.stop_reason, self.format_id(e.session_id))
            )
        elif self.waiting:
            self.set_status(Text(f"⏸ waiting for you: {self.waiting}", style="bold yellow"))
        elif self.tally.agents:
            self.set_status(Text("running…", style="cyan"))

    def _fit_spend(self) -> None:
        """The caps and agents boxes side by side, one height: the rows the taller needs
        (a gauge per limit kind; the header and one row per agent), a team's table scrolling
        past a third of the screen."""
        gauge_rows = 4 + (1 if self.gauges.caps.get("wall_time_s") else 0)
        rows = max(gauge_rows, len(self.tally.agents) + 1)
        most = max(gauge_rows, self.app.size.height // 3 - 2)
        height = min(rows, most) + 2  # the borders
        spend = self.query_one("#spend")
        if spend.styles.height is None or spend.styles.height.value != height:
            spend.styles.height = height

    def set_status(self, text: Text | str) -> None:
        self.query_one("#summary", Static).update(text)

    def clear_view(self) -> None:
        """Empty the view (replay step-through starts over)."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self._clear_state()
        self.span_tree.clear_view()
        self.transcript.clear_view()
        self.gauges.clear_view()
        self.agents_table.clear_view()
        self._fit_spend()
        self.set_status("")
