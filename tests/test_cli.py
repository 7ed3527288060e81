"""The CLI as a user meets it: exit codes, one-line errors, JSON shapes, export."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import SCENARIOS
from typer.testing import CliRunner

from agentlab.cli import app

runner = CliRunner()


def cli(*args: str):
    return runner.invoke(app, list(args))


def run_json(*args: str) -> tuple[int, dict]:
    res = cli("run", *args, "--json")
    return res.exit_code, json.loads(res.stdout)


def test_version() -> None:
    res = cli("--version")
    assert res.exit_code == 0 and res.stdout.startswith("agentlab ")


def test_help_does_not_import_litellm() -> None:
    code = "import sys\nfrom agentlab.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\nprint('litellm' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip().splitlines()[-1] == "False"


def test_run_json_summary_shape_and_exit_code() -> None:
    code, data = run_json(str(SCENARIOS / "research_question.toml"), "--lab-latency", "0")
    assert code == 0
    assert set(data) >= {
        "session_id",
        "scenario",
        "status",
        "stop_reason",
        "final_output",
        "steps",
        "tool_calls",
        "duration_s",
        "usage",
        "agents",
        "limits",
    }
    assert data["status"] == "completed" and data["stop_reason"] == "completed"
    assert set(data["usage"]) >= {"input_tokens", "output_tokens", "total_tokens", "cost_usd"}
    assert data["usage"]["total_tokens"] > 0 and data["usage"]["cost_usd"] > 0
    assert data["limits"]["steps"]["cap"] == 6


def test_run_prints_live_transcript_and_summary() -> None:
    res = cli("run", str(SCENARIOS / "budget_math.toml"))
    assert res.exit_code == 0
    out = res.stdout
    assert "calculator" in out and "expression=" in out  # tool calls with their arguments
    assert "division by zero" in out  # tool results
    assert "completed" in out and "session " in out
    assert "tokens" in out and "$" in out


def test_sessions_list_json_and_show(agentlab_home: Path) -> None:
    _, data = run_json(str(SCENARIOS / "budget_math.toml"))
    res = cli("sessions", "list", "--json")
    rows = json.loads(res.stdout)
    assert rows[0]["session_id"] == data["session_id"]
    assert set(rows[0]) >= {
        "session_id",
        "scenario",
        "status",
        "started_at",
        "total_tokens",
        "cost_usd",
    }
    assert rows[0]["total_tokens"] == data["usage"]["total_tokens"]
    assert rows[0]["cost_usd"] == pytest.approx(data["usage"]["cost_usd"])
    show = cli("sessions", "show", data["session_id"][:17])  # a unique prefix works
    assert show.exit_code == 0 and "analyst" in show.stdout and "calculator" in show.stdout


def test_unknown_session_is_exit_2_one_line() -> None:
    res = cli("sessions", "show", "nope")
    assert res.exit_code == 2
    assert res.stderr.strip().count("\n") == 0 and "no session matches 'nope'" in res.stderr


def test_export_otlp_tokens_add_up(tmp_path: Path) -> None:
    _, data = run_json(str(SCENARIOS / "research_question.toml"))
    out = tmp_path / "trace.json"
    res = cli("export", data["session_id"], "--format", "otlp-json", "-o", str(out))
    assert res.exit_code == 0
    doc = json.loads(out.read_text())
    spans = doc["resourceSpans"][0]["scopeSpans"][0]["spans"]

    def attrs(span: dict) -> dict:
        return {a["key"]: next(iter(a["value"].values())) for a in span["attributes"]}

    chats = [attrs(s) for s in spans if attrs(s).get("gen_ai.operation.name") == "chat"]
    assert sum(int(a["gen_ai.usage.input_tokens"]) for a in chats) == data["usage"]["input_tokens"]
    assert (
        sum(int(a["gen_ai.usage.output_tokens"]) for a in chats) == data["usage"]["output_tokens"]
    )
    ops = {attrs(s).get("gen_ai.operation.name") for s in spans}
    assert {"invoke_agent", "chat", "execute_tool"} <= ops
    tool = next(attrs(s) for s in spans if attrs(s).get("gen_ai.operation.name") == "execute_tool")
    assert tool["gen_ai.tool.name"] == "search_docs"
    agent = next(s for s in spans if attrs(s).get("gen_ai.operation.name") == "invoke_agent")
    assert attrs(agent)["gen_ai.agent.name"] == "researcher"
    assert all(
        s["parentSpanId"] == agent["spanId"]
        for s in spans
        if attrs(s).get("gen_ai.operation.name") == "chat"
    )


def test_export_jsonl_is_a_header_then_one_event_per_line() -> None:
    _, data = run_json(str(SCENARIOS / "budget_math.toml"))
    res = cli("export", data["session_id"], "--format", "jsonl")
    lines = res.stdout.strip().splitlines()
    header = json.loads(lines[0])
    assert header["kind"] == "agentlab_recording" and header["format_version"] == 1
    assert header["session_id"] == data["session_id"]
    assert json.loads(lines[1])["kind"] == "session_started"
    assert json.loads(lines[-1])["kind"] == "session_ended"


def test_bad_export_format_names_the_option() -> None:
    _, data = run_json(str(SCENARIOS / "budget_math.toml"))
    res = cli("export", data["session_id"], "--format", "xml")
    assert res.exit_code == 2 and "--format" in res.stderr


def test_replay_prints_the_recorded_transcript() -> None:
    _, data = run_json(str(SCENARIOS / "budget_math.toml"))
    res = cli("replay", data["session_id"])
    assert res.exit_code == 0 and "calculator" in res.stdout and "129.6" in res.stdout


def test_cap_flags_stop_with_exit_3() -> None:
    code, data = run_json(str(SCENARIOS / "budget_math.toml"), "--max-steps", "1")
    assert code == 3 and data["status"] == "stopped" and data["stop_reason"] == "limit:steps"
    code, data = run_json(str(SCENARIOS / "budget_math.toml"), "--max-cost", "0.0001")
    assert code == 3 and data["stop_reason"] == "limit:cost_usd"
    assert data["usage"]["cost_usd"] <= 0.0001


def test_bad_option_value_is_one_line_naming_the_option() -> None:
    res = cli("run", str(SCENARIOS / "budget_math.toml"), "--max-cost", "lots")
    assert res.exit_code == 2
    assert "--max-cost" in res.stderr and res.stderr.strip().count("\n") == 0
    assert "Traceback" not in res.stderr


def test_bad_scenario_is_exit_2_with_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('task = "t"\n\n[[agents]]\nname = "a"\nmodel = 3\n')
    res = cli("run", str(bad))
    assert res.exit_code == 2
    assert res.stderr.strip() == f"error: {bad}:5: agents[0].model: expected a string, got int"


def test_missing_scenario_file() -> None:
    res = cli("run", "nope.toml")
    assert res.exit_code == 2 and "nope.toml: no such file" in res.stderr


def test_scenarios_list_and_validate(tmp_path: Path) -> None:
    res = cli("scenarios", "list", str(SCENARIOS), "--json")
    names = {r.get("name") for r in json.loads(res.stdout)}
    assert {"research_question", "budget_math", "file_summary"} <= names
    ok = cli("scenarios", "validate", *map(str, sorted(SCENARIOS.glob("*.toml"))))
    assert ok.exit_code == 0, ok.stderr
    bad = tmp_path / "b.toml"
    bad.write_text('task = "t"\npattern = "swarm"\n[[agents]]\nname = "a"\n')
    res = cli("scenarios", "validate", str(bad))
    assert res.exit_code == 2 and ":2: pattern: expected one of" in res.stderr


def test_model_error_is_exit_1(tmp_path: Path) -> None:
    f = tmp_path / "f.toml"
    f.write_text('task = "t"\n[[agents]]\nname = "a"\nmodel = "lab/scripted"\nfail = "boom"\n')
    code, data = run_json(str(f))
    assert code == 1 and data["status"] == "error" and data["stop_reason"].startswith("error:")


def test_loop_is_exit_3(tmp_path: Path) -> None:
    f = tmp_path / "loop.toml"
    f.write_text(
        textwrap.dedent(
            """
            task = "t"
            [[agents]]
            name = "a"
            model = "lab/scripted"
            tools = ["calculator"]
              [[agents.script]]
              tool = "calculator"
              args = { expression = "1" }
              repeat = 10
            """
        )
    )
    code, data = run_json(str(f))
    assert code == 3 and data["stop_reason"] == "loop"


def test_sessions_cost_matches_litellm(agentlab_home: Path) -> None:
    from agentlab.core.llm import cost_per_token

    _, data = run_json(str(SCENARIOS / "research_question.toml"))
    res = cli(
        "sessions",
        "cost",
        data["session_id"],
        "--as",
        "gpt-4o",
        "--as",
        "claude-sonnet-4-5",
        "--as",
        "ollama/llama3.2",
        "--json",
    )
    report = json.loads(res.stdout)
    u = data["usage"]
    for m in report["models"][:2]:
        i, o = cost_per_token(m["model"], u["input_tokens"], u["output_tokens"])
        assert m["cost_usd"] == pytest.approx(i + o)
    assert report["models"][2]["priced"] is False and report["models"][2]["cost_usd"] is None


def test_bare_agentlab_without_a_terminal_says_so() -> None:
    res = cli()
    assert res.exit_code == 2 and "needs a terminal" in res.stderr


def test_advise_is_registered() -> None:
    res = cli("advise", "--help")
    assert res.exit_code == 0 and "--profile" in res.stdout


def test_failed_calls_are_not_steps_or_unpriced_in_the_store(tmp_path: Path) -> None:
    f = tmp_path / "f.toml"
    f.write_text('task = "t"\n[[agents]]\nname = "a"\nmodel = "lab/scripted"\nfail = "boom"\n')
    _, data = run_json(str(f))
    row = json.loads(cli("sessions", "list", "--json").stdout)[0]
    assert row["steps"] == data["steps"] == 0
    assert row["unpriced"] is False and data["usage"]["unpriced_calls"] == 0


@pytest.mark.parametrize("kind", ["dir", "not-a-db"])
def test_bad_db_path_is_one_line_naming_db(tmp_path: Path, kind: str) -> None:
    target = tmp_path
    if kind == "not-a-db":
        target = tmp_path / "notes.json"
        target.write_text('{"not": "sqlite"}' * 100)
    for args in (["sessions", "list"], ["run", str(SCENARIOS / "budget_math.toml"), "--json"]):
        res = cli(*args, "--db", str(target))
        assert res.exit_code == 2, res.output
        assert res.stderr.startswith("error: --db ") and res.stderr.count("\n") == 1
    if kind == "not-a-db":
        assert target.read_text().startswith('{"not"')  # never touched


def test_printer_holds_output_while_a_prompt_is_open() -> None:
    """Concurrent workers keep producing events while the CLI asks a question; their lines wait
    until the answer so the prompt does not scroll away."""
    import io

    from rich.console import Console

    from agentlab.console.printer import Printer
    from agentlab.core.events import Notice

    out = io.StringIO()
    printer = Printer(Console(file=out, width=100))
    printer(Notice(session_id="s", span_id="x", message="before"))
    printer.pause()
    printer(Notice(session_id="s", span_id="x", message="during"))
    assert "during" not in out.getvalue()
    printer.resume()
    assert out.getvalue().index("before") < out.getvalue().index("during")


def test_empty_model_option_is_refused() -> None:
    res = cli("run", str(SCENARIOS / "budget_math.toml"), "--model", "")
    assert res.exit_code == 2 and "--model" in res.stderr


async def test_terminal_questions_are_asked_one_at_a_time(monkeypatch) -> None:
    import asyncio
    import threading
    import time

    from agentlab.console import prompts as cli_module

    open_now, most = [0], [0]
    lock = threading.Lock()

    def confirm(question: str, default: bool = False) -> bool:
        with lock:
            open_now[0] += 1
            most[0] = max(most[0], open_now[0])
        time.sleep(0.05)
        with lock:
            open_now[0] -= 1
        return "yes" in question

    monkeypatch.setattr(cli_module.typer, "confirm", confirm)
    ask = cli_module.asker(None)
    answers = await asyncio.gather(ask("say yes"), ask("say no"), ask("yes again"))
    assert answers == [True, False, True]
    assert most[0] == 1


async def test_a_question_left_open_does_not_hold_up_the_end_of_a_run(monkeypatch) -> None:
    import asyncio
    import threading

    from agentlab.console import prompts as cli_module

    never = threading.Event()
    monkeypatch.setattr(cli_module.typer, "confirm", lambda q, default=False: never.wait(5))
    ask = cli_module.asker(None)
    task = asyncio.ensure_future(ask("anyone there?"))
    await asyncio.sleep(0.05)
    task.cancel()  # the run ended (a cap, Ctrl-C) while the question was open
    with pytest.raises(asyncio.CancelledError):
        await task
    never.set()


def test_someone_elses_database_is_left_alone(tmp_path: Path) -> None:
    import sqlite3

    foreign = tmp_path / "shop.db"
    with sqlite3.connect(foreign) as conn:
        conn.execute("create table customers (id integer)")
    res = cli("sessions", "list", "--db", str(foreign))
    assert res.exit_code == 2 and "another application's database" in res.stderr
    with sqlite3.connect(foreign) as conn:
        names = {r[0] for r in conn.execute("select name from sqlite_master")}
    assert names == {"customers"}


@pytest.mark.parametrize(
    "args",
    [
        ["--max-cost", "nan"],
        ["--max-time", "inf"],
        ["--lab-latency", "inf"],
        ["--model", "lab/bogus"],
    ],
)
def test_bad_numbers_and_models_are_refused(args: list[str]) -> None:
    res = cli("run", str(SCENARIOS / "budget_math.toml"), "--json", *args)
    assert res.exit_code == 2 and args[0] in res.stderr


def test_non_finite_numbers_in_a_scenario_are_refused(tmp_path: Path) -> None:
    f = tmp_path / "s.toml"
    f.write_text('task = "t"\n[lab]\nttft_ms = inf\n[[agents]]\nname = "a"\n')
    res = cli("scenarios", "validate", str(f))
    assert res.exit_code == 2 and ":3: lab.ttft_ms" in res.stderr


def test_cost_projection_says_unpriced_not_zero(tmp_path: Path) -> None:
    from agentlab.core.prices import reprice

    rows = [
        {"name": "a", "input_tokens": 10, "output_tokens": 5, "cost_usd": 0.0, "unpriced_calls": 1}
    ]
    report = reprice(rows, ["gpt-4o"])
    assert report["recorded"]["cost_usd"] is None and report["recorded_agents"]["a"] is None


def test_db_before_the_command_is_honoured(tmp_path: Path, agentlab_home: Path) -> None:
    """`agentlab --db X sessions list` reads X, like `agentlab sessions list --db X`."""
    db = tmp_path / "elsewhere.db"
    res = cli("--db", str(db), "run", str(SCENARIOS / "budget_math.toml"), "--json")
    sid = json.loads(res.stdout)["session_id"]
    assert db.exists()
    for args in (["--db", str(db), "sessions", "list"], ["sessions", "list", "--db", str(db)]):
        rows = json.loads(cli(*args, "--json").stdout)
        assert [r["session_id"] for r in rows] == [sid]
    assert json.loads(cli("sessions", "list", "--json").stdout) == []  # the default db: empty
    res = cli("--db", str(db), "sessions", "show", sid[:12], "--json")
    assert json.loads(res.stdout)["session_id"] == sid
    res = cli("--db", str(db), "export", sid, "-f", "jsonl")
    assert res.exit_code == 0 and res.stdout.count("\n") > 5
    assert cli("--db", str(db), "replay", sid).exit_code == 0
    res = cli("--db", str(db), "sessions", "cost", sid, "--as", "gpt-4o", "--json")
    assert json.loads(res.stdout)["session_id"] == sid


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["--max-cost", "0"], "error: --max-cost: must be greater than 0"),
        (["--max-time", "-1"], "error: --max-time: must be greater than 0"),
        (["--max-steps", "0"], "error: --max-steps: must be at least 1"),
        (["--max-tokens", "0"], "error: --max-tokens: must be at least 1"),
        (["--max-tool-calls", "-1"], "error: --max-tool-calls: must be at least 0"),
        (["--max-cost", "nan"], "error: --max-cost: expected a finite number, got nan"),
    ],
)
def test_cap_options_are_checked_by_the_limits_model(args: list[str], line: str) -> None:
    res = cli("run", str(SCENARIOS / "budget_math.toml"), "--json", *args)
    assert res.exit_code == 2 and res.stderr == line + "\n"
