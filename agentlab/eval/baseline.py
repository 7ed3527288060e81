"""Baselines: an eval run's figures saved as JSON, and a later run compared with them.

A regression is any of these (the tolerances are written into the baseline file, where they
can be edited; docs/eval.md documents them):

- a case that passed in every repeat of the baseline now fails in some repeat;
- the overall pass rate is lower by more than ``pass_rate_drop`` (default 0: any drop);
- the cost per case run (dollars, and tokens when nothing is priced) is higher by more than
  ``cost_increase`` (default 0.10: 10%);
- the p95 latency is higher by more than ``latency_increase`` (default 0.5: 50%) *and* by more
  than ``latency_min_s`` seconds (default 0.25): lab runs take milliseconds, and a busy machine
  doubles that without anything having changed.

A case that now passes, a new case or a case no longer run is a change, not a regression.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agentlab.errors import UsageError
from agentlab.eval.metrics import Report

FORMAT = "agentlab-eval-baseline"
VERSION = 1
TOLERANCES: dict[str, float] = {
    "pass_rate_drop": 0.0,
    "cost_increase": 0.10,
    "latency_increase": 0.5,
    "latency_min_s": 0.25,
}


@dataclass(frozen=True)
class Change:
    """One row of the comparison table."""

    what: str
    baseline: str
    now: str
    regression: bool
    why: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "what": self.what,
            "baseline": self.baseline,
            "now": self.now,
            "regression": self.regression,
            "why": self.why,
        }


def figures(report: Report, tolerances: dict[str, float] | None = None) -> dict[str, Any]:
    """What a baseline file holds."""
    o = report.overall
    return {
        "format": FORMAT,
        "version": VERSION,
        "repeat": report.repeat,
        "tolerances": dict(tolerances or TOLERANCES),
        "overall": {
            "pass_rate": o["efficacy"]["pass_rate"],
            "pass_hat_k": o["reliability"]["pass_hat_k"],
            "cost_usd_per_run": o["cost"]["cost_usd_per_run"],
            "tokens_per_run": o["cost"]["tokens_per_run"],
            "p50_s": o["latency"]["p50_s"],
            "p95_s": o["latency"]["p95_s"],
        },
        "cases": {
            name: {
                "passed": c["reliability"]["passed_all"],
                "pass_rate": c["efficacy"]["pass_rate"],
                "cost_usd_per_run": c["cost"]["cost_usd_per_run"],
                "tokens_per_run": c["cost"]["tokens_per_run"],
                "p95_s": c["latency"]["p95_s"],
            }
            for name, c in report.cases.items()
            if not c["skipped"]
        },
    }


def save(path: Path, report: Report) -> None:
    try:
        path.write_text(json.dumps(figures(report), indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"--save-baseline: cannot write {path}: {exc.strerror}") from None


def load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"--baseline: no such file: {path}") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise UsageError(f"--baseline: {path} is not a baseline file ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise UsageError(f"--baseline: {path} is not a baseline file (see --save-baseline)")
    if data.get("version") != VERSION:
        raise UsageError(f"--baseline: {path} is version {data.get('version')}; expected {VERSION}")
    tol = data.get("tolerances", {})
    unknown = sorted(set(tol) - set(TOLERANCES)) if isinstance(tol, dict) else []
    if unknown:  # a misspelt tolerance would otherwise be ignored without a word
        raise UsageError(
            f"--baseline: {path}: unknown tolerance {unknown[0]!r} "
            f"(tolerances: {', '.join(TOLERANCES)})"
        )
    if not isinstance(tol, dict) or any(
        not isinstance(tol.get(k, 0.0), int | float) or tol.get(k, 0.0) < 0 for k in TOLERANCES
    ):
        raise UsageError(f"--baseline: {path}: tolerances must be numbers >= 0")
    return data


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.0%}"


def _rises(base: float, now: float, rel: float, floor: float = 0.0) -> bool:
    """``now`` is more than ``rel`` (relative) and ``floor`` (absolute) above ``base``."""
    return now - base > floor and now > base * (1 + rel) + 1e-12


def compare(base: dict[str, Any], report: Report) -> list[Change]:
    """The rows that changed between the baseline and this run; ``regression`` marks the ones
    that fail it."""
    tol = {**TOLERANCES, **{k: float(v) for k, v in base.get("tolerances", {}).items()}}
    now = figures(report, tol)
    out: list[Change] = []
    old_cases: dict[str, Any] = base.get("cases", {})
    for name, c in now["cases"].items():
        was = old_cases.get(name)
        if was is None:
            out.append(Change(name, "-", "pass" if c["passed"] else "fail", False, "new case"))
        elif was.get("passed") and not c["passed"]:
            out.append(Change(name, "pass", "fail", True, "a case that passed now fails"))
        elif not was.get("passed") and c["passed"]:
            out.append(Change(name, "fail", "pass", False, "fixed"))
    for name in sorted(set(old_cases) - set(now["cases"])):
        out.append(
            Change(name, "pass" if old_cases[name].get("passed") else "fail", "-", False, "not run")
        )
    bo, no = base.get("overall", {}), now["overall"]
    b_rate, n_rate = bo.get("pass_rate"), no["pass_rate"]
    if b_rate is not None and n_rate is not None and n_rate != b_rate:
        worse = b_rate - n_rate > tol["pass_rate_drop"] + 1e-12
        out.append(
            Change(
                "pass rate",
                _pct(b_rate),
                _pct(n_rate),
                worse,
                f"dropped more than {tol['pass_rate_drop']:.0%}" if worse else "",
            )
        )
    b_cost, n_cost = float(bo.get("cost_usd_per_run") or 0), float(no["cost_usd_per_run"] or 0)
    if b_cost or n_cost:
        worse = _rises(b_cost, n_cost, tol["cost_increase"])
        if worse or b_cost != n_cost:
            out.append(
                Change(
                    "cost per run",
                    f"${b_cost:.6f}",
                    f"${n_cost:.6f}",
                    worse,
                    f"up more than {tol['cost_increase']:.0%}" if worse else "",
                )
            )
    else:  # nothing priced: tokens stand for cost
        b_tok, n_tok = float(bo.get("tokens_per_run") or 0), float(no["tokens_per_run"] or 0)
        worse = _rises(b_tok, n_tok, tol["cost_increase"])
        if worse or b_tok != n_tok:
            out.append(
                Change(
                    "tokens per run",
                    f"{b_tok:g}",
                    f"{n_tok:g}",
                    worse,
                    f"up more than {tol['cost_increase']:.0%}" if worse else "",
                )
            )
    b_p95, n_p95 = float(bo.get("p95_s") or 0), float(no["p95_s"] or 0)
    worse = _rises(b_p95, n_p95, tol["latency_increase"], tol["latency_min_s"])
    if worse:
        out.append(
            Change(
                "latency p95",
                f"{b_p95:.3f} s",
                f"{n_p95:.3f} s",
                True,
                f"up more than {tol['latency_increase']:.0%} and {tol['latency_min_s']:g} s",
            )
        )
    return out
