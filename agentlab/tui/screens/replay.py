"""The replay screen: a recorded session's events, read back from SQLite, through the same
``EventView`` a live run uses, with controls to move through it.

Opens at the end. Enter on a span inspects it, ``t`` jumps between tree and transcript, ``/``
searches the transcript (``screens/inspector.py``). ``space`` steps forward and ``←`` back, ``p`` plays at a chosen speed
(``+`` / ``-``), ``0``-``9`` seek to that tenth of the run (or click the timeline), ``b`` / ``e`` go to the start and
end. Every view shows exactly the state at the position: going back rebuilds the view from the
first event (feeding is cheap), so nothing can lag or lead.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.events import Click
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Footer, Header, Static

from agentlab.console.lines import status_style
from agentlab.core.events import AnyEvent, BudgetUpdate, LlmDelta
from agentlab.tui.screens.inspector import EventScreen
from agentlab.tui.typed import typed_app
from agentlab.tui.widgets.event_view import EventView

#: Play speeds (events shown a second = 4 × speed).
SPEEDS = (0.5, 1.0, 2.0, 4.0, 8.0)


def stops(events: list[AnyEvent]) -> list[int]:
    """The positions a step lands on: after each event that shows, with the budget updates
    (and deltas) that follow it, which are that event's spend. Always starts with 0."""
    out = [0]
    i = 0
    while i < len(events):
        i += 1
        while i < len(events) and isinstance(events[i], BudgetUpdate | LlmDelta):
            i += 1
        out.append(i)
    return out


class Timeline(Static):
    """Where the replay is: a bar, the event count, the time into the run and the wall-clock
    time of the event at the position. A click on the bar seeks there (``Timeline.Seek``)."""

    DEFAULT_CSS = """
    Timeline {
        height: 1;
        padding: 0 1;
        background: $panel;
    }
    Timeline:hover {
        background: $panel-lighten-1;
    }
    """

    class Seek(Message):
        """The bar was clicked: go to this fraction of the run (0 to 1)."""

        def __init__(self, fraction: float) -> None:
            super().__init__()
            self.fraction = fraction

    #: Where the bar is, in content columns: (first column, width).
    bar: tuple[int, int] = (0, 0)

    def show(
        self,
        position: int,
        events: list[AnyEvent],
        playing: bool,
        speed: float,
        fmt: Callable[[float], str] = str,
        clock: Callable[[float], str] | None = None,
    ) -> None:
        total = len(events)
        t0 = events[0].mono if events else 0.0
        at = events[position - 1].mono - t0 if position else 0.0
        end = events[-1].mono - t0 if events else 0.0
        mark = "▶" if playing else "❚❚"
        head = f"{mark} {speed:g}× "
        tail = f" {position}/{total} · {fmt(at)} of {fmt(end)}"
        if clock is not None and events:
            tail += f" · {clock(events[max(0, position - 1)].ts)}"
        width = max(4, self.size.width - 2 - len(head) - len(tail))
        self.bar = (len(head), width)
        filled = round(width * position / total) if total else 0
        text = Text(head, style="bold")
        text.append("━" * filled, style="bold cyan")
        text.append("─" * (width - filled), style="dim")
        text.append(tail)
        self.update(text)

    def on_click(self, event: Click) -> None:
        offset = event.get_content_offset(self)
        start, width = self.bar
        if offset is None or not width or not start <= offset.x < start + width:
            return
        event.stop()
        # The column's middle: a click on the first column is the start, the last the end.
        self.post_message(self.Seek(min(1.0, (offset.x - start) / max(1, width - 1))))


class ReplayScreen(EventScreen):
    BINDINGS = [
        Binding("escape", "back", "Back"),
        # Priority: the focused tree would take space (fold) and left (collapse).
        Binding("space", "step", "Step", priority=True),
        Binding("left", "step_back", "Back a step", key_display="←", priority=True),
        Binding("right", "step", "Step", show=False, priority=True),
        Binding("p", "play", "Play/pause"),
        # One footer entry for both (the footer is full at 120 columns; ? lists each key).
        Binding("plus,equals_sign", "speed(1)", "Speed", key_display="+/-"),
        Binding("minus", "speed(-1)", "Slower", key_display="-", show=False),
        Binding("b", "start", "Start"),
        Binding("e", "end", "End"),
        *(Binding(str(n), f"seek({n})", f"Seek {n}0%", show=False) for n in range(10)),
    ]

    def __init__(self, session: dict, events: list[AnyEvent]) -> None:
        super().__init__()
        self._ready = False  # a resize can arrive before on_mount
        self.session = session
        self.events = events
        self.stops = stops(events)
        #: How many events the view has been fed.
        self.position = 0
        self.speed_index = 1
        self._player: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        formats = typed_app(self).formats
        yield EventView(format_id=formats.session_id, format_duration=formats.duration)
        yield Timeline()
        yield Footer()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """While the search box has the keys, space and the arrows are its (they are priority
        keys here, for the tree's sake)."""
        return not (action in ("step", "step_back") and self.searching())

    def on_mount(self) -> None:
        self.title = f"Replay · {self.session.get('scenario') or ''}"
        self.action_end()
        self._ready = True

    def on_resize(self) -> None:
        if self._ready:
            self._where()

    @property
    def view(self) -> EventView:
        return self.query_one(EventView)

    def where_text(self) -> str:
        return f"at event {self.position} of {len(self.events)}"

    @property
    def playing(self) -> bool:
        return self._player is not None

    @property
    def speed(self) -> float:
        return SPEEDS[self.speed_index]

    def _where(self) -> None:
        self.sub_title = f"event {self.position} of {len(self.events)}"
        formats = typed_app(self).formats
        self.query_one(Timeline).show(
            self.position, self.events, self.playing, self.speed, formats.duration, formats.clock
        )
        view = self.view
        if self.position == len(self.events) and view.ended is None:
            status = self.session.get("status") or "?"
            view.set_status(
                Text.assemble(
                    (status, "bold " + status_style(status)),
                    " · the recording ends here (the run did not finish)",
                )
            )

    def seek(self, target: int) -> None:
        """Show exactly the state after ``target`` events."""
        target = max(0, min(len(self.events), target))
        if target < self.position:
            self.view.clear_view()
            self.position = 0
        self.view.feed_all(self.events[self.position : target])
        self.position = target
        self._where()

    def action_start(self) -> None:
        self.seek(0)

    def action_end(self) -> None:
        self._stop_playing()
        self.seek(len(self.events))

    def action_step(self) -> None:
        """Forward to the next event that shows (with the spend that follows it)."""
        later = [s for s in self.stops if s > self.position]
        self.seek(later[0] if later else len(self.events))

    def action_step_back(self) -> None:
        self._stop_playing()
        earlier = [s for s in self.stops if s < self.position]
        self.seek(earlier[-1] if earlier else 0)

    def action_seek(self, tenth: int) -> None:
        self.seek_fraction(tenth / 10)

    def seek_fraction(self, fraction: float) -> None:
        """To the step nearest this fraction of the run's events."""
        want = len(self.events) * fraction
        self.seek(min(self.stops, key=lambda s: abs(s - want)))

    def on_timeline_seek(self, message: Timeline.Seek) -> None:
        self.seek_fraction(message.fraction)

    def action_play(self) -> None:
        if self.playing:
            self._stop_playing()
        else:
            if self.position == len(self.events):
                self.seek(0)
            self._player = self.set_interval(0.25 / self.speed, self._tick)
        self._where()

    def action_speed(self, delta: int) -> None:
        self.speed_index = max(0, min(len(SPEEDS) - 1, self.speed_index + delta))
        if self._player is not None:
            self._player.stop()
            self._player = self.set_interval(0.25 / self.speed, self._tick)
        self._where()

    def _tick(self) -> None:
        self.action_step()
        if self.position >= len(self.events):
            self._stop_playing()
            self._where()

    def _stop_playing(self) -> None:
        if self._player is not None:
            self._player.stop()
            self._player = None

    def action_back(self) -> None:
        if self.close_search():
            return
        self._stop_playing()
        self.dismiss(None)
