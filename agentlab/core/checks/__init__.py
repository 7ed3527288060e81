"""Checks around an agent's calls: approvals, loop detection, and (later) every guardrail.

``base.py`` is the protocol (stages, what a check sees, the verdict), ``runner.py`` runs the
checks of an agent at a stage and records their verdicts; each check is a module of its own.
:data:`CHECKS` is the registry: adding a check is one new module and one line here, nothing in
the agent loop. Each check's ``build`` decides whether a scenario enables it for an agent.
"""

from __future__ import annotations

from collections.abc import Sequence

from agentlab.core.checks.approval import ApprovalCheck
from agentlab.core.checks.base import (
    ALLOW,
    STAGES,
    Check,
    ModelInput,
    ModelOutput,
    Seen,
    StepTaken,
    ToolUse,
    Verdict,
)
from agentlab.core.checks.guard_input import InputGuardCheck
from agentlab.core.checks.guard_network import EgressCheck
from agentlab.core.checks.guard_output import OutputGuardCheck
from agentlab.core.checks.guard_tools import ArgumentsCheck
from agentlab.core.checks.loop import LoopCheck
from agentlab.core.checks.runner import Blocked, CheckRunner, Ruling, record
from agentlab.core.spec import AgentSpec, Scenario
from agentlab.core.tools import Tool

__all__ = [
    "ALLOW",
    "CHECKS",
    "STAGES",
    "Blocked",
    "Check",
    "CheckRunner",
    "ModelInput",
    "ModelOutput",
    "Ruling",
    "Seen",
    "StepTaken",
    "ToolUse",
    "Verdict",
    "checks_for",
    "record",
]

#: Every check the runtime knows, in the order they run at a stage.
#: The guardrail checks (input_guard, arguments, output_guard) do nothing unless the scenario
#: has a ``[guardrails]`` table. Arguments are checked before a person is asked to approve;
#: egress (a network tool's host allowlist) runs for any agent that holds a network tool.
CHECKS: list[type[Check]] = [
    InputGuardCheck,
    ArgumentsCheck,
    EgressCheck,
    ApprovalCheck,
    LoopCheck,
    OutputGuardCheck,
]


def checks_for(scenario: Scenario, agent: AgentSpec, tools: Sequence[Tool]) -> list[Check]:
    """The checks the scenario enables for one run of ``agent``, fresh (they keep state)."""
    return [c for cls in CHECKS if (c := cls.build(scenario, agent, tools)) is not None]
