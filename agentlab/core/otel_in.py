"""Other frameworks' OpenTelemetry spans, read as agentlab's model: what a span is, its tokens,
model, cost, tool, agent, messages and session.

Pure (no storage, no UI): ``agentlab collect`` and ``agentlab import-otlp`` decode OTLP into
:class:`InSpan` values and ask this module what each one means. Two conventions are read:

- the OpenTelemetry GenAI semantic conventions (``gen_ai.*``: pydantic-ai, litellm's ``otel``
  callback, OpenLLMetry, CrewAI), which :mod:`agentlab.core.semconv` also writes on export;
- OpenInference (``openinference.span.kind``, ``llm.*``, ``input.value``: Arize's instrumentors
  for LangChain/LangGraph, the OpenAI Agents SDK, smolagents, CrewAI, LlamaIndex).

What a span is comes from ``openinference.span.kind`` or ``gen_ai.operation.name``, never from
the OTel span kind (OpenInference spans are all INTERNAL). Tokens are read on model-call spans
only; the assembler counts a call once, on the outermost model-call span (see
:func:`usage`).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

from agentlab.core.semconv import OPERATIONS

#: What a span becomes: an agent run, a model call, a tool call, or nothing of its own
#: ("other": chains, graph nodes, HTTP spans; their children attach to the nearest ancestor that
#: is something).
Role = Literal["agent", "llm", "tool", "other"]

# Attribute names read here; the GenAI semconv ones are those core/semconv.py writes on export,
# so an agentlab export collected back maps to the same session.
OPENINFERENCE_KIND = "openinference.span.kind"
OPERATION = "gen_ai.operation.name"
AGENT_NAME = ("gen_ai.agent.name", "agent.name", "agent_name")
_NAMED_AGENT = (*AGENT_NAME, "graph.node.id")
INPUT_TOKENS = (
    "gen_ai.usage.input_tokens",
    "gen_ai.usage.prompt_tokens",
    "llm.token_count.prompt",
    "llm.usage.prompt_tokens",  # older OpenLLMetry
)
OUTPUT_TOKENS = (
    "gen_ai.usage.output_tokens",
    "gen_ai.usage.completion_tokens",
    "llm.token_count.completion",
    "llm.usage.completion_tokens",
)
TOTAL_TOKENS = ("gen_ai.usage.total_tokens", "llm.token_count.total", "llm.usage.total_tokens")
MODEL = (
    "gen_ai.response.model",
    "gen_ai.request.model",
    "llm.model_name",
    "llm.response.model",  # older OpenLLMetry
    "llm.request.model",
)
PROVIDER = ("gen_ai.provider.name", "gen_ai.system", "llm.provider", "llm.system")
COST = (
    "operation.cost",
    "gen_ai.cost.total_cost",
    "gen_ai.usage.cost",
    "llm.cost.total",
    "agentlab.cost_usd",  # an agentlab export, collected back
)
TOOL_NAME = ("gen_ai.tool.name", "tool.name")
TOOL_CALL_ID = ("gen_ai.tool.call.id", "tool_call.id", "tool.id")
TOOL_ARGS = ("gen_ai.tool.call.arguments", "tool_arguments", "input.value")
TOOL_RESULT = ("gen_ai.tool.call.result", "tool_response", "output.value")
#: OpenLLMetry (Traceloop SDK decorators): what an ``@agent``/``@tool``/``@workflow`` span is
#: named and what it took and returned (JSON).
TRACELOOP_KIND = "traceloop.span.kind"
TRACELOOP_NAME = "traceloop.entity.name"
TRACELOOP_INPUT = "traceloop.entity.input"
TRACELOOP_OUTPUT = "traceloop.entity.output"
SESSION = ("session.id", "gen_ai.conversation.id", "thread_id", "langgraph.thread_id")

_LLM_OPERATIONS = frozenset(
    {OPERATIONS["llm"], "text_completion", "generate_content", "completion"}
)
_KINDS: dict[str, Role] = {
    "LLM": "llm",
    "TOOL": "tool",
    "RETRIEVER": "tool",  # a lookup the agent asked for: a tool call in agentlab's model
    "AGENT": "agent",
}
# The operations the exporter writes (core/semconv.py), read back, plus the other model-call ones.
_OPERATIONS: dict[str, Role] = {
    **dict.fromkeys(_LLM_OPERATIONS, "llm"),
    OPERATIONS["tool"]: "tool",
    OPERATIONS["agent"]: "agent",
}

#: Instrumentation scope (substring) -> the framework named in the session's config.
FRAMEWORKS = (
    ("openai_agents", "openai-agents"),
    ("openai-agents", "openai-agents"),
    ("langchain", "langchain"),
    ("langgraph", "langgraph"),
    ("pydantic-ai", "pydantic-ai"),
    ("pydantic_ai", "pydantic-ai"),
    ("crewai", "crewai"),
    ("smolagents", "smolagents"),
    ("litellm", "litellm"),
    ("llama_index", "llamaindex"),
    ("dspy", "dspy"),
    ("autogen", "autogen"),
    ("agno", "agno"),
    ("google_adk", "google-adk"),
    ("opentelemetry.instrumentation.openai", "openai (openllmetry)"),
    ("openinference.instrumentation.openai", "openai (openinference)"),
    ("openinference", "openinference"),
)


@dataclass(slots=True)
class InSpan:
    """One received span, as plain values (hex ids, seconds since the epoch)."""

    trace_id: str
    span_id: str
    parent_id: str | None
    name: str
    start: float
    end: float
    attributes: dict[str, Any] = field(default_factory=dict)
    error: bool = False
    error_message: str = ""
    #: The instrumentation scope's name (which library made the span).
    scope: str = ""
    #: The resource's ``service.name``.
    service: str = ""
    #: The span's events as (name, attributes), in the order sent (GenAI content events,
    #: ``exception``).
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


def first(attrs: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        value = attrs.get(key)
        if value is not None and value != "":
            return value
    return None


def _int(value: Any) -> int | None:
    """A count: a non-negative integer (or its string); anything else is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, float) and value.is_integer() and value >= 0:
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _float(value: Any) -> float | None:
    """An amount: a finite, non-negative number (or its string); anything else is not one."""
    if isinstance(value, bool):
        return None
    try:
        number = float(value) if isinstance(value, int | float | str) else None
    except (ValueError, OverflowError):
        return None
    if number is None or not math.isfinite(number) or number < 0:
        return None
    return number


def role(span: InSpan) -> Role:
    """What ``span`` is in agentlab's model."""
    attrs = span.attributes
    kind = attrs.get(OPENINFERENCE_KIND)
    if isinstance(kind, str):
        found = _KINDS.get(kind.upper(), "other")
        # The OpenAI Agents SDK's trace ("Agent workflow") is an unnamed AGENT root span around
        # the real agents: a wrapper, not an agent of its own.
        if (
            found == "agent"
            and span.parent_id is None
            and "openai_agents" in span.scope
            and first(attrs, _NAMED_AGENT) is None
        ):
            return "other"
        if "langchain" in span.scope:
            return _langgraph(span, found)
        return found
    op = attrs.get(OPERATION)
    if isinstance(op, str) and op in _OPERATIONS:
        return _OPERATIONS[op]
    # OpenLLMetry (Traceloop) names its spans' kinds its own way.
    traceloop = attrs.get("traceloop.span.kind")
    if traceloop in ("agent", "tool"):
        return "agent" if traceloop == "agent" else "tool"
    if attrs.get("llm.request.type") in ("chat", "completion"):
        return "llm"
    # Older pydantic-ai (and logfire) spans say less: an agent run names its agent, a tool run
    # names its tool.
    if span.name.startswith(("agent run", "invoke_agent")) and first(attrs, AGENT_NAME):
        return "agent"
    if span.name.startswith("running tool") and first(attrs, TOOL_NAME):
        return "tool"
    # No kind at all (litellm's callback, Google ADK's call_llm): a model and its usage.
    if isinstance(op, str) and op:
        return "other"  # embeddings and the like
    if first(attrs, MODEL) is not None and usage(span) is not None:
        return "llm"
    return "other"


def _langgraph(span: InSpan, found: Role) -> Role:
    """LangGraph through OpenInference's LangChain instrumentor: the graph (the trace's root
    chain, named like the agent: ``create_react_agent(..., name=...)``) is the agent, and its
    ``agent`` node (marked AGENT) is a step of it, not an agent of its own."""
    meta = _parse_json(span.attributes.get("metadata"))
    if not isinstance(meta, dict) or meta.get("ls_integration") != "langgraph":
        return found
    if span.parent_id is None and found == "other":
        return "agent"
    if found == "agent" and "langgraph_node" in meta:
        return "other"
    return found


def usage(span: InSpan) -> tuple[int, int] | None:
    """(input, output) tokens a model-call span reports, or None when it reports none.

    Read only on model-call spans: agent and chain spans carry aggregates
    (``gen_ai.aggregated_usage.*``, OpenInference roll-ups) that would count a call twice. A
    span with only a total counts it as input (the split is unknown)."""
    attrs = span.attributes
    inp = _int(first(attrs, INPUT_TOKENS))
    out = _int(first(attrs, OUTPUT_TOKENS))
    if inp is None and out is None:
        total = _int(first(attrs, TOTAL_TOKENS))
        return None if total is None else (total, 0)
    return inp or 0, out or 0


def model(span: InSpan) -> str:
    value = first(span.attributes, MODEL)
    return str(value) if value is not None else ""


def provider(span: InSpan) -> str:
    value = first(span.attributes, PROVIDER)
    return str(value).lower() if value is not None else ""


def sent_cost(span: InSpan) -> float | None:
    """The cost the framework put on the span itself (USD), if any."""
    return _float(first(span.attributes, COST))


def priced(model_name: str, provider_name: str, inp: int, out: int) -> float | None:
    """What ``inp``/``out`` tokens cost on this model by agentlab's price lookup; None when the
    model has no known price (unpriced, never $0)."""
    price = _price(model_name, provider_name)
    return None if price is None else inp * price[0] + out * price[1]


@lru_cache(maxsize=1024)
def _price(model_name: str, provider_name: str) -> tuple[float, float] | None:
    from agentlab.core.prices import model_price

    if not model_name:
        return None
    names = [model_name]
    if provider_name and "/" not in model_name:
        names.append(f"{provider_name}/{model_name}")
    for name in names:
        try:
            price = model_price(name)
        except Exception:  # a malformed name must not stop the receiver
            price = None
        if price is not None:
            return price
    return None


def agent_name(span: InSpan) -> str:
    value = first(span.attributes, AGENT_NAME)
    if value is None and span.attributes.get(TRACELOOP_KIND) == "agent":
        value = span.attributes.get(TRACELOOP_NAME) or None
    if value is not None:
        return str(value)
    name = span.name
    for prefix in ("invoke_agent ", "agent run ", "agent "):
        if name.startswith(prefix):
            return name[len(prefix) :].strip("[] ") or name
    return name


def _parse_json(value: Any) -> Any:
    if isinstance(value, str):
        text = value.strip()
        if text[:1] in ("{", "["):
            try:
                return json.loads(text)
            except ValueError:
                return value
    return value


def tool_call(span: InSpan) -> tuple[str, str, dict[str, Any], str]:
    """(tool name, call id, arguments, result) of a tool span."""
    attrs = span.attributes
    traceloop = attrs.get(TRACELOOP_KIND) == "tool"
    name = first(attrs, TOOL_NAME)
    if name is None and traceloop:
        name = attrs.get(TRACELOOP_NAME) or None
    if name is None:
        name = span.name.removeprefix("execute_tool ").removeprefix("running tool ")
    call_id = first(attrs, TOOL_CALL_ID) or span.span_id
    raw_args = first(attrs, TOOL_ARGS)
    if raw_args is None and traceloop:
        raw_args = _traceloop_input(attrs.get(TRACELOOP_INPUT))
    args = _parse_json(raw_args)
    if not isinstance(args, dict):
        args = {} if args is None else {"input": args}
    result = first(attrs, TOOL_RESULT)
    if result is None and traceloop:
        result = _traceloop_output(attrs.get(TRACELOOP_OUTPUT))
    if result is not None and not isinstance(result, str):
        result = json.dumps(result, ensure_ascii=False, default=str)
    return str(name), str(call_id), args, result or ""


def _traceloop_input(value: Any) -> Any:
    """The Traceloop SDK's ``{"args": [...], "kwargs": {...}}`` as the call's arguments: the
    keyword arguments, with positional ones under ``args``."""
    doc = _parse_json(value)
    if not isinstance(doc, dict):
        return doc
    if set(doc) == {"inputs"} and isinstance(doc["inputs"], dict):  # LangChain via Traceloop
        return doc["inputs"]
    if not doc or not set(doc) <= {"args", "kwargs"}:
        return doc
    kwargs = doc.get("kwargs")
    out = dict(kwargs) if isinstance(kwargs, dict) else {}
    if doc.get("args"):
        out["args"] = doc["args"]
    return out


def _traceloop_output(value: Any) -> Any:
    """A Traceloop ``entity.output`` (the return value, JSON-encoded): a string stays text."""
    doc = _parse_json(value)
    if isinstance(value, str) and value.startswith('"'):
        try:
            doc = json.loads(value)
        except ValueError:
            return value
    if isinstance(doc, dict) and set(doc) == {"outputs"}:
        doc = doc["outputs"]
    return doc


def span_input(span: InSpan) -> str:
    value = first(span.attributes, ("input.value", "gen_ai.prompt", "prompt"))
    if value is None and TRACELOOP_INPUT in span.attributes:
        value = _traceloop_input(span.attributes[TRACELOOP_INPUT])
    if value is None:
        msgs = input_messages(span)
        value = next((m["content"] for m in reversed(msgs) if m.get("role") == "user"), "")
    return value if isinstance(value, str) else json.dumps(value, default=str)


def span_output(span: InSpan) -> str:
    value = first(
        span.attributes,
        (
            "output.value",
            "final_result",
            "gen_ai.completion",
            "agentlab.final_output",
            "agentlab.agent.output",
        ),
    )
    if value is None and TRACELOOP_OUTPUT in span.attributes:
        value = _traceloop_output(span.attributes[TRACELOOP_OUTPUT])
    if value is None:
        value = output(span)[0]
    return value if isinstance(value, str) else json.dumps(value, default=str)


# --- messages ----------------------------------------------------------------------------------


def _genai_message(msg: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A GenAI-semconv message ({role, parts: [...]}) as a chat message, plus its tool calls."""
    texts: list[str] = []
    calls: list[dict[str, Any]] = []
    out: dict[str, Any] = {"role": str(msg.get("role", "user"))}
    parts = msg.get("parts")
    if not isinstance(parts, list):
        content = msg.get("content")
        parts = [{"type": "text", "content": content}] if content is not None else []
    for part in parts:
        if not isinstance(part, dict):
            continue
        kind = part.get("type")
        if kind == "tool_call":
            args = part.get("arguments")
            calls.append(
                {
                    "id": str(part.get("id", "")),
                    "type": "function",
                    "function": {
                        "name": str(part.get("name", "")),
                        "arguments": args if isinstance(args, str) else json.dumps(args),
                    },
                }
            )
        elif kind == "tool_call_response":
            out["role"] = "tool"
            out["tool_call_id"] = str(part.get("id", ""))
            result = part.get("response", part.get("result", ""))
            texts.append(result if isinstance(result, str) else json.dumps(result, default=str))
        elif part.get("content") is not None:
            content = part["content"]
            texts.append(content if isinstance(content, str) else json.dumps(content, default=str))
    out["content"] = "\n".join(texts)
    if calls:
        out["tool_calls"] = calls
    return out, calls


def _flattened(attrs: dict[str, Any], prefix: str) -> list[dict[str, Any]]:
    """OpenInference's ``llm.input_messages.N.message.*`` keys back as a list of messages
    (``.tool_calls.M.tool_call.{id,function.name,function.arguments}``, text parts in
    ``.contents.K.message_content.text``)."""
    return _indexed(attrs, prefix, inner="message.", calls=_OI_CALL)


def _text(content: Any) -> str:
    if content is None:
        return ""
    return content if isinstance(content, str) else json.dumps(content, default=str)


#: A tool call's attribute names under ``tool_calls.M.``: OpenLLMetry's, OpenInference's.
_OLLM_CALL = {"id": "id", "name": "name", "arguments": "arguments"}
_OI_CALL = {
    "tool_call.id": "id",
    "tool_call.function.name": "name",
    "tool_call.function.arguments": "arguments",
}


def _indexed(
    attrs: dict[str, Any], prefix: str, inner: str = "", calls: dict[str, str] = _OLLM_CALL
) -> list[dict[str, Any]]:
    """Chat messages flattened into ``PREFIX N . INNER field`` keys back as a list: OpenLLMetry's
    ``gen_ai.prompt.N.role`` / ``.content`` / ``.tool_call_id`` / ``.tool_calls.M.{id,name,
    arguments}`` / ``.finish_reason`` (kept on the message), and OpenInference's through
    :func:`_flattened`."""
    found: dict[int, dict[str, Any]] = {}
    plen = len(prefix)
    for key, value in attrs.items():
        if not key.startswith(prefix):
            continue
        index, _, rest = key[plen:].partition(".")
        if not index.isdigit() or not rest.startswith(inner) or rest == inner:
            continue
        msg = found.setdefault(int(index), {})
        rest = rest[len(inner) :]
        if rest in ("role", "content", "tool_call_id", "finish_reason", "name"):
            msg[rest] = value
        elif rest.startswith("contents.") and rest.endswith(".message_content.text"):
            msg["content"] = (msg.get("content") or "") + str(value)
        elif rest.startswith("tool_calls."):
            n, _, field_ = rest[len("tool_calls.") :].partition(".")
            if not n.isdigit() or field_ not in calls:
                continue
            made = msg.setdefault("_calls", {})
            call = made.setdefault(int(n), {"id": "", "type": "function", "function": {}})
            what = calls[field_]
            if what == "id":
                call["id"] = str(value)
            elif what == "name":
                call["function"]["name"] = str(value)
            else:
                call["function"]["arguments"] = (
                    value if isinstance(value, str) else json.dumps(value)
                )
    out = []
    for i in sorted(found):
        msg = found[i]
        made = msg.pop("_calls", None)
        msg.setdefault("role", "user")
        msg["content"] = _text(msg.get("content"))
        if made:
            for call in made.values():
                call["function"].setdefault("arguments", "")
            msg["tool_calls"] = [made[n] for n in sorted(made)]
        out.append(msg)
    return out


def _attr(span: InSpan, key: str) -> Any:
    """An attribute of the span, else of one of its events (the GenAI conventions' content
    events carry the messages: ``gen_ai.client.inference.operation.details``,
    ``gen_ai.content.prompt`` / ``gen_ai.content.completion``)."""
    value = span.attributes.get(key)
    if value is not None:
        return value
    for _name, attrs in span.events:
        if attrs.get(key) is not None:
            return attrs[key]
    return None


#: The GenAI conventions' per-message events (before the messages moved to attributes).
_MESSAGE_EVENTS = {
    "gen_ai.system.message": "system",
    "gen_ai.user.message": "user",
    "gen_ai.assistant.message": "assistant",
    "gen_ai.tool.message": "tool",
}


def _event_message(role_: str, attrs: dict[str, Any]) -> dict[str, Any]:
    """One per-message event (or a ``gen_ai.choice``'s ``message``) as a chat message."""
    body = _parse_json(attrs.get("message"))
    fields = body if isinstance(body, dict) else attrs
    msg: dict[str, Any] = {
        "role": str(fields.get("role") or role_),
        "content": _text(fields.get("content")),
    }
    if msg["role"] == "tool" and fields.get("id"):
        msg["tool_call_id"] = str(fields["id"])
    calls = _parse_json(fields.get("tool_calls"))
    if isinstance(calls, list) and calls:
        out = []
        for c in calls:
            if not isinstance(c, dict):
                continue
            fn: dict[str, Any] = c["function"] if isinstance(c.get("function"), dict) else c
            args = fn.get("arguments", "")
            out.append(
                {
                    "id": str(c.get("id", "")),
                    "type": "function",
                    "function": {
                        "name": str(fn.get("name", "")),
                        "arguments": args if isinstance(args, str) else json.dumps(args),
                    },
                }
            )
        msg["tool_calls"] = out
    return msg


def input_messages(span: InSpan) -> list[dict[str, Any]]:
    """The conversation sent to the model, as chat messages ({role, content[, tool_calls]}):
    GenAI ``gen_ai.input.messages`` (attribute or event), the older content events,
    OpenInference's ``llm.input_messages.*`` or OpenLLMetry's ``gen_ai.prompt.N.*``."""
    attrs = span.attributes
    raw = _parse_json(_attr(span, "gen_ai.input.messages"))
    if not isinstance(raw, list):
        raw = _parse_json(_attr(span, "gen_ai.prompt"))  # gen_ai.content.prompt's
    msgs: list[dict[str, Any]] = []
    if isinstance(raw, list):
        system = _parse_json(_attr(span, "gen_ai.system_instructions"))
        if isinstance(system, list):
            text = "\n".join(str(p.get("content", "")) for p in system if isinstance(p, dict))
            msgs.append({"role": "system", "content": text})
        msgs += [_genai_message(m)[0] for m in raw if isinstance(m, dict)]
        return msgs
    msgs = _flattened(attrs, "llm.input_messages.")
    if msgs:
        return msgs
    for prefix in ("gen_ai.prompt.", "llm.prompts."):
        msgs = _indexed(attrs, prefix)
        if msgs:
            for m in msgs:
                m.pop("finish_reason", None)
            return msgs
    return [
        _event_message(_MESSAGE_EVENTS[name], ev)
        for name, ev in span.events
        if name in _MESSAGE_EVENTS
    ]


def output(span: InSpan) -> tuple[str, list[dict[str, Any]], str]:
    """(assistant text, tool calls, finish reason) of a model-call span."""
    attrs = span.attributes
    raw = _parse_json(_attr(span, "gen_ai.output.messages"))
    if not isinstance(raw, list):
        raw = _parse_json(_attr(span, "gen_ai.completion"))  # gen_ai.content.completion's
    finish = attrs.get("gen_ai.response.finish_reasons")
    reason = str(finish[0]) if isinstance(finish, list) and finish else str(finish or "")
    texts: list[str] = []
    calls: list[dict[str, Any]] = []
    if isinstance(raw, list):
        for m in raw:
            if isinstance(m, dict):
                msg, found = _genai_message(m)
                if msg["content"]:
                    texts.append(msg["content"])
                calls += found
                reason = reason or str(m.get("finish_reason") or "")
        return "\n".join(texts), calls, reason
    msgs = _flattened(attrs, "llm.output_messages.")
    for prefix in ("gen_ai.completion.", "llm.completions."):
        if not msgs:
            msgs = _indexed(attrs, prefix)
    if not msgs:
        for name, ev in span.events:
            if name == "gen_ai.choice":
                msgs.append(_event_message("assistant", ev))
                reason = reason or str(ev.get("finish_reason") or "")
    for msg in msgs:
        if msg["content"]:
            texts.append(msg["content"])
        calls += msg.get("tool_calls", [])
        reason = reason or str(msg.get("finish_reason") or "")
    return "\n".join(texts), calls, reason


# --- sessions and frameworks -------------------------------------------------------------------


def session_key(span: InSpan) -> str | None:
    """The id that groups traces into one session: ``session.id``, ``gen_ai.conversation.id``,
    a thread id, or a ``session_id``/``thread_id`` in OpenInference ``metadata``; None: use the
    trace id."""
    value = first(span.attributes, SESSION)
    if value is not None:
        return str(value)
    meta = _parse_json(span.attributes.get("metadata"))
    if isinstance(meta, dict):
        for key in ("session_id", "thread_id", "conversation_id"):
            if meta.get(key):
                return str(meta[key])
    return None


def framework(scope: str) -> str:
    """The framework guessed from an instrumentation scope name."""
    low = scope.lower()
    for needle, name in FRAMEWORKS:
        if needle in low:
            return name
    return scope or "unknown"
