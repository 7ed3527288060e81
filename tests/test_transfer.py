"""Sessions leaving and entering a database: lossless JSONL export/import, format versions,
bad files in one line, OTLP protobuf to a collector, and browsing (filters, rm)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from conftest import SCENARIOS
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from typer.testing import CliRunner

from agentlab.cli import app
from agentlab.store.export import trace_id

runner = CliRunner()


def cli(*args: str):
    return runner.invoke(app, list(args))


def run(name: str, *args: str) -> dict:
    res = cli("run", str(SCENARIOS / name), *args, "--json")
    return json.loads(res.stdout)


def test_export_import_export_gives_identical_jsonl(tmp_path: Path) -> None:
    sid = run("research_team.toml")["session_id"]
    first = tmp_path / "a.jsonl"
    assert cli("export", sid, "-f", "jsonl", "-o", str(first)).exit_code == 0
    other = tmp_path / "other.db"
    res = cli("import", str(first), "--db", str(other))
    assert res.exit_code == 0 and res.stdout.strip() == f"imported session {sid}"
    again = cli("export", sid, "-f", "jsonl", "--db", str(other))
    assert again.stdout == first.read_text()
    # The imported session reads the same everywhere: the list row, show, the tally.
    mine = json.loads(cli("sessions", "show", sid, "--json").stdout)
    theirs = json.loads(cli("sessions", "show", sid, "--json", "--db", str(other)).stdout)
    for key in ("status", "total_tokens", "cost_usd", "steps", "tool_calls", "agents"):
        assert theirs[key] == mine[key]
    res = cli("import", str(first), "--db", str(other))
    assert res.exit_code == 2
    assert res.stderr.strip() == f"error: session {sid} is already in this database"


def test_an_unversioned_export_still_loads_and_a_newer_version_is_refused(tmp_path: Path) -> None:
    sid = run("budget_math.toml")["session_id"]
    lines = cli("export", sid, "-f", "jsonl").stdout.splitlines(keepends=True)
    old = tmp_path / "v0.jsonl"
    old.write_text("".join(lines[1:]))  # what export -f jsonl wrote before format versions
    assert cli("replay", str(old)).exit_code == 0
    assert cli("import", str(old), "--db", str(tmp_path / "x.db")).exit_code == 0
    newer = tmp_path / "v9.jsonl"
    newer.write_text(
        lines[0].replace('"format_version":1', '"format_version":9') + "".join(lines[1:])
    )
    res = cli("replay", str(newer))
    assert res.exit_code == 2
    assert res.stderr.startswith(f"error: {newer}:1: format version 9 is from a newer agentlab")


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda ls: [*ls[:2], "not json\n", *ls[3:]], ":3: not a JSON line"),
        (lambda ls: [*ls[:2], '{"kind": "nonsense"}\n', *ls[3:]], ":3: not an agentlab event"),
        (lambda ls: [ls[0], *ls[2:]], ":2: expected the session_started event first"),
        (lambda ls: [], ": no events in it: not an agentlab recording"),
    ],
)
def test_a_broken_file_is_one_line_naming_file_and_line(tmp_path: Path, mutate, message) -> None:  # type: ignore[no-untyped-def]
    sid = run("budget_math.toml")["session_id"]
    lines = cli("export", sid, "-f", "jsonl").stdout.splitlines(keepends=True)
    bad = tmp_path / "bad.jsonl"
    bad.write_text("".join(mutate(lines)))
    for command in (["import", str(bad)], ["replay", str(bad)], ["rerun", str(bad)]):
        res = cli(*command)
        assert res.exit_code == 2
        assert res.stderr.strip().startswith(f"error: {bad}{message}")
        assert len(res.stderr.strip().splitlines()) == 1


class _Collector(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.path != "/v1/traces":
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        kind = self.headers["Content-Type"]
        req: Any
        if kind == "application/json":
            req = json.loads(body)
        else:
            req = ExportTraceServiceRequest()
            req.ParseFromString(body)
        type(self).received.append({"path": self.path, "type": kind, "request": req})
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture
def collector():  # type: ignore[no-untyped-def]
    _Collector.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Collector.received
    server.shutdown()
    server.server_close()


def _attrs(span: Any) -> dict[str, Any]:
    out = {}
    for kv in span.attributes:
        v = kv.value
        out[kv.key] = getattr(v, v.WhichOneof("value")) if v.WhichOneof("value") else None
    return out


def test_otlp_proto_posts_to_a_collector_that_decodes_it(collector, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url, received = collector
    data = run("research_team.toml")
    sid = data["session_id"]
    res = cli("export", sid, "-f", "otlp-proto", "--otlp-endpoint", url)
    assert res.exit_code == 0, res.stderr
    assert res.stderr.startswith("sent ") and f"{url}/v1/traces" in res.stderr
    [got] = received
    assert got["path"] == "/v1/traces" and got["type"] == "application/x-protobuf"
    spans = got["request"].resource_spans[0].scope_spans[0].spans
    shown = json.loads(cli("sessions", "show", sid, "--json").stdout)
    assert len(spans) == len(shown["spans"])
    assert {s.trace_id.hex() for s in spans} == {trace_id(sid)}
    chats = [s for s in spans if _attrs(s).get("gen_ai.operation.name") == "chat"]
    assert len(chats) == data["steps"]
    tokens = sum(_attrs(s)["gen_ai.usage.input_tokens"] for s in chats)
    assert tokens == data["usage"]["input_tokens"]
    by_id = {s.span_id: s for s in spans}
    assert all(s.parent_span_id in by_id for s in spans if s.parent_span_id)
    # The same bytes go to a file, and the JSON encoding describes the same spans.
    out = tmp_path / "trace.pb"
    assert cli("export", sid, "-f", "otlp-proto", "-o", str(out)).exit_code == 0
    from_file = ExportTraceServiceRequest()
    from_file.ParseFromString(out.read_bytes())
    assert from_file == got["request"]
    as_json = json.loads(cli("export", sid, "-f", "otlp-json").stdout)
    json_spans = as_json["resourceSpans"][0]["scopeSpans"][0]["spans"]
    assert [s["spanId"] for s in json_spans] == [s.span_id.hex() for s in spans]


def test_otlp_endpoint_errors_are_one_line(collector) -> None:  # type: ignore[no-untyped-def]
    url, received = collector
    sid = run("budget_math.toml")["session_id"]
    res = cli("export", sid, "--otlp-endpoint", url + "/")  # otlp-json by default
    assert res.exit_code == 0, res.stderr
    assert received[0]["type"] == "application/json" and received[0]["request"]["resourceSpans"]
    res = cli("export", sid, "-f", "otlp-json", "--otlp-endpoint", url + "/nothing-here")
    assert res.exit_code == 2
    assert res.stderr.strip() == (
        f"error: --otlp-endpoint {url}/nothing-here: the collector said HTTP 404 Not Found"
    )
    res = cli("export", sid, "-f", "otlp-proto", "--otlp-endpoint", "http://127.0.0.1:9/v1/traces")
    assert res.exit_code == 2
    assert res.stderr.startswith(
        "error: --otlp-endpoint http://127.0.0.1:9/v1/traces: cannot reach it"
    )
    res = cli("export", sid, "--otlp-endpoint", "ftp://x")
    assert res.exit_code == 2 and "expected an http(s) URL" in res.stderr
    res = cli("export", sid, "-f", "jsonl", "--otlp-endpoint", url)
    assert res.exit_code == 2 and res.stderr.startswith("error: --otlp-endpoint: sends otlp-json")


def test_sessions_list_filters_and_a_page_by_default() -> None:
    math = run("budget_math.toml")["session_id"]
    loop = run("runaway_loop.toml")["session_id"]
    team = run("research_team.toml")["session_id"]

    def ids(*args: str) -> list[str]:
        res = cli("sessions", "list", "--json", *args)
        assert res.exit_code == 0, res.stderr
        return [r["session_id"] for r in json.loads(res.stdout)]

    assert ids() == [team, loop, math]
    assert ids("--scenario", "budget_math") == [math]
    assert ids("--scenario", str(SCENARIOS / "runaway_loop.toml")) == [loop]
    assert ids("--status", "stopped") == [loop]
    assert ids("--status", "completed", "--limit", "1") == [team]
    assert ids("--model", "lab/scripted") == [team, loop, math]
    assert ids("--model", "gpt-4o") == []
    assert ids("--since", "1h") == [team, loop, math]
    assert ids("--since", time.strftime("%Y-%m-%d")) == [team, loop, math]
    assert ids("--since", "2999-01-01") == []
    res = cli("sessions", "list", "--status", "done")
    assert res.exit_code == 2 and res.stderr.startswith("error: --status: expected one of")
    res = cli("sessions", "list", "--since", "yesterday")
    assert res.exit_code == 2 and res.stderr.startswith("error: --since: expected a date")


def test_sessions_rm_asks_unless_yes() -> None:
    keep = run("budget_math.toml")["session_id"]
    gone = run("budget_math.toml")["session_id"]
    res = cli("sessions", "rm", gone)  # no terminal to ask at
    assert res.exit_code == 2 and "--yes" in res.stderr
    res = cli("sessions", "rm", gone, "--yes")
    assert res.exit_code == 0 and res.stdout.strip() == "deleted 1 session(s)"
    rows = json.loads(cli("sessions", "list", "--json").stdout)
    assert [r["session_id"] for r in rows] == [keep]
    assert cli("replay", gone).exit_code == 2
    res = cli("sessions", "rm", "nope", "--yes")
    assert res.exit_code == 2 and "no session matches 'nope'" in res.stderr


def test_a_recording_cut_short_imports_as_interrupted_and_still_reruns(tmp_path: Path) -> None:
    sid = run("budget_math.toml")["session_id"]
    lines = cli("export", sid, "-f", "jsonl").stdout.splitlines(keepends=True)
    cut = tmp_path / "cut.jsonl"
    cut.write_text("".join(lines[:-4]))  # as if the run was killed before it ended
    other = str(tmp_path / "other.db")
    assert cli("import", str(cut), "--db", other).exit_code == 0
    shown = json.loads(cli("sessions", "show", sid, "--json", "--db", other).stdout)
    assert shown["status"] == "interrupted"
    res = cli("rerun", sid, "--db", other, "--json")  # it answers what it has, then diverges
    assert res.exit_code == 4
    assert "agent analyst, step 4: the recording ends before this call was answered" in res.stderr
    assert json.loads(res.stdout)["replay"]["replayed_calls"] == 3


def test_an_otlp_json_file_is_pointed_to_import_otlp(tmp_path: Path) -> None:
    """`agentlab replay trace.json` on an OTLP export said only 'not a JSON line'."""
    from agentlab.errors import UsageError
    from agentlab.store.transfer import read_file

    trace = tmp_path / "trace.json"
    trace.write_text('{\n  "resourceSpans": [\n    {"resource": {}, "scopeSpans": []}\n  ]\n}\n')
    with pytest.raises(UsageError, match=r"an OTLP trace, not an agentlab recording.*import-otlp"):
        read_file(trace)
    trace.write_text('{"resourceSpans": []}\n')  # on one line it is valid JSON: same answer
    with pytest.raises(UsageError, match="import-otlp"):
        read_file(trace)
