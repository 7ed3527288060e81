"""The Guardrail Sandwich's output layer as an ``output`` check: validation, then PII and
secret masking of the model's reply.

- Validation (when the scenario declares it): a final reply (one that calls no tool) longer
  than ``max_output_chars``, not matching ``output_regex`` or not JSON valid against
  ``output_schema`` is sent back to the model once with the error (``output_retry``: a
  ``modify`` verdict whose content is a :class:`Retry`); if it fails again the agent stops with
  ``guardrail:output``, or (``on_invalid_output = "ask"``) a person decides through the
  approval flow: approved, the reply stands; denied, the agent stops with ``guardrail:output``.
- Confidence (``confidence_field``): a final reply states how sure it is, a number from 0 to 1 in
  its JSON (a reply without one fails validation, above). Below ``min_confidence`` it is
  escalated: ``ask`` (a person decides through the approval flow, as for an invalid reply),
  ``stop`` (``guardrail:output``) or ``flag`` (it stands, the verdict is recorded). Lab models
  exercise it offline: a scripted reply is any JSON text.
- Masking (``mask_output``, on by default with ``[guardrails]``): emails, phone numbers,
  Luhn-valid card numbers, SSNs, checksum-valid IBANs, provider API keys and tokens, private key
  blocks and IP addresses become ``[EMAIL]``, ``[CREDIT_CARD]``, ... (``pii.py``) in what a
  person sees: the console, final outputs and exports mask on display (``console/``,
  ``store/export.py``), so what is stored stays exact for replay and rerun. With
  ``mask_storage = true`` the store is masked too (``storage.py``: every text of every event,
  tool arguments and results included); the run itself still sees the exact text.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from typing import Any, ClassVar

from agentlab.core.checks.base import ALLOW, Check, ModelOutput, Retry, Seen, Verdict
from agentlab.core.checks.pii import find
from agentlab.core.events import Stage
from agentlab.core.events import Verdict as VerdictKind
from agentlab.core.spec import AgentSpec, Guardrails, Scenario
from agentlab.core.tools import Tool


class OutputGuardCheck(Check):
    name: ClassVar[str] = "output_guard"
    stages: ClassVar[frozenset[Stage]] = frozenset({"output"})

    def __init__(self, settings: Guardrails) -> None:
        self.settings = settings
        self.regex = re.compile(settings.output_regex) if settings.output_regex else None
        self.schema = _validator(settings.output_schema)
        #: Replies of this agent run sent back for another try (at most one).
        self.retried = 0

    @classmethod
    def build(cls, scenario: Scenario, agent: AgentSpec, tools: Sequence[Tool]) -> Check | None:
        g = scenario.guardrails
        if g is None:
            return None
        validates = (
            g.max_output_chars is not None
            or g.output_regex is not None
            or g.output_schema
            or g.confidence_field
        )
        if not g.mask_output and not validates:
            return None
        return cls(g)

    def problem(self, reply: str) -> str:
        """What is wrong with a final reply (one line), or ""."""
        g = self.settings
        if g.max_output_chars is not None and len(reply) > g.max_output_chars:
            return f"the reply is {len(reply)} characters (max {g.max_output_chars})"
        if self.regex is not None and not self.regex.search(reply):
            return f"the reply does not match {g.output_regex!r}"
        if self.schema is not None:
            problem = schema_problem(self.schema, reply)
            if problem:
                return problem
        if g.confidence_field:
            found = confidence(reply, g.confidence_field)
            if isinstance(found, str):
                return found
        return ""

    async def check(self, seen: Seen) -> Verdict:
        if not isinstance(seen, ModelOutput):
            return ALLOW
        g = self.settings
        if not seen.tool_calls:
            problem = self.problem(seen.content)
            if problem:
                detail: dict[str, Any] = {"invalid": problem}
                if g.output_retry and not self.retried:
                    self.retried += 1
                    detail["retry"] = self.retried
                    feedback = (
                        f"Your reply failed validation: {problem}. "
                        "Answer again, following the required format exactly."
                    )
                    return Verdict(
                        "modify", f"{problem}; sent back once", detail, content=Retry(feedback)
                    )
                kind: VerdictKind = "ask" if g.on_invalid_output == "ask" else "stop"
                return Verdict(kind, problem, detail, stop_reason="guardrail:output")
            if g.confidence_field:
                low = self.low_confidence(seen.content)
                if low is not None:
                    return low
        if not g.mask_output or not seen.content:
            return ALLOW
        matches = find(seen.content)
        if not matches:
            return ALLOW
        kinds = Counter(m.kind for m in matches)
        found = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
        # The reply goes on exact: every view masks it (display.py), and with mask_storage
        # so does the store (storage.py).
        where = (
            "where people see it and where it is stored"
            if g.mask_storage
            else "where people see it"
        )
        return Verdict("flag", f"{found} masked {where}", {"pii": dict(kinds)})

    def low_confidence(self, reply: str) -> Verdict | None:
        """The verdict on a valid final reply less confident than ``min_confidence``, or None.
        What it found to mask is noted in its detail (a view masks it as for any reply)."""
        g = self.settings
        value = confidence(reply, g.confidence_field or "")
        if isinstance(value, str) or value >= g.min_confidence:
            return None
        detail: dict[str, Any] = {"confidence": value, "min_confidence": g.min_confidence}
        if g.mask_output:
            kinds = Counter(m.kind for m in find(reply))
            if kinds:
                detail["pii"] = dict(kinds)
        why = f"confidence {value:g} is below {g.min_confidence:g}"
        if g.on_low_confidence == "flag":
            return Verdict("flag", f"{why}; the reply stands", detail)
        if g.on_low_confidence == "ask":
            return Verdict("ask", why, detail, stop_reason="guardrail:output")
        return Verdict("stop", why, detail, stop_reason="guardrail:output")


def reply_json(reply: str) -> Any:
    """The JSON value of a reply (bare, or fenced in a ```json block); ValueError if none."""
    fenced = _FENCED.match(reply)
    return json.loads(fenced.group(1) if fenced else reply)


def confidence(reply: str, field: str) -> float | str:
    """The number from 0 to 1 a reply's JSON object holds at ``field`` (``a.b``: nested), or
    why there is none (one line)."""
    where = f"a number from 0 to 1 at {field!r}"
    try:
        value: Any = reply_json(reply)
    except ValueError:
        return f"the reply is not JSON, so it states no confidence ({where})"
    for key in field.split("."):
        if not isinstance(value, dict) or key not in value:
            return f"the reply states no confidence ({where})"
        value = value[key]
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        return f"the reply's confidence is {json.dumps(value)}, not {where}"
    return float(value)


_FENCED = re.compile(r"^\s*```(?:json)?\s*\n(.*?)\n\s*```\s*$", re.DOTALL)


def _validator(schema: dict[str, Any] | None) -> Any:
    if not schema:
        return None
    import jsonschema  # only scenarios that declare a schema pay for the import

    return jsonschema.Draft202012Validator(schema)


def schema_problem(validator: Any, reply: str) -> str:
    """Why ``reply`` is not JSON valid against the schema (one line), or ""."""
    import jsonschema

    try:
        value = reply_json(reply)
    except ValueError as exc:
        return f"the reply is not JSON ({exc})"
    best = jsonschema.exceptions.best_match(validator.iter_errors(value))
    if best is None:
        return ""
    where = "/".join(str(p) for p in best.absolute_path)
    return f"the reply does not follow the schema: {where + ': ' if where else ''}{best.message}"
