"""Are orchestrator-worker workers really concurrent? Parallel efficiency for N = 1, 2, 4, 8.

Run: python bench/bench_parallel.py [--ttft-ms 200] [--repeat 3] [--workers 1,2,4,8]

A lead delegates one subtask to each of N workers in one turn, then answers; every model call is
a lab model with a simulated time to first token (``--ttft-ms``), so one run is about three
latencies long (lead plans, workers answer, lead synthesises) whatever N is -- if the workers
overlap. For each N it prints the median wall time of the session, the parallel efficiency
T1 / TN (1.0 is ideal: adding workers costs no wall time), the overlap of the worker phase
(sum of worker span durations / wall time from the first worker start to the last worker end;
N is ideal), and the same team run with ``max_concurrency = 1`` for contrast.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics

from agentlab.core.context import RunOptions
from agentlab.core.events import AgentEnded, AgentStarted, Event, EventBus
from agentlab.core.session import run_session
from agentlab.scenario import Scenario


def team(n: int, ttft_ms: float, max_concurrency: int) -> Scenario:
    workers = [f"worker-{i + 1}" for i in range(n)]
    lead = {
        "name": "lead",
        "model": "lab/scripted",
        "workers": workers,
        "script": [
            {
                "calls": [
                    {"tool": "delegate", "args": {"worker": w, "task": f"Part {i + 1}."}}
                    for i, w in enumerate(workers)
                ]
            },
            {"text": "Combined: {results}"},
        ],
    }
    agents = [lead] + [
        {"name": w, "model": "lab/scripted", "script": [{"text": f"{w} done."}]} for w in workers
    ]
    return Scenario.model_validate(
        {
            "name": f"bench-parallel-{n}",
            "task": "Split the work, one part per worker.",
            "pattern": "orchestrator-worker",
            "max_concurrency": max_concurrency,
            "lab": {"ttft_ms": float(ttft_ms)},
            "agents": agents,
        }
    )


async def run_once(s: Scenario) -> tuple[float, float]:
    """(session wall time, worker overlap) of one run."""
    bus = EventBus()
    events: list[Event] = []
    bus.subscribe(events.append)
    result = await run_session(s, bus=bus, options=RunOptions(stream=False))
    assert result.status == "completed", result.error
    starts = {
        e.span_id: e.mono for e in events if isinstance(e, AgentStarted) and e.agent != "lead"
    }
    ends = {e.span_id: e.mono for e in events if isinstance(e, AgentEnded) and e.span_id in starts}
    busy = sum(ends[s] - starts[s] for s in starts)
    phase = max(ends.values()) - min(starts.values())
    return result.duration_s, busy / phase if phase > 0 else 1.0


async def measure(n: int, ttft_ms: float, repeat: int, max_concurrency: int) -> tuple[float, float]:
    runs = [await run_once(team(n, ttft_ms, max_concurrency)) for _ in range(repeat)]
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


async def main(ns: list[int], ttft_ms: float, repeat: int) -> None:
    await run_once(team(1, 0, 1))  # warm up: litellm import, tokenizer, first call
    print(f"orchestrator-worker, lab ttft {ttft_ms:g} ms, median of {repeat} runs\n")
    header = (
        f"{'N':>3}  {'wall s':>7}  {'ideal s':>7}  {'T1/TN':>6}  {'overlap':>7}  "
        f"{'serial s':>8}  {'speedup':>7}"
    )
    print(header)
    print("-" * len(header))
    t1 = None
    for n in ns:
        wall, overlap = await measure(n, ttft_ms, repeat, max_concurrency=max(ns))
        serial, _ = await measure(n, ttft_ms, repeat, max_concurrency=1)
        t1 = t1 or wall
        ideal = 3 * ttft_ms / 1000
        print(
            f"{n:>3}  {wall:7.3f}  {ideal:7.3f}  {t1 / wall:6.2f}  {overlap:5.2f}/{n:<1}  "
            f"{serial:8.3f}  {serial / wall:6.2f}x"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ttft-ms", type=float, default=200.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", default="1,2,4,8", help="comma-separated worker counts")
    args = parser.parse_args()
    counts = [int(x) for x in args.workers.split(",")]
    asyncio.run(main(counts, args.ttft_ms, args.repeat))
