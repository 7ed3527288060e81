"""The check protocol: what a check sees at each stage, and the verdict it gives.

A check runs at one or more named stages of an agent's run:

- ``input``: before a model call; sees the messages about to be sent (:class:`ModelInput`);
- ``output``: after it; sees the reply (:class:`ModelOutput`);
- ``tool``: before a tool call; sees the tool and its arguments (:class:`ToolUse`);
- ``reasoning``: between steps; sees the step's reply, tool calls and results (:class:`StepTaken`).

It answers with a :class:`Verdict`: ``allow``; ``flag`` (go on, but record why); ``modify``
(go on with the verdict's ``content`` instead: the messages sent, the reply text, the tool's
arguments, or for ``reasoning`` a message added to the conversation); ``ask`` (a person decides,
else the scenario's approval policy); ``block`` (this tool call does not happen; at the other
stages nothing can be skipped, so the agent stops); ``stop`` (the agent stops).

Checks are plain objects built per agent run (they may keep state, as loop detection does) and
never emit events themselves: the runner (``runner.py``) records what they decide, and a check
that has something to show hands point events back in ``Verdict.events``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, TypeAlias

from agentlab.core.events import AnyEvent, Stage
from agentlab.core.events import Verdict as VerdictKind
from agentlab.core.spec import AgentSpec, Scenario
from agentlab.core.tools import Tool

#: The stages in the order they come in a step.
STAGES: tuple[Stage, ...] = ("input", "output", "tool", "reasoning")


@dataclass(frozen=True)
class Verdict:
    """What a check decided about what it saw."""

    kind: VerdictKind = "allow"
    #: Why, in a few words a person reads in the trace (and the model reads when it is blocked).
    reason: str = ""
    #: Check-specific facts recorded on the check's span (a score, a pattern, ...).
    detail: dict[str, Any] = field(default_factory=dict)
    #: ``modify``: the replacement (see the module docstring for what it is at each stage).
    content: Any = None
    #: ``stop`` (and ``block`` where nothing can be skipped): the agent's stop reason; the
    #: default is ``check:<name>``.
    stop_reason: str = ""
    #: Point events to emit inside the check's span (loop detection's ``LoopDetected``).
    events: tuple[AnyEvent, ...] = ()
    #: ``modify`` only: a change already recorded, made again (the input stage sees the whole
    #: conversation at every call, so a quarantined tool result is re-wrapped each time): it is
    #: applied and listed as a pass, not recorded as another span.
    again: bool = False

    @property
    def plain(self) -> bool:
        """A plain allow: recorded as a name on the call's span, not as a span of its own."""
        return self.kind == "allow" and not self.events and not self.detail


ALLOW = Verdict()


@dataclass(frozen=True)
class Retry:
    """An output check's ``modify`` content that asks the model again: ``feedback`` (what was
    wrong with the reply) is its next message."""

    feedback: str


@dataclass(frozen=True)
class ModelInput:
    """Before a model call: the messages about to be sent."""

    stage: ClassVar[Stage] = "input"
    blockable: ClassVar[bool] = False
    agent: str
    step: int
    messages: list[dict[str, Any]]

    @property
    def subject(self) -> str:
        return "input"

    def modified(self, content: Any) -> ModelInput:
        return replace(self, messages=list(content))

    def shown(self) -> dict[str, Any]:
        """What a person asked about it sees."""
        last = self.messages[-1] if self.messages else {}
        return {"last message": last.get("content") or ""}


@dataclass(frozen=True)
class ModelOutput:
    """After a model call: the reply (its text and the tool calls it asks for)."""

    stage: ClassVar[Stage] = "output"
    blockable: ClassVar[bool] = False
    agent: str
    step: int
    content: str
    tool_calls: list[dict[str, Any]]
    #: Set by a :class:`Retry` modification: the reply stands in the conversation, this is
    #: sent back to the model as the user's next message and the agent takes another step.
    retry: str = ""

    @property
    def subject(self) -> str:
        return "reply"

    def modified(self, content: Any) -> ModelOutput:
        if isinstance(content, Retry):
            return replace(self, retry=content.feedback)
        return replace(self, content=str(content))

    def shown(self) -> dict[str, Any]:
        return {"reply": self.content, "tool calls": [_call_name(c) for c in self.tool_calls]}


@dataclass(frozen=True)
class ToolUse:
    """Before a tool call: the tool and the arguments the model gave it."""

    stage: ClassVar[Stage] = "tool"
    blockable: ClassVar[bool] = True
    agent: str
    tool: Tool
    call_id: str
    arguments: dict[str, Any]

    @property
    def subject(self) -> str:
        return self.tool.name

    def modified(self, content: Any) -> ToolUse:
        return replace(self, arguments=dict(content))

    def shown(self) -> dict[str, Any]:
        return self.arguments


@dataclass(frozen=True)
class StepTaken:
    """Between steps: the step's reply, its tool calls and their results."""

    stage: ClassVar[Stage] = "reasoning"
    blockable: ClassVar[bool] = False
    agent: str
    step: int
    content: str
    tool_calls: list[dict[str, Any]]
    results: list[str]
    #: Messages checks add to the conversation before the next step (a nudge).
    added: tuple[dict[str, Any], ...] = ()

    @property
    def subject(self) -> str:
        return "step"

    def modified(self, content: Any) -> StepTaken:
        message = content if isinstance(content, dict) else {"role": "user", "content": content}
        return replace(self, added=(*self.added, message))

    def shown(self) -> dict[str, Any]:
        return {"reply": self.content, "tool calls": [_call_name(c) for c in self.tool_calls]}


#: What a check can see: one type per stage.
Seen: TypeAlias = ModelInput | ModelOutput | ToolUse | StepTaken


class Check:
    """Base class of checks. Give it a ``name``, the ``stages`` it runs at and ``check``;
    override ``build`` when a scenario setting enables it or it keeps state per agent run."""

    #: Recorded on its spans (``CheckStarted.check``) and in the calls' ``checks`` lists.
    name: ClassVar[str] = ""
    stages: ClassVar[frozenset[Stage]] = frozenset()

    @classmethod
    def build(cls, scenario: Scenario, agent: AgentSpec, tools: Sequence[Tool]) -> Check | None:
        """This check for one run of ``agent`` (with ``tools``, the pattern's included), or
        None when the scenario does not enable it there."""
        return cls()

    async def check(self, seen: Seen) -> Verdict:
        raise NotImplementedError


def _call_name(call: dict[str, Any]) -> str:
    return str((call.get("function") or {}).get("name") or "?")
