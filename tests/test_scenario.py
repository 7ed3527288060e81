"""Scenario files: validation errors name the file, the line and the key."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SCENARIOS

from agentlab.errors import ScenarioError
from agentlab.scenario import key_line, load_scenario, parse_scenario

GOOD = """
name = "demo"
task = "t"
[limits]
steps = 4
[[agents]]
name = "a"
model = "lab/scripted"
tools = ["calculator"]
  [[agents.script]]
  tool = "calculator"
  args = { expression = "1+1" }
"""


def test_good_scenario_loads() -> None:
    s = parse_scenario(GOOD, "x.toml")
    assert s.name == "demo" and s.limits.steps == 4 and s.agents[0].script[0].tool == "calculator"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            'task = "t"\n[[agents]]\nname = "a"\nmodel = 3\n',
            "x.toml:4: agents[0].model: expected a string, got int",
        ),
        ('task = "t"\ncolour = "red"\n[[agents]]\nname = "a"\n', "x.toml:2: colour: unknown key"),
        ('[[agents]]\nname = "a"\n', "x.toml: task: required key is missing"),
        ('task = "t"\n', "x.toml: agents: required key is missing"),
        (
            'task = "t"\n[limits]\nsteps = "ten"\n[[agents]]\nname = "a"\n',
            "x.toml:3: limits.steps: expected an integer, got str",
        ),
        (
            'task = "t"\n[limits]\nsteps = 0\n[[agents]]\nname = "a"\n',
            "x.toml:3: limits.steps: Input should be greater than or equal to 1",
        ),
        (
            'task = "t"\n[[agents]]\nname = "a b"\n',
            "x.toml:3: agents[0].name: use letters, digits, '-' and '_' only (1-64 characters)",
        ),
        (
            'task = "t"\n[[agents]]\nname = "a"\n[[agents]]\nname = "b"\nworkers = ["c"]\n',
            "x.toml:6: agents[1].workers: no agent named 'c'",
        ),
        (
            'task = "t"\n[[agents]]\nname = "a"\n[[agents]]\nname = "a"\n',
            "x.toml:5: agents[1].name: agent names must be unique: 'a' is used twice",
        ),
        ('task = "t\n', "x.toml:1: invalid TOML: Illegal character '\\n'"),
        (
            'task = "t"\n[[agents]]\nname = "a"\n  [[agents.script]]\n  text = "hi"\n  [[agents.script]]\n  tool = "rm"\n',
            "x.toml:7: agents[0].script[1]: calls tool 'rm', which agent 'a' does not have (has: none)",
        ),
        (
            'task = "t"\n[[agents]]\nname = "a"\n[[agents]]\nname = "b"\nmodel = "lab/auto"\n  [[agents.script]]\n  nothing = 1\n',
            "x.toml:8: agents[1].script[0].nothing: unknown key",
        ),
        (
            'task = "t"\npattern = "star"\n[[agents]]\nname = "a"\n',
            "x.toml:2: pattern: expected one of 'single', 'orchestrator-worker', 'sequential', "
            "'parallel', 'hierarchical', 'supervisor' or 'handoff', got 'star'",
        ),
        (
            'task = "t"\n[[agents]]\nname = "a"\ntools = ["calculator", "rm"]\n',
            "x.toml:4: agents[0].tools[1]: unknown tool 'rm' (built-in tools: calculator, http_get, "
            "issue_refund, list_files, read_file, search_docs)",
        ),
    ],
)
def test_errors_point_at_file_line_and_key(text: str, expected: str) -> None:
    with pytest.raises(ScenarioError) as err:
        parse_scenario(text, "x.toml")
    assert str(err.value) == expected


def test_key_lines_skip_multiline_strings() -> None:
    text = 'task = """\nmodel = "not a key"\n"""\n[[agents]]\nname = "a"\nmodel = "m"\n'
    assert key_line(text, "agents[0].model") == 6
    assert key_line(text, "model") is None


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="no such file"):
        load_scenario(tmp_path / "none.toml")


def test_every_shipped_scenario_is_valid() -> None:
    files = sorted(SCENARIOS.glob("*.toml"))
    assert len(files) >= 3
    for f in files:
        s = load_scenario(f)
        assert s.description.strip(), f"{f.name} should say what it teaches"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            'task = "t"\n[[agents]]\nname = "a"\nmodel = "lab/nonexistent"\n',
            "x.toml:4: agents[0].model: unknown lab model 'lab/nonexistent' (lab models: lab/auto, lab/flaky, lab/scripted)",
        ),
        (
            'task = "t"\ndocs = "nope"\n[[agents]]\nname = "a"\n',
            "x.toml:2: docs: no such folder: nope",
        ),
        (
            'task = "t"\nworkspace = "nope"\n[[agents]]\nname = "a"\n',
            "x.toml:2: workspace: no such folder: nope",
        ),
        (
            'task = "t"\nentry = "boss"\n[[agents]]\nname = "a"\n',
            "x.toml:2: entry: no agent named 'boss'",
        ),
        (
            'task = "t"\n[[agents]]\nname = "a"\n[[agents]]\nname = "a"\n',
            "x.toml:5: agents[1].name: agent names must be unique: 'a' is used twice",
        ),
    ],
)
def test_more_errors_point_at_the_line(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ScenarioError) as err:
        parse_scenario(text, tmp_path / "x.toml")
    assert str(err.value) == expected.replace("x.toml", str(tmp_path / "x.toml"))


def test_approval_gate_on_an_unknown_tool_is_an_error(tmp_path: Path) -> None:
    text = 'task = "t"\n[approvals]\ntools = ["isue_refund"]\n[[agents]]\nname = "a"\n'
    with pytest.raises(
        ScenarioError, match=r":3: approvals.tools\[0\]: unknown tool 'isue_refund'"
    ):
        parse_scenario(text, tmp_path / "x.toml")


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        (
            'task = "t"\n[[agents]]\nname = "a"\n[[agents]]\nname = "b"\n',
            "single-agent scenario runs one agent",
        ),
        ('task = "t"\npattern = "orchestrator-worker"\n[[agents]]\nname = "a"\n', "needs workers"),
        (
            'task = "t"\npattern = "hierarchical"\n[[agents]]\nname = "a"\nworkers = ["b"]\n'
            '[[agents]]\nname = "b"\nworkers = ["a"]\n',
            "delegation cycle",
        ),
        (
            'task = "t"\n[[agents]]\nname = "a"\ntools = ["search_docs"]\n',
            "search_docs needs `docs",
        ),
        (
            'task = "t"\n[loops]\nexempt = ["poll"]\n[[agents]]\nname = "a"\n',
            "no agent has a tool named 'poll'",
        ),
        (
            'task = "t"\n[loops]\nnudge_after = 3\nstop_after = 1\n[[agents]]\nname = "a"\n',
            "at least nudge_after",
        ),
    ],
)
def test_scenarios_that_cannot_mean_what_they_say(tmp_path: Path, text: str, needle: str) -> None:
    with pytest.raises(ScenarioError, match=needle.replace("(", r"\(")):
        parse_scenario(text, tmp_path / "x.toml")


def test_the_folders_a_tool_needs_come_from_the_tool(tmp_path: Path, monkeypatch) -> None:
    """Scenario validation asks the tool registry what a tool needs (data on the Tool), so a
    new tool that works in the workspace is checked without touching the loader."""
    from agentlab.core.tools import BUILTIN_TOOLS, tool

    def grep(pattern: str) -> str:
        """Search the workspace.

        Args:
            pattern: What to look for.
        """
        return pattern

    monkeypatch.setitem(BUILTIN_TOOLS, "grep", tool(grep, needs=("workspace",)))
    text = 'task = "t"\n[[agents]]\nname = "a"\ntools = ["grep"]\n'
    with pytest.raises(ScenarioError) as err:
        parse_scenario(text, tmp_path / "x.toml")
    assert str(err.value).endswith(
        ':4: agents[0].tools: grep needs `workspace = "<folder>"` at the top'
    )
    (tmp_path / "ws").mkdir()
    assert parse_scenario('workspace = "ws"\n' + text, tmp_path / "x.toml").workspace == "ws"
    assert BUILTIN_TOOLS["read_file"].needs == ("workspace",)
    assert BUILTIN_TOOLS["search_docs"].needs == ("docs",)


def test_every_cap_kind_is_a_scenario_limit() -> None:
    """One list of cap kinds (core.budget.LimitKind): [limits] has a field for each, and
    ``caps()`` gives back exactly the ones set."""
    from agentlab.core.budget import LIMIT_KINDS
    from agentlab.scenario import Limits

    assert set(LIMIT_KINDS) <= set(Limits.model_fields)
    limits = Limits(steps=3, cost_usd=0.5, wall_time_s=2.0)
    assert limits.caps() == {"steps": 3.0, "cost_usd": 0.5, "wall_time_s": 2.0}
