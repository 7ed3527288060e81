"""The Advisor screen: answering with keys, back/forward, the result card, "Try it now"."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App
from textual.widgets import Button, Label, OptionList, Static

from agentlab.tui.screens.advisor import AdvisorScreen

SIZE = (100, 34)
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _from_the_repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """The card prints paths relative to the repo root when run from there (stable snapshots)."""
    monkeypatch.chdir(REPO)


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
        assert str(label.render()) == "Question 4 of 7"  # a team is asked about business units
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


async def test_try_it_from_another_directory_uses_the_shipped_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    app = AdvisorTestApp()
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, AdvisorScreen)
        await pilot.press(*ENTERPRISE_KEYS)
        shipped = REPO / "scenarios" / "enterprise_desk.toml"
        text = str(screen.query_one("#try-it-text", Static).render())
        assert f"agentlab run {shipped}" in text
        await pilot.press("r")
        await pilot.pause()
        assert app.scenarios == [str(shipped)]


async def test_research_card_names_the_orchestrator_worker_scenario() -> None:
    app = AdvisorTestApp()
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, AdvisorScreen)
        # multi; high-value research; startup; 1 unit; no compliance; ample; no preference
        await pilot.press("down", "enter", "down", "down", "enter", "enter", "enter", "enter")
        await pilot.press("down", "enter", "enter")
        rec = screen.recommendation
        assert rec is not None and (rec.framework, rec.pattern) == (
            "anthropic-orchestrator-worker",
            "parallel",
        )
        text = str(screen.query_one("#try-it-text", Static).render())
        assert "agentlab run scenarios/multi_angle_review.toml" in text
        assert "agentlab run scenarios/research_team.toml" in text
        await pilot.press("r")
        await pilot.pause()
        assert app.scenarios == ["scenarios/multi_angle_review.toml"]


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
