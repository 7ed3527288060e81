"""The OTLP/HTTP receiver: ``POST /v1/traces`` on an asyncio server.

A small HTTP/1.1 server on ``asyncio`` streams (keep-alive, ``Content-Length`` or chunked
bodies, ``Expect: 100-continue``): OTLP exporters send one kind of request, so a web framework
would add a dependency and nothing else. A payload that does not decode gets a 400 with the
reason and is counted; nothing a client sends can stop the receiver.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from agentlab.collect.otlp import MAX_BODY_BYTES, BadPayload, decode, response_bytes
from agentlab.core.otel_in import InSpan
from agentlab.errors import RecordingFailed

PATH = "/v1/traces"
MAX_HEADERS = 100


@dataclass
class Stats:
    """What the receiver has seen (the live view's footer)."""

    requests: int = 0
    spans: int = 0
    bad: int = 0
    last_error: str = ""


class Receiver:
    """Decodes each export request and hands its spans to ``accept`` (the assembler, inside a
    recording batch)."""

    def __init__(self, accept: Callable[[list[InSpan]], None]) -> None:
        self.accept = accept
        self.stats = Stats()
        self.server: asyncio.Server | None = None
        self._proto_ok = response_bytes()

    async def start(self, host: str, port: int) -> int:
        """Listen; returns the port (``port=0`` picks a free one)."""
        self.server = await asyncio.start_server(self._client, host, port, limit=64 * 1024)
        return int(self.server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            # Do not wait on idle keep-alive connections (wait_closed would, since 3.12).
            self.server = None

    def handle(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, str, bytes]:
        """(status, content type, body) for one request."""
        path = path.split("?", 1)[0]
        if path != PATH:
            if method == "GET" and path in ("/", "/health"):
                return 200, "text/plain", b"agentlab collect: POST OTLP traces to /v1/traces\n"
            return 404, "text/plain", f"not found: {path} (OTLP traces go to {PATH})\n".encode()
        if method != "POST":
            return 405, "text/plain", b"use POST\n"
        self.stats.requests += 1
        ctype = headers.get("content-type", "")
        try:
            spans = decode(body, ctype, headers.get("content-encoding", ""))
        except BadPayload as exc:
            return self._bad(400, str(exc))
        try:
            self.accept(spans)
        except RecordingFailed as exc:  # 503: exporters keep the batch and retry it later
            return self._bad(503, str(exc))
        except Exception as exc:  # a bug: report it, keep receiving
            return self._bad(500, f"could not record: {type(exc).__name__}: {exc}")
        self.stats.spans += len(spans)
        if "json" in ctype.lower():
            return 200, "application/json", b"{}"
        return 200, "application/x-protobuf", self._proto_ok

    def _bad(self, status: int, reason: str) -> tuple[int, str, bytes]:
        self.stats.bad += 1
        self.stats.last_error = f"{time.strftime('%H:%M:%S')} {reason}"
        return status, "text/plain", (reason + "\n").encode()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while await self._one(reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        except ValueError:  # a line over the stream limit
            pass
        finally:
            writer.close()

    async def _one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        line = await reader.readline()
        if not line.strip():
            return False
        parts = line.decode("latin-1").split()
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            await _send(writer, 400, "text/plain", b"bad request line\n", close=True)
            return False
        method, path, version = parts
        headers: dict[str, str] = {}
        for _ in range(MAX_HEADERS + 1):
            h = await reader.readline()
            if h in (b"\r\n", b"\n", b""):
                break
            key, _, value = h.decode("latin-1").partition(":")
            headers[key.strip().lower()] = value.strip()
        else:
            await _send(writer, 431, "text/plain", b"too many headers\n", close=True)
            return False
        if headers.get("expect", "").lower() == "100-continue":
            writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        try:
            body = await _body(reader, headers)
        except BadPayload as exc:
            self.stats.bad += 1
            await _send(writer, 413, "text/plain", f"{exc}\n".encode(), close=True)
            return False
        status, ctype, payload = self.handle(method, path, headers, body)
        close = version == "HTTP/1.0" or headers.get("connection", "").lower() == "close"
        await _send(writer, status, ctype, payload, close=close)
        return not close


async def _body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
    if "chunked" in headers.get("transfer-encoding", "").lower():
        chunks: list[bytes] = []
        size = 0
        while True:
            line = await reader.readline()
            n = int(line.split(b";")[0].strip() or b"0", 16)
            if n == 0:
                while (await reader.readline()).strip():  # trailers
                    pass
                return b"".join(chunks)
            size += n
            if size > MAX_BODY_BYTES:
                raise BadPayload(f"body is larger than {MAX_BODY_BYTES // 2**20} MiB")
            chunks.append(await reader.readexactly(n))
            await reader.readline()
    try:
        length = int(headers.get("content-length", "0"))
    except ValueError:
        raise BadPayload("bad Content-Length") from None
    if length > MAX_BODY_BYTES or length < 0:
        raise BadPayload(f"body is larger than {MAX_BODY_BYTES // 2**20} MiB")
    return await reader.readexactly(length) if length else b""


_REASONS = {
    200: "OK",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Payload Too Large",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
}


async def _send(
    writer: asyncio.StreamWriter, status: int, ctype: str, payload: bytes, *, close: bool
) -> None:
    head = (
        f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}\r\n"
        f"Content-Type: {ctype}\r\nContent-Length: {len(payload)}\r\n"
        f"Connection: {'close' if close else 'keep-alive'}\r\n\r\n"
    )
    writer.write(head.encode("latin-1") + payload)
    await writer.drain()
