"""The Advisor screen: the questionnaire one question at a time, then a result card.

The questions and the engine are the same as `agentlab advise` uses. On the result card:
`r` ("Try it now") posts `AdvisorScreen.RunScenario(path)` (the app runs the scenario); `c`
changes one answer and shows what flips; `m` measures the cost at your volume on the lab
models; `s` starts over. The card opens with the scroll area focused, so Enter never launches
a run by accident.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from rich.console import Group
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, ContentSwitcher, Footer, Label, OptionList, ProgressBar, Static
from textual.widgets.option_list import Option

from agentlab.advisor import render
from agentlab.advisor.engine import Recommendation, recommend
from agentlab.advisor.knowledge import load_knowledge
from agentlab.advisor.questions import Question, active_questions, progress, to_profile
from agentlab.advisor.scenarios import with_runnable_paths
from agentlab.advisor.whatif import changed_answers, flips

Mode = Literal["ask", "choose", "whatif"]


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
    }
    AdvisorScreen #switcher {
        height: 1fr;
    }
    AdvisorScreen #questions {
        height: auto;
        padding: 1 0 0 0;
    }
    AdvisorScreen #progress-row {
        height: 1;
    }
    AdvisorScreen #progress-label {
        width: 1fr;
        color: $text-muted;
    }
    AdvisorScreen #progress {
        width: 24;
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
        margin: 0 1 0 0;
        min-width: 10;
    }
    AdvisorScreen #result {
        height: 1fr;
    }
    AdvisorScreen #summary-line {
        padding: 0 1;
        background: $boost;
    }
    AdvisorScreen .section {
        height: auto;
        border: round $panel-lighten-2;
        padding: 0 1;
        margin: 1 1 0 0;
    }
    AdvisorScreen #picks {
        border: round $primary;
    }
    AdvisorScreen #flips {
        border: round $secondary;
        display: none;
    }
    AdvisorScreen #flips.shown {
        display: block;
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
        Binding("c", "change", "Change an answer"),
        Binding("m", "measure", "Cost at volume"),
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
        self.mode: Mode = "ask"
        """Answering in order, choosing which answer to change, or changing one (what if)."""
        self.whatif_key: str | None = None
        self.recommendation: Recommendation | None = None
        """Set when the result card is showing."""
        self.last_card: Recommendation | None = None
        """The last card shown (what a changed answer is compared with)."""

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
                    yield Static(id="summary-line")
                    yield Static(id="flips", classes="section")
                    yield Static(id="picks", classes="section")
                    with Vertical(id="try-it", classes="section"):
                        yield Static(id="try-it-text")
                        with Horizontal(classes="nav"):
                            yield Button("Try it now (r)", id="run", variant="success")
                            yield Button("Change an answer (c)", id="change")
                            yield Button("Cost (m)", id="measure")
                            yield Button("Start over (s)", id="restart")
                    yield Static(id="guardrails", classes="section")
                    yield Static(id="advice", classes="section")
                    yield Static(id="alternatives", classes="section")
                    yield Static(id="cautions", classes="section")
                    yield Static(id="next-steps", classes="section")
                    yield Static(id="cost", classes="section")
                    yield Static(id="since", classes="section")
                    yield Static(load_knowledge().attribution, id="attribution")
        yield Footer()

    def on_mount(self) -> None:
        titles = {
            "#flips": "What flips",
            "#picks": "Recommendation",
            "#guardrails": "Guardrails",
            "#advice": "Advice for you",
            "#alternatives": "Alternatives",
            "#cautions": "Cautions",
            "#next-steps": "Next steps",
            "#try-it": "Try it now",
            "#cost": "Cost at your volume",
            "#since": "Since the article",
        }
        for selector, title in titles.items():
            self.query_one(selector).border_title = title
        self._show_question()

    # --- state -----------------------------------------------------------------------------

    @property
    def active(self) -> list[Question]:
        return active_questions(self.answers)

    @property
    def question(self) -> Question:
        if self.mode == "whatif" and self.whatif_key is not None:
            return next(q for q in self.active if q.key == self.whatif_key)
        return self.active[self.position]

    @property
    def showing_result(self) -> bool:
        return self.recommendation is not None

    def _show_options(self, prompt: str, help: str, labels: list[str], highlight: int) -> None:
        self.query_one("#prompt", Static).update(prompt)
        self.query_one("#help", Static).update(help)
        options = self.query_one("#choices", OptionList)
        options.clear_options()
        options.add_options(Option(label) for label in labels)
        options.highlighted = highlight
        self.query_one("#switcher", ContentSwitcher).current = "questions"
        options.focus()
        self.refresh_bindings()

    def _show_question(self) -> None:
        self.recommendation = None
        self.mode = "ask"
        active = self.active
        self.position = min(self.position, len(active) - 1)
        question = active[self.position]
        where = progress(self.answers, question)
        self.query_one("#progress-label", Label).update(where.label)
        self.query_one("#progress", ProgressBar).update(total=where.at_most, progress=where.number)
        self.query_one("#back", Button).disabled = self.position == 0
        current = self.answers.get(question.key, question.default)
        labels = [c.label for c in question.choices]
        self._show_options(question.prompt, question.help, labels, question.index_of(current))

    def _answer(self, index: int) -> None:
        if self.mode == "choose":
            self._change(self.active[index].key)
            return
        question = self.question
        value = question.choices[index].value
        if self.mode == "whatif":
            self.answers[question.key] = value
            self._show_result(diff=True)
            return
        self.answers[question.key] = value
        if self.position + 1 < len(self.active):
            self.position += 1
            self._show_question()
        else:
            self._show_result()

    def _show_result(self, diff: bool = False) -> None:
        kb = load_knowledge()
        # Paths relative to the repo root when run from there, else the shipped absolute path.
        rec = with_runnable_paths(recommend(to_profile(self.answers), kb))
        before = self.last_card if diff else None
        self.recommendation = rec
        self.last_card = rec
        self.mode = "ask"
        box = self.query_one("#flips", Static)
        if before is not None:
            box.update(
                render.flips_table(
                    flips(before, rec), changed_answers(before.profile, rec.profile), kb
                )
            )
            box.add_class("shown")
        else:
            box.remove_class("shown")
        self.query_one("#summary-line", Static).update(render.summary_line(rec, kb))
        picks = self.query_one("#picks", Static)
        picks.update(render.picks_table(rec, kb))
        picks.border_subtitle = render.row_note(rec, kb)
        self.query_one("#guardrails", Static).update(render.guardrails_renderable(rec))
        self.query_one("#advice", Static).update(render.bullets(render.advice_lines(rec)))
        alts = [render.alternative_text(a, kb) for a in rec.alternatives]
        self.query_one("#alternatives", Static).update(render.bullets(alts))
        self.query_one("#cautions", Static).update(render.bullets(rec.cautions))
        self.query_one("#next-steps", Static).update(render.bullets(rec.next_steps, numbered=True))
        self.query_one("#try-it-text", Static).update(render.try_it_text(rec.try_it))
        self.query_one("#cost", Static).update(
            Text(
                "Press m to run the try-it scenarios of your pick and its alternatives on the "
                "lab models (offline, a few seconds) and project tokens and cost at your volume.",
                style="italic",
            )
        )
        self.query_one("#since", Static).update(render.since_renderable(rec))
        self.query_one("#switcher", ContentSwitcher).current = "result"
        result = self.query_one("#result", VerticalScroll)
        result.scroll_home(animate=False)
        result.focus()  # not the Try-it button: Enter must not launch a run by accident
        self.refresh_bindings()

    def _change(self, key: str) -> None:
        """Show the question for `key`; choosing an answer returns to the card with the diff."""
        self.mode = "whatif"
        self.whatif_key = key
        question = self.question
        self.query_one("#progress-label", Label).update(
            f"What if · change one answer, see what flips · {question.step}"
        )
        self.query_one("#back", Button).disabled = False
        current = self.answers.get(key, question.default)
        labels = [c.label for c in question.choices]
        self._show_options(question.prompt, question.help, labels, question.index_of(current))
        self.recommendation = None

    # --- actions ---------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("try_it", "start_over", "change", "measure"):
            return self.showing_result
        if action == "forward":
            return not self.showing_result
        if action == "back":
            return self.showing_result or self.mode != "ask" or self.position > 0 or None
        return True

    def action_back(self) -> None:
        if self.mode in ("choose", "whatif") and not self.showing_result:
            self.mode = "ask"
            self._show_result()  # back to the card, nothing changed
        elif self.showing_result:
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

    def action_change(self) -> None:
        """List the answers; the one chosen is asked again, and the card shows what flips."""
        if self.recommendation is None:
            return
        self.mode = "choose"
        self.recommendation = None
        labels = [
            f"{q.prompt} {q.label_of(self.answers.get(q.key, q.default))}" for q in self.active
        ]
        self.query_one("#progress-label", Label).update("What if · pick the answer to change")
        self.query_one("#back", Button).disabled = False
        self._show_options(
            "Which answer do you want to change?",
            "The card comes back with the picks that flip (← returns unchanged).",
            labels,
            0,
        )

    def action_measure(self) -> None:
        if self.recommendation is not None:
            self.query_one("#cost", Static).update(
                Text("Measuring the try-it scenarios on the lab models…", style="italic")
            )
            self._measure(self.recommendation)

    @work(exclusive=True, group="advisor-cost")
    async def _measure(self, rec: Recommendation) -> None:
        from agentlab.advisor.measure import cost_report  # imports the runtime: on demand

        report = await cost_report(rec)
        if self.recommendation is rec:
            self.query_one("#cost", Static).update(Group(render.cost_renderable(report)))

    def action_start_over(self) -> None:
        self.answers.clear()
        self.position = 0
        self.last_card = None
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
            "change": self.action_change,
            "measure": self.action_measure,
            "restart": self.action_start_over,
        }
        if event.button.id in actions:
            actions[event.button.id]()
