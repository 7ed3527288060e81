"""Probe 2: `agentlab approvals list|forget` dropped an entry that was not a list of tool
names (or the names that were not strings) without a word: partial data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_faults_cli import cli, one_error_line


@pytest.mark.parametrize(
    ("entry", "shown"),
    [("issue_refund", "'issue_refund'"), ([1, "issue_refund"], "[1, 'issue_refund']")],
)
def test_a_malformed_entry_is_one_line_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, entry: object, shown: str
) -> None:
    monkeypatch.setenv("AGENTLAB_HOME", str(tmp_path))
    path = tmp_path / "approvals.json"
    path.write_text(json.dumps({"scenarios": {"gate": entry, "ok": ["t"]}}), encoding="utf-8")
    for args in (["approvals", "list"], ["approvals", "forget", "ok"]):
        res = cli(*args)
        assert res.exit_code == 2, res.output
        assert one_error_line(res) == (
            f"error: {path}: scenarios.gate: expected a list of tool names, got {shown}"
        )
    assert json.loads(path.read_text(encoding="utf-8"))["scenarios"]["ok"] == ["t"]
