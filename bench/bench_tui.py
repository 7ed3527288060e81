"""How fast the TUI opens and quits, in a fresh process each time (not a timed test).

first paint: process start -> home's first frame drawn, with its sessions and dashboard
(imports included); scenarios listed: -> the scenario table filled in (home reads the files in a
thread after the first frame); quit: ``q`` pressed (idle, or after a finished run) -> the
process has exited (threads, atexit and all).

    python bench/bench_tui.py            # median of 3
    python bench/bench_tui.py -n 5       # median of 5

The figures replace the first code block of the "## TUI (issue 12)" section of
bench/RESULTS.md (``--out``; ``--no-write`` only prints them); the text after it (the before
and after) stays as written.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

CHILD = textwrap.dedent(
    """
    import time
    t0 = time.perf_counter()
    import asyncio, json, sys
    from agentlab.tui.app import make_app

    async def main() -> None:
        app = make_app(db_path=sys.argv[1], scenarios_dir=sys.argv[2])
        async with app.run_test(size=(120, 40)) as pilot:
            painted = asyncio.Event()
            app.screen.call_after_refresh(painted.set)
            await asyncio.wait_for(painted.wait(), 60)
            paint = time.perf_counter() - t0
            await asyncio.wait_for(app.screen.scenarios_loaded.wait(), 60)
            listed = time.perf_counter() - t0
            await pilot.pause()
            if sys.argv[3] == "run":
                from agentlab.tui.screens.run import RunScreen  # after the paint: the runtime

                app.run_scenario("budget_math")
                while not (isinstance(app.screen, RunScreen) and app.screen.summary):
                    await pilot.pause(0.05)
            print(json.dumps({"paint": paint, "listed": listed, "quit_at": time.time()}), flush=True)
            await pilot.press("q")

    asyncio.run(main())
    if sys.argv[4] == "fast":
        from agentlab.cli import exit_now  # what `agentlab` does after the TUI closes

        exit_now(0)
    """
)


def once(folder: Path, run: bool, fast: bool = True) -> tuple[float, float, float]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            CHILD,
            str(folder / "lab.db"),
            str(folder),
            "run" if run else "",
            "fast" if fast else "",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = json.loads(proc.stdout.readline())
    proc.wait()
    return line["paint"], line["listed"], time.time() - line["quit_at"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=3)
    parser.add_argument("--out", default=str(Path(__file__).with_name("RESULTS.md")))
    parser.add_argument("--no-write", action="store_true", help="Print only.")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paints, listed, quits_idle, quits_run, quits_slow = [], [], [], [], []
        for _ in range(args.n):
            p, s, q = once(folder, run=False)
            paints.append(p)
            listed.append(s)
            quits_idle.append(q)
            quits_run.append(once(folder, run=True)[2])
            quits_slow.append(once(folder, run=True, fast=False)[2])
    load = max(load_before, os.getloadavg()[0])

    def med(values: list[float]) -> float:
        return statistics.median(values)

    def met(value: float, target: float) -> str:
        return f"< {target:g} s  {'met' if value < target else 'NOT met'}"

    lines = [
        f"python bench/bench_tui.py -n {args.n}: median of {args.n} fresh processes each "
        f"(CPython {platform.python_version()}, {os.cpu_count()} CPUs, load average "
        f"{load:.1f}, {datetime.date.today().isoformat()})",
        "",
        "what                                       seconds   target",
        "-------------------------------------------------------------",
        f"first paint (process start -> home drawn)    {med(paints):.3f}   {met(med(paints), 1)}",
        f"scenarios listed                             {med(listed):.3f}",
        f"quit, nothing run                            {med(quits_idle):.3f}   "
        f"{met(med(quits_idle), 0.5)}",
        f"quit after a run                             {med(quits_run):.3f}   "
        f"{met(med(quits_run), 0.5)}",
        f"quit after a run, litellm's hooks (before)   {med(quits_slow):.3f}",
        f"first paint, every run: {', '.join(f'{p:.2f}' for p in paints)}",
    ]
    print("\n".join(lines))
    if not args.no_write:
        out = Path(args.out)
        write_figures(out, "```\n" + "\n".join(lines) + "\n```\n")
        print(f"wrote the figures of {SECTION!r} in {out}", file=sys.stderr)


#: This benchmark's section of RESULTS.md (other benchmarks write their own sections).
SECTION = "## TUI (issue 12)"


def write_figures(out: Path, block: str) -> None:
    """Put ``block`` (a fenced code block) in place of the section's first code block and the
    lines before it; keep the text after it (the before and after) and every other section.
    Adds the section at the end when there is none."""
    text = out.read_text(encoding="utf-8") if out.exists() else "# Benchmark results\n"
    start = text.find(SECTION + "\n")
    if start < 0:
        out.write_text(text.rstrip("\n") + f"\n\n{SECTION}\n\n{block}", encoding="utf-8")
        return
    end = text.find("\n## ", start + len(SECTION))
    end = len(text) if end < 0 else end + 1
    body = text[start + len(SECTION) + 1 : end]
    opening = body.find("```")
    closing = body.find("\n```", opening + 3) if opening >= 0 else -1
    rest = body[closing + 4 :].lstrip("\n") if closing >= 0 else body.lstrip("\n")
    section = f"{SECTION}\n\n{block}" + (f"\n{rest}" if rest.strip() else "")
    if end < len(text) and not section.endswith("\n\n"):
        section = section.rstrip("\n") + "\n\n"
    out.write_text(text[:start] + section + text[end:], encoding="utf-8")


if __name__ == "__main__":
    main()
