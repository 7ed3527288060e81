"""Bad input and small wrong outputs found probing the CLI as a new user."""

from __future__ import annotations

from pathlib import Path

from test_collect import record, runner, span

from agentlab.cli import app


def test_a_session_of_zero_duration_shows_0s_not_dash_s(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    attrs = {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.usage.input_tokens": 3,
    }
    (s,) = record([span("a" * 16, None, "chat", 5.0, 5.0, **attrs)], db)
    out = runner.invoke(app, ["sessions", "show", s.id, "--db", str(db)])
    assert out.exit_code == 0, out.output
    assert "duration 0.0s" in out.output and "-s" not in out.output


def _eval(tmp_path: Path, body: str, name: str = "e.eval.toml") -> str:
    import shutil

    from conftest import ROOT

    shutil.copy(ROOT / "scenarios" / "research_question.toml", tmp_path / "rq.toml")
    if not (tmp_path / "data").exists():
        shutil.copytree(ROOT / "scenarios" / "data", tmp_path / "data")
    (tmp_path / "adir.toml").mkdir(exist_ok=True)
    (tmp_path / name).write_text(body, encoding="utf-8")
    out = runner.invoke(app, ["eval", str(tmp_path / name), "--db", str(tmp_path / "a.db")])
    assert out.exit_code == 2, out.output
    assert "Traceback" not in out.output
    lines = out.output.strip().splitlines()
    assert len(lines) == 1, out.output
    return lines[0]


CASE = '[[case]]\nname = "x"\n[case.expect]\ncontains = ["a"]\n'


def test_eval_file_mistakes_are_one_line_with_the_line(tmp_path: Path) -> None:
    # a scenario that is not a string is a wrong type, not a missing key
    line = _eval(tmp_path, "scenario = 7\n" + CASE)
    assert line.endswith(
        "e.eval.toml:1: scenario: expected a string (the scenario file to run), got int"
    )
    # [[case]] given as something else
    line = _eval(tmp_path, 'scenario = "rq.toml"\ncase = 5\n')
    assert line.endswith("e.eval.toml:2: case: expected [[case]] tables, got int")
    # a folder is not "no such file"
    line = _eval(tmp_path, 'scenario = "adir.toml"\n' + CASE)
    assert line.endswith("e.eval.toml:1: scenario: adir.toml is a folder, not a scenario file")
    # the same case twice: the line of the second
    line = _eval(tmp_path, 'scenario = "rq.toml"\n' + CASE + CASE)
    assert line.endswith(
        "e.eval.toml:7: case[1].name: case 'e::x' is defined twice (first at line 3)"
    )


def test_eval_of_a_folder_with_no_cases_names_the_folder(tmp_path: Path) -> None:
    empty = tmp_path / "nothing"
    empty.mkdir()
    out = runner.invoke(app, ["eval", str(empty), "--db", str(tmp_path / "a.db")])
    assert out.exit_code == 2
    assert f"{empty}: no eval cases found" in out.output and "PATH:" not in out.output


def test_an_alias_named_like_a_lab_model_is_refused_with_its_line(tmp_path: Path) -> None:
    """`[models."lab/auto"] model = "gpt-4o"` silently sent every offline lab run to a paid
    provider, and `agentlab models` listed lab/auto twice."""
    models = tmp_path / "models.toml"
    models.write_text('[defaults]\nretries = 1\n\n[models."lab/auto"]\nmodel = "gpt-4o"\n')
    out = runner.invoke(app, ["models", "--models", str(models)])
    assert out.exit_code == 2, out.output
    assert out.output.strip() == (
        f"error: {models}:4: models.lab/auto: lab/auto is a built-in lab model; "
        "give the alias another name"
    )
    # settings for a lab model's own name without an alias target are also not the lab model
    models.write_text('[models."lab/scripted"]\nretries = 3\n')
    out = runner.invoke(app, ["models", "--models", str(models)])
    assert out.exit_code == 2 and "models.lab/scripted: lab/scripted is a built-in" in out.output


def test_stdin_closed_is_one_error_line_not_an_internal_error(tmp_path: Path) -> None:
    """`agentlab ... <&-` (no standard input at all: sys.stdin is None) crashed with
    AttributeError in the TUI launcher, `advise`, `sessions rm` and `guard scan -`."""
    import os
    import subprocess
    import sys

    from conftest import ROOT

    env = {**os.environ, "PYTHONPATH": str(ROOT), "AGENTLAB_HOME": str(tmp_path)}
    db = str(tmp_path / "a.db")
    ran = runner.invoke(app, ["run", "budget_math", "--json", "--db", db])
    assert ran.exit_code == 0, ran.output
    sid = ran.output.split('"session_id": "')[1].split('"')[0]
    cases = {
        (): "the TUI needs a terminal",
        ("advise",): "needs a terminal",
        ("sessions", "rm", sid, "--db", db): "--yes: needed to delete without a terminal",
        ("guard", "scan", "-"): "FILE: standard input is closed",
    }
    for args, message in cases.items():
        proc = subprocess.run(
            [sys.executable, "-m", "agentlab", *args],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            preexec_fn=lambda: os.close(0),
        )
        assert proc.returncode == 2, (args, proc.stderr)
        assert message in proc.stderr and "internal error" not in proc.stderr, (args, proc.stderr)
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
