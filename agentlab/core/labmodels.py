"""The offline lab models: deterministic stand-ins for real models.

They decide what to say from the request alone (the messages and the tools offered), so they are
stateless, safe to run concurrently, and behave the same live and in replay:

- ``lab/scripted`` follows the agent's script: turn N is the N-th assistant message this agent
  has produced in the conversation. A turn is text or one or more tool calls. Text may refer to
  earlier tool results with ``{result}``, ``{result[2]}``, ``{results}``, ``{tool:NAME}``,
  ``{input}``. When the script runs out, it answers with a summary of what the tools returned.
- ``lab/flaky`` is ``lab/scripted`` that gets a whole run wrong at a set rate: from the seed and
  the agent's name it draws once per run (:func:`flaky_fails`, deterministic) and, when the draw
  falls under ``fail_rate``, answers its first turn with :data:`FLAKY_ANSWER` instead of its
  script. The eval runner moves the seed on for each repeat, so ``--repeat`` sees it fail at
  that rate and ``pass^k`` has something to measure.
- ``lab/auto`` calls each offered tool once, with arguments generated from its JSON schema, then
  answers with a summary of the results (like pydantic-ai's TestModel).

This module is pure: the litellm adapter that registers these as the ``lab`` provider lives in
``llm.py`` (the only module that imports litellm). Token counts are computed by the gateway with
tiktoken on the real request and reply, so they are real numbers.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

LAB_MODELS = ("lab/scripted", "lab/auto", "lab/flaky")
#: What ``lab/flaky`` says on a run it gets wrong.
FLAKY_ANSWER = "Sorry, I lost track of the task and cannot answer it."
#: A lab model counts its tokens and is priced as this real model unless the scenario names
#: another (``price_as``), so token caps and cost caps mean something offline.
DEFAULT_PRICE_AS = "gpt-4o-mini"


def is_lab(model: str) -> bool:
    return model.startswith("lab/")


def counted_as(model: str, price_as: str | None) -> str:
    """The real model whose tokenizer and price apply to a call to ``model``: a lab model
    stands in for ``price_as`` (default gpt-4o-mini); a real model is always itself."""
    if not is_lab(model):
        return model
    return price_as or DEFAULT_PRICE_AS


@dataclass(frozen=True)
class LabCall:
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class LabReply:
    text: str = ""
    calls: tuple[LabCall, ...] = ()


@dataclass(frozen=True)
class LabConfig:
    """What the runtime tells a lab model about the agent it plays (sent in ``extra_body``)."""

    agent: str = "agent"
    script: list[dict[str, Any]] = field(default_factory=list)
    ttft_ms: float = 0.0
    tokens_per_s: float = 0.0
    fail: str = ""  # a scripted model error, for testing failure handling
    #: ``lab/flaky``: the share of runs it gets wrong, and the seed of its draw.
    fail_rate: float = 0.0
    seed: int = 0

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> LabConfig:
        data = data or {}
        return cls(
            agent=str(data.get("agent", "agent")),
            # The caller's list itself (read, never changed here): a copy per call would make
            # every call work out the script's turns again (see _turn_at).
            script=_as_list(data.get("script")),
            ttft_ms=float(data.get("ttft_ms", 0.0)),
            tokens_per_s=float(data.get("tokens_per_s", 0.0)),
            fail=str(data.get("fail", "")),
            fail_rate=float(data.get("fail_rate", 0.0)),
            seed=int(data.get("seed", 0)),
        )


def _as_list(value: Any) -> list[dict[str, Any]]:
    return value if isinstance(value, list) else list(value or [])


def expand_script(script: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Unroll ``repeat = N`` turns (used to script an agent that goes round in circles)."""
    out: list[dict[str, Any]] = []
    for turn in script:
        out.extend([turn] * max(1, int(turn.get("repeat", 1))))
    return out


def lab_reply(
    model: str, messages: list[dict[str, Any]], tools: list[dict[str, Any]], cfg: LabConfig
) -> LabReply:
    """What the lab model ``model`` answers to this request."""
    if model.endswith("flaky") and flaky_fails(cfg.seed, cfg.agent, cfg.fail_rate):
        return LabReply(text=FLAKY_ANSWER)
    if model.endswith(("scripted", "flaky")) and cfg.script:
        turn_no = _own_turns(messages, cfg.agent)
        turn = _turn_at(cfg.script, turn_no)
        if turn is not None:
            return _render_turn(turn, messages)
        return LabReply(text=_summary(messages))
    return _auto_reply(messages, tools)


def flaky_draw(seed: int, agent: str) -> float:
    """``lab/flaky``'s draw for one run, in [0, 1): a hash of the seed and the agent, so the
    same seed gives the same run on every machine (no global random state)."""
    digest = hashlib.blake2b(f"{seed}:{agent}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def flaky_fails(seed: int, agent: str, rate: float) -> bool:
    """Whether ``lab/flaky`` gets the run with this seed wrong."""
    return rate > 0 and flaky_draw(seed, agent) < rate


def _turn_at(script: list[dict[str, Any]], n: int) -> dict[str, Any] | None:
    """Turn ``n`` of the script with ``repeat`` unrolled, without unrolling it: a binary search
    over where each turn starts (worked out once per script, not walked on every call)."""
    key = id(script)
    known = _SCRIPT_STARTS.get(key)
    if known is None or known[0] is not script or known[2] != len(script):
        starts, at = [], 0
        for turn in script:
            starts.append(at)
            at += max(1, int(turn.get("repeat", 1)))
        if len(_SCRIPT_STARTS) >= 64:
            _SCRIPT_STARTS.clear()
        known = _SCRIPT_STARTS[key] = (script, (starts, at), len(script))
    starts, end = known[1]
    if n < 0 or n >= end:
        return None
    return script[bisect.bisect_right(starts, n) - 1]


#: Per script (by id, holding it so the id stays its own): where each turn starts, and the end.
_SCRIPT_STARTS: dict[int, tuple[list[dict[str, Any]], tuple[list[int], int], int]] = {}


def _own_turns(messages: list[dict[str, Any]], agent: str) -> int:
    """How many assistant messages this agent has produced since its input (its turn index).

    Conversations grow by appending, so the count of the agent's previous request is reused
    when that request is (by one C-level comparison) the start of this one: a call costs what
    was added, not the whole conversation. The answer is still a function of the request."""
    prev = _TURNS.get(agent)
    n, count = 0, 0
    if prev is not None and len(prev[0]) <= len(messages):
        seen, counted = prev
        if messages[: len(seen)] == seen:
            n, count = len(seen), counted
    for m in messages[n:] if n else messages:
        if m.get("role") == "assistant" and m.get("name", agent) == agent:
            count += 1
    if len(_TURNS) >= 256:
        _TURNS.clear()
    _TURNS[agent] = (list(messages), count)
    return count


#: Per agent name: the last request's messages and their count of the agent's own turns.
_TURNS: dict[str, tuple[list[dict[str, Any]], int]] = {}


def _render_turn(turn: dict[str, Any], messages: list[dict[str, Any]]) -> LabReply:
    calls: list[LabCall] = []
    if "tool" in turn:
        calls.append(LabCall(turn["tool"], _fill(turn.get("args", {}), messages)))
    for call in turn.get("calls", []):
        calls.append(LabCall(call["tool"], _fill(call.get("args", {}), messages)))
    text = fill_template(turn.get("text", ""), messages)
    return LabReply(text=text, calls=tuple(calls))


def _fill(value: Any, messages: list[dict[str, Any]]) -> Any:
    if isinstance(value, str):
        return fill_template(value, messages)
    if isinstance(value, dict):
        return {k: _fill(v, messages) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, messages) for v in value]
    return value


_TEMPLATE = re.compile(r"\{(result(?:\[(-?\d+)\])?|results|input|tool:([\w.-]+))\}")


def _tool_results(messages: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(tool name, content) for every tool result in the conversation, in order."""
    names: dict[str, str] = {}
    out: list[tuple[str, str]] = []
    for m in messages:
        for call in m.get("tool_calls") or []:
            names[call.get("id", "")] = call.get("function", {}).get("name", "")
        if m.get("role") == "tool":
            out.append((names.get(m.get("tool_call_id", ""), m.get("name", "")), _text(m)))
    return out


def _text(message: dict[str, Any]) -> str:
    content = message.get("content") or ""
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content)
    return str(content)


def fill_template(text: str, messages: list[dict[str, Any]]) -> str:
    if "{" not in text:
        return text
    results = _tool_results(messages)
    last_user = next((_text(m) for m in reversed(messages) if m.get("role") == "user"), "")

    def sub(match: re.Match[str]) -> str:
        token, index, tool_name = match.group(1), match.group(2), match.group(3)
        if token == "input":
            return last_user
        if token == "results":
            return "\n".join(f"- {name}: {content}" for name, content in results) or "(none)"
        if tool_name:
            hits = [c for n, c in results if n == tool_name]
            return hits[-1] if hits else f"(no {tool_name} result)"
        if not results:
            return "(no result)"
        if index is None:
            return results[-1][1]
        i = int(index)
        i = i - 1 if i > 0 else i
        return results[i][1] if -len(results) <= i < len(results) else "(no result)"

    return _TEMPLATE.sub(sub, text)


def _summary(messages: list[dict[str, Any]]) -> str:
    results = _tool_results(messages)
    if not results:
        task = next((_text(m) for m in reversed(messages) if m.get("role") == "user"), "")
        return f"I have no tool results to go on, so here is my direct answer to: {task[:200]}"
    lines = [f"I used {len(results)} tool call(s). What they returned:"]
    lines += [f"- {name}: {_clip(content)}" for name, content in results]
    return "\n".join(lines)


def _clip(text: str, n: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _auto_reply(messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> LabReply:
    called = {
        call.get("function", {}).get("name")
        for m in messages
        for call in (m.get("tool_calls") or [])
    }
    task = next((_text(m) for m in messages if m.get("role") == "user"), "")
    for spec in tools or []:
        fn = spec.get("function", spec)
        if fn.get("name") not in called:
            return LabReply(
                calls=(LabCall(fn["name"], args_from_schema(fn.get("parameters", {}), task)),)
            )
    return LabReply(text=_summary(messages))


def args_from_schema(schema: dict[str, Any], task: str = "") -> dict[str, Any]:
    """Plausible arguments for a tool from its JSON schema (required and optional properties)."""
    props: dict[str, Any] = schema.get("properties", {})
    return {name: _value_for(name, prop, task) for name, prop in props.items()}


def _value_for(name: str, prop: dict[str, Any], task: str) -> Any:
    if "enum" in prop:
        return prop["enum"][0]
    if "default" in prop and prop["default"] is not None:
        return prop["default"]
    kind = prop.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind == "integer":
        return int(prop.get("minimum", 1))
    if kind == "number":
        return float(prop.get("minimum", 1.0))
    if kind == "boolean":
        return True
    if kind == "array":
        return []
    if kind == "object":
        return args_from_schema(prop, task)
    lowered = name.lower()
    if "path" in lowered or "file" in lowered or "dir" in lowered:
        return "."
    if "expr" in lowered:
        return "6 * 7"
    return task[:80] or name


def as_tool_calls(reply: LabReply, turn_tag: str) -> list[dict[str, Any]]:
    """The reply's calls in the OpenAI ``tool_calls`` wire shape, with stable ids."""
    return [
        {
            "id": f"call_{turn_tag}_{i}",
            "type": "function",
            "function": {"name": c.name, "arguments": json.dumps(c.arguments)},
        }
        for i, c in enumerate(reply.calls)
    ]
