"""The question asked when an agent wants to run a tool that needs a person's approval."""

from __future__ import annotations

import json
from typing import Any

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Input, Label, Static, TextArea

from agentlab.core.checks.display import mask_value
from agentlab.core.checks.runner import argument_problem
from agentlab.core.context import ApprovalRequest, Decision
from agentlab.tui.screens.confirm import ConfirmModal

MAX_ARGS = 12  # arguments listed one per line; the rest are counted
MAX_VALUE = 400  # characters of one argument's value


def call_text(tool: str, arguments: dict[str, Any], width: int = 60) -> str:
    """``tool(a=1, b="x", …)``: whole arguments while they fit in ``width``, then ``…``."""
    shown: list[str] = []
    for key, value in arguments.items():
        part = f"{key}={json.dumps(value, ensure_ascii=False)}"
        if len(tool) + 2 + len(", ".join([*shown, part])) > width:
            shown.append("…")
            break
        shown.append(part)
    return f"{tool}({', '.join(shown)})"


def value_text(value: Any) -> str:
    """An argument as a person reads it: strings without quotes, anything else as JSON."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"


def arguments_table(arguments: dict[str, Any]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    items = list(arguments.items())
    for key, value in items[:MAX_ARGS]:
        table.add_row(key, value_text(value))
    if len(items) > MAX_ARGS:
        table.add_row("", Text(f"… and {len(items) - MAX_ARGS} more", style="dim"))
    if not items:
        table.add_row(Text("(no arguments)", style="dim"), "")
    return table


def unmasked(original: Any, shown: Any, edited: Any) -> Any:
    """An edit of masked arguments, with every value the person left as shown (masked) put back
    to the agent's exact value: a masked ``[EMAIL]`` left alone runs as the address it hides."""
    if edited == shown:
        return original
    if isinstance(edited, dict) and isinstance(shown, dict) and isinstance(original, dict):
        return {
            k: unmasked(original[k], shown[k], v) if k in shown and k in original else v
            for k, v in edited.items()
        }
    if (
        isinstance(edited, list)
        and isinstance(shown, list)
        and isinstance(original, list)
        and len(edited) == len(shown) == len(original)
    ):
        return [unmasked(o, m, e) for o, m, e in zip(original, shown, edited, strict=True)]
    return edited


class ApprovalModal(ConfirmModal):
    """Asks about one call. Dismisses with True (run it) or False (refuse it: the agent is told
    so); :attr:`decision` then says how: once (``y``), for the rest of the session (``s``),
    always for this scenario (``a``), with edited arguments (``e``: JSON checked against the
    tool's schema before it is accepted) or denied with a reason the agent reads (``r``).
    A question about something other than a tool call (a reply that failed validation) has no
    schema: only yes and no.

    ``masked``: the session's scenario masks PII where people see it (``mask_output``): the
    arguments, the reason and the edit box show it masked, and an edit keeps the exact value of
    whatever masked part the person left alone (:func:`unmasked`)."""

    DEFAULT_CSS = """
    ApprovalModal #dialog {
        width: 80;
    }
    ApprovalModal #arguments {
        height: auto;
        max-height: 16;
        margin-bottom: 1;
        padding: 0 2;
        background: $boost;
    }
    ApprovalModal #edit, ApprovalModal #reason, ApprovalModal #problem {
        display: none;
    }
    ApprovalModal #edit {
        height: 8;
    }
    ApprovalModal #problem {
        color: $error;
    }
    ApprovalModal.editing #edit, ApprovalModal.editing #problem,
    ApprovalModal.denying #reason {
        display: block;
    }
    ApprovalModal #more {
        color: $text-muted;
        margin-top: 1;
    }
    """

    BINDINGS = [
        Binding("s", "remember('session')", "Session"),
        Binding("a", "remember('always')", "Always"),
        Binding("e", "edit", "Edit"),
        Binding("r", "deny_why", "Deny with reason"),
        Binding("ctrl+s", "submit_edit", "Run edited", show=False),
    ]

    YES = "Approve (y)"
    NO = "Deny (n)"

    def __init__(self, request: ApprovalRequest, masked: bool = False) -> None:
        self.request = request
        #: How the person answered (set when the modal is dismissed).
        self.decision: Decision | None = None
        #: The arguments as shown (masked when the session masks PII).
        self.shown: dict[str, Any] = mask_value(request.arguments) if masked else request.arguments
        reason = mask_value(request.reason) if masked else request.reason
        why = reason + ". " if reason and request.schema is None else ""
        super().__init__(
            f"Approve {request.agent}: {call_text(request.tool, self.shown)}?",
            why + f"{request.agent} wants to run {request.tool}, which needs a person's approval. "
            "If you deny it, the agent is told so and carries on without it."
            if request.schema is not None
            else why + "If you deny it, the agent stops.",
        )

    @property
    def editable(self) -> bool:
        return self.request.schema is not None

    def compose_details(self) -> ComposeResult:
        with VerticalScroll(id="arguments"):
            yield Static(arguments_table(self.shown))
        if self.editable:
            yield TextArea(
                json.dumps(self.shown, indent=2, ensure_ascii=False),
                id="edit",
                language=None,
            )
            yield Label("", id="problem")
            yield Input(placeholder="why not (the agent reads it); enter to deny", id="reason")
            yield Label(
                "s approve for the session · a approve always (this scenario) · "
                "e edit the arguments (ctrl+s runs them) · r deny with a reason",
                id="more",
            )

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#dialog").border_title = "Approval needed"

    def _done(self, decision: Decision) -> None:
        self.decision = decision
        self.dismiss(decision.approved)

    def action_answer(self, yes: bool) -> None:
        if self.has_class("editing") and yes:
            self.action_submit_edit()
            return
        self._done(Decision(yes, "approved in the TUI" if yes else "denied in the TUI"))

    def action_remember(self, how: str) -> None:
        if not self.editable:
            return
        if how == "session":
            self._done(Decision(True, "approved in the TUI for the session", remember="session"))
        else:
            self._done(Decision(True, "approved in the TUI always", remember="always"))

    def action_edit(self) -> None:
        if not self.editable:
            return
        self.remove_class("denying")
        self.add_class("editing")
        self.query_one("#edit", TextArea).focus()

    def action_deny_why(self) -> None:
        if not self.editable:
            return
        self.remove_class("editing")
        self.add_class("denying")
        self.query_one("#reason", Input).focus()

    def action_submit_edit(self) -> None:
        if not self.has_class("editing") or self.request.schema is None:
            return
        problem = self.edit_problem(self.query_one("#edit", TextArea).text)
        if isinstance(problem, str):
            self.query_one("#problem", Label).update(problem)
            return
        self._done(Decision(True, "approved in the TUI with edited arguments", arguments=problem))

    def edit_problem(self, text: str) -> str | dict[str, Any]:
        """The edited arguments, or what is wrong with them (one line)."""
        try:
            edited = json.loads(text)
        except ValueError as exc:
            return f"not JSON: {exc}"
        problem = argument_problem(self.request.schema or {}, edited)
        if problem:
            return f"does not fit the tool's schema: {problem}"
        assert isinstance(edited, dict)  # the schema is an object's
        exact = unmasked(self.request.arguments, self.shown, edited)
        assert isinstance(exact, dict)
        return exact

    @on(Input.Submitted, "#reason")
    def _reason(self, event: Input.Submitted) -> None:
        event.stop()
        self._done(Decision(False, event.value.strip() or "denied in the TUI"))
