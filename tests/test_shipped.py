"""Shipped scenarios and recordings found by name from any folder; `agentlab init` copies."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from conftest import ROOT, SCENARIOS
from test_store_streams import single_agent_stream
from typer.testing import CliRunner

from agentlab import shipped
from agentlab.cli import app
from agentlab.errors import UsageError
from agentlab.shipped import find_scenario

runner = CliRunner()
SHIPPED = sorted(p.stem for p in SCENARIOS.glob("*.toml"))


def cli(*args: str):
    return runner.invoke(app, list(args))


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An unrelated working folder: no ./scenarios, nothing of the repository."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


@pytest.fixture
def recordings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A shipped recordings folder holding one recording, `calc_demo`."""
    folder = tmp_path / "recordings"
    folder.mkdir()
    lines = [json.dumps(e.to_dict()) + "\n" for e in single_agent_stream()]
    (folder / "calc_demo.jsonl").write_text("".join(lines), encoding="utf-8")
    monkeypatch.setattr(shipped, "recordings_dir", lambda: folder)
    return folder


# --- what ships --------------------------------------------------------------------------


def test_the_package_ships_the_top_level_scenarios() -> None:
    """One copy: the package's scenarios are the repository's top-level folder."""
    assert shipped.scenarios_dir() == SCENARIOS.resolve()
    assert sorted(shipped.shipped_scenarios()) == SHIPPED
    assert shipped.recordings_dir() == (ROOT / "recordings").resolve()


# --- finding a scenario ------------------------------------------------------------------


@pytest.mark.parametrize("arg", ["budget_math", "budget_math.toml", "scenarios/budget_math.toml"])
def test_a_shipped_scenario_by_name_from_any_folder(elsewhere: Path, arg: str) -> None:
    assert find_scenario(arg) == SCENARIOS.resolve() / "budget_math.toml"


def test_an_existing_path_wins_over_the_shipped_name(elsewhere: Path) -> None:
    (elsewhere / "budget_math.toml").write_text("mine")
    assert find_scenario("budget_math.toml") == Path("budget_math.toml")


def test_the_listed_folder_wins_over_the_shipped_copy(elsewhere: Path) -> None:
    (elsewhere / "scenarios").mkdir()
    (elsewhere / "scenarios" / "budget_math.toml").write_text("mine")
    found = find_scenario("budget_math", Path("scenarios"))
    assert found == Path("scenarios") / "budget_math.toml"
    assert find_scenario("research_question", Path("scenarios")).parent == SCENARIOS.resolve()


def test_run_by_name_from_another_folder(elsewhere: Path) -> None:
    res = cli("run", "budget_math", "--json")
    assert res.exit_code == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["scenario"] == "budget_math" and data["status"] == "completed"
    assert data["usage"]["total_tokens"] > 0


def test_an_unknown_name_is_one_line_with_close_matches_and_exit_2(elsewhere: Path) -> None:
    res = cli("run", "budgt_math")
    assert res.exit_code == 2
    assert res.stderr == (
        "error: no such scenario: 'budgt_math' is neither a file nor a scenario name; "
        "did you mean budget_math? (see `agentlab scenarios list`)\n"
    )


def test_an_unknown_name_with_nothing_close_says_where_to_look(elsewhere: Path) -> None:
    res = cli("run", "zzzz")
    assert res.exit_code == 2 and len(res.stderr.splitlines()) == 1
    assert "did you mean" not in res.stderr and "agentlab scenarios list" in res.stderr


def test_a_missing_file_is_not_taken_for_a_name(elsewhere: Path) -> None:
    res = cli("run", "drafts/budget_math.toml")
    assert res.exit_code == 2
    assert res.stderr == (
        "error: drafts/budget_math.toml: no such file; did you mean `agentlab run budget_math`?\n"
    )


@pytest.mark.parametrize("arg", ["", "."])
def test_a_folder_or_nothing_is_not_a_scenario(elsewhere: Path, arg: str) -> None:
    with pytest.raises(UsageError):
        find_scenario(arg)
    res = cli("run", arg)
    assert res.exit_code == 2 and len(res.stderr.splitlines()) == 1


def test_scenarios_list_from_another_folder_shows_the_shipped_names(elsewhere: Path) -> None:
    res = runner.invoke(app, ["scenarios", "list"], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.stderr
    assert "shipped with agentlab" in res.stdout and "agentlab run NAME" in res.stdout
    for name in SHIPPED:
        assert f"  {name} " in res.stdout
    data = json.loads(cli("scenarios", "list", "--json").stdout)
    assert sorted(r["name"] for r in data) == SHIPPED


# --- agentlab init -----------------------------------------------------------------------


def test_init_copies_every_scenario_with_its_data_and_the_copy_runs(elsewhere: Path) -> None:
    res = cli("init")
    assert res.exit_code == 0, res.stderr
    assert res.stdout.startswith(f"copied {len(SHIPPED)} scenarios and their data into scenarios")
    copied = {p.relative_to("scenarios") for p in Path("scenarios").rglob("*") if p.is_file()}
    wanted = {p.relative_to(SCENARIOS) for p in SCENARIOS.rglob("*") if p.is_file()}
    assert copied == wanted
    # The copy is what `run NAME` now runs here, with its data folder beside it.
    copy = Path("scenarios/research_question.toml")
    copy.write_text(copy.read_text().replace('name = "research_question"', 'name = "mine"'))
    res = cli("run", "research_question", "--json", "--lab-latency", "0")
    assert res.exit_code == 0, res.stderr
    assert json.loads(res.stdout)["scenario"] == "mine"


def test_init_never_overwrites_without_force(elsewhere: Path) -> None:
    target = elsewhere / "mine"
    assert cli("init", str(target)).exit_code == 0
    edited = target / "budget_math.toml"
    edited.write_text("my edits")
    (target / "notes.md").write_text("my own file")
    res = cli("init", str(target))
    assert res.exit_code == 2 and len(res.stderr.splitlines()) == 1
    assert "already exists" in res.stderr and "--force" in res.stderr
    assert edited.read_text() == "my edits"
    res = cli("init", str(target), "--force")
    assert res.exit_code == 0, res.stderr
    assert edited.read_text() == (SCENARIOS / "budget_math.toml").read_text()
    assert (target / "notes.md").read_text() == "my own file"


def test_init_into_a_file_is_one_line(elsewhere: Path) -> None:
    Path("taken").write_text("")
    res = cli("init", "taken")
    assert res.exit_code == 2 and res.stderr == "error: DIR: taken is not a folder\n"


# --- replaying a recording ---------------------------------------------------------------


def test_replay_a_shipped_recording_by_name(elsewhere: Path, recordings: Path) -> None:
    for arg in ("calc_demo", "calc_demo.jsonl", "recordings/calc_demo.jsonl"):
        res = runner.invoke(app, ["replay", arg], env={"COLUMNS": "200"})
        assert res.exit_code == 0, res.stderr
        assert 'calc(expr="2+2")' in res.stdout and "It is 4." in res.stdout


def test_rerun_import_and_diff_take_a_shipped_recording_by_name(elsewhere: Path) -> None:
    """The real shipped recordings (a header line, then events), from a folder with no checkout:
    the rerun finds the recorded scenario among the shipped ones."""
    name = "single-research_question"
    res = cli("rerun", name, "--json", "--db", "x.db")
    assert res.exit_code == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["replay"]["live_calls"] == 0 and data["replay"]["diverged"] is None
    first = json.loads((ROOT / "recordings" / f"{name}.jsonl").read_text().splitlines()[0])
    assert data["replay"]["source_session"] == first["session_id"]
    res = cli("import", name, "--db", "y.db")
    assert res.exit_code == 0 and first["session_id"] in res.stdout, res.stderr
    res = cli("diff", name, data["session_id"], "--json", "--db", "x.db")
    assert res.exit_code == 0, res.stderr
    assert json.loads(res.stdout)["same_output"] is True


def test_replay_a_recording_file(elsewhere: Path, recordings: Path) -> None:
    res = runner.invoke(app, ["replay", str(recordings / "calc_demo.jsonl")])
    assert res.exit_code == 0, res.stderr
    assert "It is 4." in res.stdout


def test_replay_of_an_unknown_name_lists_close_recordings(elsewhere: Path, recordings) -> None:
    res = cli("replay", "calc_dem")
    assert res.exit_code == 2
    assert res.stderr == (
        "error: no session or shipped recording matches 'calc_dem'; did you mean calc_demo? "
        "(see `agentlab sessions list`)\n"
    )


@pytest.mark.parametrize(
    ("line", "what"),
    [
        ("not json", "not a JSON line"),
        ('{"kind": "no_such_event"}', "not an agentlab event"),
        ('{"kind": 3}', "not an agentlab event"),
    ],
)
def test_replay_of_a_broken_recording_names_the_line(elsewhere: Path, line: str, what) -> None:  # type: ignore[no-untyped-def]
    bad = elsewhere / "bad.jsonl"
    bad.write_text(json.dumps(single_agent_stream()[0].to_dict()) + f"\n{line}\n")
    res = cli("replay", str(bad))
    assert res.exit_code == 2
    assert res.stderr.startswith(f"error: {bad}:2: {what}")
    assert len(res.stderr.splitlines()) == 1


def test_an_exported_session_replays_from_its_file(elsewhere: Path) -> None:
    sid = json.loads(cli("run", "budget_math", "--json").stdout)["session_id"]
    assert cli("export", sid, "--format", "jsonl", "-o", "b.jsonl").exit_code == 0
    from_db = cli("replay", sid)
    from_file = cli("replay", "b.jsonl")
    assert from_file.exit_code == 0, from_file.stderr
    assert from_file.stdout == from_db.stdout


async def test_the_tui_runs_a_shipped_scenario_by_name(elsewhere: Path) -> None:
    from agentlab.core.context import RunOptions
    from agentlab.tui.app import make_app
    from agentlab.tui.screens.run import RunScreen

    app = make_app(db_path=elsewhere / "x.db", run_options=RunOptions(stream=False))
    async with app.run_test(size=(120, 40)) as pilot:
        app.run_scenario("budget_math")
        await pilot.pause()
        assert isinstance(app.screen, RunScreen)
        assert app.screen.scenario_path == SCENARIOS.resolve() / "budget_math.toml"
        await asyncio.wait_for(app.workers.wait_for_complete(), 30)
