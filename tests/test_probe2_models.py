"""Probe 2: the models file's fallbacks are checked where the file is read or listed, with
the file, line and key, not first at `agentlab run` without a line."""

from __future__ import annotations

from pathlib import Path

from test_faults_cli import cli, one_error_line, write


def test_an_unknown_fallback_is_refused_by_models_with_file_line_key(tmp_path: Path) -> None:
    models = write(
        tmp_path / "models.toml",
        '[models."gpt-4o-mini"]\nretries = 1\nfallbacks = ["gpt-4o", "nope"]\n',
    )
    res = cli("models", "--models", str(models))
    assert res.exit_code == 2, res.output
    line = one_error_line(res)
    assert f"{models}:3: models.gpt-4o-mini.fallbacks[1]: model 'nope'" in line
    scen = Path(__file__).parent.parent / "scenarios" / "research_question.toml"
    res = cli("run", str(scen), "--model", "gpt-4o-mini", "--models", str(models))
    assert res.exit_code == 2, res.output
    assert f"{models}:3: models.gpt-4o-mini.fallbacks[1]:" in one_error_line(res)


def test_a_blank_or_self_fallback_is_refused_when_the_file_is_read(tmp_path: Path) -> None:
    models = write(tmp_path / "models.toml", '[models.fast]\nfallbacks = ["a b"]\n')
    res = cli("models", "--models", str(models))
    assert res.exit_code == 2, res.output
    assert f"{models}:2: models.fast.fallbacks:" in one_error_line(res)
    models = write(
        tmp_path / "models.toml",
        '[models.fast]\nmodel = "gpt-4o-mini"\n\n[models."gpt-4o-mini"]\nfallbacks = ["fast"]\n',
    )
    res = cli("models", "--models", str(models))
    assert res.exit_code == 2, res.output
    assert f"{models}:5: models.gpt-4o-mini.fallbacks[0]: 'fast' is gpt-4o-mini itself" in (
        one_error_line(res)
    )
    # a valid chain is still listed
    models = write(tmp_path / "models.toml", '[models."gpt-4o-mini"]\nfallbacks = ["gpt-4o"]\n')
    res = cli("models", "--models", str(models), "--json")
    assert res.exit_code == 0, res.output
