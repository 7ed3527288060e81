"""The user's models file: aliases, per-model timeouts, retries, fallbacks and prices.

``$AGENTLAB_HOME/models.toml`` (or ``--models FILE``)::

    [defaults]                      # every real model (each key optional)
    first_token_timeout_s = 10

    [models.local]                  # an alias: `--model local` or `model = "local"`
    model = "ollama/llama3.2"
    api_base = "http://127.0.0.1:11434"
    first_token_timeout_s = 120     # a slow CPU server thinks before its first token

    [models."gpt-4o-mini"]          # settings for a model by its own name
    fallbacks = ["local"]           # tried in order when it fails for good

    [prices."ollama/llama3.2"]      # USD per 1M tokens, for models litellm does not price
    input = 0
    output = 0

Settings and their limits are :class:`agentlab.core.llm.CallSettings`. This module holds the
file's values and answers "which model does this name mean" and "with which settings";
reading the file (``file:line`` errors) and applying it to a run are ``agentlab.modelsfile``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from agentlab.core import llm
from agentlab.core.llm import MAX_FALLBACKS, MAX_RETRIES, MAX_TIMEOUT_S, CallSettings
from agentlab.core.spec import Price
from agentlab.errors import UsageError


class Settings(BaseModel):
    """Timeouts and retries (``[defaults]``, and in each ``[models.NAME]``)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)

    connect_timeout_s: float | None = Field(default=None, gt=0, le=MAX_TIMEOUT_S)
    first_token_timeout_s: float | None = Field(default=None, gt=0, le=MAX_TIMEOUT_S)
    chunk_timeout_s: float | None = Field(default=None, gt=0, le=MAX_TIMEOUT_S)
    response_timeout_s: float | None = Field(default=None, gt=0, le=MAX_TIMEOUT_S)
    retries: int | None = Field(default=None, ge=0, le=MAX_RETRIES)
    backoff_s: float | None = Field(default=None, ge=0, le=MAX_TIMEOUT_S)
    max_backoff_s: float | None = Field(default=None, ge=0, le=MAX_TIMEOUT_S)
    max_retry_after_s: float | None = Field(default=None, ge=0, le=MAX_TIMEOUT_S)
    stream_unwatched: bool | None = None

    @field_validator(
        "connect_timeout_s",
        "first_token_timeout_s",
        "chunk_timeout_s",
        "response_timeout_s",
        "backoff_s",
        "max_backoff_s",
        "max_retry_after_s",
        mode="before",
    )
    @classmethod
    def _num(cls, v: Any) -> Any:
        return float(v) if isinstance(v, int) and not isinstance(v, bool) else v

    def overrides(self) -> dict[str, Any]:
        return {k: v for k, v in self.model_dump().items() if v is not None}


class ModelEntry(Settings):
    """``[models.NAME]``: an alias (with ``model``) or settings for the model NAME itself."""

    model: str | None = None
    api_base: str | None = None
    #: The environment variable holding the key (never the key itself).
    api_key_env: str | None = None
    fallbacks: list[str] = Field(default_factory=list, max_length=MAX_FALLBACKS)

    @field_validator("model", "api_key_env")
    @classmethod
    def _text(cls, v: str | None) -> str | None:
        if v is not None and (not v.strip() or any(c.isspace() for c in v)):
            raise ValueError("expected a name without spaces")
        return v

    @field_validator("fallbacks")
    @classmethod
    def _names(cls, v: list[str]) -> list[str]:
        for name in v:
            if not name.strip() or any(c.isspace() for c in name):
                raise ValueError(f"{name!r}: expected a model name or alias without spaces")
        return v

    @field_validator("api_base")
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        if v is not None and not v.startswith(("http://", "https://")):
            raise ValueError("expected an http:// or https:// URL")
        return v


class ModelsFile(BaseModel):
    """The file's shape."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    defaults: Settings = Field(default_factory=Settings)
    models: dict[str, ModelEntry] = Field(default_factory=dict)
    prices: dict[str, Price] = Field(default_factory=dict)


@dataclass(frozen=True)
class ModelsConfig:
    """A read models file (empty when there is none)."""

    path: str = ""
    defaults: dict[str, Any] = field(default_factory=dict)
    entries: dict[str, ModelEntry] = field(default_factory=dict)
    prices: dict[str, Price] = field(default_factory=dict)
    #: USD per (input, output) token by model, for fallbacks (set by :func:`prepare`).
    price_of: dict[str, tuple[float, float] | None] = field(default_factory=dict)

    def resolve(self, name: str) -> str:
        """The model an alias names (followed through chains), or ``name`` itself."""
        seen: list[str] = []
        while (entry := self.entries.get(name)) is not None and entry.model:
            if name in seen:
                raise UsageError(f"{self.path}: models.{seen[0]}: alias cycle: {' -> '.join(seen)}")
            seen.append(name)
            name = entry.model
        return name

    def entry_for(self, model: str) -> ModelEntry | None:
        """The entry whose settings a (resolved) model takes: its own, else an alias's."""
        own = self.entries.get(model)
        if own is not None and not own.model:
            return own
        return next(
            (e for n, e in self.entries.items() if e.model and self.resolve(n) == model), None
        )

    def settings(self, model: str, with_fallbacks: bool = True) -> CallSettings:
        """Defaults, then the file's ``[defaults]``, then the model's entry."""
        entry = self.entry_for(model)
        values: dict[str, Any] = {**self.defaults, "model": model}
        if entry is not None:
            values.update(entry.overrides())
            values["api_base"] = entry.api_base
            values["api_key_env"] = entry.api_key_env
        values["price"] = self.price_of.get(model)
        out = dataclasses.replace(llm.DEFAULT_SETTINGS, **values)
        if with_fallbacks and entry is not None and entry.fallbacks:
            chain = tuple(
                self.settings(self.resolve(f), with_fallbacks=False) for f in entry.fallbacks
            )
            out = dataclasses.replace(out, fallbacks=chain)
        return out


EMPTY = ModelsConfig()
