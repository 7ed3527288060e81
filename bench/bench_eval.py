"""How fast is `agentlab eval` offline?

1. The shipped suite (every scenario in scenarios/, lab models) with ``--repeat 3``, as a CI job
   runs it: the whole command in a fresh process, start-up included. Target: under 10 s.
2. 1,000 case runs from recordings: the shipped suite is run once (so every scenario has a
   recorded session), then ``--from-recordings --repeat N`` with N * cases >= 1,000: every
   model call answered from a recording, everything else (tools, checks, the recorder, the
   expectations) for real. Target: under 60 s.

Each figure is one run of the real command (``python -m agentlab eval ...``) in a temporary
``AGENTLAB_HOME``; the case runs' own p50/p95 come from the command's JSON report.

    python bench/bench_eval.py              # prints, and writes its section of bench/RESULTS.md
    python bench/bench_eval.py --no-write
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SECTION = "## bench_eval.py"


def _eval(home: str, *args: str) -> tuple[float, dict]:
    env = {**os.environ, "AGENTLAB_HOME": home, "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "agentlab", "eval", "scenarios", "--json", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    took = time.perf_counter() - started
    if out.returncode not in (0, 1) or not out.stdout.strip():
        raise SystemExit(f"agentlab eval {' '.join(args)} failed: {out.stderr.strip()}")
    return took, json.loads(out.stdout)


def _write(lines: list[str]) -> None:
    """Replace this benchmark's section of RESULTS.md (or add it)."""
    results = HERE / "RESULTS.md"
    text = results.read_text(encoding="utf-8") if results.exists() else "# Benchmark results\n"
    block = f"{SECTION}\n\n```\n" + "\n".join(lines) + "\n```\n"
    if SECTION in text:
        head, _, rest = text.partition(SECTION)
        nxt = rest.find("\n## ")
        text = head + block + ("\n" + rest[nxt + 1 :] if nxt >= 0 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + block
    results.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=1000, help="case runs from recordings")
    parser.add_argument("--no-write", action="store_true", help="do not write RESULTS.md")
    args = parser.parse_args()
    out: list[str] = []

    def say(line: str = "") -> None:
        print(line)
        out.append(line)

    load = os.getloadavg()[0]  # the machine is shared: say how busy it was
    with tempfile.TemporaryDirectory() as home:
        t_suite, suite = _eval(home, "--repeat", "3")
        cases = suite["overall"]["cases"]
        repeat = math.ceil(args.runs / cases)
        t_rec, rec = _eval(home, "--from-recordings", "--repeat", str(repeat))
    n_rec = rec["overall"]["efficacy"]["runs"]
    say(
        f"agentlab eval, one run each (CPython {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, load average {load:.1f} at the start, "
        f"{time.strftime('%Y-%m-%d')})"
    )
    say()
    say(f"{'what':52} {'runs':>6} {'wall s':>8} {'target':>8} {'p50 s':>7} {'p95 s':>7}")
    say("-" * 92)
    for label, took, data, target in (
        (f"shipped suite ({cases} cases) --repeat 3", t_suite, suite, "< 10"),
        (f"from recordings --repeat {repeat}", t_rec, rec, "< 60"),
    ):
        o = data["overall"]
        say(
            f"{label:52} {o['efficacy']['runs']:>6} {took:8.2f} {target:>8} "
            f"{o['latency']['p50_s']:7.3f} {o['latency']['p95_s']:7.3f}"
        )
    say()
    say(
        f"suite: {suite['overall']['efficacy']['passed']}/{suite['overall']['efficacy']['runs']} "
        f"passed, exit {'0' if suite['ok'] else '1'}; from recordings: "
        f"{rec['overall']['efficacy']['passed']}/{n_rec} passed, "
        f"{n_rec / t_rec:.0f} case runs/s"
    )
    if not args.no_write:
        _write(out)
        print(f"\nwrote the {SECTION} section of bench/RESULTS.md", file=sys.stderr)


if __name__ == "__main__":
    main()
