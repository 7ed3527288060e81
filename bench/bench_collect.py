"""How fast `agentlab collect` decodes and records spans, and how much memory it holds while
parents are missing.

Run: python bench/bench_collect.py [--traces 400]

Builds pydantic-ai-shaped traces (an agent span, 4 chat spans with ~1 KB of messages each, 3
tool spans: 8 spans a trace) as OTLP protobuf requests of 512 spans (the Python exporter's
batch size), children before parents as exporters send them. Measures, in spans per second:
decoding alone; decoding + assembling + recording to a SQLite file (the receiver's request
path without the socket); the same over HTTP to the real receiver on 127.0.0.1. Then sends
30,000 spans whose parents never arrive and reports the spans held and the peak memory.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from agentlab import services
from agentlab.collect.assembly import Assembler
from agentlab.collect.otlp import decode
from agentlab.collect.server import Receiver

BATCH = 512
MSG = json.dumps([{"role": "user", "parts": [{"type": "text", "content": "word " * 200}]}])


def _attr(span, key, value) -> None:
    kv = span.attributes.add()
    kv.key = key
    if isinstance(value, int):
        kv.value.int_value = value
    else:
        kv.value.string_value = value


def build(traces: int, orphans: bool = False) -> list[bytes]:
    """Export requests of BATCH spans each, in end order (children first)."""
    spans = []
    t0 = time.time_ns()
    for t in range(traces):
        trace = os.urandom(16)
        root = os.urandom(8)
        base = t0 + t * 10_000_000
        children = []
        for i in range(7):
            kind = "chat" if i % 2 == 0 else "execute_tool"
            children.append((os.urandom(8), kind, base + i * 1000, base + i * 1000 + 900))
        for sid, kind, start, end in children:
            spans.append((trace, sid, root, kind, start, end, f"q{len(spans)}"))
        if not orphans:
            spans.append((trace, root, b"", "invoke_agent", base, base + 9000, ""))
    requests = []
    for i in range(0, len(spans), BATCH):
        req = ExportTraceServiceRequest()
        rs = req.resource_spans.add()
        kv = rs.resource.attributes.add()
        kv.key, kv.value.string_value = "service.name", "bench"
        ss = rs.scope_spans.add()
        ss.scope.name = "pydantic-ai"
        for trace, sid, parent, kind, start, end, query in spans[i : i + BATCH]:
            sp = ss.spans.add()
            sp.trace_id, sp.span_id, sp.parent_span_id = trace, sid, parent
            sp.name = f"{kind} x"
            sp.start_time_unix_nano, sp.end_time_unix_nano = start, end
            _attr(sp, "gen_ai.operation.name", kind)
            _attr(sp, "gen_ai.agent.name", "bench")
            if kind == "chat":
                _attr(sp, "gen_ai.request.model", "gpt-4o-mini")
                _attr(sp, "gen_ai.usage.input_tokens", 500)
                _attr(sp, "gen_ai.usage.output_tokens", 50)
                _attr(sp, "gen_ai.input.messages", MSG)
            elif kind == "execute_tool":
                _attr(sp, "gen_ai.tool.name", "search")
                _attr(sp, "gen_ai.tool.call.arguments", json.dumps({"q": query}))
                _attr(sp, "gen_ai.tool.call.result", "result " * 20)
        requests.append(req.SerializeToString())
    return requests


def count(requests: list[bytes]) -> int:
    return sum(len(decode(r, "application/x-protobuf")) for r in requests)


def bench_decode(requests: list[bytes]) -> float:
    n = count(requests)
    t = time.perf_counter()
    count(requests)
    return n / (time.perf_counter() - t)


def bench_record(requests: list[bytes], db: Path) -> tuple[float, int]:
    n = count(requests)
    with services.recording_bus(db) as rec:
        a = Assembler(rec.emit, idle=0.0)

        def accept(spans) -> None:
            with rec.batch():
                a.add(spans, time.monotonic())

        receiver = Receiver(accept)
        t = time.perf_counter()
        for body in requests:
            status, _, _ = receiver.handle(
                "POST", "/v1/traces", {"content-type": "application/x-protobuf"}, body
            )
            assert status == 200
        with rec.batch():
            a.tick(1e12)
        elapsed = time.perf_counter() - t
    return n / elapsed, len(a.sessions)


def bench_http(requests: list[bytes], db: Path) -> float:
    n = count(requests)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    with services.recording_bus(db) as rec:
        a = Assembler(rec.emit, idle=0.0)

        def accept(spans) -> None:
            with rec.batch():
                a.add(spans, time.monotonic())

        receiver = Receiver(accept)
        port = asyncio.run_coroutine_threadsafe(receiver.start("127.0.0.1", 0), loop).result()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        t = time.perf_counter()
        for body in requests:
            conn.request("POST", "/v1/traces", body, {"Content-Type": "application/x-protobuf"})
            resp = conn.getresponse()
            resp.read()
            assert resp.status == 200
        elapsed = time.perf_counter() - t
        conn.close()
        asyncio.run_coroutine_threadsafe(receiver.stop(), loop).result()
        loop.call_soon_threadsafe(loop.stop)
        with rec.batch():
            a.close()
    return n / elapsed


def bench_orphans(requests: list[bytes], db: Path) -> tuple[int, int, float]:
    tracemalloc.start()
    with services.recording_bus(db) as rec:
        a = Assembler(rec.emit, idle=0.0)
        peak_held = 0
        for body in requests:
            with rec.batch():
                a.add(decode(body, "application/x-protobuf"), time.monotonic())
            peak_held = max(peak_held, a.held)
        _, peak = tracemalloc.get_traced_memory()
        spans = a.spans
        with rec.batch():
            a.close()
    tracemalloc.stop()
    return spans, peak_held, peak / 2**20


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--traces", type=int, default=1000)
    args = p.parse_args()
    requests = build(args.traces)
    n = count(requests)
    print(f"{args.traces} traces, {n:,} spans in {len(requests)} requests of <= {BATCH}\n")
    from agentlab.core import otel_in

    otel_in.priced("gpt-4o-mini", "", 0, 0)  # load the price map first, as `collect` does
    with tempfile.TemporaryDirectory() as tmp:
        print(f"decode only                      {bench_decode(requests):>10,.0f} spans/s")
        rate, sessions = bench_record(requests, Path(tmp) / "a.db")
        print(f"decode + assemble + record       {rate:>10,.0f} spans/s  ({sessions} sessions)")
        rate = bench_http(requests, Path(tmp) / "b.db")
        print(f"same over HTTP (127.0.0.1)       {rate:>10,.0f} spans/s")
        orphans = build(30_000 // 7 + 1, orphans=True)
        spans, held, peak = bench_orphans(orphans, Path(tmp) / "c.db")
        print(
            f"\n{spans:,} spans whose parents never arrive: at most {held:,} held "
            f"(cap 20,000), peak traced memory {peak:,.0f} MiB"
        )


if __name__ == "__main__":
    main()
