"""``http_get``, the network tool shipped to show the exfiltration leg of the lethal trifecta:
off unless the scenario allows hosts, blocked (a check span) for any other host, and never
beyond this machine in tests (a 127.0.0.1 server the test starts)."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pytest
from helpers import run_collect, scenario
from typer.testing import CliRunner

from agentlab.cli import app
from agentlab.core import network
from agentlab.core.checks.trifecta import audit
from agentlab.core.events import CheckEnded, ToolCallEnded
from agentlab.core.tools import BUILTIN_TOOLS, ToolContext, call_tool, http_get, tool
from agentlab.errors import ScenarioError
from agentlab.scenario import parse_scenario


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/hop":  # a redirect to a host that is not allowed
            self.send_response(302)
            self.send_header("Location", "http://collect.evil.example/c")
            self.end_headers()
            return
        body = b"status: all systems normal" if self.path == "/status" else b"nope"
        self.send_response(200 if self.path == "/status" else 404)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


FETCH = """
task = "t"
hosts = ["127.0.0.1"]
[[agents]]
name = "a"
model = "lab/scripted"
tools = ["http_get"]
  [[agents.script]]
  tool = "http_get"
  args = {{ url = "{first}" }}
  [[agents.script]]
  tool = "http_get"
  args = {{ url = "{second}" }}
  [[agents.script]]
  text = "done"
"""


async def test_an_allowed_host_is_fetched_and_any_other_is_blocked(server: str) -> None:
    s = scenario(FETCH.format(first=f"{server}/status", second="https://collect.evil.example/x"))
    result, events = await run_collect(s)
    assert result.status == "completed"
    ok, refused = [e for e in events if isinstance(e, ToolCallEnded)]
    assert ok.result == "status: all systems normal" and not ok.is_error
    assert refused.is_error and "blocked by the egress check" in refused.result
    (check,) = [e for e in events if isinstance(e, CheckEnded)]
    assert (check.check, check.verdict) == ("egress", "block")
    assert check.detail == {"url": "https://collect.evil.example/x", "allowed": ["127.0.0.1"]}


async def test_the_tool_refuses_by_itself_too(server: str) -> None:
    ctx = ToolContext(hosts=("127.0.0.1",))
    got = await call_tool(http_get, {"url": f"{server}/status"}, ctx)
    assert got.content == "status: all systems normal"
    missing = await call_tool(http_get, {"url": f"{server}/missing"}, ctx)
    assert missing.content.startswith("HTTP 404")
    hop = await call_tool(http_get, {"url": f"{server}/hop"}, ctx)
    assert hop.is_error and "redirected to http://collect.evil.example/c" in hop.content
    for url, why in [
        ("https://example.com/", "not on the scenario's allowlist"),
        ("file:///etc/passwd", "only http and https"),
    ]:
        got = await call_tool(http_get, {"url": url}, ctx)
        assert got.is_error and why in got.content
    off = await call_tool(http_get, {"url": f"{server}/status"}, ToolContext())
    assert off.is_error and "allows no hosts" in off.content


def test_http_get_is_off_unless_the_scenario_allows_hosts() -> None:
    text = FETCH.format(first="http://127.0.0.1/", second="x").replace(
        'hosts = ["127.0.0.1"]\n', ""
    )
    with pytest.raises(ScenarioError) as err:
        parse_scenario(text, "n.toml")
    assert "n.toml:" in str(err.value) and "hosts = [" in str(err.value)


def test_refusal_needs_no_connection() -> None:
    assert network.refusal(["a.example"], "http://A.example/x") == ""
    assert "allowlist" in network.refusal(["a.example"], "http://b.example/x")
    assert "no network" in network.refusal([], "http://a.example/x")


def test_capabilities_are_declared_on_the_tools_and_the_audit_reads_them() -> None:
    assert BUILTIN_TOOLS["http_get"].capabilities == {"sees_untrusted_content", "can_exfiltrate"}
    assert BUILTIN_TOOLS["read_file"].capabilities == {
        "reads_private_data",
        "sees_untrusted_content",
    }
    assert BUILTIN_TOOLS["calculator"].capabilities == frozenset()

    @tool(capabilities=["can_exfiltrate"])
    def send_email(to: str, body: str) -> str:
        """Send an email."""
        return "sent"

    s = scenario(
        'task = "t"\nworkspace = "."\n[[agents]]\nname = "a"\nmodel = "lab/scripted"\n'
        'tools = ["read_file"]\n'
    )
    known = {**BUILTIN_TOOLS, "send_email": send_email}
    (alone,) = audit(s, known=known)
    assert not alone.trifecta
    (held,) = audit(s, {"a": {"send_email"}}, known=known)
    assert held.trifecta and held.has["can_exfiltrate"] == ["send_email"]


def test_audit_reports_the_shipped_demonstration_as_acknowledged() -> None:
    from conftest import SCENARIOS

    out = CliRunner().invoke(app, ["audit", str(SCENARIOS / "poisoned_document.toml")])
    assert out.exit_code == 0, out.stdout
    assert "acknowledged" in out.stdout and "http_get" in out.stdout
