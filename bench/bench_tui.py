"""How fast the TUI opens and quits, in a fresh process each time (not a timed test).

first paint: process start -> home's first frame drawn, with its sessions and dashboard
(imports included); scenarios listed: -> the scenario table filled in (home reads the files in a
thread after the first frame); quit: ``q`` pressed (idle, or after a finished run) -> the
process has exited (threads, atexit and all).

    python bench/bench_tui.py            # median of 3
"""

from __future__ import annotations

import argparse
import json
import os
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
    args = parser.parse_args()
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
    print(f"load average {os.getloadavg()[0]:.2f}")
    print(
        f"first paint                       {statistics.median(paints):.3f} s  (median of {args.n})"
    )
    print(f"scenarios listed                  {statistics.median(listed):.3f} s")
    print(f"quit, nothing run                 {statistics.median(quits_idle):.3f} s")
    print(f"quit after a run                  {statistics.median(quits_run):.3f} s")
    print(f"quit after a run, litellm's hooks {statistics.median(quits_slow):.3f} s  (before)")


if __name__ == "__main__":
    main()
