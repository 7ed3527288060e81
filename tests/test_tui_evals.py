# ruff: noqa: F811  (the fixtures imported from test_tui are used as parameters)
"""Eval runs in the TUI: the list with CLEAR figures, a run's cases, a case opened in replay;
and the new screens re-flow on resize."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from test_tui import SCENARIOS, db_path, scenarios, wait_for  # noqa: F401
from textual.widgets import DataTable, Static

from agentlab.eval.cases import load_cases
from agentlab.eval.runner import EvalOptions, run_eval
from agentlab.tui.app import make_app
from agentlab.tui.screens.evals import EvalRunScreen, EvalRunsScreen
from agentlab.tui.screens.replay import ReplayScreen
from agentlab.tui.widgets.span_tree import SpanTree


def make_eval_run(db: Path, repeat: int = 2) -> str:
    """One eval run of budget_math (its shipped expectations), ``repeat`` times."""
    cases, _ = load_cases([SCENARIOS / "budget_math.toml"])
    run_id, report = asyncio.run(
        run_eval(cases, EvalOptions(repeat=repeat, concurrency=1, db_path=db))
    )
    assert report.ok
    return run_id


@pytest.fixture
def eval_run(db_path: Path) -> str:
    return make_eval_run(db_path)


async def test_open_an_eval_runs_case_in_replay(db_path, scenarios, eval_run) -> None:
    app = make_app(db_path=db_path, scenarios_dir=scenarios)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("v")
        await wait_for(pilot, lambda: isinstance(app.screen, EvalRunsScreen) and app.screen._ready)
        runs = app.screen.query_one("#runs", DataTable)
        assert runs.row_count == 1
        row = [str(c) for c in runs.get_row_at(0)]
        assert row[0] == eval_run and row[1] == "passed" and row[3] == "100%"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, EvalRunScreen) and app.screen._ready)
        run_screen = app.screen
        clear = str(run_screen.query_one("#clear", Static).render())
        for name in ("Cost", "Latency", "Efficacy", "Assurance", "Reliability"):
            assert name in clear
        assert "2/2 runs passed" in clear and "pass^k 100%" in clear
        cases = run_screen.query_one("#cases", DataTable)
        assert cases.row_count == 2
        await pilot.press("down", "enter")  # the second repeat
        await wait_for(pilot, lambda: isinstance(app.screen, ReplayScreen))
        second = run_screen.results[1]["session_id"]
        assert app.screen.session["id"] == second
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is run_screen)


async def test_eval_runs_from_the_palette_and_empty(db_path, scenarios) -> None:
    app = make_app(db_path=db_path, scenarios_dir=scenarios)
    async with app.run_test(size=(80, 24)) as pilot:
        commands = [c.title for c in app.get_system_commands(app.screen)]
        assert "Eval runs" in commands
        app.open_evals()
        await wait_for(pilot, lambda: isinstance(app.screen, EvalRunsScreen) and app.screen._ready)
        empty = str(app.screen.query_one("#runs-empty", Static).render())
        assert "No eval runs yet" in empty


def _tree_text(app) -> list[str]:
    tree = app.screen.query_one(SpanTree)
    return [
        "".join(seg.text for seg in tree.render_line(y)).rstrip()
        for y in range(len(tree._tree_lines))
    ]


async def test_resize_refits_span_labels_and_eval_columns(db_path, scenarios, eval_run) -> None:
    """80x24 -> 140x40: step labels gain their token counts back; the case table its columns."""
    app = make_app(db_path=db_path, scenarios_dir=scenarios)
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_evals()
        await wait_for(pilot, lambda: isinstance(app.screen, EvalRunsScreen) and app.screen._ready)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, EvalRunScreen) and app.screen._ready)
        narrow = len(app.screen.query_one("#cases", DataTable).columns)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ReplayScreen))
        await pilot.pause()
        steps = [line for line in _tree_text(app) if "◇ step" in line]
        assert steps and not any(" tok" in line for line in steps)
        await pilot.resize_terminal(140, 40)
        await pilot.pause()
        steps = [line for line in _tree_text(app) if "◇ step" in line]
        assert steps and all(" tok" in line and "$0.000" in line for line in steps)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, EvalRunScreen) and app.screen._ready)
        await pilot.pause()
        wide = len(app.screen.query_one("#cases", DataTable).columns)
        assert wide >= narrow and wide == 5
