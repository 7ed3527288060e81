"""handoff, Swarm style: a ``transfer_to_<agent>`` tool passes the conversation to that agent,
which carries on with everything said so far. At most MAX_HANDOFFS transfers: more is recorded
as the ``loop`` check stopping the run."""

from __future__ import annotations

from typing import Any

from agentlab.core.agent import AgentResult, run_agent
from agentlab.core.budget import Budget
from agentlab.core.checks import Verdict, record
from agentlab.core.context import RunContext
from agentlab.core.events import Handoff, LoopDetected, Outcome
from agentlab.core.patterns.base import Pattern, agent_budget, first_line, run_by_pattern
from agentlab.core.spans import Span
from agentlab.core.spec import AgentSpec, Scenario
from agentlab.core.step import Extras
from agentlab.core.tools import Tool, ToolResult

#: Handoffs one run may make before it is stopped as a ping-pong loop.
MAX_HANDOFFS = 10


def transfer_tool(ctx: RunContext, target: str) -> Tool:
    return Tool(
        name=f"transfer_to_{target}",
        description=(
            f"Hand this conversation over to {target} "
            f"({first_line(ctx.scenario.agent(target).instructions)}). "
            "They take over from here and answer the user."
        ),
        parameters={
            "type": "object",
            "properties": {
                "reason": {"type": "string", "description": "Why, in a few words (optional)."}
            },
        },
        fn=run_by_pattern,
    )


class HandoffPattern(Pattern):
    name = "handoff"
    summary = "agents hand the conversation to each other"

    def tool_names(self, scenario: Scenario, agent: AgentSpec) -> list[str]:
        return [f"transfer_to_{target}" for target in agent.handoffs]

    async def run(self, ctx: RunContext, root: Budget) -> AgentResult:
        """The entry agent talks to the user; calling ``transfer_to_<agent>`` hands the same
        conversation to that agent, which carries on."""
        spec = ctx.scenario.entry_agent
        request = ctx.scenario.task
        history: list[dict[str, Any]] | None = None
        previous: str | None = None
        # One budget per agent for the whole conversation: an agent handed the conversation
        # again goes on spending against its own limits, it does not start afresh.
        budgets: dict[str, Budget] = {}
        for hops in range(MAX_HANDOFFS + 1):
            via: dict[str, tuple[Span, str]] = {}  # target -> (transfer tool span, reason)
            result = await run_agent(
                ctx,
                spec,
                request,
                parent=ctx.session_span,
                budget=budgets.setdefault(spec.name, agent_budget(root, ctx, spec.name)),
                role=spec.role or "agent",
                parent_agent=previous,
                extras=_handoff_extras(ctx, spec, via),
                history=history,
            )
            if result.handoff_to is None:
                return result
            tool_span, reason = via.get(result.handoff_to, (ctx.session_span, ""))
            if hops == MAX_HANDOFFS:
                return _too_many(tool_span, spec.name, result)
            tool_span.emit(Handoff(from_agent=spec.name, to_agent=result.handoff_to, reason=reason))
            # The new agent sees the whole conversation so far (its own instructions replace
            # the system prompt), then the user's request once more, addressed to it. The copy
            # addressed to the agent before is dropped, so ping-pong does not pile up copies.
            said = [m for m in result.messages if m.get("role") != "system"]
            if history is not None:
                del said[len(history)]
            history = said
            previous, spec = spec.name, ctx.scenario.agent(result.handoff_to)
        raise AssertionError("unreachable")


def _too_many(tool_span: Span, agent: str, result: AgentResult) -> AgentResult:
    """Ping-pong: stop the run as a loop, recorded as the loop check's verdict on the last
    transfer."""
    detail = f"{MAX_HANDOFFS} handoffs without an answer (last: {agent} -> {result.handoff_to})"
    saw = LoopDetected(pattern="cycle", action="stop", detail=detail)
    verdict = Verdict("stop", detail, {"pattern": "cycle"}, stop_reason="loop", events=(saw,))
    record(tool_span, "loop", "reasoning", verdict, subject="handoff")
    result.outcome = Outcome.stopped("loop", detail)
    return result


def _handoff_extras(ctx: RunContext, spec: AgentSpec, via: dict[str, tuple[Span, str]]) -> Extras:
    extras = Extras()
    for target in spec.handoffs:
        name = f"transfer_to_{target}"

        async def handler(
            args: dict[str, Any], tool_span: Span, target: str = target
        ) -> ToolResult:
            via.setdefault(target, (tool_span, str(args.get("reason") or "")))
            return ToolResult(f"Transferred to {target}; {target} takes over the conversation.")

        extras.tools.append(transfer_tool(ctx, target))
        extras.handlers[name] = handler
        extras.handoffs[name] = target
    return extras


HANDOFF = HandoffPattern()
