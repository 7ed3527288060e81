"""`agentlab advise`: profile files and their errors, --set (what flips), --format md and -o
(the decision record and the reusable profile), --matrix at 80 columns with the trees, the
cost at your volume, and the questionnaire through a pipe."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import typer
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from typer.testing import CliRunner

from agentlab.advisor import cli as advisor_cli
from agentlab.advisor.cli import advise
from agentlab.advisor.knowledge import load_knowledge
from agentlab.cli import app as agentlab_app

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
DOWN, ENTER = "\x1b[B", "\r"


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


def test_cli_interactive_through_a_pipe(app: typer.Typer, monkeypatch: pytest.MonkeyPatch) -> None:
    with create_pipe_input() as inp:
        inp.send_text(DOWN * 2 + ENTER * 4)  # learning, Python, no role, no preference
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


def _profile(tmp_path: Path, answers: dict[str, Any], name: str = "p.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(answers))
    return path


MID_SIZE = {
    "agents": "multi",
    "workflow": "complex-branching",
    "org": "mid-size",
    "departments": 4,
    "compliance": True,
    "budget": "limited",
}


# --- --set: what flips ---------------------------------------------------------------------

FLIPS = [
    # (base, sets, the picks that flip: {pick: (was, now)})
    ({**MID_SIZE, "org": "large-enterprise"}, ["departments=2"],
     {"monitoring": ("braintrust", "langsmith"),
      "pattern": ("supervisor-of-supervisors", "hierarchical")}),
    (MID_SIZE, ["org=large-enterprise"],
     {"monitoring": ("langsmith", "braintrust"),
      "pattern": ("hierarchical", "supervisor-of-supervisors")}),
    (MID_SIZE, ["platform=true"],
     {"monitoring": ("langsmith", "braintrust"),
      "pattern": ("hierarchical", "supervisor-of-supervisors")}),
    (MID_SIZE, ["compliance=false"], {"guardrails": ("sandwich", "baseline")}),
    (MID_SIZE, ["workflow=multi-role-prototype"],
     {"framework": ("langgraph", "crewai"), "monitoring": ("langsmith", "langfuse"),
      "pattern": ("hierarchical", "sequential")}),
    (MID_SIZE, ["agents=single"],
     {"framework": ("langgraph", "openai-agents-sdk"), "monitoring": ("langsmith", "langfuse"),
      "pattern": ("hierarchical", "sequential")}),
    (MID_SIZE, ["role=engineer", "model=claude-sonnet-4-5"], {}),
    ({**MID_SIZE, "compliance": False}, ["private_data=yes", "untrusted_input=yes",
                                          "exfiltration=yes"],
     {"guardrails": ("baseline", "sandwich")}),
]  # fmt: skip


@pytest.mark.parametrize(("base", "sets", "expected"), FLIPS)
def test_set_shows_what_flips(
    app: typer.Typer,
    tmp_path: Path,
    base: dict[str, Any],
    sets: list[str],
    expected: dict[str, tuple[str, str]],
) -> None:
    args = ["advise", "--profile", str(_profile(tmp_path, base)), "--json"]
    for item in sets:
        args += ["--set", item]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {f["pick"]: (f["before"], f["after"]) for f in data["flips"]} == expected
    assert data["changed"]  # the answers that changed are named


def test_set_card_shows_the_new_card_and_the_flips_table(app: typer.Typer, tmp_path: Path) -> None:
    path = _profile(tmp_path, {**MID_SIZE, "org": "large-enterprise"})
    result = runner.invoke(
        app, ["advise", "--profile", str(path), "--set", "departments=2"], env={"COLUMNS": "100"}
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "What flips" in out and "departments: 4 → 2" in out
    assert re.search(r"pattern\s+Supervisor of supervisors\s+Hierarchical", out)
    assert out.index("What flips") < out.index("Recommendation")


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("departments=abc", "--set departments=abc: profile: departments: expected a whole number"),
        ("colour=red", "--set colour=red: unknown key 'colour'; allowed keys: agents, workflow"),
        ("departments", "--set departments: expected KEY=VALUE"),
        ("role=ceo", 'profile: role: expected one of "engineer", "tech-lead", "decision-maker"'),
        ("agents=multi", None),  # fine: the base has a workflow
        ("workflow=none", 'profile: workflow: required when agents is "multi"'),
    ],
)
def test_set_errors_are_one_line(
    app: typer.Typer, tmp_path: Path, item: str, message: str | None
) -> None:
    path = _profile(tmp_path, MID_SIZE)
    result = runner.invoke(app, ["advise", "--profile", str(path), "--set", item, "--json"])
    if message is None:
        assert result.exit_code == 0, result.output
        return
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], lines
    assert result.stdout == ""


def test_set_from_single_to_multi_names_the_missing_workflow(app: typer.Typer, tmp_path) -> None:
    path = _profile(tmp_path, {"agents": "single", **REST})
    result = runner.invoke(app, ["advise", "--profile", str(path), "--set", "agents=multi"])
    assert result.exit_code == 2
    assert str(path) in result.stderr and "workflow: required" in result.stderr
    ok = runner.invoke(
        app,
        ["advise", "--profile", str(path), "--set", "agents=multi", "--set",
         "workflow=conversational", "--json"],
    )  # fmt: skip
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["framework"] == "autogen"


# --- --format md and -o: the decision record -----------------------------------------------


def test_decision_record_and_reusable_profile(
    app: typer.Typer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    answers = {**MID_SIZE, "role": "tech-lead", "private_data": True}
    path = _profile(tmp_path, answers, "answers.json")
    result = runner.invoke(
        app, ["advise", "--profile", str(path), "--format", "md", "-o", "decision.md"]
    )
    assert result.exit_code == 0, result.output
    assert "decision.md" in result.stdout and "decision.profile.toml" in result.stdout
    md = (tmp_path / "decision.md").read_text()
    for heading in ("# Decision: LangGraph + LangSmith + Hierarchical", "## Context",
                    "## Decision", "## Alternatives considered", "## Consequences",
                    "## Sources"):  # fmt: skip
        assert heading in md, heading
    assert "| `departments` | 4 |" in md and "| `role` | A tech lead or architect |" in md
    assert "Because you answered" in md and "The article: " in md
    assert "Guardrail Sandwich" in md and KB.attribution in md
    assert "agentlab advise --profile" in md and "decision.profile.toml" in md
    # The profile file reproduces the answers, and the same card.
    saved = tomllib.loads((tmp_path / "decision.profile.toml").read_text())["profile"]
    assert saved == answers
    again = runner.invoke(app, ["advise", "--profile", "decision.profile.toml", "--json"])
    first = runner.invoke(app, ["advise", "--profile", str(path), "--json"])
    assert json.loads(again.stdout) == json.loads(first.stdout)


def test_decision_record_keeps_the_note_apart_and_dated(app: typer.Typer, tmp_path: Path) -> None:
    path = _profile(tmp_path, {**MID_SIZE, "workflow": "conversational"})
    result = runner.invoke(app, ["advise", "--profile", str(path), "--format", "md"])
    assert result.exit_code == 0, result.output
    md = result.stdout
    sources = md.index("## Sources")
    note = md.index("### Since the article: agentlab's note, checked November 2026")
    assert sources < note
    assert "maintenance mode" in md[note:]
    assert "learn.microsoft.com/agent-framework/migration-guide/from-autogen" in md[note:]
    decision = md[md.index("## Decision") : md.index("## Alternatives")]
    assert "maintenance" not in decision


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "xml"], "--format: expected one of card, md, json, got 'xml'"),
        (["--json", "--format", "md"], "--json and --format md disagree"),
        (["--matrix", "--set", "departments=2"], "--matrix prints the reference tables"),
        (["-o", "/nonexistent/dir/out.md", "--format", "md"], "cannot write /nonexistent/dir"),
    ],
)
def test_bad_flags_are_one_line(
    app: typer.Typer, tmp_path: Path, args: list[str], message: str
) -> None:
    path = _profile(tmp_path, MID_SIZE)
    result = runner.invoke(app, ["advise", "--profile", str(path), *args])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and message in lines[0], lines


def test_bad_flag_through_the_real_cli_is_one_line(tmp_path: Path) -> None:
    result = runner.invoke(agentlab_app, ["advise", "--cost=maybe"])
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("error: ")


def test_output_file_for_the_card_and_json(app: typer.Typer, tmp_path: Path) -> None:
    path = _profile(tmp_path, MID_SIZE)
    card = tmp_path / "card.txt"
    result = runner.invoke(app, ["advise", "--profile", str(path), "-o", str(card)])
    assert result.exit_code == 0, result.output
    text = card.read_text()
    assert "LangGraph · LangSmith · Hierarchical · Guardrail Sandwich" in text
    assert "\x1b[" not in text  # plain text in a file
    out = tmp_path / "r.json"
    assert (
        runner.invoke(app, ["advise", "--profile", str(path), "--json", "-o", str(out)]).exit_code
        == 0
    )
    assert json.loads(out.read_text())["pattern"] == "hierarchical"


# --- --matrix: readable at 80 columns, the trees, your path --------------------------------


def _cells() -> list[str]:
    out = [f.cell(key) for f in KB.frameworks.values() if f.matrix for key, _ in KB.dimensions]
    for t in KB.monitoring.values():
        out += [t.name, t.type, *t.features, t.overhead, t.open_source, t.fits]
    for p in KB.patterns.values():
        out += [p.name, p.fits]
    return out


@pytest.mark.parametrize("width", [80, 120])
def test_matrix_never_cuts_a_value(app: typer.Typer, width: int) -> None:
    result = runner.invoke(app, ["advise", "--matrix"], env={"COLUMNS": str(width)})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= width
    assert "…" not in result.stdout
    words = {w.strip(',."') for w in result.stdout.split()}
    for cell in _cells():
        for word in cell.split():
            assert word.strip(',."') in words, (cell, word)  # whole words: wrapped, never cut
    for title in ("Framework comparison matrix", "Monitoring tools", "Orchestration patterns",
                  "One-table summary", "Framework decision tree", "Monitoring decision tree"):  # fmt: skip
        assert title in result.stdout
    assert "* reconstructed from the article's prose" in result.stdout
    assert "medium-high" in result.stdout


@pytest.mark.parametrize(
    ("answers", "leaf", "row"),
    [
        (MID_SIZE, "complex branching business logic → LangGraph", "complex enterprise"),
        ({"agents": "learning", **REST}, "learning and teaching → OpenAI Swarm", "teaching and"),
        ({"agents": "multi", "workflow": "high-value-research", **REST, "budget": "ample",
          "org": "research"}, "high-value research, ample budget → Anthropic", "high-value"),
    ],
)  # fmt: skip
def test_matrix_with_a_profile_marks_your_path(
    app: typer.Typer, tmp_path: Path, answers: dict[str, Any], leaf: str, row: str
) -> None:
    path = _profile(tmp_path, answers)
    result = runner.invoke(
        app, ["advise", "--matrix", "--profile", str(path)], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    marked = [line for line in result.stdout.splitlines() if "◀ you" in line]
    assert any(leaf in line for line in marked), marked
    assert any(row in line for line in marked), marked


def test_matrix_marks_an_inferred_monitoring_pick(app: typer.Typer, tmp_path: Path) -> None:
    path = _profile(tmp_path, MID_SIZE)
    result = runner.invoke(app, ["advise", "--matrix", "--profile", str(path)],
                           env={"COLUMNS": "200"})  # fmt: skip
    assert "(no preference stated) → inferred: LangSmith" in result.stdout


def test_matrix_json(app: typer.Typer) -> None:
    data = json.loads(runner.invoke(app, ["advise", "--matrix", "--json"]).stdout)
    assert {f["id"] for f in data["frameworks"]} == FRAMEWORK_IDS
    assert data["trees"]["framework"]["leaves"] and data["since"]["checked"] == "November 2026"


# --- cost at your volume -------------------------------------------------------------------


def test_cost_at_volume_for_the_pick_and_each_alternative(app: typer.Typer, tmp_path: Path) -> None:
    answers = {**MID_SIZE, "sessions_per_day": 1000, "model": "claude-sonnet-4-5"}
    result = runner.invoke(app, ["advise", "--profile", str(_profile(tmp_path, answers)), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    cost = data["cost"]
    assert cost["model"] == "claude-sonnet-4-5" and cost["usd_per_mtok"]["input"] > 0
    scenarios = [o["scenario"] for o in cost["options"]]
    assert scenarios[0].endswith("project_hierarchy.toml")  # the pick first
    for alt in data["alternatives"]:  # then every alternative that has a scenario
        if alt["kind"] == "pattern":
            assert any(s.endswith(KB.try_it[alt["id"]]) for s in scenarios), alt["id"]
    for option in cost["options"]:
        m, x = option["measured"], option["multiplied"]
        assert m["status"] == "completed" and m["input_tokens"] > 0 and m["output_tokens"] > 0
        total = m["input_tokens"] + m["output_tokens"]
        chat = m["chat_input_tokens"] + m["chat_output_tokens"]
        assert x["monthly_tokens_run"] == total * 1000 * 30
        assert x["monthly_tokens_article"] == chat * 15 * 1000 * 30
        price = cost["usd_per_mtok"]
        expected = (m["input_tokens"] * price["input"] + m["output_tokens"] * price["output"]) / 1e6
        assert x["session_cost_usd"] == pytest.approx(expected)
        assert x["monthly_cost_usd_run"] == pytest.approx(expected * 30000)
        assert option["suggested_caps"]["total_tokens"] >= 2 * total


def test_cost_card_says_what_is_measured_and_what_is_multiplied(app: typer.Typer, tmp_path) -> None:
    answers = {"agents": "single", **REST, "sessions_per_day": 100}
    result = runner.invoke(app, ["advise", "--profile", str(_profile(tmp_path, answers))],
                           env={"COLUMNS": "100"})  # fmt: skip
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Cost at your volume" in out and "100 sessions a day × 30 days" in out
    assert "measured, one lab run" in out and "multiplied, a month" in out
    assert "~4x chat" in out  # a single agent: the article's 4x
    assert "priced as gpt-4o-mini (model not stated" in out
    assert "[limits]" in out


def test_no_cost_without_a_volume_or_with_no_cost(app: typer.Typer, tmp_path: Path) -> None:
    plain = runner.invoke(app, ["advise", "--profile", str(_profile(tmp_path, MID_SIZE)), "--json"])
    assert "cost" not in json.loads(plain.stdout)
    answers = {**MID_SIZE, "sessions_per_day": 10}
    skipped = runner.invoke(
        app, ["advise", "--profile", str(_profile(tmp_path, answers)), "--json", "--no-cost"]
    )
    assert "cost" not in json.loads(skipped.stdout)


def test_an_unpriced_model_is_never_free(app: typer.Typer, tmp_path: Path) -> None:
    answers = {"agents": "single", **REST, "sessions_per_day": 10, "model": "ollama/llama3.2"}
    data = json.loads(
        runner.invoke(
            app, ["advise", "--profile", str(_profile(tmp_path, answers)), "--json"]
        ).stdout
    )
    assert data["cost"]["usd_per_mtok"] is None
    option = data["cost"]["options"][0]
    assert option["multiplied"]["monthly_cost_usd_run"] is None
    assert option["multiplied"]["monthly_tokens_run"] > 0
