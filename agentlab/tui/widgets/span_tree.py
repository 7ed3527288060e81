"""The span tree: session → agents → model and tool calls, nested by parent span ids.

A worker agent's parent is the lead's ``delegate`` tool call, so teams read as a tree.
"""

from __future__ import annotations

from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from agentlab.core.events import (
    AgentEnded,
    AgentStarted,
    ApprovalDecided,
    ApprovalRequested,
    CheckStarted,
    Event,
    LlmCallEnded,
    LlmCallStarted,
    SessionEnded,
    SessionStarted,
    ToolCallEnded,
)
from agentlab.tui.render import llm_extra, span_label


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
        self.starts: dict[str, Event] = {}  # span id -> its start event (to relabel on end)
        self.approvals: dict[str, str] = {}  # gated tool span id -> "waiting" / "approved" / ...
        self.check_parent: dict[str, str] = {}  # SHIM (runtime branch): check span -> its parent
        self._follow_pending = False

    def clear_view(self) -> None:
        self.clear()
        self.root.set_label("(waiting for the session)")
        self.nodes_by_span.clear()
        self.starts.clear()
        self.approvals.clear()

    def add_event(self, e: Event) -> None:
        # SHIM until the events part renders check spans: approvals now sit on a check span
        # below the tool call; mark the tool call as before and keep the check out of the tree.
        if isinstance(e, CheckStarted):
            self.check_parent[e.span_id] = e.parent_id or ""
            return
        if e.opens is not None:
            self._open(e)
        elif isinstance(e, SessionEnded | AgentEnded):
            self._relabel(e.span_id, e.status)
        elif isinstance(e, LlmCallEnded):
            status = "completed" if e.status == "completed" else "error"
            self._relabel(e.span_id, status, llm_extra(e) if status == "completed" else e.error)
        elif isinstance(e, ToolCallEnded):
            self._relabel(e.span_id, "error" if e.is_error else "completed")
        elif isinstance(e, ApprovalRequested):
            tool = self.check_parent.get(e.span_id, e.span_id)  # SHIM
            self.approvals[tool] = "waiting"
            self._relabel(tool, "running")
        elif isinstance(e, ApprovalDecided):
            tool = self.check_parent.get(e.span_id, e.span_id)  # SHIM
            self.approvals[tool] = "approved" if e.approved else "denied"
            self._relabel(tool, "running")

    def _open(self, e: Event) -> None:
        self.starts[e.span_id] = e
        # Follow new spans like a log does, unless the user has scrolled up to read.
        follow = self.scroll_y >= self.max_scroll_y
        if isinstance(e, SessionStarted):
            node = self.root
            node.data = e.span_id
            node.set_label(span_label(e))
            node.expand()
        else:
            parent = self.nodes_by_span.get(getattr(e, "parent_id", None) or "", self.root)
            if not parent.allow_expand:  # a tool call that turns out to run an agent
                parent.allow_expand = True
            leaf = isinstance(e, LlmCallStarted)
            node = parent.add(span_label(e), data=e.span_id, expand=True, allow_expand=not leaf)
            if not isinstance(e, AgentStarted) and not leaf:
                node.allow_expand = False
            parent.expand()
        self.nodes_by_span[e.span_id] = node
        if follow and not self._follow_pending:
            self._follow_pending = True
            self.call_after_refresh(self._follow)

    def _follow(self) -> None:
        self._follow_pending = False
        self.scroll_to_line(self.last_line, animate=False)  # last_line rebuilds the lines

    def _relabel(self, span_id: str, status: str, extra: str = "") -> None:
        """Relabel a span (on its end, or when its approval changes)."""
        node, start = self.nodes_by_span.get(span_id), self.starts.get(span_id)
        if node is not None and start is not None:
            node.set_label(span_label(start, status, extra, self.approvals.get(span_id, "")))
