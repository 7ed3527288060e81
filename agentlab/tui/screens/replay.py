"""The replay screen: a recorded session's events, read back from SQLite, through the same
``EventView`` a live run uses. Opens at the end; ``b`` starts over to step through it."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Header

from agentlab.console.lines import status_style
from agentlab.core.events import AnyEvent, BudgetUpdate
from agentlab.tui.typed import typed_app
from agentlab.tui.widgets.event_view import EventView


class ReplayScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("b", "start", "From the beginning"),
        # Priority: the focused tree would take space to fold a node.
        Binding("space", "step", "Next event", priority=True),
        Binding("e", "end", "To the end"),
    ]

    def __init__(self, session: dict, events: list[AnyEvent]) -> None:
        super().__init__()
        self.session = session
        self.events = events
        #: How many events the view has been fed.
        self.position = 0

    def compose(self) -> ComposeResult:
        yield Header()
        yield EventView(format_id=typed_app(self).formats.session_id)
        yield Footer()

    def on_mount(self) -> None:
        self.title = f"Replay · {self.session.get('scenario') or ''}"
        self.action_end()

    @property
    def view(self) -> EventView:
        return self.query_one(EventView)

    def _where(self) -> None:
        self.sub_title = f"event {self.position} of {len(self.events)}"
        view = self.view
        if self.position == len(self.events) and view.ended is None:
            status = self.session.get("status") or "?"
            view.set_status(
                Text.assemble(
                    (status, "bold " + status_style(status)),
                    " · the recording ends here (the run did not finish)",
                )
            )

    def action_start(self) -> None:
        self.view.clear_view()
        self.position = 0
        self._where()

    def action_step(self) -> None:
        """Feed events up to and including the next one that shows (not a budget update)."""
        while self.position < len(self.events):
            event = self.events[self.position]
            self.view.feed(event)
            self.position += 1
            if not isinstance(event, BudgetUpdate):
                break
        self.view.flush()
        self._where()

    def action_end(self) -> None:
        self.view.feed_all(self.events[self.position :])
        self.position = len(self.events)
        self._where()

    def action_back(self) -> None:
        self.dismiss(None)
