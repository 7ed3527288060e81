"""An instant replay writes its transcript in batches (``Printer(batch=True)``, as ``agentlab
replay`` does): the text, the wrapping at the console's width and the colours are exactly what
printing each line with Rich gives."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from conftest import run
from rich.console import Console

from agentlab import services
from agentlab.console.printer import BATCH_LINES, Printer
from agentlab.core.context import RunOptions

ROOT = Path(__file__).resolve().parent.parent
NAMES = ["research_team", "multi_angle_review", "runaway_loop", "enterprise_desk"]


@pytest.fixture(scope="module")
def recordings(tmp_path_factory: pytest.TempPathFactory) -> list[list]:
    db = tmp_path_factory.mktemp("render") / "r.db"
    out = []
    for name in NAMES:
        r = run(
            services.run_recorded(
                ROOT / "scenarios" / f"{name}.toml", options=RunOptions(stream=False), db_path=db
            )
        )
        out.append(services.load_recording(db, r.session_id).events)
    return out


def _render(events: list, *, batch: bool, width: int, colour: bool) -> str:
    console = Console(
        file=io.StringIO(),
        width=width,
        force_terminal=colour,
        color_system="truecolor" if colour else None,
    )
    printer = Printer(console, batch=batch)
    for e in events:
        printer(e)
    printer.close()
    return console.file.getvalue()  # type: ignore[attr-defined]


@pytest.mark.parametrize("width", [100, 42])
@pytest.mark.parametrize("colour", [False, True])
def test_a_batched_replay_reads_exactly_as_one_printed_line_by_line(
    recordings: list[list], width: int, colour: bool
) -> None:
    for events in recordings:
        one_by_one = _render(events, batch=False, width=width, colour=colour)
        batched = _render(events, batch=True, width=width, colour=colour)
        assert batched == one_by_one
        assert ("\x1b[" in batched) is colour


def test_a_long_replay_is_written_as_it_goes_not_held_to_the_end(recordings: list[list]) -> None:
    console = Console(file=io.StringIO(), width=100, color_system=None)
    printer = Printer(console, batch=True)
    events = [e for _ in range(BATCH_LINES // 10 + 1) for e in recordings[0][1:-1]]
    for e in events:
        printer(e)
    assert console.file.getvalue()  # type: ignore[attr-defined]
    assert printer.pending is not None and len(printer.pending) < BATCH_LINES


def test_sessions_list_shows_a_page_of_50_unless_asked(tmp_path: Path) -> None:
    import json
    import time

    from sqlite_utils import Database
    from typer.testing import CliRunner

    from agentlab.cli import app

    db = tmp_path / "many.db"
    services.check_db(db)
    now = time.time()
    Database(db)["sessions"].insert_all(
        {"id": f"20260101-000000-{i:06x}", "scenario": "s", "status": "completed",
         "stop_reason": "completed", "started_at": now - i, "config": "{}"}
        for i in range(120)
    )  # fmt: skip
    runner = CliRunner()
    shown = json.loads(runner.invoke(app, ["sessions", "list", "--db", str(db), "--json"]).stdout)
    assert [s["session_id"] for s in shown] == [f"20260101-000000-{i:06x}" for i in range(50)]
    res = runner.invoke(app, ["sessions", "list", "--db", str(db), "--json", "--limit", "100"])
    assert len(json.loads(res.stdout)) == 100
