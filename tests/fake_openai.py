"""A local OpenAI-compatible chat server for testing the real-provider path (127.0.0.1 only).

It plays a tiny scripted model: if tools are offered and no tool result is in the conversation
yet, it calls the first tool with ``{"expression": "6 * 7"}``; otherwise it answers with text that
quotes the last tool result. It supports streaming (SSE, usage in the last chunk) and reports
usage.

Faults are scripted: ``server.faults.extend(["429", "500"])`` makes the next two requests fail
that way, then it answers normally. A fault is a name, or ``(name, seconds)`` for the timed ones:

- ``"429"`` (Retry-After: ``retry_after`` seconds), ``"500"``, ``"401"`` (its body echoes the
  Authorization header it got, as some providers do);
- ``("slow", s)``: wait ``s`` seconds before answering at all;
- ``("stall", s)``: stream the first piece, then go silent for ``s`` seconds;
- ``"cut"``: stream a few pieces, then end the response with no finish reason and no ``[DONE]``
  (a truncated answer); not streamed: send half the body, then close the connection;
- ``"cut_after_finish"``: send the finish reason, then end without usage or ``[DONE]`` (complete);
- ``"bad_json"``: a 200 whose body (or SSE line) is not JSON;
- ``"length"``: the answer ends with ``finish_reason = "length"``.

Text answers can be scripted too: ``server.replies.append("...")`` makes the next answer (to a
request without tools) that text, then it answers as above again (an eval's LLM judge).

Every request is in ``server.requests``; every answer that completed, with the usage the server
reported, in ``server.served``: the server side's count of calls and tokens.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

USAGE = {"prompt_tokens": 31, "completion_tokens": 7, "total_tokens": 38}
Fault = str | tuple[str, float]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    requests: list[dict[str, Any]]
    served: list[dict[str, Any]]
    faults: list[Fault]
    replies: list[str]
    stop: threading.Event
    lock: threading.Lock

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that gave up (a timeout test) is expected, not news


class _Handler(BaseHTTPRequestHandler):
    disable_nagle_algorithm = True  # otherwise every call waits ~40 ms
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, *args: Any) -> None:  # keep test output clean
        pass

    def do_POST(self) -> None:
        try:
            self._answer()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout): nothing to do

    def _answer(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        srv = self.server
        with srv.lock:
            srv.requests.append(
                {"path": self.path, "body": body, "auth": self.headers.get("Authorization")}
            )
            fault = srv.faults.pop(0) if srv.faults else None
        name, seconds = (fault, 0.0) if isinstance(fault, str) or fault is None else fault
        if name == "429":
            self._error(429, "Rate limit reached for requests", {"Retry-After": "1"})
            return
        if name == "500":
            self._error(500, "The server had an error while processing your request")
            return
        if name == "401":
            auth = self.headers.get("Authorization") or ""
            self._error(401, f"Incorrect API key provided: {auth}. Check your key.")
            return
        if name == "slow":
            srv.stop.wait(seconds)
        message, finish = self._reply(body)
        if name == "length":
            finish = "length"
        if body.get("stream"):
            self._stream(body["model"], message, finish, name, seconds)
            return
        if name == "bad_json":
            self._send(200, b'{"id": "chatcmpl-1", "choices": [ {oops', "application/json")
            return
        if name == "cut":  # not streamed: half the body, then the connection closes
            data = json.dumps(self._payload(body, message, finish)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        payload = self._payload(body, message, finish)
        self._send(200, json.dumps(payload).encode(), "application/json")
        self._served(USAGE)

    def _payload(self, body: dict[str, Any], message: dict, finish: str) -> dict[str, Any]:
        return {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 0,
            "model": body["model"],
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": USAGE,
        }

    def _reply(self, body: dict[str, Any]) -> tuple[dict[str, Any], str]:
        messages = body["messages"]
        tools = body.get("tools") or []
        tool_results = [m for m in messages if m.get("role") == "tool"]
        if tools and not tool_results:
            name = tools[0]["function"]["name"]
            call = {
                "id": "call_1",
                "type": "function",
                "function": {"name": name, "arguments": '{"expression": "6 * 7"}'},
            }
            return {"role": "assistant", "content": None, "tool_calls": [call]}, "tool_calls"
        if not tools:
            with self.server.lock:
                scripted = self.server.replies.pop(0) if self.server.replies else None
            if scripted is not None:
                return {"role": "assistant", "content": scripted}, "stop"
        last = tool_results[-1]["content"] if tool_results else "nothing"
        return {"role": "assistant", "content": f"The tool said {last}."}, "stop"

    def _served(self, usage: dict[str, int] | None) -> None:
        with self.server.lock:
            self.server.served.append({"usage": usage})

    def _send(self, status: int, data: bytes, ctype: str, headers: dict[str, str] | None = None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        body = {"error": {"message": message, "type": "error", "code": str(status)}}
        self._send(status, json.dumps(body).encode(), "application/json", headers)

    def _stream(self, model: str, message: dict, finish: str, fault: str | None, seconds: float):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

        def raw(data: bytes) -> None:
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()

        def send(delta: dict, finish_reason: str | None = None, usage_: dict | None = None) -> None:
            chunk: dict[str, Any] = {
                "id": "chatcmpl-1",
                "object": "chat.completion.chunk",
                "created": 0,
                "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
            }
            if usage_ is not None:
                chunk["choices"] = []
                chunk["usage"] = usage_
            raw(f"data: {json.dumps(chunk)}\n\n".encode())

        def end() -> None:  # a clean end of the HTTP response (the last chunk of chunked coding)
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()

        if fault == "bad_json":
            raw(b"data: {not json at all\n\n")
            end()
            return
        if message.get("tool_calls"):
            call = message["tool_calls"][0]
            send({"role": "assistant", "tool_calls": [{"index": 0, **call}]})
        else:
            text = message["content"]
            pieces = [text[i : i + 5] for i in range(0, len(text), 5)]
            for n, piece in enumerate(pieces):
                send({"content": piece})
                if fault == "stall" and n == 0:
                    self.server.stop.wait(seconds)
                    return
                if fault == "cut" and n == 2:
                    end()
                    return
        send({}, finish)
        if fault == "cut_after_finish":
            end()
            self._served(None)
            return
        send({}, None, USAGE)
        raw(b"data: [DONE]\n\n")
        end()
        self._served(USAGE)


class FakeOpenAI:
    def __init__(self, faults: list[Fault] | None = None) -> None:
        self.server = _Server(("127.0.0.1", 0), _Handler)
        self.server.requests = []
        self.server.served = []
        self.server.faults = list(faults or [])
        self.server.replies = []
        self.server.stop = threading.Event()
        self.server.lock = threading.Lock()
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    @property
    def requests(self) -> list[dict[str, Any]]:
        return self.server.requests

    @property
    def served(self) -> list[dict[str, Any]]:
        return self.server.served

    @property
    def replies(self) -> list[str]:
        return self.server.replies

    @property
    def faults(self) -> list[Fault]:
        return self.server.faults

    def __enter__(self) -> FakeOpenAI:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop.set()  # wake handlers sleeping in a scripted stall
        self.server.shutdown()
        self.server.server_close()
