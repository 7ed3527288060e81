"""The transcript: a log of what happened, plus a line of the text being streamed right now.

Streamed text is shown in place while it arrives and written to the log once, complete, when its
model call ends (from ``LlmCallEnded.content``): a replay, which has no deltas, reads the same.
"""

from __future__ import annotations

from collections import Counter

from rich.padding import Padding
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.strip import Strip
from textual.widgets import Input, RichLog, Static

FOUND = Style(bgcolor="#f2a93b", color="black")


def strip_text(strip: Strip) -> str:
    return "".join(seg.text for seg in strip)


class TranscriptLog(RichLog):
    """The log, with the line a search found (or a jump landed on) highlighted."""

    #: The line (index into ``lines``) to highlight; None: none.
    found: int | None = None

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        if self.found is not None and self.scroll_offset.y + y == self.found:
            return Strip(Segment.apply_style(strip, post_style=FOUND), strip.cell_length)
        return strip


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
    Transcript #search {
        display: none;
        height: 1;
        border: none;
        padding: 0 1;
    }
    Transcript #search.active {
        display: block;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        #: llm span id -> (agent, text streamed so far)
        self.streaming: dict[str, tuple[str, str]] = {}
        #: span id -> where its first line is: (the line's start, how many earlier lines
        #: started the same); found again in the wrapped log by ``line_of``.
        self.anchors: dict[str, tuple[str, int]] = {}
        self._starts: Counter[str] = Counter()

    def compose(self) -> ComposeResult:
        yield Input(placeholder="search the transcript (enter: next, esc: done)", id="search")
        yield TranscriptLog(wrap=True, min_width=20, markup=False, highlight=False, id="log")
        yield Static(id="streaming")

    @property
    def log_widget(self) -> TranscriptLog:
        return self.query_one("#log", TranscriptLog)

    def write(self, lines: list[Text], span_id: str = "") -> None:
        """Each line once: its leading indent becomes padding, so the lines it wraps into keep
        the indent (nesting stays readable in a narrow pane)."""
        log = self.log_widget
        for line in lines[:1]:
            key = _start(line.plain)
            if span_id and span_id not in self.anchors and key:
                self.anchors[span_id] = (key, self._starts[key])
            self._starts[key] += 1
        for line in lines[1:]:
            self._starts[_start(line.plain)] += 1
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
        self.anchors.clear()
        self._starts.clear()
        self.log_widget.found = None
        self.log_widget.clear()
        self.show_streaming()

    # --- finding lines: search, and jumping to a span ----------------------------------------

    def find(self, query: str, after: int = -1, back: bool = False) -> int | None:
        """The next log line (wrapping around) that contains ``query``, any case."""
        lines = [strip_text(s).lower() for s in self.log_widget.lines]
        q = query.lower().strip()
        if not q or not lines:
            return None
        n = len(lines)
        step = -1 if back else 1
        for k in range(1, n + 1):
            y = (after + step * k) % n
            if q in lines[y]:
                return y
        return None

    def count(self, query: str) -> int:
        q = query.lower().strip()
        return sum(q in strip_text(s).lower() for s in self.log_widget.lines) if q else 0

    def line_of(self, span_id: str) -> int | None:
        """The log line where the span's first transcript line is."""
        if span_id not in self.anchors:
            return None
        key, nth = self.anchors[span_id]
        seen = 0
        for y, strip in enumerate(self.log_widget.lines):
            if strip_text(strip).strip().startswith(key):
                if seen == nth:
                    return y
                seen += 1
        return None

    def show_line(self, y: int | None) -> None:
        """Highlight line ``y`` (None: none) and scroll it into view, a little from the top."""
        log = self.log_widget
        log.found = y
        if y is not None:
            log.scroll_to(y=max(0, y - 2), animate=False)
        log.refresh()


def _start(plain: str) -> str:
    """How a line starts, for finding it again once wrapped (the first 12 non-blank cells)."""
    return plain.strip()[:12]
