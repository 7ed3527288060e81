"""The span tree: session → agents → model calls, tool calls and checks, nested by parent ids.

A worker agent's parent is the lead's ``delegate`` tool call, so teams read as a tree.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import assert_never

from rich.style import Style
from rich.text import Text
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from agentlab.console.lines import verdict_text
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
    SpanStartEvent,
    ToolCallEnded,
    ToolCallStarted,
)
from agentlab.tui.render import Fact, fit_label, llm_facts, span_label

#: A tool call, as its approval names it: (agent, call id).
CallKey = tuple[str, str]


def _seconds(value: float) -> str:
    return f"{value:.1f}s"


class SpanTree(Tree[str]):
    """Fed with events by ``EventView``; node data is the span id.

    Labels fit the pane (``render.fit_label``): a long label is cut with an ellipsis, and its
    facts (duration, tokens, cost) go least important first, the cost last. Enter on a span
    opens the inspector (the screen handles ``Tree.NodeSelected``)."""

    DEFAULT_CSS = """
    SpanTree {
        height: 1fr;
        overflow-x: hidden;  /* labels fit the width: the inspector has the full text */
    }
    """

    def __init__(
        self,
        *,
        format_duration: Callable[[float], str] = _seconds,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__("(waiting for the session)", id=id, classes=classes)
        self.show_root = True
        self.auto_expand = False  # enter inspects a span; space folds it
        self.guide_depth = 3  # a narrow pane keeps two more cells a level for the label
        self.format_duration = format_duration
        self.nodes_by_span: dict[str, TreeNode[str]] = {}
        self.starts: dict[str, SpanStartEvent] = {}  # span id -> its start (to relabel on end)
        #: span id -> (label, facts after it): what ``render_label`` fits to the width.
        self.parts: dict[str, tuple[Text, list[Fact]]] = {}
        # A gated tool call's approval ("waiting" / "approved" / "denied"), by the call, since
        # the approval may sit on the tool's span, on a check span below it, or before it.
        self.approvals: dict[CallKey, str] = {}
        self.tool_spans: dict[CallKey, str] = {}
        self._follow_pending = False

    def clear_view(self) -> None:
        self.clear()
        self.root.set_label("(waiting for the session)")
        self.nodes_by_span.clear()
        self.starts.clear()
        self.parts.clear()
        self.approvals.clear()
        self.tool_spans.clear()

    def add_event(self, e: AnyEvent) -> None:
        match e:
            case SessionStarted():
                self._open_root(e)
            case AgentStarted():
                self._open(e, expandable=True)
            case ToolCallStarted():
                self.tool_spans[(e.agent, e.call_id)] = e.span_id
                self._open(e, expandable=False)
            case LlmCallStarted() | CheckStarted():
                self._open(e, expandable=False)
            case SessionEnded() | AgentEnded() | ToolCallEnded():
                self._relabel(e.span_id, e.end_status(), facts=self._took(e))
            case LlmCallEnded():
                if e.status == "completed":
                    took = self._took(e)
                    facts = llm_facts(e, took[0][1].plain) if took else []
                    self._relabel(e.span_id, e.end_status(), facts=facts)
                else:
                    self._relabel(e.span_id, e.end_status(), e.error, facts=self._took(e))
            case CheckEnded():
                # A person's decision takes time worth seeing; a check's own verdict does not.
                took = self._took(e) if e.by == "person" else []
                self._relabel(
                    e.span_id,
                    e.end_status(),
                    verdict_text(e.verdict, e.by, e.reason, 80),
                    facts=took,
                )
            case ApprovalRequested():
                self._mark((e.agent, e.call_id), "waiting")
            case ApprovalDecided():
                self._mark((e.agent, e.call_id), "approved" if e.approved else "denied")
            case (
                LlmDelta()
                | BudgetUpdate()
                | Handoff()
                | LimitWarning()
                | LimitExceeded()
                | LoopDetected()
                | Notice()
                | LlmRetry()
            ):
                pass  # the transcript and the gauges show these
            case _:
                assert_never(e)

    def _open_root(self, e: SessionStarted) -> None:
        follow = self.scroll_y >= self.max_scroll_y
        self.starts[e.span_id] = e
        self.root.data = e.span_id
        self.parts[e.span_id] = (span_label(e), [])
        self.root.set_label(span_label(e))
        self.root.expand()
        self.nodes_by_span[e.span_id] = self.root
        self._follow_later(follow)

    def _open(
        self, e: AgentStarted | LlmCallStarted | ToolCallStarted | CheckStarted, *, expandable: bool
    ) -> None:
        # Follow new spans like a log does, unless the user has scrolled up to read.
        follow = self.scroll_y >= self.max_scroll_y
        self.starts[e.span_id] = e
        parent = self.nodes_by_span.get(e.parent_id or "", self.root)
        if not parent.allow_expand:  # a tool call that turns out to run an agent
            parent.allow_expand = True
        label = self._label(e)
        self.parts[e.span_id] = (label, [])
        node = parent.add(label, data=e.span_id, expand=True, allow_expand=expandable)
        parent.expand()
        self.nodes_by_span[e.span_id] = node
        self._follow_later(follow)

    def _follow_later(self, follow: bool) -> None:
        if follow and not self._follow_pending:
            self._follow_pending = True
            self.call_after_refresh(self._follow)

    def _follow(self) -> None:
        self._follow_pending = False
        self.scroll_to_line(self.last_line, animate=False)  # last_line rebuilds the lines

    def _mark(self, call: CallKey, approval: str) -> None:
        self.approvals[call] = approval
        if call in self.tool_spans:
            self._relabel(self.tool_spans[call], "running")

    def _took(self, end: AnyEvent) -> list[Fact]:
        """How long the span that ``end`` closes took, as its one fact."""
        start = self.starts.get(end.span_id)
        if start is None:
            return []
        return [(0, Text(self.format_duration(max(0.0, end.mono - start.mono)), style="dim"))]

    def _relabel(
        self, span_id: str, status: str, extra: str | Text = "", *, facts: list[Fact] | None = None
    ) -> None:
        """Relabel a span (on its end, or when its approval changes)."""
        node, start = self.nodes_by_span.get(span_id), self.starts.get(span_id)
        if node is not None and start is not None:
            head = self._label(start, status, extra)
            if facts is None:  # an approval changed: the facts stay
                facts = self.parts.get(span_id, (head, []))[1]
            self.parts[span_id] = (head, facts)
            node.set_label(fit_label(head, facts, 10_000))

    def render_label(self, node: TreeNode[str], base_style: Style, style: Style) -> Text:
        """The label fitted to what the pane leaves after the guides (and the fold icon)."""
        text = super().render_label(node, base_style, style)
        parts = getattr(self, "parts", {}).get(node.data or "")  # None while __init__ runs
        if parts is None:
            return text
        depth, up = 0, node.parent
        while up is not None:
            depth, up = depth + 1, up.parent
        icon = text.cell_len - node._label.cell_len  # the fold icon's cells
        width = self.scrollable_content_region.width - depth * self.guide_depth - icon
        label = fit_label(parts[0], parts[1], max(4, width))
        label.stylize(style)
        return text[:icon] + label

    def _label(
        self, start: SpanStartEvent, status: str = "running", extra: str | Text = ""
    ) -> Text:
        approval = ""
        if isinstance(start, ToolCallStarted):  # an approval may come before its call opens
            approval = self.approvals.get((start.agent, start.call_id), "")
        return span_label(start, status, extra, approval)
