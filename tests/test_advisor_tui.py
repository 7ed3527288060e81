"""The Advisor screen: answering with keys, back/forward, the result card, "Try it now"."""

from __future__ import annotations

from textual.app import App
from textual.widgets import Button, Label, OptionList

from agentlab.tui.screens.advisor import AdvisorScreen

SIZE = (100, 34)


class AdvisorTestApp(App[None]):
    """Hosts the screen the way the main app does: pushed, with RunScenario handled."""

    def __init__(self) -> None:
        super().__init__()
        self.scenarios: list[str] = []

    def on_mount(self) -> None:
        self.push_screen(AdvisorScreen())

    def on_advisor_screen_run_scenario(self, message: AdvisorScreen.RunScenario) -> None:
        self.scenarios.append(message.path)


# agents: multi; workflow: up to complex branching; org: large enterprise; departments: 5;
# compliance: yes; budget: limited; monitoring: no preference.
ENTERPRISE_KEYS = ["down", "enter", "up", "enter", "down", "down", "enter"]
ENTERPRISE_KEYS += ["down", "down", "down", "enter", "down", "enter", "enter", "enter"]


async def test_answer_to_a_result_and_try_it() -> None:
    app = AdvisorTestApp()
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, AdvisorScreen)
        assert str(screen.query_one("#progress-label", Label).render()) == "Question 1 of 4"
        await pilot.press(*ENTERPRISE_KEYS)
        rec = screen.recommendation
        assert rec is not None
        assert (rec.framework, rec.monitoring, rec.pattern) == (
            "langgraph",
            "braintrust",
            "supervisor-of-supervisors",
        )
        assert rec.guardrails.needed
        await pilot.press("r")
        await pilot.pause()
        assert app.scenarios == ["scenarios/enterprise_desk.toml"]


async def test_progress_back_and_forward() -> None:
    app = AdvisorTestApp()
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, AdvisorScreen)
        label = screen.query_one("#progress-label", Label)
        assert screen.query_one("#back", Button).disabled
        await pilot.press("down", "enter", "up", "enter", "down", "down", "enter")
        assert str(label.render()) == "Question 4 of 7"  # large enterprise adds departments
        await pilot.press("left", "left")
        assert str(label.render()) == "Question 2 of 7"
        options = screen.query_one("#choices", OptionList)
        assert options.highlighted == 0  # the earlier answer, complex branching
        await pilot.press("right")  # keeps the highlighted answer
        assert str(label.render()) == "Question 3 of 7"
        await pilot.click("#back")
        assert str(label.render()) == "Question 2 of 7"
        await pilot.click("#next")
        assert screen.answers["workflow"] == "complex-branching"


async def test_back_from_the_result_and_changing_the_branch() -> None:
    app = AdvisorTestApp()
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, AdvisorScreen)
        await pilot.press("enter", "enter", "enter", "enter")  # all defaults: single agent
        assert screen.recommendation is not None
        assert screen.recommendation.try_it.scenario == "scenarios/research_question.toml"
        await pilot.press("left")
        assert screen.recommendation is None
        await pilot.press("s")  # start over is only bound on the result card
        assert screen.position == 3
        await pilot.press("left", "left", "left")
        await pilot.press("down", "down", "enter", "enter")  # learning, no preference
        assert screen.recommendation is not None
        assert screen.recommendation.framework == "openai-swarm"
        await pilot.click("#run")
        await pilot.pause()
        assert app.scenarios == ["scenarios/data_pipeline.toml"]
        await pilot.press("s")
        assert screen.recommendation is None and screen.answers == {}


async def test_escape_pops_the_screen() -> None:
    app = AdvisorTestApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("escape")
        assert not isinstance(app.screen, AdvisorScreen)


def test_snapshot_question(snap_compare) -> None:
    """A question mid-flow: progress, prompt, help, choices, back/next."""
    assert snap_compare(
        AdvisorTestApp(), press=["down", "enter", "up", "enter"], terminal_size=SIZE
    )


def test_snapshot_result_card(snap_compare) -> None:
    """The result card for a large multi-department enterprise with compliance needs."""
    assert snap_compare(AdvisorTestApp(), press=ENTERPRISE_KEYS, terminal_size=SIZE)
