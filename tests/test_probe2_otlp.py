"""Probe 2: a truncated gzip OTLP payload was decoded as far as it went, so `agentlab
import-otlp` of a cut JSON-lines export recorded the first requests and exited 0."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import pytest
from google.protobuf import json_format
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
)
from test_faults_cli import cli, one_error_line

from agentlab.collect.otlp import BadPayload, gunzip

FIXTURES = Path(__file__).parent / "fixtures" / "otlp"


def _cut_at_a_line_end(z: bytes) -> bytes:
    for cut in range(len(z) - 1, 0, -1):
        out = zlib.decompressobj(wbits=31).decompress(z[:cut])
        if out.endswith(b"\n") and 0 < out.count(b"\n") < 3:
            return z[:cut]
    raise AssertionError("no cut")


def test_a_truncated_gzip_export_is_refused_not_partly_recorded(tmp_path: Path) -> None:
    lines = []
    for name in ("langgraph_openinference", "openai_agents_openinference", "pydantic_ai"):
        req = ExportTraceServiceRequest()
        req.ParseFromString((FIXTURES / f"{name}.pb").read_bytes())
        lines.append(json_format.MessageToJson(req, indent=None))
    z = gzip.compress(("\n".join(lines) + "\n").encode())
    cut = tmp_path / "cut.json.gz"
    cut.write_bytes(_cut_at_a_line_end(z))
    res = cli("import-otlp", str(cut), "--db", str(tmp_path / "a.db"))
    assert res.exit_code == 2, res.output
    assert "truncated" in one_error_line(res)
    assert not (tmp_path / "a.db").exists() or "recorded" not in res.output


def test_gunzip_refuses_a_cut_stream_and_keeps_a_whole_one() -> None:
    z = gzip.compress(b"x" * 10_000)
    assert gunzip(z) == b"x" * 10_000
    with pytest.raises(BadPayload, match="truncated"):
        gunzip(z[:-4])
