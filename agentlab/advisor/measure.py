"""Measure the try-it scenarios on the offline lab models, for the cost at your volume.

Each scenario runs once, through the same runtime as ``agentlab run`` but with its simulated
latency off and nothing recorded (a measurement is not a session you asked for). It takes a
fraction of a second per scenario once litellm is loaded (its price map prices the projection).
This is the advisor's one impure module besides the edges: the engine never imports it.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from agentlab.advisor.knowledge import Knowledge, load_knowledge
from agentlab.advisor.recommendation import Recommendation
from agentlab.advisor.scenarios import runnable_path
from agentlab.advisor.volume import CostReport, Measured, Projection, cost_options, pricing_model
from agentlab.core import prices, tokens
from agentlab.core.context import RunOptions
from agentlab.core.events import EventBus
from agentlab.core.labmodels import counted_as
from agentlab.core.session import run_session
from agentlab.errors import AgentlabError
from agentlab.scenario import LabSettings, load_scenario


async def measure_scenario(path: str) -> Measured:
    """Run the scenario at `path` (repo-relative or absolute) once and count what it used."""
    try:
        scenario = load_scenario(Path(runnable_path(path)))
        scenario = scenario.model_copy(update={"lab": LabSettings()})
        result = await run_session(scenario, bus=EventBus(), options=RunOptions(stream=False))
    except (AgentlabError, OSError) as exc:
        return Measured(path, "error", error=str(exc))
    usage = result.summary()
    entry = scenario.agents[0]
    count_as = counted_as(entry.model, entry.price_as or scenario.price_as)
    return Measured(
        scenario=path,
        status=result.status,
        steps=usage["steps"],
        tool_calls=usage["tool_calls"],
        agents=len(scenario.agents),
        input_tokens=usage["usage"]["input_tokens"],
        output_tokens=usage["usage"]["output_tokens"],
        chat_input_tokens=tokens.count_text(scenario.task, count_as),
        chat_output_tokens=tokens.count_text(result.final_output, count_as),
        error=result.error,
    )


async def cost_report(rec: Recommendation, kb: Knowledge | None = None) -> CostReport:
    """Measure the pick's scenario and each alternative's, and project them at the profile's
    volume and model."""
    kb = kb or load_knowledge()
    model, reason = pricing_model(rec.profile)
    price = prices.model_price(model)
    projections = []
    for option in cost_options(rec, kb):
        measured = await measure_scenario(option.scenario)
        projections.append(Projection(option, measured, model, price, rec.profile.sessions_per_day))
    return CostReport(
        model, reason, price is not None, rec.profile.sessions_per_day, tuple(projections)
    )


def cost_report_sync(rec: Recommendation, kb: Knowledge | None = None) -> CostReport:
    return asyncio.run(cost_report(rec, kb))
