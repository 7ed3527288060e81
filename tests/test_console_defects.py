"""Issue 12's CLI defects (13-15), one test each (written before the fix)."""

from __future__ import annotations

import io
from pathlib import Path

from conftest import SCENARIOS
from rich.console import Console
from rich.text import Text

from agentlab.console.lines import fmt_costs, transcript
from agentlab.console.printer import Printer
from agentlab.console.tables import (
    agents_table,
    cost_table,
    scenarios_table,
    session_panel,
    sessions_table,
)
from agentlab.core.events import AgentStarted, SessionEnded
from agentlab.errors import LimitExceededError
from agentlab.scenario import list_scenarios
from agentlab.tui.render import span_label


def _render(renderable, width: int = 80) -> str:
    console = Console(file=io.StringIO(), width=width, color_system=None)
    console.print(renderable)
    return console.file.getvalue()  # type: ignore[attr-defined]


def _row(**kw):
    row = {
        "session_id": "20261129-173512-abc123",
        "scenario": "research_team",
        "status": "stopped",
        "stop_reason": "limit:cost_usd",
        "total_tokens": 12345,
        "cost_usd": 0.000189,
        "unpriced": 0,
        "steps": 7,
    }
    return row | kw


def test_13_sessions_table_never_splits_a_word_at_80() -> None:
    out = _render(sessions_table([_row(), _row(scenario="approval_gate_with_a_long_name")]))
    assert "research_team" in out
    assert "approval_gat" in out  # cut with an ellipsis if it must be, never folded
    assert "e_with" not in out and "long_name" not in out
    for line in out.splitlines():
        assert len(line) <= 80


def test_13_scenarios_list_shows_whole_descriptions(tmp_path: Path) -> None:
    found = list_scenarios(SCENARIOS)
    out = " ".join(_render(scenarios_table(found, "in scenarios", True), 80).split())
    for _, s in found:
        assert " ".join(s.description.split())[-30:] in out


def test_14_wording() -> None:
    panel = _render(
        session_panel(
            {
                "id": "s1",
                "scenario": "x",
                "pattern": "single",
                "status": "completed",
                "stop_reason": "completed",
                "started_at": None,
                "ended_at": None,
                "input_tokens": 1,
                "output_tokens": 1,
                "total_tokens": 2,
                "cost_usd": 0.0,
                "unpriced": 0,
                "steps": 1,
                "tool_calls": 0,
            }
        )
    )
    assert "completed (completed)" not in panel
    lead = AgentStarted(session_id="s", span_id="a", agent="lead", role="lead", model="m")
    assert span_label(lead).plain.count("lead") == 1
    assert transcript(lead)[0].plain.count("lead") == 1


def test_14_an_interrupted_run_prints_no_lines_of_its_own() -> None:
    """The CLI says it once ("error: stopped by Ctrl-C; ..."): the printer adds nothing."""
    console = Console(file=io.StringIO(), width=80)
    printer = Printer(console)
    printer(
        SessionEnded(session_id="s", span_id="s", status="interrupted", stop_reason="interrupted")
    )
    assert "interrupted" not in console.file.getvalue()  # type: ignore[attr-defined]


def test_15_a_cap_stop_formats_money_as_money() -> None:
    exc = LimitExceededError("cost_usd", 0.00018915, 0.0002)
    assert "$0.000189 of $0.000200" in str(exc)
    assert "1,200 of 1,000" in str(LimitExceededError("total_tokens", 1200, 1000))


def test_15_one_column_one_precision() -> None:
    assert fmt_costs([0.000189, 0.0123, None, 0]) == ["$0.000189", "$0.012300", "unpriced", "$0"]
    report = {
        "session_id": "s",
        "recorded": {"input_tokens": 10, "output_tokens": 5, "cost_usd": 0.0123},
        "recorded_agents": {"a": 0.000189, "b": 0.0121},
        "models": [
            {
                "model": "gpt-4o",
                "priced": False,
                "cost_usd": 0.5,
                "agents": [{"agent": "a", "cost_usd": 0.001}, {"agent": "b", "cost_usd": 0.499}],
            }
        ],
    }
    out = _render(cost_table(report), 100)
    assert "$0.000189" in out and "$0.012100" in out and "$0.012300" in out
    assert "$0.0010" in out and "$0.4990" in out  # that column is all over a cent but one
    assert isinstance(Text(), Text)


def test_14_an_approval_line_says_approved_once() -> None:
    from agentlab.core.events import ApprovalDecided

    e = ApprovalDecided(
        session_id="s", span_id="t", agent="a", tool="write_file", call_id="1", approved=True,
        by="person", note="approved in the TUI",
    )  # fmt: skip
    assert transcript(e)[0].plain.strip() == "✓ approved by person in the TUI"


def test_numbers_are_never_cut_at_80_columns() -> None:
    """Piped output is 80 columns wide: tokens, cost and steps stay whole there (the
    scenario and outcome give way), in the sessions list and the per-agent spend table."""
    rows = [
        _row(
            scenario="research_team",
            status="completed",
            stop_reason=None,
            total_tokens=3742,
            cost_usd=0.009125,
        ),
        _row(
            scenario="low_confidence",
            status="stopped",
            stop_reason="guardrail:output",
            total_tokens=450,
            cost_usd=0.000093,
            steps=12,
        ),
    ]
    out = _render(sessions_table(rows))
    for whole in ("3,742", "$0.009125", "$0.000093", "tokens", "cost", "steps", " 12"):
        assert whole in out, (whole, out)
    agents = [
        {
            "name": name,
            "role": role,
            "model": model,
            "status": status,
            "steps": 12,
            "tool_calls": 3,
            "input_tokens": 123456,
            "output_tokens": 7890,
            "cost_usd": 0.012345,
            "unpriced_calls": 0,
            "parent": parent,
        }
        for name, role, model, status, parent in [
            ("lead", "orchestrator", "lab/planner-with-a-long-name", "completed", None),
            ("researcher_one", "worker", "openai/gpt-4o-mini", "interrupted", "lead"),
        ]
    ]
    out = _render(agents_table(agents))
    assert "$0.0123 " in out and "$0.0247" in out and "123,456" in out and "cost" in out, out


def test_a_cap_stop_names_whose_cap_and_who_reached_it_once() -> None:
    """The stop line said '(agent analyst)' for the session's cap that the check line above it
    called '(the session's cap)'."""
    session_cap = LimitExceededError("cost_usd", 0.000189, 0.0002, agent="analyst")
    assert str(session_cap) == (
        "limit reached: cost_usd $0.000189 of $0.000200 (the session's cap, reached by analyst)"
    )
    own = LimitExceededError("steps", 2, 2, agent="worker", scope="agent:worker")
    assert str(own) == "limit reached: steps 2 of 2 (worker's cap)"
    assert (
        str(LimitExceededError("steps", 2, 2)) == "limit reached: steps 2 of 2 (the session's cap)"
    )


def test_15_a_cap_line_in_sessions_show_has_one_precision() -> None:
    """`sessions show` printed "cost_usd: $0.009874 of $0.1000"."""
    s = _row(
        id="20261129-173512-abc123",
        pattern="single",
        started_at=0,
        ended_at=1,
        input_tokens=1,
        output_tokens=1,
        tool_calls=0,
        limits={"cost_usd": {"used": 0.009874, "cap": 0.1}},
    )
    out = _render(session_panel(s))
    assert "cost_usd: $0.009874 of $0.100000" in out, out
