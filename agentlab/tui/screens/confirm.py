"""A yes/no question over the current screen, answered with ``y`` / ``n`` / ``escape`` or the
buttons. The run screen asks two: raise a cap that was hit, approve a risky tool call."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Label


class ConfirmModal(ModalScreen[bool]):
    """Dismisses with True (``y``, the yes button) or False (``n``, ``escape``, the no button).

    "No" has the focus, so a stray ``enter`` never says yes. Subclasses name the buttons and may
    add widgets between the explanation and the question (``compose_details``).
    """

    DEFAULT_CSS = """
    ConfirmModal {
        align: center middle;
    }
    ConfirmModal #dialog {
        width: 64;
        height: auto;
        border: thick $warning;
        background: $surface;
        padding: 1 2;
    }
    ConfirmModal Label {
        width: 100%;  /* long lines wrap instead of being cut */
    }
    ConfirmModal #why {
        color: $text-muted;
        margin-bottom: 1;
    }
    ConfirmModal #question {
        text-style: bold;
    }
    ConfirmModal #buttons {
        height: auto;
        margin-top: 1;
        align-horizontal: right;
    }
    ConfirmModal Button {
        margin-left: 2;
    }
    """

    BINDINGS = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n", "answer(False)", "No"),
        Binding("escape", "answer(False)", "No", show=False),
        # The screen underneath says "q Quit": it does here too (a run being asked about is
        # recorded as interrupted, as when the app quits anywhere else).
        Binding("q", "app.quit", "Quit"),
    ]

    #: Button labels (they name their key).
    YES = "Yes (y)"
    NO = "No (n)"

    def __init__(self, question: str, why: str = "") -> None:
        super().__init__()
        self.question = question
        self.why = why

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            if self.why:
                yield Label(self.why, id="why")
            yield from self.compose_details()
            yield Label(self.question, id="question")
            with Horizontal(id="buttons"):
                yield Button(self.YES, id="yes", variant="warning")
                yield Button(self.NO, id="no", variant="primary")
        # Its own footer covers the one underneath, whose keys (esc "Back") do not apply here.
        yield Footer()

    def compose_details(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_answer(event.button.id == "yes")
