"""The selection advisor: knowledge, both decision trees, the one-table summary, profiles,
the questionnaire (data and questionary), rendering and the `advise` command."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import typer
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from rich.console import Console
from typer.testing import CliRunner

from agentlab.advisor import cli as advisor_cli
from agentlab.advisor import scenarios as advisor_scenarios
from agentlab.advisor.cli import advise
from agentlab.advisor.engine import Profile, ProfileError, Recommendation, recommend
from agentlab.advisor.interactive import run_questionnaire
from agentlab.advisor.knowledge import load_knowledge
from agentlab.advisor.profile import MANY_BUSINESS_UNITS
from agentlab.advisor.profile import OPTIONAL as PROFILE_OPTIONAL
from agentlab.advisor.profile import REQUIRED as PROFILE_REQUIRED
from agentlab.advisor.questions import (
    MONITORING_PREFERENCE,
    QUESTIONS,
    active_questions,
    to_profile,
)
from agentlab.advisor.render import (
    matrix_tables,
    recommendation_to_dict,
    render_recommendation,
)
from agentlab.advisor.scenarios import runnable_path, runnable_try_it

REPO = Path(__file__).resolve().parent.parent

KB = load_knowledge()

FRAMEWORK_IDS = {
    "langgraph",
    "crewai",
    "autogen",
    "openai-swarm",
    "openai-agents-sdk",
    "anthropic-orchestrator-worker",
}
MONITORING_IDS = {"langsmith", "langfuse", "arize-phoenix", "agentops", "braintrust", "maxim-ai"}
PATTERN_IDS = {"sequential", "parallel", "hierarchical", "supervisor", "supervisor-of-supervisors"}


def rec(**answers: Any) -> Recommendation:
    return recommend(Profile.from_mapping(answers))


def multi(workflow: str, **more: Any) -> dict[str, Any]:
    return {"agents": "multi", "workflow": workflow, **more}


# --- knowledge -----------------------------------------------------------------------------


def test_knowledge_ids_are_the_contract() -> None:
    assert set(KB.frameworks) == FRAMEWORK_IDS
    assert set(KB.monitoring) == MONITORING_IDS
    assert set(KB.patterns) == PATTERN_IDS


def test_knowledge_cross_references_resolve() -> None:
    for leaf in KB.framework_tree.leaves:
        assert set(leaf.picks) <= FRAMEWORK_IDS
    for leaf in KB.monitoring_tree.leaves:
        assert set(leaf.picks) <= MONITORING_IDS
    for row in KB.summary:
        assert row.framework in FRAMEWORK_IDS and row.pattern in PATTERN_IDS
        assert row.monitoring in MONITORING_IDS | {""}
    for pattern in KB.patterns.values():
        assert set(pattern.frameworks) <= FRAMEWORK_IDS
        assert KB.try_it[pattern.id].startswith("scenarios/")


def test_knowledge_keeps_the_figures_and_attribution() -> None:
    assert KB.title == "From MLOps to AgentOps: a complete guide to productionising AI agents"
    assert KB.published == "2026-02-20"
    assert "40% of enterprise applications" in KB.figure("gartner-adoption").text
    assert "57.3%" in KB.figure("langchain-production").text
    assert "about 15x" in KB.figure("tokens").text
    assert KB.frameworks["autogen"].matrix["cost_controllability"] == (
        "low (unpredictable turn count)"
    )
    assert KB.monitoring["langfuse"].overhead == "15% (can be tuned self-hosted)"
    assert KB.frameworks["openai-swarm"].experimental


# --- framework tree ------------------------------------------------------------------------

FRAMEWORK_CASES = [
    # (answers, framework, rule)
    ({"agents": "single"}, "openai-agents-sdk", "tree:single-agent"),
    ({"agents": "single", "stack": "langchain"}, "langgraph", "tree:single-agent"),
    (multi("complex-branching"), "langgraph", "tree:multi-complex-branching"),
    (multi("multi-role-prototype"), "crewai", "tree:multi-role-prototype"),
    (multi("conversational"), "autogen", "tree:multi-conversational"),
    (multi("high-value-research", budget="ample"), "anthropic-orchestrator-worker",
     "tree:multi-research"),
    (multi("high-value-research", budget="limited"), "langgraph",
     "rule:research-limited-budget"),
    ({"agents": "learning"}, "openai-swarm", "tree:learning"),
    # Many business units: the one-table summary (LangGraph + supervisor) outranks the tree.
    (multi("multi-role-prototype", org="large-enterprise", departments=3), "langgraph",
     "summary:large-multi-department"),
    (multi("complex-branching", org="large-enterprise", departments=3), "langgraph",
     "tree:multi-complex-branching"),
    # One business unit in a large enterprise follows the tree.
    (multi("conversational", org="large-enterprise", departments=1), "autogen",
     "tree:multi-conversational"),
]  # fmt: skip


@pytest.mark.parametrize(("answers", "framework", "rule"), FRAMEWORK_CASES)
def test_framework_tree(answers: dict[str, Any], framework: str, rule: str) -> None:
    r = recommend(Profile.from_mapping(answers))
    assert (r.framework, r.decided_by["framework"]) == (framework, rule)
    assert r.rationale.framework


def test_every_framework_leaf_is_reachable() -> None:
    reached = {rule.removeprefix("tree:") for _, _, rule in FRAMEWORK_CASES}
    assert {leaf.id for leaf in KB.framework_tree.leaves} <= reached


def test_tree_leaf_picks_agree_with_the_engine() -> None:
    for _answers, framework, rule in FRAMEWORK_CASES:
        if rule.startswith("tree:"):
            assert framework in KB.framework_tree.leaf(rule.removeprefix("tree:")).picks


# --- monitoring tree -----------------------------------------------------------------------

MONITORING_CASES = [
    # Stated preferences: the monitoring tree.
    ({"agents": "single", "stack": "langchain"}, "langsmith", "tree:langchain"),
    ({"agents": "single", "self_host": True}, "langfuse", "tree:self-host-limited-budget"),
    ({"agents": "single", "self_host": True, "budget": "ample"}, "langfuse",
     "tree:self-host-limited-budget"),
    ({"agents": "single", "self_host": True, "open_source": True}, "arize-phoenix",
     "tree:self-host-open-source"),
    ({"agents": "single", "open_source": True}, "arize-phoenix", "tree:self-host-open-source"),
    ({"agents": "single", "agent_specific": True}, "agentops", "tree:agent-specific"),
    # Requirements outrank ecosystem fit: LangSmith cannot be self-hosted open source.
    ({"agents": "single", "stack": "langchain", "self_host": True}, "langfuse",
     "tree:self-host-limited-budget"),
    ({"agents": "single", "stack": "langchain", "agent_specific": True}, "langsmith",
     "tree:langchain"),
    # No preference: inferred from the rest of the profile.
    (multi("complex-branching", org="large-enterprise", departments=4), "braintrust",
     "infer:large-multi-department"),
    ({"agents": "learning"}, "arize-phoenix", "infer:teaching"),
    ({"agents": "single", "org": "education"}, "arize-phoenix", "infer:teaching"),
    (multi("complex-branching"), "langsmith", "infer:langgraph-ecosystem"),
    (multi("high-value-research", budget="ample"), "arize-phoenix", "infer:research"),
    ({"agents": "single", "org": "research"}, "arize-phoenix", "infer:research"),
    (multi("conversational"), "agentops", "infer:autogen-loops"),
    ({"agents": "single", "org": "large-enterprise"}, "braintrust", "infer:enterprise"),
    (multi("multi-role-prototype"), "langfuse", "infer:small-team"),
    ({"agents": "single", "org": "mid-size"}, "langfuse", "infer:small-team"),
]  # fmt: skip


@pytest.mark.parametrize(("answers", "monitoring", "rule"), MONITORING_CASES)
def test_monitoring_tree(answers: dict[str, Any], monitoring: str, rule: str) -> None:
    r = recommend(Profile.from_mapping(answers))
    assert (r.monitoring, r.decided_by["monitoring"]) == (monitoring, rule)
    assert r.rationale.monitoring


def test_every_monitoring_leaf_is_reachable() -> None:
    reached = {rule.removeprefix("tree:") for _, _, rule in MONITORING_CASES}
    reached.add("enterprise")  # reached by inference (no "enterprise" key in the profile):
    assert rec(**multi("complex-branching", org="large-enterprise", departments=3)).monitoring in (
        KB.monitoring_tree.leaf("enterprise").picks
    )
    assert {leaf.id for leaf in KB.monitoring_tree.leaves} <= reached


def test_enterprise_suite_names_the_other_suite_as_alternative() -> None:
    r = rec(**multi("complex-branching", org="large-enterprise", departments=4))
    assert ("maxim-ai", "monitoring") in {(a.id, a.kind) for a in r.alternatives}


# --- patterns ------------------------------------------------------------------------------

PATTERN_CASES = [
    ({"agents": "single"}, "sequential", "rule:single-agent"),
    ({"agents": "learning"}, "sequential", "summary:teaching"),
    (multi("multi-role-prototype"), "sequential", "summary:quick-prototype"),
    (multi("complex-branching"), "hierarchical", "summary:complex-enterprise-workflow"),
    (multi("high-value-research"), "parallel", "summary:high-value-research"),
    (multi("conversational"), "supervisor", "rule:conversational"),
    (multi("conversational", org="large-enterprise", departments=3), "supervisor-of-supervisors",
     "summary:large-multi-department"),
    # Many business units (3 or more) mean a supervisor of supervisors in any organisation...
    (multi("conversational", org="mid-size", departments=5), "supervisor-of-supervisors",
     "summary:large-multi-department"),
    # ...and two are not many, even in a large enterprise: the workflow decides.
    (multi("conversational", org="large-enterprise", departments=2), "supervisor",
     "rule:conversational"),
]  # fmt: skip


@pytest.mark.parametrize(("answers", "pattern", "rule"), PATTERN_CASES)
def test_pattern_rules(answers: dict[str, Any], pattern: str, rule: str) -> None:
    r = recommend(Profile.from_mapping(answers))
    assert (r.pattern, r.decided_by["pattern"]) == (pattern, rule)


def test_every_pattern_is_reachable() -> None:
    assert {p for _, p, _ in PATTERN_CASES} == PATTERN_IDS


# --- many business units: one threshold for every organisation -----------------------------

WORKFLOWS = ["complex-branching", "multi-role-prototype", "conversational", "high-value-research"]
ORGS = ["startup", "mid-size", "large-enterprise", "research", "education"]


def test_many_business_units_threshold_is_three() -> None:
    assert MANY_BUSINESS_UNITS == 3


@pytest.mark.parametrize("org", ORGS)
@pytest.mark.parametrize("workflow", WORKFLOWS)
def test_many_business_units_mean_supervisor_of_supervisors(org: str, workflow: str) -> None:
    r = rec(**multi(workflow, org=org, departments=MANY_BUSINESS_UNITS, budget="ample"))
    assert (r.framework, r.pattern) == ("langgraph", "supervisor-of-supervisors")
    assert r.decided_by["pattern"] == "summary:large-multi-department"
    assert "3 or more" in r.rationale.pattern
    assert "Databricks" in r.rationale.pattern


def test_mid_size_with_twenty_units() -> None:
    r = rec(**multi("multi-role-prototype", org="mid-size", departments=20))
    assert (r.framework, r.pattern) == ("langgraph", "supervisor-of-supervisors")
    assert "20 business units" in r.rationale.pattern
    # The tree's pick for the workflow stays an option inside one unit.
    assert ("crewai", "framework") in {(a.id, a.kind) for a in r.alternatives}
    # The enterprise suite is inferred only for a large enterprise.
    assert r.monitoring == "langsmith"


@pytest.mark.parametrize("workflow", WORKFLOWS)
def test_two_units_are_not_many_even_in_a_large_enterprise(workflow: str) -> None:
    two = rec(**multi(workflow, org="large-enterprise", departments=2, budget="ample"))
    one = rec(**multi(workflow, org="large-enterprise", departments=1, budget="ample"))
    assert (two.framework, two.pattern) == (one.framework, one.pattern)
    assert two.pattern != "supervisor-of-supervisors"
    assert "2 business units" in two.rationale.pattern and "3 or more" in two.rationale.pattern
    assert ("supervisor-of-supervisors", "pattern") in {(a.id, a.kind) for a in two.alternatives}


def test_two_units_in_a_large_enterprise_complex_workflow_is_that_summary_row() -> None:
    r = rec(**multi("complex-branching", org="large-enterprise", departments=2))
    assert r.summary_row == "complex-enterprise-workflow"


@pytest.mark.parametrize("agents", ["single", "learning"])
def test_departments_do_not_change_single_agent_or_learning_picks(agents: str) -> None:
    many = rec(agents=agents, org="large-enterprise", departments=12)
    one = rec(agents=agents, org="large-enterprise", departments=1)
    assert (many.framework, many.monitoring, many.pattern) == (
        one.framework,
        one.monitoring,
        one.pattern,
    )


def test_questionnaire_asks_departments_for_any_multi_agent_org() -> None:
    for org in ORGS:
        keys = [q.key for q in active_questions({"agents": "multi", "org": org})]
        assert "departments" in keys
    assert "departments" not in [q.key for q in active_questions({"agents": "single"})]
    r = recommend(to_profile({"agents": "multi", "org": "mid-size", "departments": 5}))
    assert r.pattern == "supervisor-of-supervisors"


# --- the one-table summary -----------------------------------------------------------------

SUMMARY_CASES = [
    ("quick-prototype", multi("multi-role-prototype", org="startup"),
     ("crewai", "langfuse", "sequential")),
    ("complex-enterprise-workflow", multi("complex-branching", org="large-enterprise"),
     ("langgraph", "langsmith", "hierarchical")),
    ("large-multi-department", multi("complex-branching", org="large-enterprise", departments=6),
     ("langgraph", "braintrust", "supervisor-of-supervisors")),
    ("high-value-research", multi("high-value-research", org="research", budget="ample"),
     ("anthropic-orchestrator-worker", "arize-phoenix", "parallel")),
    # The article lists no monitoring for teaching; agentlab's documented default is Phoenix.
    ("teaching", {"agents": "learning", "org": "education"},
     ("openai-swarm", "arize-phoenix", "sequential")),
]  # fmt: skip


@pytest.mark.parametrize(("row", "answers", "picks"), SUMMARY_CASES)
def test_one_table_summary(row: str, answers: dict[str, Any], picks: tuple[str, ...]) -> None:
    r = recommend(Profile.from_mapping(answers))
    assert (r.framework, r.monitoring, r.pattern) == picks
    assert r.summary_row == row
    table_row = next(x for x in KB.summary if x.id == row)
    assert (table_row.framework, table_row.pattern) == (picks[0], picks[2])
    assert table_row.monitoring in (picks[1], "")


def test_all_summary_rows_covered() -> None:
    assert {row for row, _, _ in SUMMARY_CASES} == {r.id for r in KB.summary}


# --- guardrails, cautions, next steps, try-it ----------------------------------------------


def test_compliance_calls_for_the_guardrail_sandwich_and_approval_gates() -> None:
    r = rec(agents="single", compliance=True)
    assert r.guardrails.needed
    assert [layer.split(":")[0] for layer in r.guardrails.layers] == [
        "input",
        "reasoning",
        "output",
    ]
    assert "trust" in r.guardrails.layers[0] and "PII" in r.guardrails.layers[2]
    assert any("approval gates" in step for step in r.next_steps)
    assert "Guardrail Sandwich" in r.rationale.guardrails


def test_without_compliance_only_the_baseline_layer() -> None:
    r = rec(agents="single")
    assert not r.guardrails.needed
    assert r.guardrails.layers == ("reasoning: tool allowlist per agent + step limits",)
    assert not any("approval gates" in step for step in r.next_steps)


@pytest.mark.parametrize(
    ("answers", "needle"),
    [
        ({"agents": "learning"}, "not for production"),
        (multi("conversational"), "unpredictable"),
        (multi("multi-role-prototype"), "15x"),
        (multi("multi-role-prototype"), "single agent + solid observability"),
        ({"agents": "single"}, "single agent + observability"),
        (multi("high-value-research", budget="ample"), "token-heavy"),
        (multi("high-value-research"), "lethal trifecta"),
        ({"agents": "single", "org": "large-enterprise"}, "cancelled by the end of 2027"),
        ({"agents": "single", "agent_specific": True}, "12%"),
    ],
)
def test_cautions(answers: dict[str, Any], needle: str) -> None:
    assert any(needle in c for c in rec(**answers).cautions)


def test_next_steps_are_the_four_steps_adapted() -> None:
    r = rec(**multi("conversational"))
    assert len(r.next_steps) == 4
    assert r.next_steps[0].startswith("Add tracing") and "AgentOps.ai" in r.next_steps[0]
    assert r.next_steps[1].startswith("Write 5-10 core offline evaluation cases")
    assert r.next_steps[2].startswith("Set token budget caps") and "turns" in r.next_steps[2]
    assert r.next_steps[3].startswith("Review agent permissions")
    enterprise = rec(agents="single", org="large-enterprise", compliance=True)
    assert any("90 days" in s for s in enterprise.next_steps)


TRY_IT_CASES = [
    ({"agents": "single"}, "scenarios/research_question.toml"),
    ({"agents": "learning"}, "scenarios/data_pipeline.toml"),
    (multi("multi-role-prototype"), "scenarios/data_pipeline.toml"),
    # The pattern is parallel, so the parallel scenario; orchestrator-worker is the "also".
    (multi("high-value-research", budget="ample"), "scenarios/multi_angle_review.toml"),
    (multi("high-value-research", budget="limited"), "scenarios/multi_angle_review.toml"),
    (multi("complex-branching"), "scenarios/project_hierarchy.toml"),
    (multi("conversational"), "scenarios/qa_supervisor.toml"),
    (multi("conversational", org="large-enterprise", departments=3),
     "scenarios/enterprise_desk.toml"),
]  # fmt: skip


@pytest.mark.parametrize(("answers", "path"), TRY_IT_CASES)
def test_try_it(answers: dict[str, Any], path: str) -> None:
    r = rec(**answers)
    assert r.try_it.scenario == path
    assert r.try_it.command == f"agentlab run {path}"


@pytest.mark.parametrize(
    ("answers", "path"), [c for c in TRY_IT_CASES if c[0]["agents"] != "single"]
)
def test_try_it_scenario_shows_the_recommended_pattern(answers: dict[str, Any], path: str) -> None:
    """The scenario's first description line names the pattern the card recommends."""
    r = rec(**answers)
    scenario = tomllib.loads((REPO / path).read_text(encoding="utf-8"))
    first_line = scenario["description"].strip().splitlines()[0].lower()
    assert first_line.startswith("pattern: ")
    assert KB.patterns[r.pattern].name.lower() in first_line or r.pattern in first_line


def test_research_try_it_names_orchestrator_worker_as_the_other_scenario() -> None:
    r = rec(**multi("high-value-research", budget="ample"))
    assert (r.framework, r.pattern) == ("anthropic-orchestrator-worker", "parallel")
    assert r.try_it.scenario == "scenarios/multi_angle_review.toml"
    also = r.try_it.also
    assert also is not None and also.scenario == "scenarios/research_team.toml"
    assert also.command == "agentlab run scenarios/research_team.toml"
    assert "orchestrator-worker" in also.about and "parallel" in also.about
    assert "orchestrator-worker" in r.try_it.about
    # The pattern's reason says how the framework pick relates to the pattern.
    assert "orchestrator-worker" in r.rationale.pattern
    # Limited budget: LangGraph runs the fan-out, so no orchestrator-worker "also".
    assert rec(**multi("high-value-research", budget="limited")).try_it.also is None


def test_render_shows_the_other_scenario(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    text = _text(render_recommendation(rec(**multi("high-value-research", budget="ample"))))
    assert "agentlab run scenarios/multi_angle_review.toml" in text
    assert "agentlab run scenarios/research_team.toml" in text


# --- try-it paths that work from any directory ---------------------------------------------


def test_runnable_path_stays_relative_from_the_repo_root() -> None:
    assert runnable_path("scenarios/data_pipeline.toml", cwd=REPO) == (
        "scenarios/data_pipeline.toml"
    )


def test_runnable_path_is_absolute_from_elsewhere(tmp_path: Path) -> None:
    path = runnable_path("scenarios/data_pipeline.toml", cwd=tmp_path)
    assert Path(path).is_absolute() and Path(path).is_file()
    assert Path(path) == REPO / "scenarios" / "data_pipeline.toml"


def test_runnable_path_prefers_a_copy_in_the_current_directory(tmp_path: Path) -> None:
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "data_pipeline.toml").write_text("")
    assert runnable_path("scenarios/data_pipeline.toml", cwd=tmp_path) == (
        "scenarios/data_pipeline.toml"
    )


def test_runnable_path_leaves_unknown_paths_alone(tmp_path: Path) -> None:
    assert runnable_path("scenarios/nope.toml", cwd=tmp_path) == "scenarios/nope.toml"


def test_runnable_command_quotes_a_path_with_spaces(tmp_path: Path, monkeypatch) -> None:
    root = tmp_path / "my repo"
    (root / "scenarios").mkdir(parents=True)
    (root / "scenarios" / "x.toml").write_text("")
    monkeypatch.setattr(advisor_scenarios, "REPO_ROOT", root)
    r = rec(agents="single")
    r = replace(r, try_it=replace(r.try_it, scenario="scenarios/x.toml"))
    t = runnable_try_it(r.try_it, cwd=tmp_path)
    assert t.scenario == str(root / "scenarios" / "x.toml")
    assert t.command == f"agentlab run '{root / 'scenarios' / 'x.toml'}'"


def test_teaching_names_the_handoff_scenario_as_alternative() -> None:
    alts = rec(agents="learning").alternatives
    assert ("scenarios/support_desk.toml", "scenario") in {(a.id, a.kind) for a in alts}


def test_engine_is_pure() -> None:
    code = (
        "import sys, agentlab.advisor.engine as e; "
        "e.recommend(e.Profile(agents='single')); "
        "bad = {'textual', 'rich', 'sqlite_utils', 'questionary', 'litellm', 'typer'} & set(sys.modules); "
        "print(sorted(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- profile validation --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        (
            {"agents": "single", "budget": "huge"},
            'profile: budget: expected one of "limited", "ample", got "huge"',
        ),
        (
            {"agents": "several"},
            'profile: agents: expected one of "single", "multi", "learning", got "several"',
        ),
        ({"agents": "single", "colour": "red"}, 'profile: unknown key "colour"; allowed keys: '),
        ({"org": "startup"}, 'profile: agents: required; expected one of "single", "multi"'),
        ({"agents": "multi"}, 'profile: workflow: required when agents is "multi"'),
        (
            {"agents": "single", "compliance": "yes"},
            'profile: compliance: expected true or false, got "yes"',
        ),
        (
            {"agents": "single", "departments": 0},
            "profile: departments: expected a whole number >= 1, got 0",
        ),
        (
            {"agents": "single", "departments": True},
            "profile: departments: expected a whole number >= 1, got true",
        ),
        (
            {"agents": "single", "stack": "llamaindex"},
            'profile: stack: expected one of "langchain", "none", got "llamaindex"',
        ),
    ],
)
def test_profile_errors(answers: dict[str, Any], message: str) -> None:
    with pytest.raises(ProfileError) as info:
        Profile.from_mapping(answers)
    assert str(info.value).startswith(message)
    assert "\n" not in str(info.value)


def test_unknown_key_lists_every_allowed_key() -> None:
    with pytest.raises(ProfileError) as info:
        Profile.from_mapping({"agents": "single", "colour": "red"})
    for key in Profile.field_names():
        assert f'"{key}"' in str(info.value)


def test_profile_accepts_json_null_for_optional_keys() -> None:
    p = Profile.from_mapping({"agents": "single", "stack": None, "self_host": None})
    assert (p.stack, p.self_host) == ("none", False)


def test_profile_file_contract_requires_the_non_optional_keys() -> None:
    rest = {"org": "startup", "departments": 1, "compliance": False, "budget": "limited"}
    with pytest.raises(ProfileError, match=r"^profile: org: required; expected one of"):
        Profile.from_mapping({"agents": "single"}, complete=True)
    for agents in ("single", "learning"):
        assert Profile.from_mapping({"agents": agents, **rest}, complete=True).agents == agents
    with pytest.raises(ProfileError, match=r'^profile: workflow: required when agents is "multi"'):
        Profile.from_mapping({"agents": "multi", **rest}, complete=True)
    # Without `complete` (the questionnaire, library use) the documented defaults fill in.
    assert Profile.from_mapping({"agents": "single"}).budget == "limited"


def test_required_and_optional_keys_are_the_whole_contract() -> None:
    assert set(PROFILE_REQUIRED) | set(PROFILE_OPTIONAL) == set(Profile.field_names())
    assert not set(PROFILE_REQUIRED) & set(PROFILE_OPTIONAL)
    with pytest.raises(ProfileError, match=r'^profile: agents: expected one of .*got "several"'):
        Profile.from_mapping({"agents": "several"}, complete=True)


@pytest.mark.parametrize("agents", ["single", "learning"])
def test_workflow_is_rejected_unless_multi(agents: str) -> None:
    for complete in (False, True):
        with pytest.raises(ProfileError) as info:
            Profile.from_mapping(
                {"agents": agents, "workflow": "conversational", "org": "startup",
                 "departments": 1, "compliance": False, "budget": "limited"},
                complete=complete,
            )  # fmt: skip
        assert str(info.value).startswith(
            f'profile: workflow: only read when agents is "multi" (agents is "{agents}")'
        )
    # JSON null means "not given", so it is fine.
    assert Profile.from_mapping({"agents": agents, "workflow": None}).workflow is None


def test_profile_rejects_non_table() -> None:
    with pytest.raises(ProfileError, match="expected a table"):
        Profile.from_mapping(["agents"])


# --- the questionnaire as data -------------------------------------------------------------


def test_questions_cover_profile_keys() -> None:
    keys = {q.key for q in QUESTIONS} - {MONITORING_PREFERENCE}
    assert keys <= set(Profile.field_names())
    for q in QUESTIONS:
        assert q.prompt and q.help and "\n" not in q.help
        assert q.default in [c.value for c in q.choices]


@pytest.mark.parametrize(
    ("answers", "keys"),
    [
        ({"agents": "learning"}, ["agents", MONITORING_PREFERENCE]),
        ({"agents": "single"}, ["agents", "org", "compliance", MONITORING_PREFERENCE]),
        (
            {"agents": "multi", "org": "large-enterprise"},
            ["agents", "workflow", "org", "departments", "compliance", "budget",
             MONITORING_PREFERENCE],
        ),
        (
            {"agents": "multi", MONITORING_PREFERENCE: "self-host"},
            ["agents", "workflow", "org", "departments", "compliance", "budget",
             MONITORING_PREFERENCE, "open_source"],
        ),
    ],
)  # fmt: skip
def test_only_the_questions_on_the_branch(answers: dict[str, Any], keys: list[str]) -> None:
    assert [q.key for q in active_questions(answers)] == keys


def test_every_question_is_reachable() -> None:
    asked = set()
    for answers in (
        {"agents": "multi", "org": "large-enterprise", MONITORING_PREFERENCE: "self-host"},
        {"agents": "learning"},
    ):
        asked |= {q.key for q in active_questions(answers)}
    assert asked == {q.key for q in QUESTIONS}


def test_to_profile_maps_preference_and_drops_stale_answers() -> None:
    answers = {
        "agents": "single",
        "workflow": "conversational",  # left over from the multi branch
        "departments": 7,
        MONITORING_PREFERENCE: "self-host",
        "open_source": True,
    }
    p = to_profile(answers)
    assert (p.agents, p.workflow, p.departments) == ("single", None, 1)
    assert (p.self_host, p.open_source, p.stack) == (True, True, "none")
    assert to_profile({"agents": "single", MONITORING_PREFERENCE: "langchain"}).stack == (
        "langchain"
    )
    assert to_profile({"agents": "single", MONITORING_PREFERENCE: "agent-specific"}).agent_specific


def test_every_choice_is_a_valid_profile() -> None:
    base = {"agents": "multi", "org": "large-enterprise", MONITORING_PREFERENCE: "self-host"}
    for q in QUESTIONS:
        for c in q.choices:
            recommend(to_profile({**base, q.key: c.value}))


# --- questionary, driven through a pipe ----------------------------------------------------

DOWN, ENTER = "\x1b[B", "\r"


def test_questionnaire_defaults_to_a_single_agent() -> None:
    with create_pipe_input() as inp:
        inp.send_text(ENTER * 4)
        answers = run_questionnaire(input=inp, output=DummyOutput())
    assert answers == {
        "agents": "single",
        "org": "startup",
        "compliance": False,
        MONITORING_PREFERENCE: "none",
    }
    assert recommend(to_profile(answers)).framework == "openai-agents-sdk"


def test_questionnaire_flow_to_a_recommendation() -> None:
    with create_pipe_input() as inp:
        inp.send_text(
            DOWN + ENTER  # agents: several collaborating agents
            + "k" + ENTER  # workflow: up from the default to complex branching
            + DOWN * 2 + ENTER  # org: large enterprise
            + DOWN * 3 + ENTER  # departments: 5
            + DOWN + ENTER  # compliance: yes
            + ENTER  # budget: limited
            + ENTER  # monitoring preference: none
        )  # fmt: skip
        answers = run_questionnaire(input=inp, output=DummyOutput())
    r = recommend(to_profile(answers))
    assert (r.framework, r.monitoring, r.pattern) == (
        "langgraph",
        "braintrust",
        "supervisor-of-supervisors",
    )
    assert r.guardrails.needed


def test_questionnaire_asks_open_source_only_after_self_host() -> None:
    with create_pipe_input() as inp:
        inp.send_text(
            DOWN * 2 + ENTER  # agents: learning
            + DOWN * 2 + ENTER  # monitoring: self-host
            + DOWN + ENTER  # fully open source: yes
        )  # fmt: skip
        answers = run_questionnaire(input=inp, output=DummyOutput())
    assert recommend(to_profile(answers)).monitoring == "arize-phoenix"


def test_questionnaire_ctrl_c_raises() -> None:
    with create_pipe_input() as inp, pytest.raises(KeyboardInterrupt):
        inp.send_text("\x03")
        run_questionnaire(input=inp, output=DummyOutput())


# --- rendering -----------------------------------------------------------------------------


def _text(renderable: Any, width: int = 100) -> str:
    console = Console(width=width, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(renderable)
    return console.export_text()


def test_render_recommendation_shows_picks_matrix_and_try_it() -> None:
    r = rec(**multi("multi-role-prototype"), compliance=True)
    text = _text(render_recommendation(r))
    for needle in (
        "CrewAI",
        "Langfuse",
        "Sequential",
        "Frameworks in play",
        "cost controllability",
        "LangGraph",  # the alternative's matrix column
        "Guardrail Sandwich: called for",
        "Cautions",
        "Next steps",
        "agentlab run scenarios/data_pipeline.toml",
        "quick prototype / small team",
        "2026-02-20",
    ):
        assert needle in text, needle


def test_render_marks_frameworks_outside_the_matrix() -> None:
    text = _text(render_recommendation(rec(agents="single")))
    assert "OpenAI Agents SDK" in text and "not in the article's matrix" in text


def test_matrix_tables() -> None:
    text = "\n".join(_text(t, width=160) for t in matrix_tables())
    for needle in ("LangGraph", "OpenAI Swarm", "low (experimental)", "AgentOps.ai", "12%"):
        assert needle in text
    assert "Supervisor of supervisors" in text


def test_recommendation_to_dict_is_json() -> None:
    data = recommendation_to_dict(rec(**multi("conversational")))
    assert json.loads(json.dumps(data)) == data
    assert data["rationale"].keys() == {"framework", "monitoring", "pattern", "guardrails"}
    assert data["alternatives"][0].keys() == {"id", "kind", "when"}


# --- the `advise` command ------------------------------------------------------------------


@pytest.fixture
def app() -> typer.Typer:
    app = typer.Typer()
    app.command("advise")(advise)

    @app.command("other")
    def other() -> None:  # a second command, so `advise` stays a subcommand
        pass

    return app


runner = CliRunner()
JSON_KEYS = {
    "framework",
    "monitoring",
    "pattern",
    "guardrails",
    "rationale",
    "alternatives",
    "cautions",
    "next_steps",
    "try_it",
}


# The rest of a complete profile file (every key the contract does not mark optional).
REST_TOML = 'departments = 1\ncompliance = false\nbudget = "limited"\n'
REST = {"org": "startup", "departments": 1, "compliance": False, "budget": "limited"}


def test_cli_profile_toml_json(
    app: typer.Typer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)  # from the repo root the command stays relative
    path = tmp_path / "p.toml"
    path.write_text(
        'agents = "multi"\nworkflow = "complex-branching"\norg = "mid-size"\n' + REST_TOML
    )
    result = runner.invoke(app, ["advise", "--profile", str(path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data.keys() >= JSON_KEYS
    assert (data["framework"], data["monitoring"], data["pattern"]) == (
        "langgraph",
        "langsmith",
        "hierarchical",
    )
    assert data["guardrails"] == {
        "needed": False,
        "layers": ["reasoning: tool allowlist per agent + step limits"],
    }
    assert data["try_it"]["command"] == "agentlab run scenarios/project_hierarchy.toml"


def test_cli_profile_json_and_profile_table(app: typer.Typer, tmp_path: Path) -> None:
    j = tmp_path / "p.json"
    j.write_text(json.dumps({"agents": "learning", **REST}))
    t = tmp_path / "p.toml"
    t.write_text('[profile]\nagents = "learning"\norg = "education"\n' + REST_TOML)
    for path in (j, t):
        result = runner.invoke(app, ["advise", "--profile", str(path), "--json"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["framework"] == "openai-swarm"


def test_cli_renders_panels(
    app: typer.Typer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    path = tmp_path / "p.toml"
    path.write_text('agents = "single"\norg = "startup"\n' + REST_TOML)
    result = runner.invoke(app, ["advise", "--profile", str(path)])
    assert result.exit_code == 0
    assert "Recommendation" in result.stdout
    assert "agentlab run scenarios/research_question.toml" in result.stdout


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bad.toml", 'agents = "single"\norg = "startup"\ndepartments = 1\n'
         'compliance = false\nbudget = "huge"\n',
         'profile: budget: expected one of "limited", "ample", got "huge"'),
        ("unknown.toml", 'agents = "single"\nteam = 3\n', 'profile: unknown key "team"'),
        # The contract's non-optional keys are required in a file.
        ("single.toml", 'agents = "single"\n',
         'profile: org: required; expected one of "startup", "mid-size", "large-enterprise", '
         '"research", "education"'),
        ("nodeps.toml", 'agents = "single"\norg = "startup"\ncompliance = false\n'
         'budget = "limited"\n',
         "profile: departments: required; expected a whole number >= 1"),
        ("nocompliance.toml", 'agents = "single"\norg = "startup"\ndepartments = 1\n'
         'budget = "limited"\n',
         "profile: compliance: required; expected true or false"),
        ("nobudget.toml", 'agents = "single"\norg = "startup"\ndepartments = 1\n'
         'compliance = false\n',
         'profile: budget: required; expected one of "limited", "ample"'),
        ("noworkflow.toml", 'agents = "multi"\norg = "startup"\n' + REST_TOML,
         'profile: workflow: required when agents is "multi"; expected one of '
         '"complex-branching", "multi-role-prototype", "conversational", "high-value-research"'),
        ("stray.toml", 'agents = "single"\nworkflow = "conversational"\norg = "startup"\n'
         + REST_TOML, 'profile: workflow: only read when agents is "multi"'),
        ("nulls.json", json.dumps({"agents": "single", **REST, "budget": None}),
         'profile: budget: required; expected one of "limited", "ample"'),
        ("agents.json", json.dumps(REST), 'profile: agents: required; expected one of'),
        ("broken.toml", "agents = \n", "invalid TOML"),
        ("broken.json", "{", "invalid JSON"),
        ("list.json", "[1]", "expected a table"),
        ("p.yaml", "agents: single", "expected a .toml or .json profile file"),
    ],
)  # fmt: skip
def test_cli_bad_profile_exits_2(
    app: typer.Typer, tmp_path: Path, name: str, content: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(content)
    result = runner.invoke(app, ["advise", "--profile", str(path)])
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]
    assert "Traceback" not in result.output


def test_cli_missing_keys_are_named_on_one_line(app: typer.Typer, tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text('agents = "single"\ncompliance = true\n')
    result = runner.invoke(app, ["advise", "--profile", str(path)])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f'error: {path}: profile: org: required; expected one of "startup", "mid-size", '
        '"large-enterprise", "research", "education" (also missing: departments, budget)'
    ]


def test_cli_optional_keys_may_be_left_out(app: typer.Typer, tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"agents": "single", **REST, "stack": None}))
    result = runner.invoke(app, ["advise", "--profile", str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["profile"]["stack"] == "none"


def test_cli_profile_from_another_directory_prints_a_runnable_path(
    app: typer.Typer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"agents": "multi", "workflow": "high-value-research",
                                **REST, "budget": "ample"}))  # fmt: skip
    result = runner.invoke(app, ["advise", "--profile", str(path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    shipped = REPO / "scenarios" / "multi_angle_review.toml"
    assert data["try_it"]["scenario"] == str(shipped)
    assert data["try_it"]["command"] == f"agentlab run {shipped}"
    assert data["try_it"]["also"]["command"] == (
        f"agentlab run {REPO / 'scenarios' / 'research_team.toml'}"
    )
    card = runner.invoke(app, ["advise", "--profile", str(path)], env={"COLUMNS": "400"})
    assert card.exit_code == 0, card.output
    assert f"agentlab run {shipped}" in card.stdout
    assert "agentlab run scenarios/" not in card.stdout


def test_cli_profile_with_matrix_is_an_error(app: typer.Typer, tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text('agents = "single"\norg = "startup"\n' + REST_TOML)
    for extra in ([], ["--json"]):
        result = runner.invoke(app, ["advise", "--profile", str(path), "--matrix", *extra])
        assert result.exit_code == 2
        assert result.stdout == ""
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ")
        assert "--matrix" in lines[0] and "--profile" in lines[0]


def test_cli_missing_profile_file(app: typer.Typer, tmp_path: Path) -> None:
    result = runner.invoke(app, ["advise", "--profile", str(tmp_path / "nope.toml")])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: cannot read profile")
    assert len(result.stderr.splitlines()) == 1


def test_cli_without_tty_exits_2(app: typer.Typer) -> None:
    result = runner.invoke(app, ["advise"], input="")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "needs a terminal" in result.stderr and "--profile" in result.stderr


def test_cli_matrix(app: typer.Typer) -> None:
    result = runner.invoke(app, ["advise", "--matrix"])
    assert result.exit_code == 0
    for needle in ("Framework comparison matrix", "Monitoring tools", "Orchestration patterns"):
        assert needle in result.stdout
    result = runner.invoke(app, ["advise", "--matrix", "--json"])
    data = json.loads(result.stdout)
    assert {f["id"] for f in data["frameworks"]} == FRAMEWORK_IDS


def test_cli_interactive_through_a_pipe(app: typer.Typer, monkeypatch: pytest.MonkeyPatch) -> None:
    with create_pipe_input() as inp:
        inp.send_text(DOWN * 2 + ENTER + ENTER)  # learning, no monitoring preference
        monkeypatch.setattr(advisor_cli, "_stdin_is_tty", lambda: True)
        monkeypatch.setattr(
            advisor_cli, "_prompt_io", lambda: {"input": inp, "output": DummyOutput()}
        )
        result = runner.invoke(app, ["advise", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["framework"], data["pattern"]) == ("openai-swarm", "sequential")


def test_cli_interactive_cancelled(app: typer.Typer, monkeypatch: pytest.MonkeyPatch) -> None:
    with create_pipe_input() as inp:
        inp.send_text("\x03")
        monkeypatch.setattr(advisor_cli, "_stdin_is_tty", lambda: True)
        monkeypatch.setattr(
            advisor_cli, "_prompt_io", lambda: {"input": inp, "output": DummyOutput()}
        )
        result = runner.invoke(app, ["advise"])
    assert result.exit_code == 130
    assert result.stderr == "error: cancelled\n"
