"""Loop detection as a ``reasoning`` check: after each step, the detector in ``core/loops.py``
looks at what the agent did; a loop found warns (``flag``), then nudges the model (``modify``:
a message added to the conversation), then stops the agent (``stop``, stop reason ``loop``).
What the detector saw is emitted as ``LoopDetected`` inside the check's span."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from agentlab.core.checks.base import ALLOW, Check, Seen, StepTaken, Verdict
from agentlab.core.events import LoopDetected, Stage
from agentlab.core.loops import NUDGE, LoopDetector
from agentlab.core.spec import AgentSpec, Scenario
from agentlab.core.tools import Tool


class LoopCheck(Check):
    name: ClassVar[str] = "loop"
    stages: ClassVar[frozenset[Stage]] = frozenset({"reasoning"})

    def __init__(self, detector: LoopDetector) -> None:
        self.detector = detector

    @classmethod
    def build(cls, scenario: Scenario, agent: AgentSpec, tools: Sequence[Tool]) -> Check | None:
        s = scenario.loops
        if not s.enabled:
            return None
        return cls(
            LoopDetector(
                repeat=s.repeat,
                exempt=frozenset(s.exempt),
                nudge_after=s.nudge_after,
                stop_after=s.stop_after,
            )
        )

    async def check(self, seen: Seen) -> Verdict:
        if not isinstance(seen, StepTaken):
            return ALLOW
        found = self.detector.observe(seen.content, seen.tool_calls)
        if found is None:
            return ALLOW
        saw = (LoopDetected(pattern=found.pattern, action=found.action, detail=found.detail),)
        detail = {"pattern": found.pattern, "action": found.action}
        if found.action == "warn":
            return Verdict("flag", found.detail, detail, events=saw)
        if found.action == "nudge":
            nudge = NUDGE.format(detail=found.detail)
            return Verdict("modify", found.detail, detail, content=nudge, events=saw)
        why = f"going round in circles ({found.detail})"
        return Verdict("stop", why, detail, stop_reason="loop", events=saw)
