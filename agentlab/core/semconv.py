"""The OpenTelemetry mapping of agentlab's spans: their names and attributes.

Pure (no storage, no UI). The recorder writes these attributes into the ``spans`` table as
events arrive, the OTLP exporter turns that table into a trace, and a trace receiver can map the
other way with the same names. Keys follow the OpenTelemetry GenAI semantic conventions where one
exists (``gen_ai.operation.name`` = ``invoke_agent`` / ``chat`` / ``execute_tool``,
``gen_ai.usage.*``, ``gen_ai.tool.*``, ...) and use ``agentlab.*`` otherwise. The conventions
define no operation for a check, so check spans carry ``agentlab.check.*`` attributes only.

Token usage is on ``chat`` spans only, so a backend that sums it counts each call once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, assert_never

import msgspec

from agentlab.core.events import (
    AgentEnded,
    AgentStarted,
    AnyEvent,
    ApprovalDecided,
    ApprovalRequested,
    BudgetUpdate,
    CheckEnded,
    CheckStarted,
    Handoff,
    LimitExceeded,
    LimitWarning,
    LlmCallEnded,
    LlmCallStarted,
    LlmDelta,
    LlmRetry,
    LoopDetected,
    Notice,
    SessionEnded,
    SessionStarted,
    SpanEndEvent,
    SpanStartEvent,
    ToolCallEnded,
    ToolCallStarted,
)

#: Span attributes repeat some event text for trace viewers; the full text stays in the event.
MAX_ATTR_TEXT = 8192

#: ``gen_ai.operation.name`` of the span kinds that have one; it also starts the span's name.
OPERATIONS = {"agent": "invoke_agent", "llm": "chat", "tool": "execute_tool"}

# Fields every event has: not repeated as attributes of a span event.
_COMMON_FIELDS = frozenset({"id", "session_id", "span_id", "ts", "mono"})


@dataclass(frozen=True)
class SpanStart:
    """What a span-start event says about its span."""

    #: Our short name (scenario, agent, model, tool, check); see :func:`span_name`.
    name: str
    agent: str | None
    attributes: dict[str, Any]


def truncate(text: str) -> str:
    """``text`` cut to :data:`MAX_ATTR_TEXT` characters, saying how much was cut."""
    if len(text) <= MAX_ATTR_TEXT:
        return text
    return text[:MAX_ATTR_TEXT] + f"… [{len(text) - MAX_ATTR_TEXT} more chars]"


def to_json(value: Any) -> str:
    """Compact JSON for attributes that hold structures (tool arguments, check details)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def provider_of(model: str) -> str | None:
    """``gen_ai.provider.name`` guessed from a litellm model string."""
    if "/" in model:
        return model.split("/", 1)[0]
    if model.startswith(("gpt-", "o1", "o3", "o4", "chatgpt")):
        return "openai"
    if model.startswith("claude"):
        return "anthropic"
    if model.startswith("gemini"):
        return "gemini"
    return None


def span_name(kind: str, name: str | None) -> str:
    """The trace's span name: the GenAI operation and our name (``chat gpt-4o``,
    ``execute_tool search``, ``invoke_agent lead``); ``session <scenario>``, ``check <check>``."""
    prefix = OPERATIONS.get(kind, kind)
    return f"{prefix} {name}" if name else prefix


def _attrs(**items: Any) -> dict[str, Any]:
    """Attributes without empty values (keys use dots, hence the ``__`` spelling)."""
    return {k.replace("__", "."): v for k, v in items.items() if v is not None and v != ""}


def span_label(e: SpanStartEvent) -> tuple[str, str | None]:
    """The name and agent of the span ``e`` opens: :func:`span_start`'s, without working out
    its attributes (the recorder needs only these, on every span)."""
    match e:
        case SessionStarted():
            return e.scenario, None
        case AgentStarted():
            return e.agent, e.agent
        case LlmCallStarted():
            return e.model, e.agent
        case ToolCallStarted():
            return e.tool, e.agent
        case CheckStarted():
            return e.check, e.agent
        case _:
            assert_never(e)


def span_start(e: SpanStartEvent) -> SpanStart:
    """Name, agent and first attributes of the span ``e`` opens."""
    match e:
        case SessionStarted():
            attrs = _attrs(
                agentlab__session__id=e.session_id,
                agentlab__scenario=e.scenario,
                agentlab__scenario_path=e.scenario_path,
                agentlab__pattern=e.pattern,
                agentlab__task=truncate(e.task),
            )
            return SpanStart(e.scenario, None, attrs)
        case AgentStarted():
            attrs = _attrs(
                gen_ai__operation__name=OPERATIONS["agent"],
                gen_ai__agent__name=e.agent,
                gen_ai__request__model=e.model,
                gen_ai__provider__name=provider_of(e.model),
                agentlab__agent__role=e.role,
                agentlab__agent__parent=e.parent_agent,
                agentlab__agent__input=truncate(e.input),
            )
            return SpanStart(e.agent, e.agent, attrs)
        case LlmCallStarted():
            attrs = _attrs(
                gen_ai__operation__name=OPERATIONS["llm"],
                gen_ai__request__model=e.model,
                gen_ai__provider__name=provider_of(e.model),
                gen_ai__agent__name=e.agent,
                gen_ai__request__max_tokens=e.max_tokens,
                agentlab__step=e.step,
                agentlab__tools=list(e.tools) or None,
            )
            return SpanStart(e.model, e.agent, attrs)
        case ToolCallStarted():
            attrs = _attrs(
                gen_ai__operation__name=OPERATIONS["tool"],
                gen_ai__tool__name=e.tool,
                gen_ai__tool__call__id=e.call_id,
                gen_ai__tool__type="function",
                gen_ai__agent__name=e.agent,
                gen_ai__tool__call__arguments=truncate(to_json(e.arguments)),
            )
            return SpanStart(e.tool, e.agent, attrs)
        case CheckStarted():
            attrs = _attrs(
                agentlab__check__name=e.check,
                agentlab__check__stage=e.stage,
                agentlab__check__subject=e.subject,
                agentlab__agent__name=e.agent,
            )
            return SpanStart(e.check, e.agent, attrs)
        case _:
            assert_never(e)


def span_end(e: SpanEndEvent) -> dict[str, Any]:
    """Attributes the end event ``e`` adds to its span (merged over the start's)."""
    match e:
        case SessionEnded():
            return _attrs(
                agentlab__status=e.status,
                agentlab__stop_reason=e.stop_reason,
                agentlab__error=e.error,
                agentlab__final_output=truncate(e.final_output),
            )
        case AgentEnded():
            return _attrs(
                agentlab__status=e.status,
                agentlab__stop_reason=e.stop_reason,
                agentlab__agent__output=truncate(e.output),
                agentlab__error=e.error,
            )
        case LlmCallEnded():
            return _attrs(
                gen_ai__response__model=e.model,
                gen_ai__response__finish_reasons=[e.finish_reason] if e.finish_reason else None,
                gen_ai__usage__input_tokens=e.input_tokens,
                gen_ai__usage__output_tokens=e.output_tokens,
                agentlab__cost_usd=e.cost_usd,
                agentlab__unpriced=True if e.cost_usd is None else None,
                agentlab__response__content=truncate(e.content),
                agentlab__response__tool_calls=[_call_name(c) for c in e.tool_calls] or None,
                agentlab__error=e.error,
                agentlab__usage__estimated_input_tokens=e.estimated_input_tokens,
                agentlab__usage__estimated_output_tokens=e.estimated_output_tokens,
                agentlab__checks=list(e.checks) or None,
            )
        case ToolCallEnded():
            return _attrs(
                gen_ai__tool__call__result=truncate(e.result),
                agentlab__tool__is_error=e.is_error,
                agentlab__checks=list(e.checks) or None,
            )
        case CheckEnded():
            return _attrs(
                agentlab__check__verdict=e.verdict,
                agentlab__check__by=e.by,
                agentlab__check__reason=truncate(e.reason),
                agentlab__check__detail=truncate(to_json(e.detail)) if e.detail else None,
            )
        case _:
            assert_never(e)


def span_event(e: AnyEvent) -> dict[str, Any] | None:
    """Attributes of a point event shown on its span in a trace (an OTLP span event named
    ``e.kind``), or None for events a trace does not show (span starts and ends are the spans
    themselves; stream pieces and budget updates are too chatty)."""
    match e:
        case (
            Handoff()
            | LimitWarning()
            | LimitExceeded()
            | LoopDetected()
            | Notice()
            | ApprovalRequested()
            | ApprovalDecided()
            | LlmRetry()
        ):
            fields = msgspec.structs.asdict(e)
            return {f"agentlab.{k}": v for k, v in fields.items() if k not in _COMMON_FIELDS}
        case LlmDelta() | BudgetUpdate():
            return None
        case (
            SessionStarted()
            | SessionEnded()
            | AgentStarted()
            | AgentEnded()
            | LlmCallStarted()
            | LlmCallEnded()
            | ToolCallStarted()
            | ToolCallEnded()
            | CheckStarted()
            | CheckEnded()
        ):
            return None
        case _:
            assert_never(e)


def _call_name(call: dict[str, Any]) -> str:
    fn = call.get("function")
    if isinstance(fn, dict) and fn.get("name"):
        return str(fn["name"])
    return str(call.get("name", "?"))
