"""What a replay compares of a model request, and how it words a difference.

Two requests are the same for the model when the conversation (every message's role, text,
name, tool-call id, and tool calls with their arguments as JSON values) and the names of the
tools offered are equal: :func:`normal_message` is that view of a message, and a request's key
is the tuple of its messages' keys (:class:`Keys` works each message out once).
:func:`describe_difference` says, in a few words, what differs between a recorded request and
a new one: the line a diverged rerun stops with. See :mod:`agentlab.core.cassette`.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable
from typing import Any

from agentlab.core import llm


def _arguments(raw: Any) -> Any:
    if isinstance(raw, str):
        try:
            return json.loads(raw) if raw.strip() else {}
        except ValueError:
            return raw
    return raw


def normal_message(m: dict[str, Any]) -> dict[str, Any]:
    """What of a message the model reads, in one canonical shape."""
    out: dict[str, Any] = {"role": m.get("role"), "content": m.get("content") or ""}
    for key in ("name", "tool_call_id"):
        if m.get(key):
            out[key] = m[key]
    calls = m.get("tool_calls")
    if calls:
        out["tool_calls"] = [
            {
                "id": c.get("id"),
                "name": (c.get("function") or {}).get("name"),
                "arguments": _arguments((c.get("function") or {}).get("arguments")),
            }
            for c in calls
        ]
    return out


def message_key(m: dict[str, Any]) -> str:
    """A message as one string: equal strings, equal messages (for the model)."""
    return json.dumps(normal_message(m), sort_keys=True, ensure_ascii=False, default=str)


MessageKeys = tuple[str, ...]
RequestKey = tuple[MessageKeys, tuple[str, ...]]


class Keys:
    """Message keys, worked out once per message object. An agent sends the same message
    objects again on every call (plus a few new ones), so keying a request costs its new
    messages, not the whole conversation again."""

    def __init__(self, mask: Callable[[Any], Any] | None = None) -> None:
        #: Applied to a message before it is keyed: a recording stored masked (``mask_storage``)
        #: is compared with the new requests masked the same way.
        self._mask = mask
        # By id(); the message is kept alongside so that its id cannot be reused meanwhile.
        self._seen: dict[int, tuple[dict[str, Any], str]] = {}
        # An agent's conversation is one list that grows: by id(), the list, a copy of what it
        # held last time and their keys, so that only the messages added since are keyed.
        self._lists: dict[int, tuple[list[dict[str, Any]], list[dict[str, Any]], MessageKeys]] = {}

    def message(self, m: dict[str, Any]) -> str:
        hit = self._seen.get(id(m))
        if hit is not None and hit[0] is m:
            return hit[1]
        key = message_key(self._mask(m) if self._mask is not None else m)
        self._seen[id(m)] = (m, key)
        return key

    def messages(self, messages: list[dict[str, Any]]) -> MessageKeys:
        seen = self._lists.get(id(messages))
        if (
            seen is not None
            and seen[0] is messages
            and len(messages) >= len(seen[1])
            and all(map(operator.is_, messages, seen[1]))
        ):
            keys = seen[2] + tuple(map(self.message, messages[len(seen[1]) :]))
        else:
            keys = tuple(map(self.message, messages))
        self._lists[id(messages)] = (messages, list(messages), keys)
        return keys

    def request(self, messages: list[dict[str, Any]], tools: list[str]) -> RequestKey:
        return self.messages(messages), tuple(tools)


def tool_names(req: llm.LlmRequest) -> list[str]:
    return [str((t.get("function") or {}).get("name", "")) for t in req.tools]


def _clip_pair(a: str, b: str, width: int = 40) -> tuple[str, str]:
    """Both texts cut around where they first differ."""
    i = next((k for k, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    start = max(0, i - width // 2)

    def cut(s: str) -> str:
        s2 = s[start : start + width]
        s2 = " ".join(s2.split()) if "\n" in s2 else s2
        return ("…" if start else "") + s2 + ("…" if start + width < len(s) else "")

    return cut(a), cut(b)


def _label(i: int, m: dict[str, Any], messages: list[dict[str, Any]]) -> str:
    role = m.get("role")
    if role == "system":
        return "the system message (instructions)" if i == 0 else f"system message {i + 1}"
    if role == "tool":
        name = next(
            (
                c["name"]
                for prev in messages[:i]
                for c in prev.get("tool_calls") or []
                if c.get("id") == m.get("tool_call_id")
            ),
            None,
        )
        return (
            f"message {i + 1} (the result of {name})"
            if name
            else f"message {i + 1} (a tool result)"
        )
    if role == "assistant":
        return f"message {i + 1} (the model's own reply)"
    return f"message {i + 1} (the {role} message)"


def _show(m: dict[str, Any]) -> str:
    if m.get("tool_calls"):
        return ", ".join(
            f"{c['name']}({json.dumps(c['arguments'], ensure_ascii=False)})"
            for c in m["tool_calls"]
        )
    return str(m.get("content"))


def describe_difference(
    recorded: list[dict[str, Any]],
    recorded_tools: list[str],
    messages: list[dict[str, Any]],
    tools: list[str],
) -> str:
    """What differs between a recorded request and this one, in a few words."""
    rec = [normal_message(m) for m in recorded]
    now = [normal_message(m) for m in messages]
    for i, (r, n) in enumerate(zip(rec, now, strict=False)):
        if r == n:
            continue
        what = _label(i, n, now)
        if r.get("role") != n.get("role"):
            return f"{what}: recorded a {r.get('role')} message, now a {n.get('role')} message"
        a, b = _clip_pair(_show(r), _show(n))
        return f'{what} differs: recorded "{a}", now "{b}"'
    if len(now) > len(rec):
        extra = now[len(rec)]
        text = _clip_pair(_show(extra), "")[0]
        return (
            f"the conversation has {len(now)} messages, the recording {len(rec)}: "
            f'{_label(len(rec), extra, now)} is new: "{text}"'
        )
    if len(now) < len(rec):
        return f"the conversation has {len(now)} messages, the recording {len(rec)}"
    if tools != recorded_tools:
        return f"the tools offered differ: recorded [{', '.join(recorded_tools)}], now [{', '.join(tools)}]"
    return "the request differs"


def common_prefix(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if normal_message(x) != normal_message(y):
            break
        n += 1
    return n
