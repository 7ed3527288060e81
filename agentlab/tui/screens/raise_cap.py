"""The question asked when a cap is hit and the scenario says ``on_exceed = "pause"``: raise it
(to the suggested value, or one typed in) or stop."""

from __future__ import annotations

from textual import events, on
from textual.app import ComposeResult
from textual.widgets import Input, Label

from agentlab.tui.screens.confirm import ConfirmModal

NUMBER_KEYS = frozenset("0123456789.")


class CapInput(Input):
    """A number field that takes only digits and the decimal point, so the modal's letter keys
    (y, n, q) still answer it while the field has focus."""

    def check_consume_key(self, key: str, character: str | None) -> bool:
        return character is not None and character in NUMBER_KEYS

    async def _on_key(self, event: events.Key) -> None:
        if event.is_printable and event.character not in NUMBER_KEYS:
            # Not ours: skip Input's handler (it would type the letter) and let the key go on
            # to the modal's bindings.
            event.prevent_default()


class RaiseCapModal(ConfirmModal):
    """Dismisses with True (raise the cap to ``value`` and go on) or False (stop the run)."""

    YES = "Yes, raise it (y)"
    NO = "No, stop (n)"

    def __init__(self, question: str, why: str, current: float, suggested: float) -> None:
        super().__init__(question, why)
        self.current = current
        #: The new cap when the answer is yes (the typed one, if valid).
        self.value = suggested

    def compose_details(self) -> ComposeResult:
        yield Label("New cap (type another to change it):")
        yield CapInput(f"{self.value:g}", id="new-cap")

    def action_answer(self, yes: bool) -> None:
        if yes and not self._take_value():
            return
        self.dismiss(yes)

    @on(Input.Submitted, "#new-cap")
    def _submitted(self) -> None:
        self.action_answer(True)

    def _take_value(self) -> bool:
        found = self.query("#new-cap").results(Input)
        field = next(found, None)
        if field is None:  # answered before the field was mounted: the suggested cap
            return True
        text = field.value.strip()
        try:
            value = float(text)
        except ValueError:
            self.notify(f"{text!r} is not a number", title="New cap", severity="error")
            return False
        if value <= self.current:
            self.notify(
                f"the new cap must be above {self.current:g}", title="New cap", severity="error"
            )
            return False
        self.value = value
        return True
