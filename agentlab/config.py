"""User settings read from ``$AGENTLAB_HOME``: for now the models file of extra prices."""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import ValidationError

from agentlab.errors import UsageError
from agentlab.paths import models_file
from agentlab.scenario import Price, Scenario


def load_prices(path: Path | None = None) -> dict[str, Price]:
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
    extra = load_prices(path)
    if not extra:
        return scenario
    return scenario.model_copy(update={"prices": {**extra, **scenario.prices}})
