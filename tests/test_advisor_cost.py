"""Cost at your volume: which scenarios are measured, the arithmetic from measured to
multiplied numbers, the suggested caps, and one real offline measurement."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from agentlab.advisor.engine import Profile, recommend
from agentlab.advisor.knowledge import load_knowledge
from agentlab.advisor.measure import measure_scenario
from agentlab.advisor.volume import (
    Measured,
    Option,
    Projection,
    caps_toml,
    cost_options,
    nice_ceil,
    pricing_model,
)

KB = load_knowledge()


def rec(**answers: Any):
    return recommend(Profile.from_mapping(answers))


@pytest.mark.parametrize(
    ("answers", "scenarios"),
    [
        ({"agents": "single"},
         ["scenarios/research_question.toml", "scenarios/project_hierarchy.toml"]),
        ({"agents": "multi", "workflow": "complex-branching"},
         ["scenarios/project_hierarchy.toml", "scenarios/qa_supervisor.toml"]),
        ({"agents": "multi", "workflow": "high-value-research", "budget": "ample"},
         ["scenarios/multi_angle_review.toml", "scenarios/research_team.toml",
          "scenarios/data_pipeline.toml"]),
        ({"agents": "multi", "workflow": "high-value-research", "budget": "limited"},
         ["scenarios/multi_angle_review.toml", "scenarios/research_team.toml",
          "scenarios/data_pipeline.toml"]),
        ({"agents": "learning"},
         ["scenarios/data_pipeline.toml", "scenarios/support_desk.toml"]),
        ({"agents": "multi", "workflow": "conversational", "org": "large-enterprise",
          "departments": 5},
         ["scenarios/enterprise_desk.toml", "scenarios/project_hierarchy.toml"]),
    ],
)  # fmt: skip
def test_the_pick_and_each_alternative_with_a_scenario(
    answers: dict[str, Any], scenarios: list[str]
) -> None:
    options = cost_options(rec(**answers), KB)
    assert [o.scenario for o in options] == scenarios
    assert options[0].role == "pick"
    assert options[0].multi is (answers["agents"] != "single")


@pytest.mark.parametrize(
    ("answers", "model", "reason"),
    [
        ({}, "gpt-4o-mini", "model not stated"),
        ({"model": "gpt-4o"}, "gpt-4o", "your model"),
        ({"provider": "anthropic"}, "claude-sonnet-4-5", "agentlab's default for anthropic"),
        ({"provider": "google"}, "gemini-2.5-flash", "agentlab's default for google"),
        ({"provider": "other"}, "gpt-4o-mini", "model not stated"),
    ],
)
def test_the_model_the_projection_prices_at(answers: dict[str, Any], model: str, reason: str):
    got = pricing_model(Profile.from_mapping({"agents": "single", **answers}))
    assert got[0] == model and got[1].startswith(reason)


RUN = Measured(
    "scenarios/x.toml",
    "completed",
    steps=7,
    tool_calls=8,
    agents=3,
    input_tokens=2000,
    output_tokens=500,
    chat_input_tokens=30,
    chat_output_tokens=170,
)


@pytest.mark.parametrize(("multi", "multiplier"), [(True, 15), (False, 4)])
def test_measured_to_multiplied(multi: bool, multiplier: int) -> None:
    price = (1e-6, 4e-6)
    pr = Projection(Option("pick", "x", "scenarios/x.toml", multi), RUN, "m", price, 100)
    assert pr.multiplier == multiplier
    assert RUN.times_chat == pytest.approx(2500 / 200)
    assert pr.session_cost == pytest.approx(2000e-6 + 500 * 4e-6)
    assert pr.monthly_tokens_run == 2500 * 100 * 30
    assert pr.monthly_cost_run == pytest.approx(pr.session_cost * 3000)
    assert pr.monthly_tokens_article == 200 * multiplier * 3000
    # The article's tokens are split into input and output like the lab run (80/20).
    per_session = 200 * multiplier
    expected = (per_session * 0.8 * 1e-6 + per_session * 0.2 * 4e-6) * 3000
    assert pr.monthly_cost_article == pytest.approx(expected)


def test_without_volume_or_price_nothing_is_invented() -> None:
    pr = Projection(Option("pick", "x", "x", True), RUN, "m", None, None)
    assert pr.session_cost is None and pr.monthly_tokens_run is None
    assert pr.monthly_cost_article is None
    assert "cost_usd" not in pr.caps()


def test_caps_are_twice_the_run_rounded_up() -> None:
    pr = Projection(Option("pick", "x", "x", True), RUN, "m", (1e-6, 4e-6), 10)
    assert pr.caps() == {"total_tokens": 5000, "steps": 14, "tool_calls": 16, "cost_usd": 0.008}
    assert caps_toml(pr.caps()).splitlines() == [
        "[limits]",
        "total_tokens = 5000",
        "cost_usd = 0.008",
        "steps = 14",
        "tool_calls = 16",
    ]


@pytest.mark.parametrize(
    ("x", "expected"), [(2439, 2500), (4878, 4900), (0.000283, 0.00029), (100, 100), (0, 0)]
)
def test_nice_ceil(x: float, expected: float) -> None:
    assert nice_ceil(x) == expected


def test_measuring_a_shipped_scenario_offline() -> None:
    m = asyncio.run(measure_scenario("scenarios/data_pipeline.toml"))
    assert m.status == "completed" and m.agents == 3
    assert m.input_tokens > m.output_tokens > 0
    assert m.steps > 0 and m.tool_calls > 0
    assert 0 < m.chat_total < m.total


def test_a_scenario_that_cannot_load_is_reported_not_raised(tmp_path) -> None:
    m = asyncio.run(measure_scenario(str(tmp_path / "missing.toml")))
    assert m.status == "error" and m.error
