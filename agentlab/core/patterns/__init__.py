"""Orchestration patterns, one :class:`~agentlab.core.patterns.base.Pattern` object each in the
registry :data:`PATTERNS`. Each runs agents through the one loop in ``agent.py`` and returns the
result of the top of the run; all emit the same event stream.

- ``single``: one agent.
- ``orchestrator-worker``, ``hierarchical``, ``supervisor``: an agent with ``workers`` gets a
  ``delegate`` tool; each call runs a worker as a child span of that tool call, concurrently with
  the other calls of the same turn. Workers with workers of their own delegate too, to any depth
  (a supervisor of supervisors). The three differ only in the role names they record.
- ``sequential``: a pipeline; each stage gets the task and the previous stage's output.
- ``parallel``: the task fanned out to every agent but the aggregator, which merges the answers.
- ``handoff``: Swarm style; ``transfer_to_<agent>`` tools pass the conversation on.

Failures stay local: a worker or branch that errors or hits its own cap becomes an error result
for whoever asked. A session-wide cap hit anywhere stops the whole run (``LimitStop``).

Adding a pattern: a new module here with a ``Pattern`` subclass, and its instance in
:data:`PATTERNS`. Scenario validation asks the registry for the names, each pattern's
``validate`` and the tools it gives agents.
"""

from __future__ import annotations

from agentlab.core.patterns.base import Pattern
from agentlab.core.patterns.delegation import HIERARCHICAL, ORCHESTRATOR_WORKER, SUPERVISOR
from agentlab.core.patterns.handoff import HANDOFF, MAX_HANDOFFS
from agentlab.core.patterns.pipelines import PARALLEL, SEQUENTIAL
from agentlab.core.patterns.single import SINGLE
from agentlab.errors import UsageError

__all__ = ["MAX_HANDOFFS", "PATTERNS", "Pattern", "pattern_named"]

#: Every pattern, by the name a scenario gives (``pattern = "..."``), in the order shown.
PATTERNS: dict[str, Pattern] = {
    p.name: p
    for p in (
        SINGLE,
        ORCHESTRATOR_WORKER,
        SEQUENTIAL,
        PARALLEL,
        HIERARCHICAL,
        SUPERVISOR,
        HANDOFF,
    )
}


def pattern_named(name: str) -> Pattern:
    try:
        return PATTERNS[name]
    except KeyError:
        known = ", ".join(PATTERNS)
        raise UsageError(f"unknown pattern {name!r} (patterns: {known})") from None
