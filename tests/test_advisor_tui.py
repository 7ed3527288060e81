"""The Advisor screen: answering with keys, a progress count that never grows, the result card
(one-line summary, Enter never runs), changing one answer to see what flips, the cost at your
volume, and "Try it now"; snapshots at 80x24 and 100x34."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Button, Label, OptionList, Static

from agentlab.advisor.questions import MODEL_CHOICE, MONITORING_PREFERENCE
from agentlab.tui.screens.advisor import AdvisorScreen

SIZE = (100, 34)
SMALL = (80, 24)
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


def keys_for(screen_choices: list[Any], value: Any) -> list[str]:
    index = next(i for i, v in enumerate(screen_choices) if v == value and type(v) is type(value))
    return ["home", *(["down"] * index), "enter"]


async def answer(pilot: Pilot, screen: AdvisorScreen, answers: dict[str, Any]) -> None:
    """Answer the questions as they come, from `answers` (others: Enter on the default)."""
    while screen.recommendation is None:
        q = screen.question
        if q.key in answers:
            await pilot.press(*keys_for([c.value for c in q.choices], answers[q.key]))
        else:
            await pilot.press("enter")


ENTERPRISE = {
    "agents": "multi",
    "workflow": "complex-branching",
    "org": "large-enterprise",
    "departments": 5,
    "compliance": True,
}


def label(screen: AdvisorScreen) -> str:
    return str(screen.query_one("#progress-label", Label).render())


def text_of(screen: AdvisorScreen, selector: str) -> str:
    """What a Static shows, as plain text (wide, so phrases are not wrapped apart)."""
    console = Console(width=400, record=True, file=io.StringIO())
    console.print(screen.query_one(selector, Static).content)
    return console.export_text()


async def test_answer_to_a_result_and_try_it() -> None:
    app = AdvisorTestApp()
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, AdvisorScreen)
        assert label(screen).startswith("Question 1 of at most ")
        await answer(pilot, screen, ENTERPRISE)
        rec = screen.recommendation
        assert rec is not None
        assert (rec.framework, rec.monitoring, rec.pattern) == (
            "langgraph",
            "braintrust",
            "supervisor-of-supervisors",
        )
        assert rec.guardrails.needed
        summary = text_of(screen, "#summary-line").strip()
        assert summary == "LangGraph · Braintrust · Supervisor of supervisors · Guardrail Sandwich"
        await pilot.press("enter")  # the card opens focused on the scroll area: no run
        await pilot.pause()
        assert app.scenarios == []
        await pilot.press("r")
        await pilot.pause()
        assert app.scenarios == ["scenarios/enterprise_desk.toml"]


async def test_the_progress_count_never_grows() -> None:
    app = AdvisorTestApp()
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, AdvisorScreen)
        limits = []
        while screen.recommendation is None:
            text = label(screen)
            at_most = int(text.split(" of at most ")[1].split()[0]) if "at most" in text else None
            limits.append(at_most or len(limits) + 1)
            q = screen.question
            value = {"agents": "multi", "private_data": True, "untrusted_input": True}.get(q.key)
            if value is None:
                await pilot.press("enter")
            else:
                await pilot.press(*keys_for([c.value for c in q.choices], value))
        assert limits == sorted(limits, reverse=True), limits


async def test_progress_back_and_forward() -> None:
    app = AdvisorTestApp()
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, AdvisorScreen)
        assert screen.query_one("#back", Button).disabled
        await pilot.press("down", "enter", "up", "enter")  # multi, complex branching
        assert screen.question.key == "language"
        await pilot.press("left")  # back to the workflow question
        assert screen.question.key == "workflow"
        assert screen.query_one("#choices", OptionList).highlighted == 0  # complex branching
        await pilot.press("right")  # keeps the highlighted answer
        assert screen.question.key == "language"
        await pilot.click("#back")
        assert screen.question.key == "workflow"
        await pilot.click("#next")
        assert screen.answers["workflow"] == "complex-branching"


async def test_change_one_answer_on_the_card_and_see_what_flips() -> None:
    app = AdvisorTestApp()
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, AdvisorScreen)
        await answer(pilot, screen, ENTERPRISE)
        assert not screen.query_one("#flips").has_class("shown")
        await pilot.press("c")
        assert screen.mode == "choose"
        keys = [q.key for q in screen.active]
        await pilot.press("home", *(["down"] * keys.index("departments")), "enter")
        assert screen.mode == "whatif" and screen.question.key == "departments"
        await pilot.press(*keys_for([c.value for c in screen.question.choices], 2))
        rec = screen.recommendation
        assert rec is not None and rec.pattern == "hierarchical"
        assert screen.query_one("#flips", Static).has_class("shown")
        text = text_of(screen, "#flips")
        assert "departments: 5 → 2" in text
        assert "Supervisor of supervisors" in text and "Hierarchical" in text
        # Escape from the list leaves the card as it was.
        await pilot.press("c", "left")
        assert screen.recommendation is not None and screen.recommendation.pattern == "hierarchical"


async def test_cost_at_volume_on_the_card() -> None:
    app = AdvisorTestApp()
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, AdvisorScreen)
        await answer(pilot, screen, {"agents": "single", MODEL_CHOICE: "gpt-4o"})
        assert "Press m" in text_of(screen, "#cost")
        await pilot.press("m")
        await asyncio.wait_for(app.workers.wait_for_complete(), 30)
        await pilot.pause()
        text = text_of(screen, "#cost")
        assert "100 sessions a day × 30 days, priced as gpt-4o" in text
        assert "measured, one lab run" in text and "multiplied, a month" in text


async def test_back_from_the_result_and_changing_the_branch() -> None:
    app = AdvisorTestApp()
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, AdvisorScreen)
        await answer(pilot, screen, {})
        assert screen.recommendation is not None
        assert screen.recommendation.try_it.scenario == "scenarios/research_question.toml"
        await pilot.press("left")
        assert screen.recommendation is None
        await pilot.press("s")  # start over is only bound on the result card
        assert screen.question.key == MONITORING_PREFERENCE
        while screen.position > 0:
            await pilot.press("left")
        await answer(pilot, screen, {"agents": "learning"})
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
        await answer(pilot, screen, ENTERPRISE)
        shipped = REPO / "scenarios" / "enterprise_desk.toml"
        text = text_of(screen, "#try-it-text")
        assert f"agentlab run {shipped}" in text
        await pilot.press("r")
        await pilot.pause()
        assert app.scenarios == [str(shipped)]


async def test_the_card_shows_advice_alternatives_and_the_dated_note() -> None:
    app = AdvisorTestApp()
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, AdvisorScreen)
        await answer(
            pilot, screen, {"agents": "multi", "workflow": "conversational", "role": "tech-lead"}
        )
        advice = text_of(screen, "#advice")
        assert "Tech leads and architects (you)" in advice
        alternatives = text_of(screen, "#alternatives")
        assert alternatives.index("Microsoft Agent Framework") < alternatives.index("LangGraph")
        cautions = text_of(screen, "#cautions")
        assert cautions.lstrip("• ").startswith("Since the article (agentlab's note, checked")
        since = text_of(screen, "#since")
        assert "November 2026" in since and "maintenance mode" in since


async def test_escape_pops_the_screen() -> None:
    app = AdvisorTestApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("escape")
        assert not isinstance(app.screen, AdvisorScreen)


# --- snapshots -----------------------------------------------------------------------------

MULTI_TO_ROLE = ["down", "enter", "up", "enter", "enter"]  # multi, complex branching, Python


def test_snapshot_question(snap_compare) -> None:
    """A question mid-flow: progress with its step, prompt, help, choices, back/next."""
    assert snap_compare(AdvisorTestApp(), press=MULTI_TO_ROLE, terminal_size=SIZE)


def test_snapshot_role_question_80x24(snap_compare) -> None:
    """The reader-type question at 80x24: help wrapped at word boundaries."""
    assert snap_compare(AdvisorTestApp(), press=MULTI_TO_ROLE, terminal_size=SMALL)


def test_snapshot_trifecta_question_80x24(snap_compare) -> None:
    """The lethal trifecta's second leg, asked because the first is there."""
    keys = ["enter"] * 4 + ["down", "enter"]  # single, role, org, compliance; private data: yes
    assert snap_compare(AdvisorTestApp(), press=keys, terminal_size=SMALL)


def test_snapshot_volume_question_80x24(snap_compare) -> None:
    """The sessions-a-day question (the cost projection's volume)."""
    keys = ["enter"] * 6  # single, role, org, compliance, private data, model
    assert snap_compare(AdvisorTestApp(), press=keys, terminal_size=SMALL)


def test_snapshot_monitoring_question_80x24(snap_compare) -> None:
    """The monitoring preference with the enterprise all-in-one option."""
    keys = ["enter"] * 7  # ... sessions a day
    assert snap_compare(AdvisorTestApp(), press=keys, terminal_size=SMALL)


ENTERPRISE_KEYS = ["down", "enter", "up", "enter", "enter", "enter", "down", "down", "enter"]
ENTERPRISE_KEYS += ["down", "down", "down", "enter", "down", "enter"] + ["enter"] * 5


def test_snapshot_result_card(snap_compare) -> None:
    """The result card for a large multi-department enterprise with compliance needs."""
    assert snap_compare(AdvisorTestApp(), press=ENTERPRISE_KEYS, terminal_size=SIZE)


def test_snapshot_result_card_80x24(snap_compare) -> None:
    """At 80x24 the one-line summary shows every pick above the fold."""
    assert snap_compare(AdvisorTestApp(), press=ENTERPRISE_KEYS, terminal_size=SMALL)


def test_snapshot_what_flips_80x24(snap_compare) -> None:
    """Departments 5 → 2 on the card: the diff on top, then the new picks."""
    keys = [*ENTERPRISE_KEYS, "c", "home", *["down"] * 5, "enter"]  # departments
    keys += ["home", "down", "enter"]  # 2
    assert snap_compare(AdvisorTestApp(), press=keys, terminal_size=SMALL)
