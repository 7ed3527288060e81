"""Loop ("recursive thought") detection: an agent going round in circles.

Three signals, checked after every model turn:
- ``repeat``: the same tool with the same arguments N times in a row;
- ``cycle``: a cycle of calls, A-B-A-B or A-B-C-A-B-C;
- ``similar``: near-identical assistant messages, three in a row.

Each detection escalates: warn, then nudge the model (a message telling it it is repeating
itself), then stop the agent with ``stop_reason = "loop"``. Exempt tools (polling) never count.
The detector is pure; ``core/checks/loop.py`` runs it as the ``loop`` check between steps.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any, Literal

Action = Literal["warn", "nudge", "stop"]

NUDGE = (
    "You are repeating yourself ({detail}). The same call will not give a different result. "
    "Change your approach, or give your final answer with what you have."
)


@dataclass(frozen=True)
class Detection:
    pattern: Literal["repeat", "cycle", "similar"]
    action: Action
    detail: str


@dataclass
class LoopDetector:
    repeat: int = 3
    exempt: frozenset[str] = frozenset()
    nudge_after: int = 1
    stop_after: int = 2
    similarity: float = 0.92
    calls: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    detections: int = 0

    def observe(self, content: str, tool_calls: list[dict[str, Any]]) -> Detection | None:
        """Feed one assistant turn; returns a detection (with its escalation step) or None."""
        for call in tool_calls:
            fn = call.get("function", {})
            if fn.get("name") in self.exempt:
                continue
            self.calls.append(f"{fn.get('name')}({_canonical(fn.get('arguments', ''))})")
        if content.strip():
            self.texts.append(" ".join(content.split()))
        found = self._repeat() or self._cycle() or self._similar()
        if found is None:
            return None
        pattern, detail = found
        self.detections += 1
        if self.detections <= self.nudge_after:
            action: Action = "warn"
        elif self.detections <= self.stop_after:
            action = "nudge"
        else:
            action = "stop"
        return Detection(pattern, action, detail)

    def _repeat(self) -> tuple[Literal["repeat"], str] | None:
        n = self.repeat
        tail = self.calls[-n:]
        if len(tail) == n and len(set(tail)) == 1:
            run = 0
            for call in reversed(self.calls):
                if call != tail[0]:
                    break
                run += 1
            return "repeat", f"{tail[0]} called {run} times in a row"
        return None

    def _cycle(self) -> tuple[Literal["cycle"], str] | None:
        for period in (2, 3):
            span = self.calls[-2 * period :]
            if len(span) < 2 * period:
                continue
            first, second = span[:period], span[period:]
            if first == second and len(set(first)) == period:
                names = " -> ".join(c.split("(")[0] for c in first)
                return "cycle", f"cycle {names} repeated"
        return None

    def _similar(self) -> tuple[Literal["similar"], str] | None:
        tail = self.texts[-3:]
        if len(tail) < 3 or min(len(t) for t in tail) < 20:
            return None
        ratios = [SequenceMatcher(None, tail[i], tail[i + 1]).ratio() for i in range(2)]
        if min(ratios) >= self.similarity:
            return "similar", f"three near-identical replies ({min(ratios):.0%} alike)"
        return None


def _canonical(arguments: Any) -> str:
    if isinstance(arguments, str):
        text = arguments
        try:
            arguments = json.loads(text)
        except ValueError:
            return text
    return json.dumps(arguments, sort_keys=True, separators=(",", ":"))
