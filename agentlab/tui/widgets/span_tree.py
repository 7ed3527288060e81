"""The span tree: session → agents → model calls, tool calls and checks, nested by parent ids.

A worker agent's parent is the lead's ``delegate`` tool call, so teams read as a tree.
"""

from __future__ import annotations

from typing import assert_never

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
from agentlab.tui.render import llm_extra, span_label

#: A tool call, as its approval names it: (agent, call id).
CallKey = tuple[str, str]


class SpanTree(Tree[str]):
    """Fed with events by ``EventView``; node data is the span id."""

    DEFAULT_CSS = """
    SpanTree {
        height: 1fr;
        overflow-x: hidden;  /* long labels are cut: the transcript has the full text */
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__("(waiting for the session)", id=id, classes=classes)
        self.show_root = True
        self.nodes_by_span: dict[str, TreeNode[str]] = {}
        self.starts: dict[str, SpanStartEvent] = {}  # span id -> its start (to relabel on end)
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
            case SessionEnded() | AgentEnded():
                self._relabel(e.span_id, e.end_status())
            case LlmCallEnded():
                self._relabel(
                    e.span_id, e.end_status(), llm_extra(e) if e.status == "completed" else e.error
                )
            case ToolCallEnded():
                self._relabel(e.span_id, e.end_status())
            case CheckEnded():
                self._relabel(
                    e.span_id, e.end_status(), verdict_text(e.verdict, e.by, e.reason, 80)
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
        node = parent.add(self._label(e), data=e.span_id, expand=True, allow_expand=expandable)
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

    def _relabel(self, span_id: str, status: str, extra: str | Text = "") -> None:
        """Relabel a span (on its end, or when its approval changes)."""
        node, start = self.nodes_by_span.get(span_id), self.starts.get(span_id)
        if node is not None and start is not None:
            node.set_label(self._label(start, status, extra))

    def _label(
        self, start: SpanStartEvent, status: str = "running", extra: str | Text = ""
    ) -> Text:
        approval = ""
        if isinstance(start, ToolCallStarted):  # an approval may come before its call opens
            approval = self.approvals.get((start.agent, start.call_id), "")
        return span_label(start, status, extra, approval)
