"""PII masking of what a person sees: the console, final outputs and exports.

The output guardrail (``guard_output.py``) leaves what is stored exact unless the scenario sets
``mask_storage``: exact replay and rerun need the recorded requests and replies as they were.
What a person sees of a session whose scenario masks (``[guardrails] mask_output``, recorded as
``SessionStarted.config["mask_pii"]``) is masked here instead, on the way to the view: every
text field of every event (the streamed tokens, messages, replies, tool arguments and results,
outputs, reasons) goes through :func:`pii.redact`. Live and in replay alike, since a replay
feeds the recorded ``SessionStarted`` first.

Streamed tokens are held back to the end of a line (a number or an address split across two
tokens would otherwise slip through); the rest of a reply comes with its call's end.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from agentlab.core.checks.pii import redact
from agentlab.core.events import AnyEvent, LlmCallEnded, LlmDelta, SessionStarted

#: The session's config key saying its scenario masks PII in what people see.
CONFIG_KEY = "mask_pii"
#: Event fields that carry text a model, a tool or a person wrote.
TEXT_FIELDS = frozenset(
    {
        "text",
        "task",
        "input",
        "messages",
        "content",
        "tool_calls",
        "arguments",
        "edited",
        "result",
        "output",
        "final_output",
        "reason",
        "note",
        "error",
        "message",
        "detail",
    }
)


def masks(e: SessionStarted) -> bool:
    """Whether the session's scenario asks for masked display."""
    return bool(e.config.get(CONFIG_KEY))


def mask_value(value: Any) -> Any:
    """``value`` with every string in it (nested in lists and dicts) masked."""
    if isinstance(value, str):
        return redact(value) if value else value
    if isinstance(value, list):
        return [mask_value(v) for v in value]
    if isinstance(value, dict):
        return {k: mask_value(v) for k, v in value.items()}
    return value


def mask_event(e: AnyEvent) -> AnyEvent:
    """The event with its text fields masked (the same object when nothing changed)."""
    changes = {}
    for name in TEXT_FIELDS.intersection(e.__struct_fields__):
        value = getattr(e, name)
        if value:
            masked = mask_value(value)
            if masked != value:
                changes[name] = masked
    return msgspec.structs.replace(e, **changes) if changes else e


class DisplayMask:
    """A stream filter in front of a view: events in, the events the view should get out.

    Off until a ``SessionStarted`` that asks for masking arrives (a session that does not pays
    one attribute check per event)."""

    def __init__(self) -> None:
        self.on = False
        self._held: dict[str, str] = {}

    def __call__(self, e: AnyEvent) -> list[AnyEvent]:
        if isinstance(e, SessionStarted):
            self.on = masks(e)
        if not self.on:
            return [e]
        if isinstance(e, LlmDelta):
            text = self._held.pop(e.span_id, "") + e.text
            cut = text.rfind("\n") + 1
            if cut < len(text):
                self._held[e.span_id] = text[cut:]
            return [msgspec.structs.replace(e, text=redact(text[:cut]))] if cut else []
        if isinstance(e, LlmCallEnded):
            self._held.pop(e.span_id, None)  # the whole reply is on the call's end
        return [mask_event(e)]


def masking(view: Callable[[AnyEvent], Any]) -> Callable[[AnyEvent], None]:
    """``view``, seeing the session masked when its scenario asks for it."""
    mask = DisplayMask()

    def masked(e: AnyEvent) -> None:
        for out in mask(e):
            view(out)

    return masked


def mask_events(events: list[AnyEvent]) -> list[AnyEvent]:
    """A recorded session's events as a person may see them (exports)."""
    mask = DisplayMask()
    return [out for e in events for out in mask(e)]


def session_masks(session: dict[str, Any]) -> bool:
    """Whether a stored session (its row, ``config`` parsed) is shown masked."""
    return bool((session.get("config") or {}).get(CONFIG_KEY))


def mask_otlp(doc: Any, key: str = "") -> Any:
    """An OTLP JSON document with the string values of its attributes masked (ids kept)."""
    if isinstance(doc, list):
        return [mask_otlp(v, key) for v in doc]
    if not isinstance(doc, dict):
        return doc
    if "key" in doc and "value" in doc:
        key = str(doc["key"])
    out = {}
    for k, v in doc.items():
        if k == "stringValue" and isinstance(v, str) and not key.endswith(("id", "Id")):
            out[k] = redact(v) if v else v
        else:
            out[k] = mask_otlp(v, key)
    return out


def mask_spans(spans: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stored span rows (``sessions show``) with their text masked (ids and times kept)."""
    return [_mask_keyed(s) for s in spans]


def _mask_keyed(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _mask_keyed(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_keyed(v, key) for v in value]
    if isinstance(value, str) and value and not key.endswith(("id", "Id")):
        return redact(value)
    return value
