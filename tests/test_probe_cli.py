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
