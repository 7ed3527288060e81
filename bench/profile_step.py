"""Where does a step go? cProfile over the timed part of ``bench_overhead.py``'s workload.

Run: python bench/profile_step.py [--config lab] [--steps 50] [--runs 20] [--top 15]
     python bench/profile_step.py --tree /work/old      # the same on another checkout

Each run is the benchmark's run (the same scenario, fake model and database), after one
warm-up run; only the runs are profiled. Prints the functions with the most own time and the
agentlab functions with the most time under them, as a share of the profiled time (cProfile
slows small functions more than big ones: read the shares, not the absolute times).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


async def _runs(config: str, steps: int, runs: int, prof: cProfile.Profile) -> None:
    sys.path.insert(0, str(HERE))
    import bench_overhead as b

    from agentlab import services
    from agentlab.core import llm
    from agentlab.core.context import RunOptions
    from agentlab.core.events import EventBus
    from agentlab.core.session import run_session

    lab = config.startswith("lab")
    if not lab:
        litellm = llm._litellm()
        litellm.custom_provider_map = [
            *litellm.custom_provider_map,
            {"provider": "fake", "custom_handler": b._fake_provider(steps)},
        ]
    options = RunOptions(stream=config == "stream_recorded")
    model = "lab/scripted" if lab else b.MODEL
    scenario = b._scenario(steps, model)
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "bench.db")  # there and migrated, as in bench_overhead.py
        await services.run_recorded(b._scenario(1, model), options=options, db_path=db)
        for _ in range(runs):
            prof.enable()
            if config in ("unrecorded", "lab_unrecorded"):
                await run_session(scenario, bus=EventBus(), options=options)
            else:
                await services.run_recorded(scenario, options=options, db_path=db)
            prof.disable()


def _report(prof: cProfile.Profile, top: int) -> str:
    st = pstats.Stats(prof)
    stats: dict[Any, Any] = st.stats  # type: ignore[attr-defined]
    total = st.total_tt  # type: ignore[attr-defined]

    def name(key: tuple[str, int, str]) -> str:
        path, line, fn = key
        for marker in ("site-packages/", "/agentlab/", "lib/python3"):
            if marker in path:
                path = path.split(marker, 1)[1]
                path = ("agentlab/" + path) if marker == "/agentlab/" else path
                break
        return f"{path}:{line}({fn})" if line else fn

    own = sorted(stats.items(), key=lambda kv: kv[1][2], reverse=True)[:top]
    # The chain every step runs under (run_recorded > run_session > ... > take_step) says
    # nothing: leave it out.
    chain = {"run_recorded", "run_session", "_run", "run", "run_agent", "take_step", "_opened"}
    ours = [
        kv
        for kv in stats.items()
        if "/agentlab/" in kv[0][0] and "bench" not in kv[0][0] and kv[0][2] not in chain
    ]
    cum = sorted(ours, key=lambda kv: kv[1][3], reverse=True)[:top]
    lines = [f"profiled {total * 1000:.0f} ms", "", "own time:"]
    lines += [f"  {v[2] / total:6.1%}  {name(k)}" for k, v in own]
    lines += ["", "agentlab functions, time under them:"]
    lines += [f"  {v[3] / total:6.1%}  {name(k)}" for k, v in cum]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--config",
        default="lab",
        choices=("lab", "lab_unrecorded", "unrecorded", "recorded", "stream_recorded"),
    )
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--tree", type=Path, help="profile another checkout of agentlab")
    args = ap.parse_args()
    if args.tree is not None:
        argv = [a for a in sys.argv[1:]]
        i = argv.index("--tree")
        del argv[i : i + 2]
        env = {**os.environ, "PYTHONPATH": str(args.tree.resolve())}
        proc = subprocess.run([sys.executable, __file__, *argv], env=env, cwd=args.tree)
        raise SystemExit(proc.returncode)
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    with tempfile.TemporaryDirectory() as home:
        os.environ["AGENTLAB_HOME"] = home
        prof = cProfile.Profile()
        asyncio.run(_runs(args.config, args.steps, args.runs, prof))
    print(_report(prof, args.top))


if __name__ == "__main__":
    main()
