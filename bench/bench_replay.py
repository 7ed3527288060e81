"""What replaying, browsing and re-running recorded sessions cost, through ``services.py``.

Run: python bench/bench_replay.py [--runs 5] [--no-write]

Prints, and writes its own section of bench/RESULTS.md (``## Replay and sessions (issue 10)``;
other benches' sections are left as they are):

- load a ~10,000-event recorded session (``services.load_recording``) and feed every event
  through the CLI's replay renderer (``console.printer.Printer`` batching, as ``agentlab
  replay`` does) to a null console (and, for comparison, to a colour terminal's codes and
  through the old one-``console.print``-per-line path);
- list sessions in a database of 10,000 (a page of 50, as ``agentlab sessions list`` shows,
  and all 10,000);
- rerun a recorded 50-step session (every answer from the recording, ``services.rerun_recorded``)
  against running the same session on its lab model (``services.run_recorded``); both record.

Targets from issue 10: < 0.5 s, < 0.2 s, and a rerun within 1.2x the lab-model run.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def median_time(fn, runs: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def big_session_scenario(folder: Path, agents: int) -> Path:
    """A parallel fan-out of ``agents`` lab/auto agents, each calling the calculator once and
    answering (about 11 events each), then an aggregator: a realistic ~10,000-event session."""
    lines = [
        'name = "ten_thousand_events"',
        'task = "Add up 2 + 2 and report the result."',
        'pattern = "parallel"',
        "max_concurrency = 64",
        "[loops]",
        "enabled = false",
    ]
    for i in range(agents):
        lines += [
            "[[agents]]",
            f'name = "worker-{i:04d}"',
            'model = "lab/auto"',
            'tools = ["calculator"]',
        ]
    lines += ["[[agents]]", 'name = "aggregator"', 'role = "aggregator"', 'model = "lab/auto"']
    path = folder / "big.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def fifty_step_scenario(folder: Path) -> Path:
    path = folder / "fifty.toml"
    path.write_text(
        """
name = "fifty_steps"
task = "Count to forty-nine with the calculator, one step at a time, then say done."
[limits]
steps = 60
[loops]
enabled = false
[[agents]]
name = "counter"
model = "lab/scripted"
tools = ["calculator"]
  [[agents.script]]
  tool = "calculator"
  args = { expression = "1 + 1" }
  repeat = 49
  [[agents.script]]
  text = "Done: {results}"
"""
    )
    return path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-write", action="store_true", help="do not write RESULTS.md")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp())
    os.environ["AGENTLAB_HOME"] = str(home)

    from rich.console import Console
    from sqlite_utils import Database

    from agentlab import services
    from agentlab.console.printer import Printer
    from agentlab.core.context import RunOptions

    db = home / "bench.db"
    opts = RunOptions(stream=False)
    out: list[str] = []

    def say(line: str) -> None:
        print(line)
        out.append(line)

    # 1. a 10,000-event session: load it and render it to a null console.
    big = asyncio.run(
        services.run_recorded(big_session_scenario(home, 900), options=opts, db_path=db)
    )
    n_events = len(services.load_recording(db, big.session_id).events)

    def load_and_render(*, batch: bool = True, terminal: bool = False) -> None:
        recording = services.load_recording(db, big.session_id)
        console = Console(file=io.StringIO(), width=100, force_terminal=terminal)
        printer = Printer(console, batch=batch)
        for e in recording.events:
            printer(e)
        printer.close()

    t_replay = median_time(load_and_render, args.runs)
    t_colour = median_time(lambda: load_and_render(terminal=True), args.runs)
    t_per_line = median_time(lambda: load_and_render(batch=False), max(1, args.runs // 2))
    t_load = median_time(lambda: services.load_recording(db, big.session_id), args.runs)

    # 2. 10,000 sessions: a page of 50 and all of them.
    many = home / "many.db"
    services.check_db(many)  # create and migrate
    conn = Database(many)
    now = time.time()
    conn["sessions"].insert_all(
        (
            {
                "id": f"20260101-000000-{i:06x}",
                "scenario": f"scenario-{i % 13}",
                "pattern": "single",
                "status": "completed",
                "stop_reason": "completed",
                "started_at": now - i,
                "ended_at": now - i + 1,
                "config": '{"agents": [{"name": "a", "model": "lab/auto"}]}',
            }
            for i in range(10_000)
        ),
        batch_size=1000,
    )
    conn.close()
    t_page = median_time(lambda: services.list_sessions(many, limit=50), args.runs)
    t_all = median_time(lambda: services.list_sessions(many, limit=10_000), args.runs)
    t_filtered = median_time(
        lambda: services.list_sessions(many, limit=50, model="lab/auto", status="completed"),
        args.runs,
    )

    # 3. a 50-step session: on its lab model, and rerun from its recording.
    fifty = fifty_step_scenario(home)
    source = asyncio.run(services.run_recorded(fifty, options=opts, db_path=db))
    assert source.tally.totals()["steps"] == 50, source.tally.totals()

    def on_lab() -> None:
        asyncio.run(services.run_recorded(fifty, options=opts, db_path=db))

    def rerun() -> None:
        r = asyncio.run(services.rerun_recorded(source.session_id, db_path=db, options=opts))
        assert r.replayed == 50 and r.live_calls == 0 and r.diverged is None

    # Interleaved, so that a busy machine slows both alike; the ratio is the median of pairs.
    pairs = [(median_time(on_lab, 1), median_time(rerun, 1)) for _ in range(args.runs * 3)]
    t_lab = statistics.median(p[0] for p in pairs)
    t_rerun = statistics.median(p[1] for p in pairs)
    ratio = statistics.median(p[1] / p[0] for p in pairs)

    say(
        f"replay benchmarks, median of {args.runs} runs "
        f"({platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}, "
        f"{time.strftime('%Y-%m-%d')})"
    )
    say("")
    say(f"{'what':58} {'seconds':>8} {'target':>8}")
    say("-" * 76)
    say(f"{f'load a {n_events:,}-event session':58} {t_load:8.3f}")
    say(f"{f'load + render {n_events:,} events to a null console':58} {t_replay:8.3f} {'< 0.5':>8}")
    say(f"{'  the same, to a colour terminal (ANSI codes)':58} {t_colour:8.3f}")
    say(f"{'  the same, one console.print per line (before)':58} {t_per_line:8.3f}")
    say(f"{'list 10,000 sessions: a page of 50 (sessions list)':58} {t_page:8.4f} {'< 0.2':>8}")
    say(f"{'list 10,000 sessions: a page of 50, --model --status':58} {t_filtered:8.4f}")
    say(f"{'list 10,000 sessions: all of them':58} {t_all:8.4f}")
    say(f"{'50-step session on its lab model (recorded)':58} {t_lab:8.3f}")
    say(f"  (median of {len(pairs)} interleaved runs each)")
    say(f"{'the same session rerun from its recording (recorded)':58} {t_rerun:8.3f}")
    say(f"{'rerun / lab model (median of interleaved pairs)':58} {ratio:7.2f}x {'<= 1.2x':>8}")
    if not args.no_write:
        results = HERE / "RESULTS.md"
        write_section(results, SECTION, "```\n" + "\n".join(out) + "\n```\n")
        print(f"\nwrote its section of {results.relative_to(HERE.parent)}", file=sys.stderr)


SECTION = "## Replay and sessions (issue 10)"
#: What earlier versions of this bench appended (replaced by the section above).
OLD_HEADINGS = ("## bench_replay.py",)


def write_section(results: Path, heading: str, body: str) -> None:
    """Put ``body`` under ``heading`` in ``results``, replacing only that section (and what
    older versions of this bench appended); other sections stay as they are. Creates the
    file if needed."""
    text = results.read_text(encoding="utf-8") if results.exists() else "# Benchmark results\n"
    kept: list[str] = []
    skipping = False
    for line in text.splitlines(keepends=True):
        if line.startswith("## "):
            skipping = line.strip() in (heading, *OLD_HEADINGS)
        if not skipping:
            kept.append(line)
    out = "".join(kept).rstrip("\n") + f"\n\n{heading}\n\n" + body
    results.write_text(out, encoding="utf-8")


if __name__ == "__main__":
    main()
