"""Real providers from the command line: up-front model checks, the models file, `agentlab
models`, secrets masked everywhere they could land, and inputs that used to hang."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from fake_openai import FakeOpenAI
from typer.testing import CliRunner

from agentlab.cli import app

runner = CliRunner()
SINGLE = 'task = "compute"\n[[agents]]\nname = "a"\nmodel = "openai/gpt-4o-mini"\n'
FAST = """
[defaults]
connect_timeout_s = 1
first_token_timeout_s = 2
chunk_timeout_s = 2
retries = 1
backoff_s = 0.01
"""


def cli(*args: str):
    return runner.invoke(app, list(args))


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def one_error_line(res) -> str:
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


# --- up-front checks ---------------------------------------------------------------------------


def test_an_unknown_provider_is_exit_2_before_a_session_starts(tmp_path: Path) -> None:
    scen = write(tmp_path / "s.toml", SINGLE)
    db = tmp_path / "lab.db"
    res = cli("run", str(scen), "--model", "nosuchprovider/foo", "--db", str(db), "--json")
    assert res.exit_code == 2
    line = one_error_line(res)
    assert "--model: model 'nosuchprovider/foo': unknown provider" in line
    listed = cli("sessions", "list", "--json", "--db", str(db))
    assert json.loads(listed.stdout) == []


def test_an_unknown_provider_in_the_scenario_names_file_and_line(tmp_path: Path) -> None:
    scen = write(tmp_path / "s.toml", SINGLE.replace("openai/gpt-4o-mini", "nope/x"))
    res = cli("run", str(scen), "--json", "--db", str(tmp_path / "lab.db"))
    assert res.exit_code == 2
    assert f"{scen}:4: agents[0].model: model 'nope/x'" in one_error_line(res)


def test_a_fifo_scenario_is_refused_not_read(tmp_path: Path) -> None:
    fifo = tmp_path / "s.toml"
    os.mkfifo(fifo)
    for args in (("scenarios", "validate", str(fifo)), ("run", str(fifo), "--json")):
        started = time.monotonic()
        res = cli(*args)
        assert res.exit_code == 2
        assert "not a regular file" in res.stderr
        assert time.monotonic() - started < 5


def test_deeply_nested_toml_is_one_line(tmp_path: Path) -> None:
    nested = "x = " + "{a = " * 400 + "1" + "}" * 400 + "\n"
    deep = write(tmp_path / "deep.toml", nested)
    res = cli("scenarios", "validate", str(deep))
    assert res.exit_code == 2
    assert "nested too deeply" in res.stderr and "Traceback" not in res.stderr
    models = write(tmp_path / "models.toml", nested)
    res = cli("models", "--models", str(models))
    assert res.exit_code == 2 and "nested too deeply" in one_error_line(res)


@pytest.mark.parametrize(
    ("extra", "args", "want"),
    [
        ("[lab]\nttft_ms = 1e12\n", (), "lab.ttft_ms"),
        ("[lab]\ntokens_per_s = 0.000001\n", (), "lab.tokens_per_s"),
        ("", ("--lab-latency", "1e12"), "--lab-latency: at most 60000 ms"),
    ],
)
def test_absurd_latencies_are_refused_up_front(tmp_path: Path, extra, args, want) -> None:
    text = 'task = "t"\n' + extra + '[[agents]]\nname = "a"\nmodel = "lab/auto"\n'
    scen = write(tmp_path / "s.toml", text)
    res = cli("run", str(scen), "--json", *args)
    assert res.exit_code == 2
    assert want in one_error_line(res)


def test_a_blocking_tool_cannot_keep_the_process_alive_past_the_cap(tmp_path: Path) -> None:
    """A tool stuck for ever (as on a FIFO) is abandoned at the cap and the process exits."""
    code = textwrap.dedent(
        """
        import asyncio, threading, time
        from agentlab.core.tools import ToolContext, call_tool, tool

        @tool
        def stuck() -> str:
            threading.Event().wait()  # never returns
            return "unreachable"

        async def main():
            try:
                async with asyncio.timeout(0.3):
                    await call_tool(stuck, {}, ToolContext())
            except TimeoutError:
                print("stopped at the cap")

        asyncio.run(main())
        """
    )
    started = time.monotonic()
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert out.stdout.strip() == "stopped at the cap", out.stderr
    assert time.monotonic() - started < 30


def test_read_file_refuses_a_fifo_in_the_workspace(tmp_path: Path) -> None:
    from agentlab.core import sandbox

    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(ValueError, match="not a regular file"):
        sandbox.read_text(tmp_path, "pipe")


# --- the models file and `agentlab models` -----------------------------------------------------


def test_models_file_mistakes_are_one_line_with_file_and_line(tmp_path: Path) -> None:
    models = write(tmp_path / "models.toml", '[models.local]\nmodel = "ollama/x"\nretries = 99\n')
    res = cli("models", "--models", str(models))
    assert res.exit_code == 2
    assert f"{models}:3: models.local.retries:" in one_error_line(res)
    models = write(tmp_path / "models.toml", "[defaults]\nfirst_token_timeout_s = 1e12\n")
    res = cli("models", "--models", str(models))
    assert res.exit_code == 2 and "defaults.first_token_timeout_s" in one_error_line(res)
    scen = write(tmp_path / "s.toml", SINGLE)
    res = cli("run", str(scen), "--models", str(tmp_path / "missing.toml"))
    assert res.exit_code == 2 and "no such models file" in one_error_line(res)


def test_models_lists_aliases_prices_and_key_presence_never_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-listed-0123456789")
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    models = write(
        tmp_path / "models.toml",
        """
        [models.local]
        model = "ollama/llama3.2"
        api_base = "http://127.0.0.1:11434"

        [models.fast]
        model = "gpt-4o-mini"
        fallbacks = ["local"]

        [models.claude]
        model = "anthropic/claude-sonnet-4-5"

        [prices."ollama/llama3.2"]
        input = 0.1
        output = 0.2
        """,
    )
    res = cli("models", "--models", str(models), "--json")
    assert res.exit_code == 0, res.stderr
    rows = {r["name"]: r for r in json.loads(res.stdout)}
    assert rows["local"]["model"] == "ollama/llama3.2"
    assert (rows["local"]["input_usd_per_mtok"], rows["local"]["output_usd_per_mtok"]) == (
        0.1,
        0.2,
    )
    assert rows["fast"]["input_usd_per_mtok"] == pytest.approx(0.15)
    assert rows["fast"]["fallbacks"] == ["ollama/llama3.2"]
    assert rows["fast"]["key"] == "set"
    assert rows["claude"]["key"] == "missing: ANTHROPIC_API_KEY"
    assert "lab/auto" in rows
    table = cli("models", "--models", str(models))
    assert table.exit_code == 0
    assert "Models" in table.stdout
    assert "sk-listed" not in table.stdout + res.stdout


def test_models_check_reports_latency_and_usage_or_one_clear_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with FakeOpenAI(["401"]) as server:
        models = write(
            tmp_path / "models.toml",
            FAST + f'\n[models.local]\nmodel = "openai/tiny"\napi_base = "{server.base_url}"\n',
        )
        ok = cli("models", "check", "local", "--models", str(models))
        assert ok.exit_code == 1  # the scripted 401
        assert "auth: AuthenticationError: no key for openai/tiny" in one_error_line(ok)
        ok = cli("models", "check", "local", "--models", str(models))
        assert ok.exit_code == 0, ok.stderr
        assert ok.stdout.startswith("local (local -> openai/tiny): ok in ")
        assert "31 input / 7 output tokens (reported by the provider)" in ok.stdout
    down = cli("models", "check", "local", "--models", str(models))  # the server is gone
    assert down.exit_code == 1 and "connection" in one_error_line(down)
    bad = cli("models", "check", "nosuch/provider-x")
    assert bad.exit_code == 2 and "unknown provider" in one_error_line(bad)


def test_an_alias_runs_against_its_own_server(tmp_path: Path) -> None:
    with FakeOpenAI() as server:
        models = write(
            tmp_path / "models.toml",
            FAST + f'\n[models.local]\nmodel = "openai/tiny"\napi_base = "{server.base_url}"\n',
        )
        scen = write(tmp_path / "s.toml", SINGLE)
        res = cli("run", str(scen), "--model", "local", "--models", str(models), "--json")
        assert res.exit_code == 0, res.stderr
        assert json.loads(res.stdout)["final_output"] == "The tool said nothing."
        assert server.requests[0]["body"]["model"] == "tiny"


# --- secrets by value --------------------------------------------------------------------------


def test_a_key_is_nowhere_in_the_database_exports_or_console(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A key in the environment, in --api-base, and echoed back by a 401."""
    env_key = "sk-scan-ENVKEY-0123456789abcdef"
    url_key = "URLKEY-9876543210fedcba"
    monkeypatch.setenv("OPENAI_API_KEY", env_key)
    monkeypatch.setenv("ACME_SERVICE_TOKEN", "tok-ACME-000111222333")
    scen = write(tmp_path / "s.toml", SINGLE)
    db = tmp_path / "lab.db"
    models = write(tmp_path / "models.toml", FAST)
    with FakeOpenAI(["401"]) as server:
        res = cli(
            "run",
            str(scen),
            "--api-base",
            f"{server.base_url}?api-key={url_key}",
            "--models",
            str(models),
            "--db",
            str(db),
        )
        assert server.requests and server.requests[0]["auth"] == f"Bearer {env_key}"
    assert res.exit_code == 1
    console = res.stdout + res.stderr
    assert "error:auth" in console and "refused the key in OPENAI_API_KEY" in console
    sid = json.loads(cli("sessions", "list", "--json", "--db", str(db)).stdout)[0]["session_id"]
    shown = cli("sessions", "show", sid, "--db", str(db))
    shown_json = cli("sessions", "show", sid, "--json", "--db", str(db))
    jsonl = cli("export", sid, "-f", "jsonl", "--db", str(db))
    otlp = cli("export", sid, "-f", "otlp-json", "--db", str(db))
    assert "[masked]" in jsonl.stdout
    texts = [console, shown.stdout, shown_json.stdout, jsonl.stdout, otlp.stdout]
    files = [p.read_bytes() for p in tmp_path.glob("lab.db*")]
    assert len(files) >= 1
    for secret in (env_key, url_key, "tok-ACME-000111222333"):
        for text in texts:
            assert secret not in text
        for data in files:
            assert secret.encode() not in data


def test_retries_are_printed_and_sessions_show_has_the_local_estimate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-0123456789abcdef")
    scen = write(tmp_path / "s.toml", SINGLE)
    db = tmp_path / "lab.db"
    models = write(tmp_path / "models.toml", FAST)
    with FakeOpenAI(["500"]) as server:
        res = cli(
            "run",
            str(scen),
            "--api-base",
            server.base_url,
            "--models",
            str(models),
            "--db",
            str(db),
        )
    assert res.exit_code == 0, res.stderr
    assert "↻ openai/gpt-4o-mini attempt 1 failed (server); retrying in" in res.stdout
    sid = json.loads(cli("sessions", "list", "--json", "--db", str(db)).stdout)[0]["session_id"]
    shown = runner.invoke(app, ["sessions", "show", sid, "--db", str(db)], terminal_width=200)
    assert "31→7 tok (local estimate" in shown.stdout
