"""Running the checks of one agent at a stage, and recording what they decided.

A plain allow costs nothing in the trace but its check's name in the ``checks`` list of the
call's span. Any other verdict, and every decision a person made, becomes a check span of its
own (``CheckStarted`` .. ``CheckEnded``, with the verdict and who gave it) below the span the
stage belongs to: the agent's (input, reasoning), the model call's (output) or the tool call's
(tool). An ``ask`` is put to a person through ``RunContext.approve`` (the scenario's approval
policy decides when nobody can be asked) and becomes an allow or a block by that person.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Generic, Literal, TypeVar

from agentlab.core.checks.base import (
    STAGES,
    Check,
    ModelInput,
    ModelOutput,
    StepTaken,
    ToolUse,
    Verdict,
)
from agentlab.core.context import ApprovalRequest, Decision, RunContext
from agentlab.core.events import (
    ApprovalDecided,
    ApprovalRequested,
    CheckEnded,
    CheckStarted,
    Stage,
)
from agentlab.core.spans import Span
from agentlab.errors import CheckStop

By = Literal["check", "person", "policy"]
S = TypeVar("S", ModelInput, ModelOutput, ToolUse, StepTaken)


@dataclass(frozen=True)
class Blocked:
    """A tool call a check (or a person, asked by one) refused."""

    check: str
    reason: str
    by: By

    def refusal(self, tool: str) -> str:
        """The tool result the model reads instead (it must not retry the same call)."""
        why = f": {self.reason}" if self.reason else ""
        if self.by == "check":
            return f"error: this {tool} call was blocked by the {self.check} check{why}. Do not retry it."
        return f"error: this {tool} call was not approved{why}. Do not retry it."


@dataclass
class Ruling(Generic[S]):
    """The checks' answer at one stage: what goes on (modified or not), who allowed it plainly,
    and whether a tool call was blocked. A stop is raised (:class:`CheckStop`), not returned."""

    seen: S
    passed: list[str] = field(default_factory=list)
    blocked: Blocked | None = None


class CheckRunner:
    """The checks of one agent run, by stage."""

    def __init__(self, ctx: RunContext, agent: str, checks: Sequence[Check]) -> None:
        self.ctx = ctx
        self.agent = agent
        self._at = {stage: [c for c in checks if stage in c.stages] for stage in STAGES}
        #: What an output check asked to send back to the model (``Retry``), until taken.
        self._retry = ""

    def take_retry(self) -> str:
        """The feedback of a reply an output check sent back (then forgotten), or ""."""
        retry, self._retry = self._retry, ""
        return retry

    async def run(self, seen: S, parent: Span) -> Ruling[S]:
        """Run the stage's checks in order on ``seen``; each sees what the one before let
        through. Raises CheckStop when one stops the agent."""
        ruling = Ruling(seen)
        for check in self._at[seen.stage]:
            verdict = await check.check(ruling.seen)
            if verdict.plain or (verdict.again and verdict.kind == "modify"):
                if verdict.kind == "modify":
                    ruling.seen = ruling.seen.modified(verdict.content)
                ruling.passed.append(check.name)
                continue
            verdict, by = await self._recorded(check.name, ruling.seen, verdict, parent)
            if verdict.kind == "modify":
                ruling.seen = ruling.seen.modified(verdict.content)
            elif verdict.kind == "block" and ruling.seen.blockable:
                ruling.blocked = Blocked(check.name, verdict.reason, by)
                return ruling
            elif verdict.kind in ("block", "stop"):
                why = verdict.reason or f"stopped by the {check.name} check"
                reason = verdict.stop_reason or f"check:{check.name}"
                raise CheckStop(self.agent, check.name, reason, why)
        if isinstance(ruling.seen, ModelOutput) and ruling.seen.retry:
            self._retry = ruling.seen.retry
        return ruling

    async def _recorded(
        self, name: str, seen: S, verdict: Verdict, parent: Span
    ) -> tuple[Verdict, By]:
        """Open the check's span, emit what it saw, put an ``ask`` to a person, close the span
        with the verdict that stands."""
        span = parent.open(CheckStarted(check=name, stage=seen.stage, subject=seen.subject))
        by: By = "check"
        try:
            for event in verdict.events:
                span.emit(event)
            if verdict.kind == "ask":
                verdict, by = await self._ask(span, seen, verdict)
        except BaseException:  # cancelled while a person thinks: the span still closes
            _end(span, name, seen.stage, Verdict("block", "cancelled before a decision"), "check")
            raise
        _end(span, name, seen.stage, verdict, by)
        return verdict, by

    async def _ask(self, span: Span, seen: S, verdict: Verdict) -> tuple[Verdict, By]:
        ctx = self.ctx
        tool = seen.tool if isinstance(seen, ToolUse) else None
        call_id = seen.call_id if isinstance(seen, ToolUse) else ""
        arguments = seen.shown()
        span.emit(ApprovalRequested(tool=seen.subject, call_id=call_id, arguments=arguments))
        remembered = tool is not None and tool.name in ctx.approved
        if remembered:
            how = ctx.approved[seen.subject]
            decision: Decision | None = Decision(True, _REMEMBERED[how], remember=how)
        else:
            schema = tool.parameters if tool is not None else None
            request = ApprovalRequest(self.agent, seen.subject, arguments, schema, verdict.reason)
            decision = await ctx.approve(request)
        if decision is None:
            policy = ctx.scenario.approvals.policy
            decision = Decision(
                policy == "allow", f"no one to ask; the scenario's policy is {policy}", "policy"
            )
        by: By = decision.by
        edited = decision.arguments if decision.approved else None
        if edited is not None and tool is not None:
            problem = argument_problem(tool.parameters, edited)
            if problem:  # an interface lets no invalid edit through; refuse one that is
                decision = Decision(False, f"the edited arguments are invalid: {problem}")
                by, edited = "check", None
        if decision.approved and tool is not None and decision.remember != "once":
            ctx.approved.setdefault(tool.name, decision.remember)
        span.emit(
            ApprovalDecided(
                tool=seen.subject,
                call_id=call_id,
                approved=decision.approved,
                by=decision.by,
                note=decision.note,
                remember=decision.remember if decision.approved else "once",
                remembered=remembered,
                edited=edited,
            )
        )
        if not decision.approved:
            note = decision.note or "not approved"
            if tool is None:  # a reply: the agent stops, and its stop says why it was asked
                note = f"{verdict.reason}; not approved: {note}" if verdict.reason else note
            return replace(verdict, kind="block", reason=note), by
        if edited is not None:
            return Verdict("modify", decision.note, detail=verdict.detail, content=edited), by
        return Verdict("allow", decision.note, detail=verdict.detail), by


#: The note of a call approved by an earlier answer.
_REMEMBERED = {
    "once": "approved",
    "session": "approved earlier for the rest of the session",
    "always": "approved earlier for every run of this scenario",
}


def argument_problem(schema: dict[str, Any], arguments: Any) -> str:
    """Why ``arguments`` do not follow a tool's JSON ``schema`` (one line), or ""."""
    import jsonschema  # only an edited approval needs it: a run does not pay for the import

    best = jsonschema.exceptions.best_match(
        jsonschema.Draft202012Validator(schema).iter_errors(arguments)
    )
    if best is None:
        return ""
    where = "/".join(str(p) for p in best.absolute_path)
    return f"{where}: {best.message}" if where else best.message


def record(parent: Span, check: str, stage: Stage, verdict: Verdict, subject: str = "") -> None:
    """Record a verdict reached outside a runner as a check span (a pattern's own limit)."""
    span = parent.open(CheckStarted(check=check, stage=stage, subject=subject))
    for event in verdict.events:
        span.emit(event)
    _end(span, check, stage, verdict, "check")


def _end(span: Span, check: str, stage: Stage, verdict: Verdict, by: By) -> None:
    span.end(
        CheckEnded(
            check=check,
            stage=stage,
            verdict=verdict.kind,
            by=by,
            reason=verdict.reason,
            detail=verdict.detail,
        )
    )
