"""The CLEAR report of an eval run, pure: Cost, Latency, Efficacy, Assurance, Reliability.

- **Cost**: tokens and dollars, per case run (mean) and in all; an LLM judge's tokens and
  dollars apart from the agents'.
- **Latency**: p50 and p95 of a case run's wall time (nearest-rank percentiles).
- **Efficacy**: the pass rate over case runs, and the milestone score (the share of milestones
  reached, averaged over the runs of cases that have milestones).
- **Assurance**: safety expectations passed, of those checked.
- **Reliability**: over k repeats, **pass^k** is the share of cases that pass in *all* k runs
  and **pass@k** the share that pass in *at least one*. Skipped cases count in neither.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from agentlab.eval.assess import Verdict


@dataclass
class CaseRun:
    """One case, one repeat: the session it ran as and how it went."""

    case: str
    repeat: int
    session_id: str = ""
    status: str = ""
    stop_reason: str = ""
    verdicts: list[Verdict] = field(default_factory=list)
    #: Why the case was not run (no recording for ``--from-recordings``); "" when it ran.
    skipped: str = ""
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    duration_s: float = 0.0
    #: The LLM judge's call (``JudgeCall.to_dict()``: model, passed, score, reasoning, tokens,
    #: cost_usd), when one was asked; its spend is not the agent's and is counted apart.
    judge: dict[str, Any] | None = None

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    @property
    def passed(self) -> bool:
        return not self.skipped and not self.failures()

    def failures(self) -> list[Verdict]:
        """The expectations that failed. A missed milestone is scored, not failed: the
        ``milestones`` verdict fails when fewer than the required number were reached."""
        return [v for v in self.verdicts if v.passed is False and v.category != "milestone"]

    def notes(self) -> list[Verdict]:
        """Expectations that were skipped (an LLM judge offline)."""
        return [v for v in self.verdicts if v.passed is None]

    def milestones(self) -> tuple[int, int]:
        ms = [v for v in self.verdicts if v.category == "milestone"]
        return sum(v.passed is True for v in ms), len(ms)

    def assurance(self) -> tuple[int, int]:
        ss = [v for v in self.verdicts if v.category == "safety"]
        return sum(v.passed is True for v in ss), len(ss)

    def to_dict(self) -> dict[str, Any]:
        reached, total = self.milestones()
        return {
            "case": self.case,
            "repeat": self.repeat,
            "session_id": self.session_id,
            "status": self.status,
            "stop_reason": self.stop_reason,
            "passed": self.passed,
            "skipped": self.skipped or None,
            "failures": [{"expectation": v.name, "message": v.message} for v in self.failures()],
            "notes": [{"expectation": v.name, "message": v.message} for v in self.notes()],
            "milestones": {"reached": reached, "total": total},
            "tokens": self.total_tokens,
            "cost_usd": round(self.cost_usd, 10),
            "duration_s": round(self.duration_s, 4),
            "judge": self.judge,
        }


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank percentile ``q`` (0..100) of ``values`` (0.0 when empty)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def _clear(runs: Sequence[CaseRun]) -> dict[str, Any]:
    """The CLEAR figures of some case runs (all of one case, or the whole suite)."""
    ran = [r for r in runs if not r.skipped]
    n = len(ran)
    passes = sum(r.passed for r in ran)
    durations = [r.duration_s for r in ran]
    with_ms = [r.milestones() for r in ran if r.milestones()[1]]
    reached = sum(a for a, _ in with_ms)
    total_ms = sum(b for _, b in with_ms)
    safe = [r.assurance() for r in ran]
    safe_ok, safe_n = sum(a for a, _ in safe), sum(b for _, b in safe)
    tokens = sum(r.total_tokens for r in ran)
    cost = sum(r.cost_usd for r in ran)
    judged = [r.judge for r in ran if r.judge is not None]
    judge_costs = [j["cost_usd"] for j in judged if j.get("cost_usd") is not None]
    return {
        "cost": {
            "tokens": tokens,
            "tokens_per_run": round(tokens / n, 1) if n else 0.0,
            "cost_usd": round(cost, 10),
            "cost_usd_per_run": round(cost / n, 10) if n else 0.0,
            # The LLM judge's spend, apart from the agents' (not in the figures above).
            "judge_calls": len(judged),
            "judge_tokens": sum(int(j.get("tokens") or 0) for j in judged),
            "judge_cost_usd": round(sum(judge_costs), 10),
            "judge_unpriced": len(judged) - len(judge_costs),
        },
        "latency": {
            "p50_s": round(percentile(durations, 50), 4),
            "p95_s": round(percentile(durations, 95), 4),
        },
        "efficacy": {
            "runs": n,
            "passed": passes,
            "pass_rate": round(passes / n, 4) if n else None,
            "milestone_score": round(reached / total_ms, 4) if total_ms else None,
            "milestones": {"reached": reached, "total": total_ms},
        },
        "assurance": {
            "passed": safe_ok,
            "checked": safe_n,
            "rate": round(safe_ok / safe_n, 4) if safe_n else None,
        },
    }


@dataclass
class Report:
    """The eval run's report: per case and overall."""

    runs: list[CaseRun]
    repeat: int
    cases: dict[str, dict[str, Any]]
    overall: dict[str, Any]

    @property
    def ok(self) -> bool:
        """Every case that ran passed in every repeat (skipped cases do not fail a suite)."""
        return all(r.passed for r in self.runs if not r.skipped)

    def to_dict(self) -> dict[str, Any]:
        return {
            "repeat": self.repeat,
            "ok": self.ok,
            "overall": self.overall,
            "cases": self.cases,
            "runs": [r.to_dict() for r in self.runs],
        }


def report(runs: list[CaseRun], repeat: int) -> Report:
    """Per-case and overall CLEAR figures, and pass^k / pass@k with k = ``repeat``."""
    by_case: dict[str, list[CaseRun]] = {}
    for r in sorted(runs, key=lambda r: (r.case, r.repeat)):
        by_case.setdefault(r.case, []).append(r)
    cases: dict[str, dict[str, Any]] = {}
    all_pass = any_pass = counted = 0
    for name, mine in by_case.items():
        figures = _clear(mine)
        skipped = next((r.skipped for r in mine if r.skipped), "")
        ran = [r for r in mine if not r.skipped]
        every = bool(ran) and all(r.passed for r in ran)
        some = any(r.passed for r in ran)
        if ran:
            counted += 1
            all_pass += every
            any_pass += some
        figures["reliability"] = {"passed_all": every, "passed_any": some}
        figures["skipped"] = skipped or None
        cases[name] = figures
    overall = _clear(runs)
    overall["cases"] = len(by_case)
    overall["skipped"] = sum(1 for c in cases.values() if c["skipped"])
    overall["reliability"] = {
        "k": repeat,
        "pass_hat_k": round(all_pass / counted, 4) if counted else None,
        "pass_at_k": round(any_pass / counted, 4) if counted else None,
    }
    overall["notes"] = sorted({f"{v.name}: {v.message}" for r in runs for v in r.notes()})
    return Report(runs, repeat, cases, overall)
