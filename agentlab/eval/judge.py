"""The LLM-as-judge rubric (``[expect.judge]``): a real model reads the task, the run's final
output and its tool calls, and answers whether the output meets the rubric.

- :func:`plan` says which model judges a case, or why nobody does (offline: lab models only;
  ``--from-recordings`` without ``--judge-model``). A skipped judge is a note, never a pass.
- :func:`judge` asks it, through the one LLM seam (:func:`agentlab.core.llm.ask`), and turns its
  answer into a :class:`~agentlab.eval.assess.Verdict`; an answer that is not a verdict, or a
  judge call that fails, is a failed expectation with one clear message, never a crash.
- The judge's tokens and dollars are kept apart from the agent's (:class:`JudgeCall`): the
  report shows them separately under Cost.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from agentlab.core import llm
from agentlab.core.llm import CallSettings
from agentlab.core.models import ModelsConfig
from agentlab.core.spec import Scenario
from agentlab.errors import AgentlabError
from agentlab.eval.assess import ToolRun, Verdict
from agentlab.eval.spec import Judge

#: The judge's answer is short; this bounds what a chatty model can cost.
MAX_TOKENS = 600
#: The output shown to the judge is clipped to this many characters (head and tail kept).
MAX_OUTPUT_CHARS = 12_000
#: Tool calls listed for the judge (the first ones).
MAX_CALLS = 30

OFFLINE = "skipped offline: the LLM judge runs only with a real model (--model or --judge-model)"
FROM_RECORDINGS = (
    "skipped: --from-recordings makes no model call; pass --judge-model to judge the replays"
)

SYSTEM = """You are a strict evaluator of an AI agent's work. You are given the task the agent \
was given, the tools it called, its final output, and a rubric. Judge ONLY whether the final \
output meets the rubric. Answer with one JSON object and nothing else:
{"verdict": "pass" or "fail", "score": a number from 0 to 1, "reasoning": "one or two sentences"}"""


@dataclass(frozen=True)
class JudgeSetup:
    """Who judges a case: the model (aliases resolved), its call settings and price."""

    model: str
    settings: CallSettings
    price: tuple[float, float] | None


@dataclass(frozen=True)
class JudgeCall:
    """One judge call's outcome, and its spend (kept apart from the agent's)."""

    verdict: Verdict
    model: str
    input_tokens: int = 0
    output_tokens: int = 0
    #: None: the judge model has no known price (unpriced, not free).
    cost_usd: float | None = 0.0
    score: float | None = None
    reasoning: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "passed": self.verdict.passed,
            "score": self.score,
            "reasoning": self.reasoning,
            "message": self.verdict.message,
            "tokens": self.input_tokens + self.output_tokens,
            "cost_usd": None if self.cost_usd is None else round(self.cost_usd, 10),
        }


def plan(
    judge: Judge,
    scenario: Scenario,
    *,
    judge_model: str | None,
    run_model: str | None,
    from_recordings: bool,
    cfg: ModelsConfig,
) -> JudgeSetup | str:
    """The judge of a case, or why it is skipped. ``judge_model`` (``--judge-model``) wins,
    then the rubric's own ``model``, then ``--model`` and the scenario's first real model;
    a lab model never judges. With ``--from-recordings`` only ``--judge-model`` judges (a
    replay makes no model call, and costs nothing, unless asked)."""
    if from_recordings and judge_model is None:
        return FROM_RECORDINGS
    candidates = [judge_model, judge.model, run_model]
    if run_model is None:  # --model replaces every agent's model
        candidates += [a.model for a in scenario.agents]
    names = [cfg.resolve(m) for m in candidates if m]
    model = next((m for m in names if not llm.is_lab(m)), None)
    if model is None:
        return OFFLINE
    prices = {**cfg.prices, **scenario.prices}
    p = prices.get(model)
    price = (p.input / 1e6, p.output / 1e6) if p is not None else None
    return JudgeSetup(model, cfg.settings(model), price)


def _clip(text: str, limit: int = MAX_OUTPUT_CHARS) -> str:
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}\n[... {len(text) - limit} characters left out ...]\n{text[-half:]}"


def prompt(judge: Judge, task: str, output: str, runs: list[ToolRun]) -> str:
    """What the judge is shown."""
    calls = [
        f"- {r.agent}: {r.tool}({json.dumps(r.arguments, ensure_ascii=False)[:200]})"
        for r in runs[:MAX_CALLS]
    ]
    if len(runs) > MAX_CALLS:
        calls.append(f"- ... and {len(runs) - MAX_CALLS} more")
    return (
        f"## Task\n{task.strip()}\n\n"
        f"## Tool calls\n{chr(10).join(calls) or '(none)'}\n\n"
        f"## Final output\n{_clip(output.strip()) or '(empty)'}\n\n"
        f"## Rubric\n{judge.rubric.strip()}\n\n"
        'Answer with the JSON object only: {"verdict": ..., "score": ..., "reasoning": ...}'
    )


class BadAnswer(ValueError):
    """The judge's answer is not a verdict."""


def _one_line(text: str, n: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _json_object(text: str) -> dict[str, Any]:
    """The JSON object in ``text``: the whole text, a fenced block, or the outermost braces."""
    body = text.strip()
    fenced = re.search(r"```(?:json)?\s*(.*?)```", body, re.S)
    tries = [body] + ([fenced.group(1)] if fenced else [])
    if "{" in body and "}" in body:
        tries.append(body[body.index("{") : body.rindex("}") + 1])
    for t in tries:
        try:
            data = json.loads(t)
        except ValueError:
            continue
        if isinstance(data, dict):
            return data
    raise BadAnswer("not a JSON object")


def parse(text: str, threshold: float | None) -> tuple[bool, float | None, str]:
    """(passed, score, reasoning) from the judge's answer; :class:`BadAnswer` when it is not
    a verdict. With ``threshold`` the score decides (it must be there); else the verdict."""
    data = _json_object(text)
    verdict = data.get("verdict")
    if isinstance(verdict, bool):
        verdict = "pass" if verdict else "fail"
    if isinstance(verdict, str):
        verdict = verdict.strip().lower()
    score = data.get("score")
    if score is not None:
        if isinstance(score, bool) or not isinstance(score, int | float) or not 0 <= score <= 1:
            raise BadAnswer(f"score must be a number from 0 to 1, got {score!r}")
        score = float(score)
    reasoning = data.get("reasoning", "")
    if not isinstance(reasoning, str):
        reasoning = json.dumps(reasoning, ensure_ascii=False)
    if threshold is not None:
        if score is None:
            raise BadAnswer("no score (the rubric has a threshold)")
        return score >= threshold, score, reasoning.strip()
    if verdict not in ("pass", "fail"):
        raise BadAnswer(f'verdict must be "pass" or "fail", got {verdict!r}')
    return verdict == "pass", score, reasoning.strip()


async def judge(
    spec: Judge, setup: JudgeSetup, task: str, output: str, runs: list[ToolRun]
) -> JudgeCall:
    """Ask the judge about one run. Never raises for the model's sake: a failed call or an
    answer that is not a verdict is a failed ``judge`` expectation saying so."""
    if not output.strip():
        return JudgeCall(
            Verdict("judge", "judge", False, "the run left no output to judge"), setup.model
        )
    try:
        resp = await llm.ask(
            setup.model,
            SYSTEM,
            prompt(spec, task, output, runs),
            max_tokens=MAX_TOKENS,
            settings=setup.settings,
            price=setup.price,
            agent="judge",
        )
    except AgentlabError as exc:
        message = f"the judge ({setup.model}) could not be asked: {_one_line(str(exc), 200)}"
        return JudgeCall(Verdict("judge", "judge", False, message), setup.model)
    spent: dict[str, Any] = {
        "model": resp.model or setup.model,
        "input_tokens": resp.input_tokens,
        "output_tokens": resp.output_tokens,
        "cost_usd": resp.cost_usd,
    }
    try:
        passed, score, reasoning = parse(resp.content, spec.threshold)
    except BadAnswer as exc:
        message = (
            f"the judge's answer is not a verdict ({exc}): expected JSON "
            f'{{"verdict": "pass"|"fail", "score": 0..1, "reasoning": ...}}, '
            f"got {_one_line(resp.content)!r}"
        )
        return JudgeCall(Verdict("judge", "judge", False, message), **spent)
    how = f"score {score:.2f}" if score is not None else ""
    if spec.threshold is not None:
        how += f" {'>=' if passed else '<'} {spec.threshold:g}"
    head = ("pass" if passed else "fail") + (f" ({how})" if how else "")
    message = f"{head} by {spent['model']}: {_one_line(reasoning, 300) or '(no reasoning given)'}"
    return JudgeCall(
        Verdict("judge", "judge", passed, message), score=score, reasoning=reasoning, **spent
    )
