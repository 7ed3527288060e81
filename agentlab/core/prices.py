"""What a model call costs: every price lookup, in one place.

Where a model's price comes from, first match wins:

1. the scenario's ``[prices."<model>"]`` table (USD per 1M tokens);
2. ``$AGENTLAB_HOME/models.toml``, same shape (merged under the scenario's own by
   :func:`with_user_prices`, which the services call before a run);
3. litellm's bundled price map, asked through the LLM seam (:func:`agentlab.core.llm.map_price`).

A lab model has no price of its own: it is priced (and its tokens counted) as its ``price_as``,
default gpt-4o-mini (:func:`agentlab.core.labmodels.counted_as`). A model with no known price
is *unpriced* (``None``), never free: a cost cap over it is refused before the run starts.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from agentlab.core import llm
from agentlab.core.labmodels import counted_as, is_lab
from agentlab.core.spec import AgentSpec, Price, Scenario
from agentlab.errors import UsageError
from agentlab.paths import models_file

#: USD per (input, output) token.
PerToken = tuple[float, float]


def model_price(model: str) -> PerToken | None:
    """The price litellm's map gives ``model``; None for lab models and unknown models."""
    return llm.map_price(model)


def price_as(scenario: Scenario, spec: AgentSpec) -> str | None:
    """The model an agent's lab-model calls are priced as (its own setting, else the
    scenario's); None means the default."""
    return spec.price_as or scenario.price_as


def price_for(scenario: Scenario, spec: AgentSpec, model: str) -> PerToken | None:
    """USD per (input, output) token for ``spec``'s calls to ``model``; None when unpriced.

    A price in the scenario (or the user's models file) for the model itself wins, then one for
    the model it is priced as, then litellm's map."""
    counted = counted_as(model, price_as(scenario, spec))
    for name in (model, counted):
        p = scenario.prices.get(name)
        if p is not None:
            return p.input / 1e6, p.output / 1e6
    return model_price(counted)


def check_prices(
    scenario: Scenario, caps: dict[str, float], model_for: Callable[[AgentSpec], str]
) -> None:
    """Refuse a run up front, with one line saying what to add, when a cost cap covers a model
    with no known price (never guess $0), or a ``price_as`` names a model with none (a typo
    would silently mean unpriced). ``model_for`` is the model each agent will call."""
    for index, spec in enumerate(scenario.agents):
        name = price_as(scenario, spec)
        known = not name or name in scenario.prices or model_price(name) is not None
        if is_lab(model_for(spec)) and not known:
            where = "price_as" if spec.price_as is None else f"agents[{index}].price_as"
            raise UsageError(
                f"{scenario.path or 'scenario'}: {where}: no price known for {name!r} "
                "in litellm's price map (try gpt-4o-mini, gpt-4o, claude-sonnet-4-5)"
            )
    session_cost = "cost_usd" in caps
    for spec in scenario.agents:
        agent_cost = spec.limits is not None and spec.limits.cost_usd is not None
        model = model_for(spec)
        if (session_cost or agent_cost) and price_for(scenario, spec, model) is None:
            raise UsageError(
                f"a cost cap is set but model {model!r} (agent {spec.name}) has no known price; "
                f'give one in the scenario: [prices."{model}"] input = ..., output = ...'
                " (USD per 1M tokens)"
            )


# --- the user's models file --------------------------------------------------------------------


def load_user_prices(path: Path | None = None) -> dict[str, Price]:
    """Prices from the models file (missing file: none). Bad content is a UsageError."""
    path = path or models_file()
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"{path}: cannot read models file: {exc}") from None
    prices = data.get("prices", {})
    if not isinstance(prices, dict):
        raise UsageError(f"{path}: prices: expected a table of models")
    out: dict[str, Price] = {}
    for model, value in prices.items():
        try:
            out[model] = Price.model_validate(value)
        except ValidationError as exc:
            err = exc.errors()[0]
            key = ".".join(str(p) for p in err["loc"])
            raise UsageError(f'{path}: prices."{model}".{key}: {err["msg"]}') from None
    return out


def with_user_prices(scenario: Scenario, path: Path | None = None) -> Scenario:
    """The scenario with the models file's prices added (the scenario's own prices win)."""
    extra = load_user_prices(path)
    if not extra:
        return scenario
    return scenario.model_copy(update={"prices": {**extra, **scenario.prices}})


# --- what a recorded session would have cost elsewhere ----------------------------------------


def reprice(agents: list[dict[str, Any]], models: list[str]) -> dict[str, Any]:
    """For each model, what each agent's recorded tokens would cost at that model's price.

    ``agents`` are tally rows (name, input_tokens, output_tokens, cost_usd). A model with no
    known price is reported as unpriced (``None``), never as free."""
    out: dict[str, Any] = {
        "recorded": {
            "cost_usd": None
            if any(a.get("unpriced_calls") for a in agents)
            else round(sum(a.get("cost_usd") or 0.0 for a in agents), 10),
            "input_tokens": sum(a["input_tokens"] for a in agents),
            "output_tokens": sum(a["output_tokens"] for a in agents),
        },
        # None: that agent's recorded usage includes unpriced calls (never shown as $0).
        "recorded_agents": {
            a["name"]: None if a.get("unpriced_calls") else a.get("cost_usd") for a in agents
        },
        "models": [],
    }
    for model in models:
        price = model_price(model)
        rows: list[dict[str, Any]] = []
        for a in agents:
            cost = None
            if price is not None:
                cost = a["input_tokens"] * price[0] + a["output_tokens"] * price[1]
            rows.append({"agent": a["name"], "cost_usd": cost})
        total = None if price is None else sum(r["cost_usd"] for r in rows)
        out["models"].append(
            {
                "model": model,
                "priced": price is not None,
                "input_usd_per_mtok": None if price is None else price[0] * 1e6,
                "output_usd_per_mtok": None if price is None else price[1] * 1e6,
                "agents": rows,
                "cost_usd": total,
            }
        )
    return out
