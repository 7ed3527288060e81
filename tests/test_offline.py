"""End to end with the network blocked: the flagship scenario runs, records and exports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from conftest import ROOT


def test_flagship_runs_offline_in_a_fresh_process(tmp_path: Path) -> None:
    code = textwrap.dedent(
        """
        import socket, sys
        def blocked(*a, **k):
            raise OSError("network blocked by test")
        socket.socket.connect = blocked
        socket.create_connection = blocked
        socket.getaddrinfo = blocked
        from agentlab.cli import main
        main(sys.argv[1:])
        """
    )
    env = {k: v for k, v in os.environ.items() if "TIKTOKEN" not in k and "LITELLM" not in k}
    env["AGENTLAB_HOME"] = str(tmp_path / "home")
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")

    def agentlab(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", code, *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            timeout=120,
        )

    run = agentlab("run", "scenarios/research_question.toml", "--json", "--lab-latency", "0")
    assert run.returncode == 0, run.stderr
    summary = json.loads(run.stdout)
    assert summary["status"] == "completed"
    assert summary["usage"]["total_tokens"] > 0 and summary["usage"]["cost_usd"] > 0
    assert "Traceback" not in run.stderr and "network blocked" not in run.stderr

    listed = json.loads(agentlab("sessions", "list", "--json").stdout)
    assert listed[0]["session_id"] == summary["session_id"]
    assert listed[0]["total_tokens"] == summary["usage"]["total_tokens"]

    exported = agentlab("export", summary["session_id"], "--format", "otlp-json")
    spans = json.loads(exported.stdout)["resourceSpans"][0]["scopeSpans"][0]["spans"]
    assert spans
