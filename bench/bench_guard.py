"""The Guardrail Sandwich's red-team benchmark: recall and false-positive rate of the injection
detector on the tuning corpus (``tests/redteam_corpus.py``) and on the held-out set
(``tests/redteam_heldout.py``, never tuned on), and what scanning a 1 KB message costs.

Run: python bench/bench_guard.py [--threshold 0.5] [--show]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from redteam_corpus import BENIGN, INJECTIONS
from redteam_heldout import HELDOUT_BENIGN, HELDOUT_INJECTIONS

from agentlab.core.checks.injection import scan
from agentlab.core.checks.pii import find, redact
from agentlab.core.checks.sanitize import sanitise


def _per_call_us(fn: object, text: str, n: int = 200) -> float:
    runs = []
    for _ in range(7):
        t0 = time.perf_counter()
        for _ in range(n):
            fn(text)  # type: ignore[operator]
        runs.append((time.perf_counter() - t0) / n * 1e6)
    # The best of 7 runs: the cost itself, without what other processes on the machine add.
    return min(runs)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--show", action="store_true", help="list the misses and false positives")
    a = ap.parse_args()
    print(f"threshold {a.threshold}")
    for name, bad, good, show in (
        ("tuning corpus", INJECTIONS, BENIGN, a.show),
        ("held-out set", HELDOUT_INJECTIONS, HELDOUT_BENIGN, False),  # never shown: never tuned
    ):
        missed = [t for t in bad if not scan(t).injection(a.threshold)]
        flagged = [t for t in good if scan(t).injection(a.threshold)]
        recall = 1 - len(missed) / len(bad)
        fpr = len(flagged) / len(good)
        print(
            f"{name}: recall {recall:.1%} ({len(bad) - len(missed)}/{len(bad)}), "
            f"false positives {fpr:.1%} ({len(flagged)}/{len(good)})"
        )
        if show:
            for t in missed:
                print("  missed:", t[:100].replace("\n", " "))
            for t in flagged:
                print("  flagged:", t[:100].replace("\n", " "))
    prose = (" ".join(BENIGN) * 2)[:1024]
    plain = ("The quarterly numbers look fine and the team shipped on time. " * 20)[:1024]

    def every_layer(text: str) -> None:
        sanitise(text)
        scan(text)
        redact(text, find(text))

    for name, text in (("plain prose", plain), ("near-miss text", prose)):
        print(
            f"1 KB {name}: sanitise {_per_call_us(sanitise, text):.0f} us, "
            f"detect {_per_call_us(scan, text):.0f} us, pii {_per_call_us(find, text):.0f} us, "
            f"every layer {_per_call_us(every_layer, text):.0f} us"
        )


if __name__ == "__main__":
    main()
