"""The advisor's questionnaire: the questions as data, a progress count that never grows, and
the terminal version (questionary) with back navigation and help wrapped at word boundaries."""

from __future__ import annotations

import itertools
import random
from typing import Any

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from agentlab.advisor.answers import to_answers
from agentlab.advisor.engine import Profile, recommend
from agentlab.advisor.interactive import run_questionnaire, wrapped_help
from agentlab.advisor.questions import (
    BY_KEY,
    MODEL_CHOICE,
    MONITORING_PREFERENCE,
    QUESTIONS,
    STEPS,
    active_questions,
    progress,
    to_profile,
)

DOWN, UP, ENTER = "\x1b[B", "\x1b[A", "\r"
VIRTUAL = {MONITORING_PREFERENCE, MODEL_CHOICE}


def test_questions_cover_profile_keys() -> None:
    keys = {q.key for q in QUESTIONS} - VIRTUAL
    assert keys <= set(Profile.field_names())
    for q in QUESTIONS:
        assert q.prompt and q.help and "\n" not in q.help
        assert q.default in [c.value for c in q.choices]
        assert q.step in STEPS
        order = [x.key for x in QUESTIONS]
        assert all(order.index(k) < order.index(q.key) for k in q.reads)


@pytest.mark.parametrize(
    ("answers", "keys"),
    [
        ({"agents": "learning"}, ["agents", "language", "role", MONITORING_PREFERENCE]),
        ({"agents": "single"},
         ["agents", "role", "org", "compliance", "private_data", MODEL_CHOICE,
          "sessions_per_day", MONITORING_PREFERENCE]),
        ({"agents": "multi", "org": "large-enterprise"},
         ["agents", "workflow", "language", "role", "org", "departments", "compliance", "private_data",
          "budget", MODEL_CHOICE, "sessions_per_day", MONITORING_PREFERENCE]),
        # Many units outside a large enterprise: is it one platform?
        ({"agents": "multi", "org": "mid-size", "departments": 5},
         ["agents", "workflow", "language", "role", "org", "departments", "platform", "compliance",
          "private_data", "budget", MODEL_CHOICE, "sessions_per_day", MONITORING_PREFERENCE]),
        # The trifecta: each leg asked only while the others are there.
        ({"agents": "single", "private_data": True, "untrusted_input": True},
         ["agents", "role", "org", "compliance", "private_data", "untrusted_input",
          "exfiltration", MODEL_CHOICE, "sessions_per_day", MONITORING_PREFERENCE]),
        ({"agents": "learning", MONITORING_PREFERENCE: "self-host"},
         ["agents", "language", "role", MONITORING_PREFERENCE, "open_source", "tooling_budget"]),
        ({"agents": "learning", MONITORING_PREFERENCE: "all-in-one"},
         ["agents", "language", "role", MONITORING_PREFERENCE, "tooling_budget"]),
    ],
)  # fmt: skip
def test_only_the_questions_on_the_branch(answers: dict[str, Any], keys: list[str]) -> None:
    assert [q.key for q in active_questions(answers)] == keys


def test_every_question_is_reachable() -> None:
    asked = set()
    for answers in (
        {"agents": "multi", "org": "mid-size", "departments": 5, "private_data": True,
         "untrusted_input": True, MONITORING_PREFERENCE: "self-host"},
        {"agents": "learning"},
    ):  # fmt: skip
        asked |= {q.key for q in active_questions(answers)}
    assert asked == {q.key for q in QUESTIONS}


def _walk(seed: int) -> list[tuple[int, int]]:
    """Answer at random, recording (number, at most) at each question."""
    rng = random.Random(seed)
    answers: dict[str, Any] = {}
    seen = []
    for q in QUESTIONS:
        if q not in active_questions(answers):
            continue
        where = progress(answers, q)
        seen.append((where.number, where.at_most))
        answers[q.key] = rng.choice(q.choices).value
    return seen


@pytest.mark.parametrize("seed", range(60))
def test_the_progress_count_never_grows(seed: int) -> None:
    seen = _walk(seed)
    numbers = [n for n, _ in seen]
    limits = [m for _, m in seen]
    assert numbers == list(range(1, len(seen) + 1))
    assert all(b <= a for a, b in itertools.pairwise(limits)), limits
    # The last question over-counts only the follow-ups its own answer decides.
    assert limits[-1] - numbers[-1] <= 2
    assert all(n <= m for n, m in seen)


def test_progress_label_names_the_step() -> None:
    first = progress({}, QUESTIONS[0])
    assert first.label == f"Question 1 of at most {first.at_most} · What you build"
    last = progress(
        {"agents": "learning", "role": None, MONITORING_PREFERENCE: "all-in-one"},
        BY_KEY["tooling_budget"],
    )
    assert last.label == "Question 5, the last · Monitoring"


def test_to_profile_maps_the_virtual_questions_and_drops_stale_answers() -> None:
    answers = {
        "agents": "single",
        "workflow": "conversational",  # left over from the multi branch
        "departments": 7,
        MONITORING_PREFERENCE: "self-host",
        "open_source": True,
        MODEL_CHOICE: "claude-sonnet-4-5",
    }
    p = to_profile(answers)
    assert (p.agents, p.workflow, p.departments) == ("single", None, 1)
    assert (p.self_host, p.open_source, p.stack) == (True, True, "none")
    assert (p.model, p.model_provider) == ("claude-sonnet-4-5", "anthropic")
    assert to_profile({"agents": "single", MONITORING_PREFERENCE: "langchain"}).stack == (
        "langchain"
    )
    assert to_profile({"agents": "single", MONITORING_PREFERENCE: "all-in-one"}).all_in_one
    assert to_profile({"agents": "single", MODEL_CHOICE: "other"}).provider == "other"
    assert to_profile({"agents": "single", MODEL_CHOICE: "undecided"}).model is None


@pytest.mark.parametrize(
    "profile",
    [
        Profile(agents="single", org="mid-size", all_in_one=True, model="gpt-4o"),
        Profile(agents="multi", workflow="conversational", departments=5, platform=True,
                role="tech-lead", private_data=True, untrusted_input=True, exfiltration=True,
                sessions_per_day=1000),
        Profile(agents="learning", self_host=True, open_source=True),
    ],
)  # fmt: skip
def test_answers_round_trip(profile: Profile) -> None:
    assert to_profile(to_answers(profile)) == profile


def test_every_choice_is_a_valid_profile() -> None:
    base = {"agents": "multi", "org": "large-enterprise", MONITORING_PREFERENCE: "self-host"}
    for q in QUESTIONS:
        for c in q.choices:
            recommend(to_profile({**base, q.key: c.value}))


# --- questionary, driven through a pipe ----------------------------------------------------


def ask(keys: str) -> dict[str, Any]:
    with create_pipe_input() as inp:
        inp.send_text(keys)
        return run_questionnaire(input=inp, output=DummyOutput())


def test_questionnaire_defaults_to_a_single_agent() -> None:
    answers = ask(ENTER * 8)
    assert answers == {
        "agents": "single",
        "role": None,
        "org": "startup",
        "compliance": False,
        "private_data": False,
        MODEL_CHOICE: "undecided",
        "sessions_per_day": 100,
        MONITORING_PREFERENCE: "none",
    }
    assert recommend(to_profile(answers)).framework == "openai-agents-sdk"


def test_questionnaire_flow_to_a_recommendation() -> None:
    answers = ask(
        DOWN + ENTER  # agents: several collaborating agents
        + UP + ENTER  # workflow: up from the default to complex branching
        + ENTER  # language: Python
        + UP * 3 + ENTER  # role: up from "rather not say" to the engineer
        + DOWN * 2 + ENTER  # org: large enterprise
        + DOWN * 3 + ENTER  # departments: 5
        + DOWN + ENTER  # compliance: yes
        + ENTER  # private data: no
        + ENTER  # budget: limited
        + ENTER  # model: undecided
        + ENTER  # sessions a day: 100
        + ENTER  # monitoring preference: none
    )  # fmt: skip
    r = recommend(to_profile(answers))
    assert (r.framework, r.monitoring, r.pattern) == (
        "langgraph",
        "braintrust",
        "supervisor-of-supervisors",
    )
    assert r.guardrails.needed and r.profile.role == "engineer"


def test_back_re_asks_the_previous_question_with_its_answer() -> None:
    answers = ask(
        DOWN + ENTER  # agents: multi
        + UP * 2 + ENTER  # workflow: up past the first choice to "← Back"
        + DOWN + ENTER  # agents again, "multi" preselected: down to learning
        + ENTER * 3  # language, role, monitoring
    )  # fmt: skip
    assert answers["agents"] == "learning"
    assert to_profile(answers).agents == "learning"


def test_questionnaire_asks_the_trifecta_legs_in_turn() -> None:
    answers = ask(
        ENTER * 4  # single, role, org, compliance
        + DOWN + ENTER  # private data: yes
        + DOWN + ENTER  # untrusted input: yes
        + DOWN + ENTER  # a way out: yes
        + ENTER * 3  # model, sessions, monitoring
    )  # fmt: skip
    r = recommend(to_profile(answers))
    assert r.guardrails.needed and "lethal trifecta" in r.rationale.guardrails


def test_questionnaire_ctrl_c_raises() -> None:
    with create_pipe_input() as inp, pytest.raises(KeyboardInterrupt):
        inp.send_text("\x03")
        run_questionnaire(input=inp, output=DummyOutput())


@pytest.mark.parametrize("width", [40, 60, 80])
@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: q.key)
def test_help_wraps_at_word_boundaries(question: Any, width: int) -> None:
    text = wrapped_help(question, width)
    lines = text.splitlines()
    assert all(len(line) < width for line in lines)
    assert " ".join(line.strip() for line in lines) == question.help
