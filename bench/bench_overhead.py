"""What does agentlab cost an agent? Overhead per step against a bare litellm loop, the offline
path, storage per step, peak memory and start-up — one interleaved run, medians and p90.

Run: python bench/bench_overhead.py [--rounds 5] [--steps 50] [--out bench/RESULTS.md]

Workload (issue 9): one agent, N tool steps on a zero-latency fake model, then a final answer;
ms per step = the run's wall time / N. Every measurement is a fresh process (so imports, caches
and memory do not leak between configurations) that warms up, runs the workload ``REPEATS``
times and reports its median run; the configurations are interleaved round by round, so a
noisy neighbour slows them all alike: the ratios within one run are what count.

- ``bare`` / ``bare_stream``: ``litellm.acompletion`` in a loop on an instant custom provider,
  no framework, no recording; written here, no agentlab import.
- ``unrecorded`` / ``recorded`` / ``stream_recorded``: agentlab's runtime on the same provider
  through litellm (the real-provider path), without and with the SQLite recorder, non-streamed
  (``stream_unwatched = false``: by default a real call is streamed even when nobody watches)
  and streamed (as the TUI and an interactive ``agentlab run`` do).
- ``lab``: agentlab on its own offline lab model (``lab/scripted``), recorded (the path evals,
  regression runs and re-runs take).
Also: stored bytes per step for 10/50/200/1000 steps on the lab path, peak RSS per
configuration, and the wall time of ``agentlab run scenarios/budget_math.toml --json`` (a new
process, end to end).
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import json
import os
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TOOL = "calculator"
MODEL = "fake/adder"


# --- the child: one measurement in a fresh process ------------------------------------------


def _fake_provider(steps: int) -> Any:
    """An instant model: asks for the calculator ``steps`` times, then answers."""
    from litellm import CustomLLM
    from litellm.types.utils import GenericStreamingChunk, ModelResponse

    def plan(messages: list[Any]) -> tuple[str, list[dict[str, Any]]]:
        done = sum(1 for m in messages if _get(m, "role") == "tool")
        if done >= steps:
            return f"The sum is {done}.", []
        call = {
            "id": f"call_{done}",
            "type": "function",
            "function": {"name": TOOL, "arguments": json.dumps({"expression": f"{done} + 1"})},
        }
        return "", [call]

    usage = {"prompt_tokens": 20, "completion_tokens": 8, "total_tokens": 28}

    class Fake(CustomLLM):
        async def acompletion(self, model: str, messages: list, *a: Any, **kw: Any) -> Any:
            text, calls = plan(messages)
            message: dict[str, Any] = {"role": "assistant", "content": text or None}
            if calls:
                message["tool_calls"] = calls
            finish = "tool_calls" if calls else "stop"
            return ModelResponse(
                model=model,
                choices=[{"index": 0, "message": message, "finish_reason": finish}],
                usage=usage,
            )

        def completion(self, *a: Any, **kw: Any) -> Any:
            raise NotImplementedError

        async def astreaming(self, model: str, messages: list, *a: Any, **kw: Any) -> Any:
            text, calls = plan(messages)
            if text:
                yield GenericStreamingChunk(
                    text=text, tool_use=None, is_finished=False, finish_reason="", usage=None,
                    index=0,
                )  # fmt: skip
            for i, c in enumerate(calls):
                yield GenericStreamingChunk(
                    text="", tool_use={**c, "index": i}, is_finished=False, finish_reason="",
                    usage=None, index=0,
                )  # fmt: skip
            yield GenericStreamingChunk(
                text="", tool_use=None, is_finished=True,
                finish_reason="tool_calls" if calls else "stop", usage=usage, index=0,
            )  # fmt: skip

    return Fake()


def _get(m: Any, key: str) -> Any:
    return m.get(key) if isinstance(m, dict) else getattr(m, key, None)


def _calculator(expression: str) -> str:
    a, b = expression.split("+")
    return str(int(a) + int(b))


async def _bare(steps: int, stream: bool) -> dict[str, Any]:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    litellm.suppress_debug_info = True
    litellm.custom_provider_map = [{"provider": "fake", "custom_handler": _fake_provider(steps)}]
    schema = {
        "type": "function",
        "function": {
            "name": TOOL,
            "description": "Evaluate an arithmetic expression.",
            "parameters": {
                "type": "object",
                "properties": {"expression": {"type": "string"}},
                "required": ["expression"],
            },
        },
    }
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": "You add numbers with the calculator."},
        {"role": "user", "content": "Add them up."},
    ]
    # One warm-up call, as agentlab warms up before its clock starts.
    await litellm.acompletion(model=MODEL, messages=list(messages), tools=[schema])
    first = None
    t0 = time.perf_counter()
    while True:
        if stream:
            resp = await litellm.acompletion(
                model=MODEL,
                messages=messages,
                tools=[schema],
                stream=True,
                stream_options={"include_usage": True},
            )
            text, calls = "", []
            async for chunk in resp:
                if not chunk.choices:
                    continue
                delta = chunk.choices[0].delta
                if delta.content:
                    text += delta.content
                for tc in delta.tool_calls or []:
                    calls.append(
                        {
                            "id": tc.id,
                            "type": "function",
                            "function": {
                                "name": tc.function.name,
                                "arguments": tc.function.arguments,
                            },
                        }
                    )
        else:
            resp = await litellm.acompletion(model=MODEL, messages=messages, tools=[schema])
            msg = resp.choices[0].message
            text = msg.content or ""
            calls = [
                {
                    "id": c.id,
                    "type": "function",
                    "function": {"name": c.function.name, "arguments": c.function.arguments},
                }
                for c in msg.tool_calls or []
            ]
        first = first or time.perf_counter()
        messages.append({"role": "assistant", "content": text or None, "tool_calls": calls or None})
        if not calls:
            break
        for c in calls:
            args = json.loads(c["function"]["arguments"])
            messages.append(
                {"role": "tool", "tool_call_id": c["id"], "content": _calculator(**args)}
            )
    wall = time.perf_counter() - t0
    return {"wall_s": wall, "first_s": first - t0}


def _scenario(steps: int, model: str) -> Any:
    from agentlab.scenario import Scenario

    script: list[dict[str, Any]] = [
        {"tool": TOOL, "args": {"expression": f"{i} + 1"}} for i in range(steps)
    ]
    script.append({"text": f"The sum is {steps}."})
    agent: dict[str, Any] = {
        "name": "adder",
        "model": model,
        "instructions": "You add numbers with the calculator.",
        "tools": [TOOL],
    }
    if model.startswith("lab/"):
        agent["script"] = script
    return Scenario.model_validate(
        {
            "name": "bench-overhead",
            "task": "Add them up.",
            "pattern": "single",
            "limits": {"steps": steps + 5, "tool_calls": steps + 5},
            "prices": {MODEL: {"input": 0.15, "output": 0.6}},
            "agents": [agent],
        }
    )


async def _agentlab(steps: int, config: str, db: str) -> dict[str, Any]:
    from agentlab import services
    from agentlab.core import llm
    from agentlab.core.context import RunOptions
    from agentlab.core.events import EventBus
    from agentlab.core.session import run_session

    lab = config == "lab"
    if not lab:
        litellm = llm._litellm()
        litellm.custom_provider_map = [
            *(p for p in litellm.custom_provider_map if p["provider"] != "fake"),
            {"provider": "fake", "custom_handler": _fake_provider(steps)},
        ]
    scenario = _scenario(steps, "lab/scripted" if lab else MODEL)
    options = RunOptions(stream=config == "stream_recorded")
    if config in ("unrecorded", "recorded"):
        # Plain calls when nobody watches: `stream_unwatched = false` in models.toml (the
        # default streams every real call so a silent server is seen within seconds).
        try:
            from agentlab.core.models import ModelsConfig
        except ImportError:  # an older tree (--before): plain calls unless asked to stream
            options = RunOptions(stream=False)
        else:
            options = RunOptions(
                stream=False, models=ModelsConfig(defaults={"stream_unwatched": False})
            )
    # Warm up exactly as a run does (agentlab preloads before its clock starts) with a short
    # run of the same kind; a recorded one records into the same database, which is then
    # there and migrated, as it is for every run but a user's very first.
    warm = _scenario(1, "lab/scripted" if lab else MODEL)
    if config == "unrecorded":
        await run_session(warm, bus=EventBus(), options=options)
    else:
        await services.run_recorded(warm, options=options, db_path=db)
    first: list[float] = []

    def mark(_: Any) -> None:
        if not first:
            first.append(time.perf_counter())

    t0 = time.perf_counter()
    if config == "unrecorded":
        bus = EventBus()
        bus.subscribe(mark)
        result = await run_session(scenario, bus=bus, options=options)
    else:
        result = await services.run_recorded(
            scenario, options=options, db_path=db, subscribers=[mark]
        )
    wall = time.perf_counter() - t0
    if result.status != "completed" or result.summary()["tool_calls"] != steps:
        raise SystemExit(f"{config}: run did not complete: {result.stop_reason} {result.error}")
    out: dict[str, Any] = {"wall_s": wall, "first_s": first[0] - t0 if first else None}
    if config != "unrecorded":
        out.update(_stored_bytes(db, result.session_id))
    return out


def _stored_bytes(db: str, session_id: str) -> dict[str, Any]:
    con = sqlite3.connect(db)
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        total = 0
        rows = 0
        for table, cols in (("events", ("data",)), ("spans", ("attributes",))):
            for col in cols:
                n, size = con.execute(
                    f"SELECT count(*), coalesce(sum(length({col})), 0) FROM {table} "
                    "WHERE session_id = ?",
                    [session_id],
                ).fetchone()
                total += size
                rows += n
        # Content-addressed payloads (messages/blobs stored once), where the schema has them.
        for table in sorted(tables - {"events", "spans", "sessions"}):
            info = [r[1] for r in con.execute(f"PRAGMA table_info({table})")]
            if "session_id" in info and "data" in info:
                n, size = con.execute(
                    f"SELECT count(*), coalesce(sum(length(data)), 0) FROM {table} "
                    "WHERE session_id = ?",
                    [session_id],
                ).fetchone()
                total += size
                rows += n
    finally:
        con.close()
    return {"stored_bytes": total, "rows": rows, "file_bytes": os.path.getsize(db)}


#: Runs of the workload in each fresh process (after its warm-up); the process reports the
#: median one. A shared machine's load comes and goes within seconds: one run per process
#: measured mostly that.
REPEATS = 3


def child(config: str, steps: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["AGENTLAB_HOME"] = tmp
        db = os.path.join(tmp, "bench.db")

        async def runs() -> list[dict[str, Any]]:
            if config in ("bare", "bare_stream"):
                return [await _bare(steps, config == "bare_stream") for _ in range(REPEATS)]
            return [await _agentlab(steps, config, db) for _ in range(REPEATS)]

        outs = sorted(asyncio.run(runs()), key=lambda o: o["wall_s"])
        out = outs[len(outs) // 2]
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["litellm_imported"] = "litellm" in sys.modules
    print(json.dumps(out))


# --- the parent: interleaved rounds -----------------------------------------------------------

CONFIGS = ("bare", "bare_stream", "unrecorded", "recorded", "stream_recorded", "lab")


#: Another checkout of agentlab (``--before``) measured in the same interleaved run.
BEFORE: Path | None = None


def run_child(config: str, steps: int) -> dict[str, Any]:
    tree = ROOT
    if config.startswith("before:"):
        assert BEFORE is not None
        tree, config = BEFORE, config.removeprefix("before:")
    proc = subprocess.run(
        [sys.executable, __file__, "--child", config, "--steps", str(steps)],
        capture_output=True,
        text=True,
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree)},
        timeout=600,
    )
    if proc.returncode != 0:
        raise SystemExit(f"{config} failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


#: Bytecode for the start-up runs. An installed agentlab has its ``.pyc`` files (pip compiles
#: them; a source checkout writes ``__pycache__`` on its first run). This machine's environment
#: sets PYTHONDONTWRITEBYTECODE, which would make every measured start-up compile agentlab's
#: ~70 modules again (~0.2 s) - a cost no user's second run pays. So start-up runs write their
#: bytecode into a folder of their own (both trees alike) after one untimed warm-up run each.
_PYCACHE = ""  # made by main(), removed when it ends


def _startup_env(tree: Path, home: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPATH": str(tree), "AGENTLAB_HOME": home, "PYTHONPYCACHEPREFIX": _PYCACHE}


def run_cli_startup(tree: Path) -> float:
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "agentlab.cli",
                "run",
                "scenarios/budget_math.toml",
                "--json",
                "--db",
                os.path.join(tmp, "s.db"),
            ],
            capture_output=True,
            text=True,
            cwd=tree,
            env=_startup_env(tree, tmp),
            timeout=120,
        )
    if proc.returncode != 0:
        raise SystemExit(f"agentlab run failed:\n{proc.stderr[-2000:]}")
    return time.perf_counter() - t0


def p90(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(0.9 * (len(xs) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--curve", default="10,50,200,1000", help="steps for bytes-per-step")
    ap.add_argument(
        "--curve-rounds", type=int, default=3, help="rounds over the curve's points (medians)"
    )
    ap.add_argument("--out", default=str(HERE / "RESULTS.md"))
    ap.add_argument("--label", default="", help="a heading for this run in the results file")
    ap.add_argument(
        "--before",
        type=Path,
        help="another checkout (e.g. a git worktree of an older commit) to measure in the same "
        "interleaved run; its rows are labelled before:",
    )
    ap.add_argument("--no-profile", dest="profile", action="store_false", help="skip profiles")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.steps)
        return
    global BEFORE
    BEFORE = args.before
    configs = list(CONFIGS)
    if BEFORE is not None:
        configs += [f"before:{c}" for c in CONFIGS if not c.startswith("bare")]
    samples: dict[str, list[dict[str, Any]]] = {c: [] for c in configs}
    startup: dict[str, list[float]] = {"startup": []}
    if BEFORE is not None:
        startup["before:startup"] = []
    global _PYCACHE
    _PYCACHE = tempfile.mkdtemp(prefix="agentlab-bench-pyc-")
    atexit.register(shutil.rmtree, _PYCACHE, True)
    for config in startup:  # untimed: writes the start-up runs' bytecode (see _PYCACHE)
        run_cli_startup(ROOT if config == "startup" else BEFORE or ROOT)
    for r in range(args.rounds):
        order = [*configs, *startup]
        random.Random(r).shuffle(order)
        for config in order:
            if config in startup:
                tree = ROOT if config == "startup" else BEFORE
                assert tree is not None
                startup[config].append(run_cli_startup(tree))
            else:
                samples[config].append(run_child(config, args.steps))
        print(f"round {r + 1}/{args.rounds} done", file=sys.stderr)

    def ms_step(c: str) -> list[float]:
        return [s["wall_s"] * 1000 / args.steps for s in samples[c]]

    med = {c: statistics.median(ms_step(c)) for c in configs}
    rows = []
    for c in configs:
        base = med["bare_stream"] if c.endswith("stream_recorded") else med["bare"]
        s = samples[c]
        rows.append(
            (
                c,
                med[c],
                p90(ms_step(c)),
                med[c] / base,
                statistics.median(x["peak_rss_mb"] for x in s),
                statistics.median(x["first_s"] * 1000 for x in s if x["first_s"] is not None),
                s[0].get("stored_bytes"),
                s[0]["litellm_imported"],
            )
        )
    # The curve's points are interleaved over rounds and each is the median of its rounds: a
    # single fresh process per point measured mostly what the machine was doing at the time.
    points = [
        f"{who}lab:{n}"
        for n in [int(x) for x in args.curve.split(",") if x]
        for who in (("", "before:") if BEFORE is not None else ("",))
        if not (who and n > 200)  # quadratic storage before: 1,000 steps would take minutes
    ]
    curve_samples: dict[str, list[dict[str, Any]]] = {p: [] for p in points}
    for r in range(args.curve_rounds):
        order = list(points)
        random.Random(1000 + r).shuffle(order)
        for point in order:
            config, n = point.rsplit(":", 1)
            curve_samples[point].append(run_child(config, int(n)))
    curve = []
    for point in points:
        config, n_text = point.rsplit(":", 1)
        n = int(n_text)
        outs = curve_samples[point]
        label = f"{config.removesuffix('lab')}{n}"
        wall = statistics.median(o["wall_s"] for o in outs)
        curve.append((label, outs[0]["stored_bytes"], outs[0]["stored_bytes"] / n, wall * 1000 / n))

    profiles = _profiles() if args.profile else []

    lines = [
        SECTION,
        "",
        "`python bench/bench_overhead.py --before /work/old` (old = main at 8968114, measured in "
        f"the same interleaved run) — {time.strftime('%Y-%m-%d %H:%M')}, "
        f"{args.rounds} rounds x {args.steps} steps, Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs shared with other jobs{' — ' + args.label if args.label else ''}.",
        "ms/step = the run's wall time / steps; each sample is a fresh process's median of "
        f"{REPEATS} runs after a warm-up run. Runs after the first in a process record into the "
        "database the warm-up opened (agentlab keeps it open between runs, as evals, the TUI "
        "and scripts use it); a one-shot CLI run's open and closing checkpoint (~1 + ~5 ms) "
        "are in the start-up figure below.",
        "",
        "| configuration | ms/step (median) | p90 | ratio | peak RSS MB | first event ms "
        "| stored bytes | litellm imported |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for c, m, p, ratio, rss, first, stored, imported in rows:
        ref = "bare_stream" if c.endswith("stream_recorded") else "bare"
        lines.append(
            f"| {c} | {m:.3f} | {p:.3f} | {ratio:.2f}x {ref} | {rss:.0f} | {first:.1f} | "
            f"{'' if stored is None else stored} | {'yes' if imported else 'no'} |"
        )
    lines += [
        "",
        "Stored payload (event rows + span attributes + stored payloads, JSON bytes) on the lab "
        "path:",
        "",
        f"| steps | stored bytes | bytes/step | ms/step (median of {args.curve_rounds}) |",
        "|---|---|---|---|",
    ]
    lines += [f"| {n} | {b} | {bps:.0f} | {ms:.3f} |" for n, b, bps, ms in curve]
    lines += ["", "`agentlab run scenarios/budget_math.toml --json`, a new process end to end:", ""]
    lines += [
        f"- {name}: median {statistics.median(xs):.2f} s (p90 {p90(xs):.2f} s)"
        for name, xs in startup.items()
    ]
    lines.append("")
    lines += _targets(med, rows, curve, startup)
    for title, text in profiles:
        lines += ["", f"Profile, {title} (`python bench/profile_step.py`, cProfile):", "", "```"]
        lines += [text, "```"]
    lines.append("")
    text = "\n".join(lines)
    print(text)
    write_section(Path(args.out), text)


#: This benchmark's section of RESULTS.md (other benchmarks write their own sections).
SECTION = "## Hot path (issue 9)"


def write_section(out: Path, text: str) -> None:
    """Replace this benchmark's section of ``out`` (or add it at the end); leave the rest."""
    previous = out.read_text() if out.exists() else "# Benchmark results\n"
    start = previous.find(SECTION)
    if start < 0:
        out.write_text(previous.rstrip("\n") + "\n\n" + text.rstrip("\n") + "\n")
        return
    end = previous.find("\n## ", start + len(SECTION))
    rest = previous[end + 1 :] if end >= 0 else ""
    body = previous[:start] + text.rstrip("\n") + "\n"
    out.write_text(body + ("\n" + rest if rest else ""))


def _targets(
    med: dict[str, float],
    rows: list[tuple[Any, ...]],
    curve: list[tuple[str, int, float, float]],
    startup: dict[str, list[float]],
) -> list[str]:
    """Issue 9's targets, each with what this run measured and whether it is met."""
    rss = {r[0]: r[4] for r in rows}
    stored = {r[0]: r[6] for r in rows}
    ours = [c for c in curve if not c[0].startswith("before:")]
    bps = [c[2] for c in ours]
    ms = {int(c[0]): c[3] for c in ours}
    checks = [
        ("recorded / bare (non-streamed)", med["recorded"] / med["bare"], 1.3, "x"),
        ("unrecorded / bare", med["unrecorded"] / med["bare"], 1.1, "x"),
        ("streamed recorded / bare streamed", med["stream_recorded"] / med["bare_stream"], 1.3,
         "x"),
        ("lab recorded, ms/step (median)", med["lab"], 0.5, " ms"),
        ("50-step stored payload, KB", (stored["lab"] or 0) / 1000, 60, " KB"),
        ("bytes/step, max / min over the curve", max(bps) / min(bps) if bps else 0.0, 1.3, "x"),
        ("lab ms/step at the curve's largest / 50 steps",
         ms[max(ms)] / ms[50] if 50 in ms and ms else 0.0, 1.3, "x"),
        ("lab peak RSS, MB", rss["lab"], 150, " MB"),
        ("recorded peak RSS / bare peak RSS", rss["recorded"] / rss["bare"], 1.3, "x"),
        ("`agentlab run scenarios/budget_math.toml`, s", statistics.median(startup["startup"]),
         1.0, " s"),
    ]  # fmt: skip
    lines = ["Targets:", "", "| target | measured | limit | met |", "|---|---|---|---|"]
    for what, got, limit, unit in checks:
        lines.append(f"| {what} | {got:.2f}{unit} | <= {limit:g}{unit} | "
                     f"{'yes' if got <= limit else '**no**'} |")  # fmt: skip
    return lines


def _profiles() -> list[tuple[str, str]]:
    """The top costs of a lab step and of a recorded real-path step, here and before."""
    out = []
    trees = [("after", ROOT)] + ([("before", BEFORE)] if BEFORE is not None else [])
    for config in ("lab", "recorded"):
        for label, tree in trees:
            proc = subprocess.run(
                [sys.executable, str(HERE / "profile_step.py"), "--config", config,
                 "--runs", "10", "--top", "10", "--tree", str(tree)],
                capture_output=True, text=True, timeout=900,
            )  # fmt: skip
            text = proc.stdout.strip() or proc.stderr[-500:]
            out.append((f"{config}, {label}", text))
    return out


if __name__ == "__main__":
    main()
