"""Masked storage (``[guardrails] mask_storage = true``): what is written to the store is masked
the way people see it.

:class:`StorageMask` sits in front of the recorder: every text field of every event (the
requests sent to the model, its replies and the tool calls in them, tool arguments and results,
agents' inputs and outputs, check reasons and details, approvals) goes through
:func:`pii.redact` before it is written. The run itself is not changed: the model and the tools
see the exact values, and the output check only records what it found (``flag``).

What it gives up: the store no longer holds what was sent and received, so nobody can see what
the model or a tool actually said, ``export --no-mask`` has nothing exact to give, and a rerun is
no longer exact: the recorded requests are compared masked (so a rerun still replays), but the
replies it plays back are the masked ones, so a tool gets ``[EMAIL]`` where the model had written
an address, and a run whose tools depend on a masked value parts from the recording.

A conversation grows by appending: the masked copy of each agent's previous request is reused
(one C-level list comparison), so masking a call costs the messages it adds, and the recorder
still stores only the new messages of each call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from agentlab.core.checks.display import mask_event, mask_value
from agentlab.core.events import AnyEvent, LlmCallStarted, LlmDelta

#: The session's config key saying its store is masked (a rerun then compares requests masked).
CONFIG_KEY = "mask_storage"


def stores_masked(config: dict[str, Any]) -> bool:
    """Whether a session (its ``SessionStarted.config``) was stored masked."""
    return bool(config.get(CONFIG_KEY))


class StorageMask:
    """A subscriber that passes each event to ``sink`` (the recorder) with its text masked."""

    def __init__(self, sink: Callable[[AnyEvent], Any]) -> None:
        self.sink = sink
        #: Per agent span: the last request's messages as sent, and their masked copies.
        self._sent: dict[str | None, tuple[list[dict[str, Any]], list[dict[str, Any]]]] = {}

    def __call__(self, e: AnyEvent) -> None:
        if isinstance(e, LlmDelta):  # not stored; its text comes again on the call's end
            self.sink(e)
        elif isinstance(e, LlmCallStarted):
            self.sink(msgspec.structs.replace(e, messages=self._messages(e)))
        else:
            self.sink(mask_event(e))  # every text field people see masked

    def _messages(self, e: LlmCallStarted) -> list[dict[str, Any]]:
        sent = e.messages
        prev = self._sent.get(e.parent_id)
        n = len(prev[0]) if prev is not None else 0
        if prev is not None and n <= len(sent) and sent[:n] == prev[0]:
            out = prev[1] + [mask_value(m) for m in sent[n:]]
        else:
            out = [mask_value(m) for m in sent]
        self._sent[e.parent_id] = (sent, out)
        return out
