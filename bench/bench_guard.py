"""The Guardrail Sandwich's red-team benchmark: recall and false-positive rate of the injection
detector on the tuning corpus (``tests/redteam_corpus.py``) and on the two held-out sets
(``tests/redteam_heldout.py``, ``tests/redteam_heldout2.py``, never tuned on), and what scanning
a 1 KB message costs. The figures replace the code block of the "Guardrails (issue 13)" section
of ``bench/RESULTS.md`` (the notes around it are kept).

Run: PYTHONPATH=. python bench/bench_guard.py [--threshold 0.5] [--show] [--no-write]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from redteam_corpus import BENIGN, INJECTIONS
from redteam_heldout import HELDOUT_BENIGN, HELDOUT_INJECTIONS
from redteam_heldout2 import HELDOUT2_BENIGN, HELDOUT2_INJECTIONS

from agentlab.core.checks.injection import scan
from agentlab.core.checks.pii import find, redact
from agentlab.core.checks.sanitize import sanitise

HERE = Path(__file__).resolve().parent
SECTION = "## Guardrails (issue 13)"
#: A realistic 1 KB message: names, dates, amounts, an address, a link (no attack).
MAIL = (
    "Hi Dana,\n\nThanks for the call on 12 March. As agreed, the pilot starts on 2024-04-02 with "
    "three teams (about 40 people) and runs for six weeks. Invoice 2024-117 for EUR 12,400 is "
    "attached; payment terms are 30 days. The kickoff is at 10:30 in room 4B, and the agenda "
    "is on the wiki at https://wiki.example.com/pilot. Please bring the signed order form and "
    "the list of participants, and let me know by Friday if the dates still work for your "
    "side. Sam will send the onboarding guide next week; questions about access can go to "
    "it-help@example.com. We will review progress after two weeks and decide then whether to "
    "add the fourth team. Looking forward to working together.\n\nBest regards,\nPriya\n"
)


def _per_call_us(fn: object, text: str, n: int = 5, repeat: int = 300) -> float:
    runs = []
    for _ in range(repeat):
        # CPU time of this process: on a machine shared with other jobs the wall clock also
        # counts the time this process waits for a core.
        t0 = time.process_time()
        for _ in range(n):
            fn(text)  # type: ignore[operator]
        runs.append((time.process_time() - t0) / n * 1e6)
    # The best of 300 short runs (1500 calls, as many as 15 runs of 100): the cost itself,
    # without what other processes on the machine add; a short run is more often one that no
    # other job slowed down (the 15 long runs moved the figures 1.5x between runs).
    return min(runs)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--show", action="store_true", help="list the misses and false positives")
    ap.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md")
    a = ap.parse_args()
    lines = [f"threshold {a.threshold}"]
    for name, bad, good, show in (
        ("tuning corpus", INJECTIONS, BENIGN, a.show),
        # the held-out sets are never shown: never tuned on
        ("held-out set", HELDOUT_INJECTIONS, HELDOUT_BENIGN, False),
        ("held-out set 2", HELDOUT2_INJECTIONS, HELDOUT2_BENIGN, False),
    ):
        missed = [t for t in bad if not scan(t).injection(a.threshold)]
        flagged = [t for t in good if scan(t).injection(a.threshold)]
        recall = 1 - len(missed) / len(bad)
        fpr = len(flagged) / len(good)
        lines.append(
            f"{name}: recall {recall:.1%} ({len(bad) - len(missed)}/{len(bad)}), "
            f"false positives {fpr:.1%} ({len(flagged)}/{len(good)})"
        )
        print(lines[-1])
        if show:
            for t in missed:
                print("  missed:", t[:100].replace("\n", " "))
            for t in flagged:
                print("  flagged:", t[:100].replace("\n", " "))
    prose = (" ".join(BENIGN) * 2)[:1024]
    plain = ("The quarterly numbers look fine and the team shipped on time. " * 20)[:1024]
    mail = (MAIL * 2)[:1024]

    def every_layer(text: str) -> None:
        sanitise(text)
        scan(text)
        redact(text, find(text))

    for name, text in (
        ("plain prose", plain),
        ("ordinary mail", mail),
        ("near-miss text", prose),
    ):
        lines.append(
            f"1 KB {name}: sanitise {_per_call_us(sanitise, text):.0f} us, "
            f"detect {_per_call_us(scan, text):.0f} us, pii {_per_call_us(find, text):.0f} us, "
            f"every layer {_per_call_us(every_layer, text):.0f} us"
        )
        print(lines[-1])
    if not a.no_write:
        write_figures(HERE / "RESULTS.md", "\n".join(lines))


def write_figures(out: Path, figures: str) -> None:
    """Replace the first code block of this benchmark's section of ``out`` with ``figures``
    (adding the section when there is none); the notes around it are kept."""
    text = out.read_text() if out.exists() else "# Benchmark results\n"
    block = f"```\n{figures}\n```"
    start = text.find(SECTION)
    if start < 0:
        cmd = "`PYTHONPATH=. python bench/bench_guard.py`"
        out.write_text(f"{text.rstrip()}\n\n{SECTION}\n\n{cmd}:\n\n{block}\n")
        return
    end = text.find("\n## ", start + len(SECTION))
    end = len(text) if end < 0 else end
    open_ = text.find("```", start, end)
    close = text.find("```", open_ + 3, end) if open_ >= 0 else -1
    if close < 0:
        out.write_text(f"{text[:end].rstrip()}\n\n{block}\n{text[end:]}")
        return
    out.write_text(text[:open_] + block + text[close + 3 :])


if __name__ == "__main__":
    main()
