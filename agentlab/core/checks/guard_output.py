"""The Guardrail Sandwich's output layer as an ``output`` check: validation, then PII and
secret masking of the model's reply.

- Validation (when the scenario declares it): a final reply (one that calls no tool) longer
  than ``max_output_chars`` or not matching ``output_regex`` stops the agent with
  ``guardrail:output``.
- Masking (``mask_output``, on by default with ``[guardrails]``): emails, phone numbers, Luhn-valid
  card numbers, SSNs, checksum-valid IBANs, provider API keys and tokens, private key blocks and
  IP addresses in the reply become ``[EMAIL]``, ``[CREDIT_CARD]``, ... (``pii.py``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import ClassVar

from agentlab.core.checks.base import ALLOW, Check, ModelOutput, Seen, Verdict
from agentlab.core.checks.pii import find, redact
from agentlab.core.events import Stage
from agentlab.core.spec import AgentSpec, Guardrails, Scenario
from agentlab.core.tools import Tool


class OutputGuardCheck(Check):
    name: ClassVar[str] = "output_guard"
    stages: ClassVar[frozenset[Stage]] = frozenset({"output"})

    def __init__(self, settings: Guardrails) -> None:
        self.settings = settings
        self.regex = re.compile(settings.output_regex) if settings.output_regex else None

    @classmethod
    def build(cls, scenario: Scenario, agent: AgentSpec, tools: Sequence[Tool]) -> Check | None:
        g = scenario.guardrails
        if g is None:
            return None
        if not g.mask_output and g.max_output_chars is None and g.output_regex is None:
            return None
        return cls(g)

    async def check(self, seen: Seen) -> Verdict:
        if not isinstance(seen, ModelOutput) or not seen.content:
            return ALLOW
        g = self.settings
        if not seen.tool_calls:
            problem = ""
            if g.max_output_chars is not None and len(seen.content) > g.max_output_chars:
                problem = f"the reply is {len(seen.content)} characters (max {g.max_output_chars})"
            elif self.regex is not None and not self.regex.search(seen.content):
                problem = f"the reply does not match {g.output_regex!r}"
            if problem:
                return Verdict(
                    "stop", problem, {"invalid": problem}, stop_reason="guardrail:output"
                )
        if not g.mask_output:
            return ALLOW
        matches = find(seen.content)
        if not matches:
            return ALLOW
        kinds = Counter(m.kind for m in matches)
        why = "masked " + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
        return Verdict(
            "modify", why, {"masked": dict(kinds)}, content=redact(seen.content, matches)
        )
