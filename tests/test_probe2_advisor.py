"""Probe 2: the questionnaire asks the language, so a TypeScript team reaches the TypeScript
framework interactively (it could only say so in a profile file, JSON or --set before)."""

from __future__ import annotations

import json

import pytest
import typer
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from test_advisor_cli import DOWN, ENTER, runner

from agentlab.advisor import cli as advisor_cli
from agentlab.advisor.questions import active_questions, to_profile


def test_a_typescript_team_gets_the_typescript_framework_interactively(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = typer.Typer()
    app.command("advise")(advisor_cli.advise)
    app.command("other")(lambda: None)  # a second command, so `advise` stays a subcommand
    # several agents; a multi-role prototype (CrewAI on the tree); TypeScript; the rest default
    rest = len(active_questions({"agents": "multi"})) - 3
    with create_pipe_input() as inp:
        inp.send_text(DOWN + ENTER + ENTER + DOWN + ENTER + ENTER * rest)
        monkeypatch.setattr(advisor_cli, "_stdin_is_tty", lambda: True)
        monkeypatch.setattr(
            advisor_cli, "_prompt_io", lambda: {"input": inp, "output": DummyOutput()}
        )
        result = runner.invoke(app, ["advise", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["framework"] == "langgraph", data["framework"]


def test_the_language_is_asked_only_where_it_can_change_the_pick() -> None:
    assert "language" not in [q.key for q in active_questions({"agents": "single"})]
    assert to_profile({"agents": "learning", "language": "typescript"}).language == "typescript"
    # left over from a branch backed out of: ignored
    assert to_profile({"agents": "single", "language": "typescript"}).language is None
