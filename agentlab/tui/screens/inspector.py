"""The span inspector, and the keys the run and replay screens share to use it.

Enter on a span in the tree opens ``InspectorScreen``: the span's detail at this point of the
run or replay (``core.inspect.inspect_span`` over the events the view has been fed, so a replay
shows the state at its position), kept up to date while it is open: a live run's open span
(a model call streaming, a tool running) grows as events arrive, and the replay's keys move the
replay underneath it. ``t`` jumps between the tree and the transcript (landing on
the selected span's lines), ``/`` searches the transcript, ``n`` / ``N`` go to the next and
previous match.
"""

from __future__ import annotations

import time

from rich.console import RenderableType
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Static, Tree

from agentlab.core.inspect import SpanDetail, inspect_span
from agentlab.tui.inspect_view import detail_group, streamed_text, title
from agentlab.tui.typed import typed_app
from agentlab.tui.widgets.event_view import EventView


class InspectorScreen(Screen[None]):
    """One span's detail. Opened from a run or a replay (``source``), it follows it: while a
    run goes on, what arrives for the span (streamed tokens, its end, its checks) shows as it
    comes, and over a replay the replay's keys step, seek and go back underneath, the detail
    always being the state at the replay's position."""

    BINDINGS = [
        Binding("escape", "back", "Back"),
        # The replay's keys, passed through (hidden over a live run: check_action).
        Binding("space", "replay('action_step')", "Step", priority=True),
        Binding(
            "left", "replay('action_step_back')", "Back a step", key_display="←", priority=True
        ),
        Binding("right", "replay('action_step')", "Step", show=False, priority=True),
        Binding("b", "replay('action_start')", "Start", show=False),
        Binding("e", "replay('action_end')", "End", show=False),
    ]

    #: How often the open inspector looks for new events (a cheap check; redrawn on change).
    FOLLOW_S = 0.2

    def __init__(self, detail: SpanDetail, source: EventScreen | None = None) -> None:
        super().__init__()
        self.detail: SpanDetail | None = detail
        self.span_id = detail.start.span_id
        self.source = source
        self._seen: tuple[int, int] = (0, 0)

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="inspector"):
            yield Static(id="detail")
        yield Footer()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "replay":
            return self.source is not None and hasattr(self.source, str(parameters[0]))
        return True

    def on_mount(self) -> None:
        assert self.detail is not None
        self.title = f"Inspect · {title(self.detail)}"
        self._show()
        self.query_one("#inspector").focus()
        if self.source is not None:
            view = self.source.query_one(EventView)
            self._seen = (id(view.events), len(view.events))
            self.set_interval(self.FOLLOW_S, self.follow)

    def follow(self) -> None:
        """Show the span as it is now, if anything changed (a live run's open span's clock
        ticks too)."""
        if self.source is None or not self.source.is_attached:
            return
        events = self.source.query_one(EventView).events
        seen = (id(events), len(events))
        ticking = self.source.is_live() and self.detail is not None and self.detail.end is None
        if seen == self._seen and not ticking:
            return
        if seen != self._seen:
            self._seen = seen
            self.detail = inspect_span(events, self.span_id)
        self._show()

    def _show(self) -> None:
        duration = typed_app(self).formats.duration
        source = self.source
        events = source.query_one(EventView).events if source is not None else []
        if source is None:
            self.sub_title = "the state at this point"
        else:
            self.sub_title = source.where_text()
        d = self.detail
        if d is None:
            #: What the screen shows (a Rich renderable).
            self.body: RenderableType = Text(
                "This span is not opened at this point (step forward to see it).", style="dim"
            )
        else:
            if d.end is None and source is not None and source.is_live():
                d.duration_s = max(d.duration_s, time.monotonic() - d.start.mono)
            streamed = streamed_text(events, self.span_id) if d.end is None else ""
            self.body = detail_group(d, duration, streamed)
        self.query_one("#detail", Static).update(self.body)

    def action_replay(self, action: str) -> None:
        """A replay key (step, back, start, end): the replay moves, the detail follows."""
        if self.source is not None:
            getattr(self.source, action)()
            self.follow()

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

    def is_live(self) -> bool:
        """Whether events are still arriving as they happen (a run going on)."""
        return False

    def where_text(self) -> str:
        """Where the view is, for the inspector's subtitle."""
        return "the state at this point"

    def on_tree_node_selected(self, event: Tree.NodeSelected[str]) -> None:
        """Enter (or a click) on a span: its detail."""
        event.stop()
        view = self._view()
        span = event.node.data
        detail = inspect_span(view.events, span) if span else None
        if detail is None:
            self.notify("Nothing to inspect yet.", severity="warning")
            return
        self.app.push_screen(InspectorScreen(detail, self))

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
