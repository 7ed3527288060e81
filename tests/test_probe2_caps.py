"""Probe 2: a count cap bigger than SQLite's 64-bit INTEGER is a typo, refused with the
option (CLI) or file:line: key (scenario), not silently accepted."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import ROOT
from test_faults_cli import cli, one_error_line

HUGE = "99999999999999999999"


@pytest.mark.parametrize("option", ["--max-steps", "--max-tokens", "--max-tool-calls"])
def test_a_huge_count_cap_names_the_option(tmp_path: Path, option: str) -> None:
    scen = ROOT / "scenarios" / "research_question.toml"
    res = cli("run", str(scen), option, HUGE, "--db", str(tmp_path / "a.db"))
    assert res.exit_code == 2, res.output
    assert one_error_line(res).startswith(f"error: {option}: must be at most {2**63 - 1}")


def test_the_largest_count_cap_is_accepted(tmp_path: Path) -> None:
    scen = ROOT / "scenarios" / "research_question.toml"
    res = cli("run", str(scen), "--max-steps", str(2**63 - 1), "--db", str(tmp_path / "a.db"))
    assert res.exit_code == 0, res.output


def test_a_huge_count_cap_in_a_scenario_names_file_and_line(tmp_path: Path) -> None:
    text = (ROOT / "scenarios" / "research_question.toml").read_text(encoding="utf-8")
    lines = text.splitlines()
    no = next(i for i, line in enumerate(lines) if line.startswith("steps = "))
    lines[no] = f"steps = {HUGE}"
    (tmp_path / "s.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    shutil.copytree(ROOT / "scenarios" / "data", tmp_path / "data")
    res = cli("run", str(tmp_path / "s.toml"), "--db", str(tmp_path / "a.db"))
    assert res.exit_code == 2, res.output
    assert f"s.toml:{no + 1}: limits.steps:" in one_error_line(res)
