"""The Advisor screen: the questionnaire one question at a time, then a result card.

The questions and the engine are the same as `agentlab advise` uses. From the result card, `r`
("Try it now") posts `AdvisorScreen.RunScenario(path)`; the app runs the scenario and shows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.console import Group
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, ContentSwitcher, Footer, Label, OptionList, ProgressBar, Static
from textual.widgets.option_list import Option

from agentlab.advisor.engine import Recommendation, recommend
from agentlab.advisor.knowledge import load_knowledge
from agentlab.advisor.questions import Question, active_questions, to_profile
from agentlab.advisor.render import bullets, try_it_text
from agentlab.advisor.scenarios import with_runnable_paths


class AdvisorScreen(Screen[None]):
    """Recommends a framework, a monitoring tool and a pattern, and offers to try the pattern."""

    DEFAULT_CSS = """
    AdvisorScreen {
        align: center top;
    }
    AdvisorScreen #advisor {
        width: 100%;
        max-width: 110;
        height: 1fr;
        padding: 0 1;
    }
    AdvisorScreen #advisor-title {
        text-style: bold;
        color: $accent;
        padding: 1 0 0 0;
    }
    AdvisorScreen #switcher {
        height: 1fr;
    }
    AdvisorScreen #questions {
        height: auto;
        padding: 1 0;
    }
    AdvisorScreen #progress-row {
        height: 1;
    }
    AdvisorScreen #progress-label {
        width: 20;
        color: $text-muted;
    }
    AdvisorScreen #progress {
        width: 1fr;
    }
    AdvisorScreen #progress Bar {
        width: 1fr;
    }
    AdvisorScreen #prompt {
        text-style: bold;
        padding: 1 0 0 0;
    }
    AdvisorScreen #help {
        color: $text-muted;
        padding: 0 0 1 0;
    }
    AdvisorScreen #choices {
        height: auto;
        max-height: 12;
    }
    AdvisorScreen .nav {
        height: auto;
        padding: 1 0 0 0;
    }
    AdvisorScreen .nav Button {
        margin: 0 2 0 0;
    }
    AdvisorScreen #result {
        height: 1fr;
    }
    AdvisorScreen #picks {
        height: auto;
    }
    AdvisorScreen .pick {
        width: 1fr;
        height: auto;
        border: round $primary;
        padding: 0 1;
        margin: 0 1 0 0;
    }
    AdvisorScreen .section {
        height: auto;
        border: round $panel-lighten-2;
        padding: 0 1;
        margin: 1 1 0 0;
    }
    AdvisorScreen #cautions {
        border: round $warning;
    }
    AdvisorScreen #try-it {
        border: round $success;
    }
    AdvisorScreen #attribution {
        color: $text-muted;
        text-style: italic;
        margin: 1 0;
    }
    """

    BINDINGS = [
        Binding("escape", "close", "Close"),
        # Priority: the result card's scroll container would otherwise take left/right.
        Binding("left", "back", "Back", priority=True),
        Binding("right", "forward", "Next", priority=True),
        Binding("r", "try_it", "Try it now"),
        Binding("s", "start_over", "Start over"),
    ]

    @dataclass
    class RunScenario(Message):
        """Posted by "Try it now": run the scenario at `path` and show its transcript."""

        path: str

    def __init__(
        self, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.answers: dict[str, Any] = {}
        """Answers so far, by question key (stale ones from an abandoned branch are ignored)."""
        self.position = 0
        """Index into the active questions of the one on screen."""
        self.recommendation: Recommendation | None = None
        """Set when the result card is showing."""

    # --- layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(id="advisor"):
            yield Static("Selection advisor: framework, monitoring, pattern", id="advisor-title")
            with ContentSwitcher(initial="questions", id="switcher"):
                with Vertical(id="questions"):
                    with Horizontal(id="progress-row"):
                        yield Label(id="progress-label")
                        yield ProgressBar(id="progress", show_eta=False, show_percentage=False)
                    yield Static(id="prompt")
                    yield Static(id="help")
                    yield OptionList(id="choices")
                    with Horizontal(classes="nav"):
                        yield Button("← Back", id="back")
                        yield Button("Next →", id="next", variant="primary")
                with VerticalScroll(id="result"):
                    with Horizontal(id="picks"):
                        yield Static(id="pick-framework", classes="pick")
                        yield Static(id="pick-monitoring", classes="pick")
                        yield Static(id="pick-pattern", classes="pick")
                    with Vertical(id="try-it", classes="section"):
                        yield Static(id="try-it-text")
                        with Horizontal(classes="nav"):
                            yield Button("Try it now (r)", id="run", variant="success")
                            yield Button("← Back", id="result-back")
                            yield Button("Start over (s)", id="restart")
                    yield Static(id="guardrails", classes="section")
                    yield Static(id="cautions", classes="section")
                    yield Static(id="next-steps", classes="section")
                    yield Static(load_knowledge().attribution, id="attribution")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#guardrails").border_title = "Guardrails"
        self.query_one("#cautions").border_title = "Cautions"
        self.query_one("#next-steps").border_title = "Next steps"
        self.query_one("#try-it").border_title = "Try it now"
        self._show_question()

    # --- state -----------------------------------------------------------------------------

    @property
    def active(self) -> list[Question]:
        return active_questions(self.answers)

    @property
    def question(self) -> Question:
        return self.active[self.position]

    @property
    def showing_result(self) -> bool:
        return self.recommendation is not None

    def _show_question(self) -> None:
        self.recommendation = None
        active = self.active
        self.position = min(self.position, len(active) - 1)
        question = active[self.position]
        number, total = self.position + 1, len(active)
        self.query_one("#progress-label", Label).update(f"Question {number} of {total}")
        self.query_one("#progress", ProgressBar).update(total=total, progress=number)
        self.query_one("#prompt", Static).update(question.prompt)
        self.query_one("#help", Static).update(question.help)
        options = self.query_one("#choices", OptionList)
        options.clear_options()
        options.add_options(Option(c.label) for c in question.choices)
        current = self.answers.get(question.key, question.default)
        options.highlighted = question.index_of(current)
        self.query_one("#back", Button).disabled = self.position == 0
        self.query_one("#switcher", ContentSwitcher).current = "questions"
        options.focus()
        self.refresh_bindings()

    def _answer(self, index: int) -> None:
        question = self.question
        self.answers[question.key] = question.choices[index].value
        if self.position + 1 < len(self.active):
            self.position += 1
            self._show_question()
        else:
            self._show_result()

    def _show_result(self) -> None:
        kb = load_knowledge()
        # Paths relative to the repo root when run from there, else the shipped absolute path.
        rec = with_runnable_paths(recommend(to_profile(self.answers), kb))
        self.recommendation = rec
        for kind, pick, why in (
            ("Framework", rec.framework, rec.rationale.framework),
            ("Monitoring", rec.monitoring, rec.rationale.monitoring),
            ("Pattern", rec.pattern, rec.rationale.pattern),
        ):
            widget = self.query_one(f"#pick-{kind.lower()}", Static)
            widget.border_title = kind
            text = Text(kb.name_of(pick), style="bold")
            text.append("\n\n")
            text.append(why)
            widget.update(text)
        head = "called for" if rec.guardrails.needed else "not required; start with"
        guard = Group(
            Text(f"Guardrail Sandwich: {head}", style="bold"),
            bullets(rec.guardrails.layers),
            Text(rec.rationale.guardrails, style="italic"),
        )
        self.query_one("#guardrails", Static).update(guard)
        self.query_one("#cautions", Static).update(bullets(rec.cautions))
        self.query_one("#next-steps", Static).update(bullets(rec.next_steps, numbered=True))
        self.query_one("#try-it-text", Static).update(try_it_text(rec.try_it))
        self.query_one("#switcher", ContentSwitcher).current = "result"
        result = self.query_one("#result", VerticalScroll)
        result.scroll_home(animate=False)
        self.query_one("#run", Button).focus()
        self.refresh_bindings()

    # --- actions ---------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("try_it", "start_over"):
            return self.showing_result
        if action == "forward":
            return not self.showing_result
        if action == "back":
            return self.showing_result or self.position > 0 or None
        return True

    def action_back(self) -> None:
        if self.showing_result:
            self.position = len(self.active) - 1
            self._show_question()
        elif self.position > 0:
            self.position -= 1
            self._show_question()

    def action_forward(self) -> None:
        if self.showing_result:
            return
        highlighted = self.query_one("#choices", OptionList).highlighted
        self._answer(highlighted if highlighted is not None else 0)

    def action_try_it(self) -> None:
        if self.recommendation is not None:
            self.post_message(self.RunScenario(self.recommendation.try_it.scenario))

    def action_start_over(self) -> None:
        self.answers.clear()
        self.position = 0
        self._show_question()

    def action_close(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.dismiss(None)

    @on(OptionList.OptionSelected, "#choices")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._answer(event.option_index)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        actions = {
            "back": self.action_back,
            "next": self.action_forward,
            "run": self.action_try_it,
            "result-back": self.action_back,
            "restart": self.action_start_over,
        }
        if event.button.id in actions:
            actions[event.button.id]()
