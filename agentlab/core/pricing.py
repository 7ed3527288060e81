"""Cost projection: reprice recorded token usage under other models' prices."""

from __future__ import annotations

from typing import Any

from agentlab.core import llm


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
        price = llm.model_price(model)
        rows = []
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
