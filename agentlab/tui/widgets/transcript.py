"""The transcript: a log of what happened, plus a line of the text being streamed right now.

Streamed text is shown in place while it arrives and written to the log once, complete, when its
model call ends (from ``LlmCallEnded.content``): a replay, which has no deltas, reads the same.
"""

from __future__ import annotations

from rich.padding import Padding
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import RichLog, Static


class Transcript(Vertical):
    DEFAULT_CSS = """
    Transcript {
        height: 1fr;
    }
    Transcript RichLog {
        height: 1fr;
        background: $surface;
    }
    Transcript #streaming {
        height: auto;
        max-height: 4;
        color: $text-accent;
        display: none;
    }
    Transcript #streaming.active {
        display: block;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        #: llm span id -> (agent, text streamed so far)
        self.streaming: dict[str, tuple[str, str]] = {}

    def compose(self) -> ComposeResult:
        yield RichLog(wrap=True, min_width=20, markup=False, highlight=False, id="log")
        yield Static(id="streaming")

    @property
    def log_widget(self) -> RichLog:
        return self.query_one("#log", RichLog)

    def write(self, lines: list[Text]) -> None:
        """Each line once: its leading indent becomes padding, so the lines it wraps into keep
        the indent (nesting stays readable in a narrow pane)."""
        log = self.log_widget
        for line in lines:
            plain = line.plain
            indent = len(plain) - len(plain.lstrip(" "))
            if indent:
                log.write(Padding(line[indent:], (0, 0, 0, indent)))
            else:
                log.write(line)

    def stream(self, span_id: str, agent: str, text: str) -> None:
        """Add a delta (cheap: the owner calls ``show_streaming`` at its refresh rate)."""
        prev = self.streaming.get(span_id, (agent, ""))[1]
        self.streaming[span_id] = (agent, prev + text)

    def end_stream(self, span_id: str) -> None:
        self.streaming.pop(span_id, None)

    def show_streaming(self) -> None:
        line = self.query_one("#streaming", Static)
        parts = []
        for agent, text in self.streaming.values():
            last = " ".join(text.split()[-60:])  # the newest words, on one line
            room = max(10, self.size.width - len(agent) - 4)
            if len(last) > room:
                last = "…" + last[-(room - 1) :]
            parts.append(f"{agent} ▸ {last}")
        line.update("\n".join(parts[-4:]))
        line.set_class(bool(parts), "active")

    def clear_view(self) -> None:
        self.streaming.clear()
        self.log_widget.clear()
        self.show_streaming()
