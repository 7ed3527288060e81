"""A local OpenAI-compatible chat server for testing the real-provider path (127.0.0.1 only).

It plays a tiny scripted model: if tools are offered and no tool result is in the conversation
yet, it calls the first tool with ``{"expression": "6 * 7"}``; otherwise it answers with text that
quotes the last tool result. It supports streaming (SSE) and reports usage.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class _Handler(BaseHTTPRequestHandler):
    disable_nagle_algorithm = True  # otherwise every call waits ~40 ms
    requests: list[dict[str, Any]] = []

    def log_message(self, *args: Any) -> None:  # keep test output clean
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append(
            {"path": self.path, "body": body, "auth": self.headers.get("Authorization")}
        )
        messages = body["messages"]
        tools = body.get("tools") or []
        tool_results = [m for m in messages if m.get("role") == "tool"]
        if tools and not tool_results:
            name = tools[0]["function"]["name"]
            message = {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": name, "arguments": '{"expression": "6 * 7"}'},
                    }
                ],
            }
            finish = "tool_calls"
        else:
            last = tool_results[-1]["content"] if tool_results else "nothing"
            message = {"role": "assistant", "content": f"The tool said {last}."}
            finish = "stop"
        usage = {"prompt_tokens": 31, "completion_tokens": 7, "total_tokens": 38}
        if body.get("stream"):
            self._stream(body["model"], message, finish, usage)
            return
        payload = {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 0,
            "model": body["model"],
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": usage,
        }
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, model: str, message: dict, finish: str, usage: dict) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()

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
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.flush()

        if message.get("tool_calls"):
            call = message["tool_calls"][0]
            send({"role": "assistant", "tool_calls": [{"index": 0, **call}]})
        else:
            text = message["content"]
            for i in range(0, len(text), 5):
                send({"content": text[i : i + 5]})
        send({}, finish)
        send({}, None, usage)
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()


class FakeOpenAI:
    def __init__(self) -> None:
        _Handler.requests = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    @property
    def requests(self) -> list[dict[str, Any]]:
        return _Handler.requests

    def __enter__(self) -> FakeOpenAI:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
