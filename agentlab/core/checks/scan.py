"""``agentlab guard scan``: the input and output layers run on one text, by hand."""

from __future__ import annotations

from typing import Any

from agentlab.core.checks.injection import DEFAULT_THRESHOLD, scan
from agentlab.core.checks.pii import find, redact


def scan_text(text: str, threshold: float = DEFAULT_THRESHOLD) -> dict[str, Any]:
    """``{"injection", "score", "reasons", "hidden", "pii": [{"kind", "start", "end"}],
    "redacted"}``; PII offsets are into ``text`` as given (before sanitising)."""
    finding = scan(text)
    matches = find(text)
    hidden = finding.sanitised.hidden if finding.sanitised is not None else []
    return {
        "injection": finding.injection(threshold),
        "score": finding.score,
        "reasons": finding.reasons,
        "hidden": [{"kind": k, "text": t} for k, t in hidden],
        "pii": [{"kind": m.kind, "start": m.start, "end": m.end} for m in matches],
        "redacted": redact(text, matches),
    }
