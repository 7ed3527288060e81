"""Reading the user's models file and applying it to a run (the values: ``core.models``).

``$AGENTLAB_HOME/models.toml`` or ``--models FILE``; its shape is in :mod:`agentlab.core.models`.
A mistake in it is one ``file:line: key: message`` line (exit 2).
"""

from __future__ import annotations

import asyncio
import dataclasses
import stat
import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from agentlab.core import llm, secrets
from agentlab.core.context import RunOptions
from agentlab.core.models import EMPTY, ModelsConfig, ModelsFile
from agentlab.core.spec import Scenario
from agentlab.errors import ModelError, UsageError
from agentlab.paths import models_file
from agentlab.tomlpos import key_line

#: A models file bigger than this is refused (it is a short hand-written file).
MAX_FILE_BYTES = 1_000_000


def load_models(path: Path | None = None, *, required: bool = False) -> ModelsConfig:
    """Read a models file (missing default file: empty). Bad content is one UsageError line
    with the file, line and key."""
    given = path is not None
    path = path or models_file()
    try:
        st = path.stat()
    except FileNotFoundError:
        if required or given:
            raise UsageError(f"{path}: no such models file") from None
        return EMPTY
    except OSError as exc:
        raise UsageError(f"{path}: cannot read models file: {exc.strerror}") from None
    if not stat.S_ISREG(st.st_mode):
        raise UsageError(f"{path}: not a regular file")
    if st.st_size > MAX_FILE_BYTES:
        raise UsageError(f"{path}: models file too large ({st.st_size} bytes)")
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read models file: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: invalid TOML: {exc}") from None
    except RecursionError:
        raise UsageError(f"{path}: invalid TOML: nested too deeply") from None
    try:
        parsed = ModelsFile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"] if not str(p).startswith("function-"))
        line = key_line(text, key)
        where = f"{path}:{line}" if line else str(path)
        msg = str(err["msg"]).removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        raise UsageError(f"{where}: {key}: {msg}") from None
    from agentlab.core.labmodels import LAB_MODELS

    for name in parsed.models:
        if name in LAB_MODELS:
            # An alias or settings under a lab model's name would send the offline default to
            # a real provider, or be listed beside the lab model as a second one.
            line = key_line(text, f"models.{name}")
            where = f"{path}:{line}" if line else str(path)
            raise UsageError(
                f"{where}: models.{name}: {name} is a built-in lab model; "
                "give the alias another name"
            )
    cfg = ModelsConfig(str(path), parsed.defaults.overrides(), dict(parsed.models), parsed.prices)
    for name in cfg.entries:
        cfg.resolve(name)  # an alias cycle is refused here, not at the first call
    for name, entry in cfg.entries.items():
        for i, fb in enumerate(entry.fallbacks):
            # The seam follows one level (a fallback's own fallbacks are not tried), so a
            # cycle cannot loop; a model falling back to itself only repeats the failure.
            if cfg.resolve(fb) == cfg.resolve(name):
                raise UsageError(
                    f"{_key_where(path, text, name)}: models.{name}.fallbacks[{i}]: "
                    f"{fb!r} is {name} itself; a fallback must be another model"
                )
    return cfg


def _key_where(path: Path | str, text: str, name: str) -> str:
    line = key_line(text, f"models.{name}.fallbacks")
    return f"{path}:{line}" if line else str(path)


def check_fallbacks(cfg: ModelsConfig, models: set[str] | None = None) -> None:
    """Refuse a fallback litellm cannot route (an unknown name, say) with one
    ``file:line: models.NAME.fallbacks[i]: ...`` line: of every entry, or only of the
    entries whose settings ``models`` take. Apart from :func:`load_models` because it
    imports litellm (seconds), which a lab-only run with a models file never needs."""
    text = ""
    if cfg.path:
        try:
            text = Path(cfg.path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            text = ""
    for name, entry in cfg.entries.items():
        if models is not None and cfg.resolve(name) not in models:
            continue
        for i, fb in enumerate(entry.fallbacks):
            try:
                llm.check_model(cfg.resolve(fb))
            except UsageError as exc:
                where = _key_where(cfg.path, text, name)
                raise UsageError(f"{where}: models.{name}.fallbacks[{i}]: {exc}") from None


def prepare(scenario: Scenario, options: RunOptions) -> tuple[Scenario, RunOptions]:
    """Apply the models file to a run: resolve aliases (``--model`` and each agent's), add its
    prices (the scenario's own win), and refuse a model string litellm cannot route, with one
    line, before the session starts. The seam then gets each model's settings."""
    cfg = options.models or load_models()
    scenario_prices = {**cfg.prices, **scenario.prices}
    override = options.model
    if override is not None:
        override = cfg.resolve(override)
        _check(override, "--model")
    agents = []
    for i, agent in enumerate(scenario.agents):
        model = cfg.resolve(agent.model)
        if override is None:
            _check(model, _where(scenario, f"agents[{i}].model"))
        agents.append(agent if model == agent.model else agent.model_copy(update={"model": model}))
    used = {override} if override else {a.model for a in agents}
    check_fallbacks(cfg, used)
    price_of: dict[str, tuple[float, float] | None] = {}
    for model in used:
        for fb in cfg.settings(model).fallbacks:
            p = scenario_prices.get(fb.model)
            price_of[fb.model] = (p.input / 1e6, p.output / 1e6) if p else llm.map_price(fb.model)
    cfg = dataclasses.replace(cfg, price_of=price_of)
    scenario = scenario.model_copy(update={"agents": agents, "prices": scenario_prices})
    return scenario, dataclasses.replace(options, model=override, models=cfg)


def _where(scenario: Scenario, key: str) -> str:
    if not scenario.path:
        return key
    try:
        text = Path(scenario.path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return f"{scenario.path}: {key}"
    line = key_line(text, key)
    return f"{scenario.path}:{line}: {key}" if line else f"{scenario.path}: {key}"


def _check(model: str, where: str) -> None:
    try:
        llm.check_model(model)
    except UsageError as exc:
        raise UsageError(f"{where}: {exc}") from None


# --- `agentlab models` and `agentlab models check` ---------------------------------------------


def model_rows(cfg: ModelsConfig) -> list[dict[str, Any]]:
    """What ``agentlab models`` lists: each alias and configured model, the models priced in
    the file, and the lab models; with its price per 1M tokens (None: unpriced) and whether
    its key is present (never the key)."""
    from agentlab.core.labmodels import DEFAULT_PRICE_AS, LAB_MODELS

    check_fallbacks(cfg)
    rows: list[dict[str, Any]] = []
    names = list(cfg.entries) + [m for m in cfg.prices if m not in cfg.entries]
    for name in names:
        model = cfg.resolve(name)
        settings = cfg.settings(model)
        entry = cfg.entries.get(name)
        price = cfg.prices.get(model) or cfg.prices.get(name)
        per_token = (price.input / 1e6, price.output / 1e6) if price else llm.map_price(model)
        rows.append(
            {
                "name": name,
                "model": model,
                "alias": bool(entry and entry.model),
                "api_base": secrets.mask(settings.api_base) if settings.api_base else None,
                "input_usd_per_mtok": None if per_token is None else per_token[0] * 1e6,
                "output_usd_per_mtok": None if per_token is None else per_token[1] * 1e6,
                "key": llm.key_status(model, settings),
                "fallbacks": [f.model for f in settings.fallbacks],
            }
        )
    lab_price = llm.map_price(DEFAULT_PRICE_AS)
    for name in sorted(LAB_MODELS):
        rows.append(
            {
                "name": name,
                "model": name,
                "alias": False,
                "api_base": None,
                "input_usd_per_mtok": None if lab_price is None else lab_price[0] * 1e6,
                "output_usd_per_mtok": None if lab_price is None else lab_price[1] * 1e6,
                "key": "not needed",
                "fallbacks": [],
            }
        )
    return rows


@dataclasses.dataclass
class Probe:
    """The outcome of ``agentlab models check``: one tiny call."""

    name: str
    model: str
    ok: bool
    seconds: float
    input_tokens: int = 0
    output_tokens: int = 0
    provider_usage: bool = False
    reply: str = ""
    error: str = ""
    kind: str = ""


async def probe(name: str, cfg: ModelsConfig, api_base: str | None = None) -> Probe:
    """Make one tiny call to ``name`` (an alias or a model string), without retries or
    fallbacks, and say how it went. An unknown provider is a UsageError."""
    import time

    from agentlab.core.events import LlmRetry

    model = cfg.resolve(name)
    _check(model, "NAME")
    settings = dataclasses.replace(cfg.settings(model), retries=0, fallbacks=())
    retried: list[LlmRetry] = []
    if not llm.is_lab(model):  # litellm's import and first-call set-up are not the model's
        await asyncio.to_thread(llm.preload, (model,))
    req = llm.LlmRequest(
        model=model,
        messages=[{"role": "user", "content": "Reply with the word OK."}],
        api_base=api_base,
        settings=None if llm.is_lab(model) else settings,
        on_retry=retried.append,
    )
    started = time.monotonic()
    try:
        resp = await llm.complete(req)
    except ModelError as exc:
        return Probe(name, model, False, time.monotonic() - started, error=str(exc), kind=exc.kind)
    return Probe(
        name,
        model,
        True,
        time.monotonic() - started,
        resp.input_tokens,
        resp.output_tokens,
        resp.provider_usage,
        resp.content.strip()[:60],
    )
