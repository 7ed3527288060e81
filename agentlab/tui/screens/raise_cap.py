"""The question asked when a cap is hit and the scenario says ``on_exceed = "pause"``."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label


class RaiseCapModal(ModalScreen[bool]):
    """Dismisses with True (raise the cap and go on) or False (stop the run)."""

    DEFAULT_CSS = """
    RaiseCapModal {
        align: center middle;
    }
    RaiseCapModal #dialog {
        width: 64;
        height: auto;
        border: thick $warning;
        background: $surface;
        padding: 1 2;
    }
    RaiseCapModal #why {
        color: $text-muted;
        margin-bottom: 1;
    }
    RaiseCapModal #question {
        text-style: bold;
    }
    RaiseCapModal #buttons {
        height: auto;
        margin-top: 1;
        align-horizontal: right;
    }
    RaiseCapModal Button {
        margin-left: 2;
    }
    """

    BINDINGS = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n", "answer(False)", "No"),
        Binding("escape", "answer(False)", "No", show=False),
    ]

    def __init__(self, question: str, why: str) -> None:
        super().__init__()
        self.question = question
        self.why = why

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.why, id="why")
            yield Label(self.question, id="question")
            with Horizontal(id="buttons"):
                yield Button("Yes, raise it (y)", id="yes", variant="warning")
                yield Button("No, stop (n)", id="no", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")
