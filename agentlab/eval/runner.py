"""Run eval cases: every case x repeat is a recorded session (through ``services``) linked to
the eval run, up to ``concurrency`` at once; each run's events are checked against the case's
expectations (:mod:`agentlab.eval.assess`) and the whole is reported (:mod:`agentlab.eval.metrics`).

Lab models run instantly here (a scenario's simulated latency is for watching a run, and
nobody watches an eval); ``lab/flaky``'s seed moves on by one for each repeat.
``from_recordings`` answers every model call from the case's recording (``agentlab rerun``):
a run that diverges from it fails with the divergence as its message, and a case with no
recording is skipped, not passed. A case with an ``[expect.judge]`` rubric is judged by a real
model after its run (:mod:`agentlab.eval.judge`); offline the judge is a note, never a pass.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from agentlab import services
from agentlab.core.context import RunOptions
from agentlab.core.events import AnyEvent
from agentlab.core.models import ModelsConfig
from agentlab.core.session import SessionResult
from agentlab.errors import AgentlabError
from agentlab.eval.assess import Evidence, Verdict, assess, tool_runs
from agentlab.eval.cases import Case
from agentlab.eval.judge import JudgeSetup, judge, plan
from agentlab.eval.metrics import CaseRun, Report, report
from agentlab.modelsfile import load_models
from agentlab.scenario import Scenario, pattern_tools


@dataclass(frozen=True)
class EvalOptions:
    model: str | None = None
    repeat: int = 1
    concurrency: int = 4
    from_recordings: bool = False
    db_path: services.DbPath = None
    #: The model that judges every ``[expect.judge]`` rubric (``--judge-model``).
    judge_model: str | None = None
    #: The models file (aliases, api_base, prices); None: the user's.
    models: ModelsConfig | None = None


def new_eval_id() -> str:
    return "eval-" + time.strftime("%Y%m%d-%H%M%S", time.localtime()) + "-" + os.urandom(3).hex()


def _prepared(case: Case, repeat: int) -> Scenario:
    """The case's scenario as an eval runs it: lab models instant, the flaky seed moved on."""
    s = case.scenario
    lab = s.lab.model_copy(
        update={"ttft_ms": 0.0, "tokens_per_s": 0.0, "seed": s.lab.seed + repeat}
    )
    return s.model_copy(update={"lab": lab})


def _allowed(s: Scenario) -> dict[str, set[str]]:
    return {a.name: set(a.tools) | pattern_tools(s, a) for a in s.agents}


def judge_plan(case: Case, opts: EvalOptions) -> JudgeSetup | str | None:
    """Who judges ``case`` (None: it has no rubric; a string: why the judge is skipped)."""
    if case.expect.judge is None:
        return None
    return plan(
        case.expect.judge,
        case.scenario,
        judge_model=opts.judge_model,
        run_model=opts.model,
        from_recordings=opts.from_recordings,
        cfg=opts.models or load_models(),
    )


async def run_case(
    case: Case, repeat: int, opts: EvalOptions, judging: JudgeSetup | str | None = ""
) -> CaseRun:
    """One case, one repeat: run (or rerun) it recorded, check its expectations and, when it
    has a rubric and a real model can judge, ask the judge. ``judging``: :func:`judge_plan`'s
    answer ("" works it out here)."""
    if judging == "":
        judging = judge_plan(case, opts)
    spec = _prepared(case, repeat)
    events: list[AnyEvent] = []
    run = CaseRun(case.id, repeat)
    extra: list[Verdict] = []
    options = RunOptions(model=opts.model, stream=False)
    result: SessionResult
    if opts.from_recordings:
        source = case.recording or services.latest_completed_session(
            opts.db_path, spec.name, spec.task
        )
        if source is None:
            run.skipped = (
                "no recording: name one (recording = ...) or run the scenario once to record it"
            )
            return run
        try:
            rerun = await services.rerun_recorded(
                source, spec, db_path=opts.db_path, options=options, subscribers=[events.append]
            )
        except AgentlabError as exc:  # a recording that cannot be read: the case fails
            extra.append(Verdict("recording", "outcome", False, str(exc)))
            run.verdicts = extra
            return run
        result = rerun.result
        if rerun.diverged:
            extra.append(Verdict("replay", "outcome", False, rerun.diverged))
    else:
        result = await services.run_recorded(
            spec, options=options, db_path=opts.db_path, subscribers=[events.append]
        )
    totals = result.tally.totals()
    run.session_id = result.session_id
    run.status, run.stop_reason = result.status, result.stop_reason
    run.input_tokens, run.output_tokens = totals["input_tokens"], totals["output_tokens"]
    run.cost_usd = float(totals["cost_usd"])
    run.duration_s = result.duration_s
    evidence = Evidence(
        status=result.status,
        stop_reason=result.stop_reason,
        final_output=result.final_output,
        events=events,
        duration_s=result.duration_s,
        allowed=_allowed(spec),
        judge_skip=judging if isinstance(judging, str) else "",
    )
    run.verdicts = extra + assess(case.expect, evidence)
    if case.expect.judge is not None and isinstance(judging, JudgeSetup):
        called = await judge(
            case.expect.judge,
            judging,
            spec.task,
            result.final_output,
            [r for r in tool_runs(events) if r.ran],
        )
        run.verdicts.append(called.verdict)
        run.judge = called.to_dict()
    return run


async def run_eval(
    cases: list[Case],
    opts: EvalOptions,
    *,
    paths: list[str] | None = None,
    on_run: Callable[[CaseRun], None] | None = None,
) -> tuple[str, Report]:
    """Run every case ``opts.repeat`` times, ``opts.concurrency`` at once, recorded as one eval
    run. Returns its id and report."""
    if opts.models is None:
        opts = replace(opts, models=load_models())
    plans = {c.id: judge_plan(c, opts) for c in cases}
    run_id = new_eval_id()
    meta: dict[str, Any] = {
        "model": opts.model,
        "judge_model": opts.judge_model,
        "repeat": opts.repeat,
        "concurrency": opts.concurrency,
        "from_recordings": opts.from_recordings,
        "cases": [c.id for c in cases],
    }
    services.start_eval_run(opts.db_path, run_id, time.time(), paths or [], meta)
    gate = asyncio.Semaphore(max(1, opts.concurrency))

    async def one(case: Case, repeat: int) -> CaseRun:
        async with gate:
            run = await run_case(case, repeat, opts, plans[case.id])
        services.add_eval_result(opts.db_path, run_id, run.to_dict())
        if on_run is not None:
            on_run(run)
        return run

    runs = await asyncio.gather(*(one(c, r) for r in range(opts.repeat) for c in cases))
    rep = report(list(runs), opts.repeat)
    services.end_eval_run(opts.db_path, run_id, time.time(), rep.ok, rep.overall)
    return run_id, rep
