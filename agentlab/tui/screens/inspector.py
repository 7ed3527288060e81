"""The span inspector, and the keys the run and replay screens share to use it.

Enter on a span in the tree opens ``InspectorScreen``: the span's detail at this point of the
run or replay (``core.inspect.inspect_span`` over the events the view has been fed, so a replay
shows the state at its position). ``t`` jumps between the tree and the transcript (landing on
the selected span's lines), ``/`` searches the transcript, ``n`` / ``N`` go to the next and
previous match.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Static, Tree

from agentlab.core.inspect import SpanDetail, inspect_span
from agentlab.tui.inspect_view import detail_group, title
from agentlab.tui.typed import typed_app
from agentlab.tui.widgets.event_view import EventView


class InspectorScreen(Screen[None]):
    BINDINGS = [Binding("escape", "back", "Back")]

    def __init__(self, detail: SpanDetail) -> None:
        super().__init__()
        self.detail = detail

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="inspector"):
            yield Static(id="detail")
        yield Footer()

    def on_mount(self) -> None:
        self.title = f"Inspect · {title(self.detail)}"
        self.sub_title = "the state at this point"
        duration = typed_app(self).formats.duration
        #: What the screen shows (a Rich group).
        self.body = detail_group(self.detail, duration)
        self.query_one("#detail", Static).update(self.body)
        self.query_one("#inspector").focus()

    def action_back(self) -> None:
        self.dismiss(None)


class EventScreen(Screen[None]):
    """A screen showing an ``EventView`` (run, replay): the inspector's keys."""

    BINDINGS = [
        Binding("t", "jump", "Tree ⇄ transcript"),
        Binding("slash", "search", "Search", key_display="/"),
        Binding("n", "next_match", "Next match", show=False),
        Binding("N", "next_match(True)", "Previous match", show=False),
    ]

    def _view(self) -> EventView:
        return self.query_one(EventView)

    def on_tree_node_selected(self, event: Tree.NodeSelected[str]) -> None:
        """Enter (or a click) on a span: its detail."""
        event.stop()
        view = self._view()
        span = event.node.data
        detail = inspect_span(view.events, span) if span else None
        if detail is None:
            self.notify("Nothing to inspect yet.", severity="warning")
            return
        self.app.push_screen(InspectorScreen(detail))

    def action_jump(self) -> None:
        """From the tree to the selected span's lines in the transcript, and back."""
        view = self._view()
        tree, log = view.span_tree, view.transcript.log_widget
        if tree.has_focus:
            node = tree.cursor_node
            line = view.transcript.line_of(node.data) if node and node.data else None
            log.focus()
            view.transcript.show_line(line)
        else:
            view.transcript.show_line(None)
            tree.focus()

    def action_search(self) -> None:
        box = self._view().transcript.query_one("#search", Input)
        box.add_class("active")
        box.focus()

    def action_next_match(self, back: bool = False) -> None:
        transcript = self._view().transcript
        query = transcript.query_one("#search", Input).value
        if not query:
            self.action_search()
            return
        at = transcript.log_widget.found
        y = transcript.find(query, -1 if at is None else at, back)
        transcript.show_line(y)
        self._say_matches(query, y)

    def _say_matches(self, query: str, y: int | None) -> None:
        total = self._view().transcript.count(query)
        where = "no match" if y is None else f"{total} lines match"
        self.notify(f"{query!r}: {where}", timeout=2)

    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        transcript = self._view().transcript
        transcript.show_line(transcript.find(event.value))

    @on(Input.Submitted, "#search")
    def _search_next(self, event: Input.Submitted) -> None:
        self.action_next_match()

    def searching(self) -> bool:
        """Whether the search box has the keys (the screen's own keys then stand aside)."""
        return self._view().transcript.query_one("#search", Input).has_focus

    def close_search(self) -> bool:
        """Esc in the search box: hide it, back to the transcript. False: it was not open."""
        transcript = self._view().transcript
        box = transcript.query_one("#search", Input)
        if not box.has_class("active"):
            return False
        box.remove_class("active")
        transcript.log_widget.focus()
        return True
