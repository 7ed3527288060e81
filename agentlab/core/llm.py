"""The one LLM seam: the only module that imports litellm.

Every model call - a real provider, local Ollama, an OpenAI-compatible server, or the offline
lab models - goes through :func:`complete`. litellm is imported lazily (it costs seconds) with its
offline switches set first, and the lab models are registered as a litellm custom provider, so the
runtime has exactly one code path.

A real provider's call is streamed, watched or not, so that a silent server is seen within the
first-token clock; a model whose ``stream_unwatched = false`` (models file) is called plain when
nobody watches the tokens (litellm's streamed path costs several milliseconds per call, 4-5x its
plain call, which shows only against a very fast local server). Either way a real
provider's faults are bounded and seen (:class:`CallSettings`): a connect timeout; streamed, a
time-to-first-token and an inter-chunk timeout; not streamed, a timeout on the whole answer;
bounded retries with exponential backoff and jitter that honour Retry-After, a fallback list;
a stream that ends without a finish reason (or a body cut short) is never a completed answer.
"""

from __future__ import annotations

import asyncio
import email.utils
import gc
import json
import marshal
import os
import random
import time
import warnings
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from agentlab.core import labmodels, secrets, tokens
from agentlab.core.events import LlmRetry
from agentlab.core.labmodels import counted_as
from agentlab.core.labmodels import is_lab as is_lab  # the runtime asks the seam
from agentlab.errors import ModelError, UsageError

OnDelta = Callable[[str], None]
#: Called by the seam for every failed attempt that is retried or handed to a fallback; the
#: gateway fills in the session/span ids and emits it.
OnRetry = Callable[[LlmRetry], None]

#: Bounds every timeout, backoff and Retry-After setting must stay within (models.toml, code):
#: anything longer is refused when the file is read, so a typo cannot make a call hang for days.
MAX_TIMEOUT_S = 3600.0
MAX_RETRIES = 10
MAX_FALLBACKS = 5


@dataclass(frozen=True)
class CallSettings:
    """How a real provider's call is bounded and retried (``$AGENTLAB_HOME/models.toml``,
    ``[defaults]`` and ``[models.NAME]``). The defaults end a silent server's call in about half
    a minute (3 attempts x 10 s); a slow local CPU server raises ``first_token_timeout_s``."""

    #: The model this entry calls (an alias's target; a fallback's own model).
    model: str = ""
    api_base: str | None = None
    #: The environment variable holding this model's key (default: litellm's own lookup).
    api_key_env: str | None = None
    #: USD per (input, output) token, when known (set for fallbacks by the models file).
    price: tuple[float, float] | None = None
    #: Seconds to open the connection.
    connect_timeout_s: float = 5.0
    #: Seconds from sending the request to the first streamed chunk.
    first_token_timeout_s: float = 10.0
    #: Seconds of silence allowed between two chunks of a stream.
    chunk_timeout_s: float = 10.0
    #: Stream the call even when nobody watches the tokens (CI, evals, ``--json``), so the
    #: first-token and between-chunk clocks end a silent server's attempt in seconds. False:
    #: an unwatched call is one plain call bounded by ``response_timeout_s`` (litellm's stream
    #: handling costs several ms a call, which shows only against a very fast local server).
    stream_unwatched: bool = True
    #: Seconds for a whole answer of a plain (not streamed) call.
    response_timeout_s: float = 60.0
    #: Attempts after the first on a rate limit, a 5xx, a connection error or a timeout.
    retries: int = 2
    #: First backoff in seconds; doubles each retry, with full jitter, up to ``max_backoff_s``.
    backoff_s: float = 1.0
    max_backoff_s: float = 20.0
    #: A provider asking to wait longer than this (Retry-After) fails the attempt at once.
    max_retry_after_s: float = 60.0
    #: Models tried in order when this one fails for good (before anything was streamed).
    fallbacks: tuple[CallSettings, ...] = ()


DEFAULT_SETTINGS = CallSettings()


@dataclass(frozen=True)
class LlmRequest:
    model: str
    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]] = field(default_factory=list)
    max_tokens: int | None = None
    api_base: str | None = None
    #: Lab-model settings (agent name, script, latency); sent in ``extra_body``.
    lab: dict[str, Any] | None = None
    #: Count and price a lab model's call as this model (default gpt-4o-mini).
    price_as: str | None = None
    #: (input, output) USD per token, from :func:`agentlab.core.prices.price_for`; without it
    #: the call is priced from litellm's map.
    price: tuple[float, float] | None = None
    #: Timeouts, retries, fallbacks of a real provider (None: the defaults).
    settings: CallSettings | None = None
    #: Told about every retry and fallback (the gateway records them as events).
    on_retry: OnRetry | None = None
    #: The prompt's tokens, when the caller has counted them already (the gateway does, to
    #: reserve them): a lab model then does not count the conversation a second time.
    prompt_tokens: int | None = None
    #: Who asks and at which of its steps (a replay answers per agent, and names both when the
    #: run no longer matches the recording).
    agent: str = ""
    step: int = 0


@dataclass
class LlmResponse:
    content: str = ""
    tool_calls: list[dict[str, Any]] = field(default_factory=list)  # OpenAI wire shape
    finish_reason: str = "stop"
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float | None = None  # None: no known price for this model
    #: The model that answered (a fallback's, when the requested one failed).
    model: str = ""
    #: The local tiktoken estimate, kept beside the usage a provider reported (which wins).
    estimated_input_tokens: int | None = None
    estimated_output_tokens: int | None = None
    #: Whether the provider reported usage (else the counts are the estimate).
    provider_usage: bool = False
    #: Set by the gateway when a cap shrank max_tokens and the reply was cut there.
    limit_error: Exception | None = None

    def message(self, name: str | None = None) -> dict[str, Any]:
        """The assistant message to append to the conversation."""
        msg: dict[str, Any] = {"role": "assistant", "content": self.content or None}
        if self.tool_calls:
            msg["tool_calls"] = self.tool_calls
        if name:
            msg["name"] = name
        return msg


# --- provider quirks ------------------------------------------------------------------------


@dataclass(frozen=True)
class Quirks:
    """What a provider needs beyond the plain litellm call."""

    #: An OpenAI-compatible server at ``api_base`` (llama.cpp, vLLM, LM Studio) often needs no
    #: key, but the client refuses to start without one: send a dummy while this is unset.
    dummy_key_unless: str | None = None
    #: Retry transient errors (rate limits, timeouts). Lab models never have any.
    retries: bool = True
    #: Settings travel in ``extra_body`` under this name (the lab models' script, latency).
    extra_body: str | None = None


#: By provider prefix (``openai/x`` -> ``openai``). Parameters a provider lacks (e.g.
#: ``max_tokens`` somewhere) are dropped for every provider: ``litellm.drop_params`` below.
QUIRKS: dict[str, Quirks] = {
    "openai": Quirks(dummy_key_unless="OPENAI_API_KEY"),
    "lab": Quirks(retries=False, extra_body="lab"),
}
_PLAIN = Quirks()


def quirks(model: str) -> Quirks:
    provider, _, rest = model.partition("/")
    return QUIRKS.get(provider, _PLAIN) if rest else _PLAIN


# --- litellm, lazily ------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _litellm() -> Any:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    os.environ.setdefault("LITELLM_TELEMETRY", "False")
    # litellm walks every request's messages after each call to shorten base64 for its
    # logging callbacks (agentlab registers none): O(conversation) per call, for nothing.
    os.environ.setdefault("MAX_BASE64_LENGTH_FOR_LOGGING", "0")
    import litellm

    # litellm builds a custom provider's coroutine in a worker thread; when the call is
    # cancelled first (a sibling hit a cap, Ctrl-C) that coroutine is dropped unawaited and
    # Python warns on stderr. Nothing leaks: say nothing.
    warnings.filterwarnings(
        "ignore",
        message=r"coroutine '.*LabProvider\.a(completion|streaming)' was never awaited",
        category=RuntimeWarning,
    )
    litellm.suppress_debug_info = True
    litellm.telemetry = False
    # litellm's import leaves ~400k objects that live as long as the process; every full
    # garbage collection would walk them again (tens of ms, mid-step). Freeze them, once.
    gc.freeze()
    litellm.drop_params = True  # a provider that lacks a parameter should not fail the call
    litellm.custom_provider_map = [{"provider": "lab", "custom_handler": _lab_provider(litellm)}]
    return litellm


def preload(
    count_as: tuple[str, ...] = (labmodels.DEFAULT_PRICE_AS,),
    *,
    real_models: bool = False,
    models: tuple[str, ...] = (),
) -> None:
    """Pay the start-up costs now, e.g. in a thread while a UI keeps drawing: load the
    tokenizers of ``count_as`` models and, when real models will be called, import litellm
    (seconds) and make one instant call through it (its first call sets up lazily for ~0.4 s).
    Lab models never touch litellm, so a lab-only run skips all of that. Cheap when repeated."""
    for model in count_as:
        tokens.count_text("warm up", model)
    if not real_models:
        return
    litellm = _litellm()
    # The OpenAI client (litellm's route for OpenAI and every OpenAI-compatible server) imports
    # its chat resources on the first request (~1-2 s of CPU): pay it here, not inside the
    # first call's time-to-first-token clock. Not for ``models`` that are all answered by a
    # registered custom provider (they never reach the client; ~30 MB saved).
    custom = {str(p.get("provider")) for p in litellm.custom_provider_map}
    if not models or any(m.partition("/")[0] not in custom for m in models):
        import openai.resources.chat.completions  # noqa: F401

    if _preloaded:
        return
    # Sync on purpose: this may run in a helper thread, and litellm's logging worker binds to
    # the event loop of its first async call. With a tool, because litellm imports its MCP
    # support (~0.5 s) on the first call that passes tools=.
    warm_tool = {"type": "function", "function": {"name": "noop", "parameters": {"type": "object"}}}
    litellm.completion(
        model="lab/auto", messages=[{"role": "user", "content": "hi"}], tools=[warm_tool]
    )
    _preloaded.append(True)


_preloaded: list[bool] = []


def _bundled_cost_map() -> dict[str, Any]:
    """litellm's bundled price map, read by path without importing litellm (seconds saved on
    every lab-only run). It is the same file litellm loads with LITELLM_LOCAL_MODEL_COST_MAP."""
    folder = tokens.litellm_folder()
    if folder is None:
        return {}
    try:
        data = json.loads((folder / "model_prices_and_context_window_backup.json").read_bytes())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _priced(info: Any) -> tuple[float, float] | None:
    """(input, output) USD per token of one price-map entry; None when it has no input price."""
    if not isinstance(info, dict) or info.get("input_cost_per_token") is None:
        return None
    return (
        float(info.get("input_cost_per_token") or 0.0),
        float(info.get("output_cost_per_token") or 0.0),
    )


@lru_cache(maxsize=1)
def _bundled_prices() -> dict[str, tuple[float, float]]:
    """The priced entries of :func:`_bundled_cost_map`, name -> (input, output) USD per token.

    Parsing litellm's 1 MB JSON map costs ~35 ms on every run that looks up a price, so the
    prices are kept in agentlab's cache folder (``marshal``, read in ~1 ms), keyed by the map
    file's size and modification time: an upgraded litellm makes a new one. Any problem with
    the cache file: the map is parsed again."""
    folder = tokens.litellm_folder()
    if folder is None:
        return {}
    source = folder / "model_prices_and_context_window_backup.json"
    root = tokens.cache_dir()
    cache = None
    try:
        st = source.stat()
        if root is not None:
            cache = root / "prices" / f"litellm-{st.st_size}-{st.st_mtime_ns}.marshal"
            loaded = marshal.loads(cache.read_bytes())
            if isinstance(loaded, dict):
                return loaded
    except (OSError, EOFError, ValueError, TypeError):
        pass
    prices = {}
    for name, info in _bundled_cost_map().items():
        price = _priced(info)
        if price is not None:
            prices[name] = price
    if cache is not None and prices:
        tokens.write_cache_file(cache, marshal.dumps(prices))
    return prices


@lru_cache(maxsize=256)
def map_price(model: str) -> tuple[float, float] | None:
    """USD per (input, output) token in litellm's bundled price map; None when it has none.

    litellm answers 0 for models it does not price (and lists local providers such as Ollama at
    0): that is "unknown" here, never free. Only :mod:`agentlab.core.prices` should ask: it
    puts the scenario's and the user's prices first."""
    if is_lab(model):  # never in the map; and asking would import litellm for nothing
        return None
    prices = _bundled_prices()
    if not prices:  # no bundled map file: litellm's own (importing it)
        prices = {n: p for n, i in _litellm().model_cost.items() if (p := _priced(i))}
    price = None
    for name in (model, model.split("/", 1)[-1]):
        price = prices.get(name)
        if price is not None:
            break
    if price is None:
        try:  # litellm knows aliases and provider routes the flat map does not spell out
            info = _litellm().get_model_info(model)
        except Exception:
            return None
        price = (
            float(info.get("input_cost_per_token") or 0.0),
            float(info.get("output_cost_per_token") or 0.0),
        )
    return None if price == (0.0, 0.0) else price


def cost_per_token(model: str, input_tokens: int, output_tokens: int) -> tuple[float, float]:
    """litellm's own ``cost_per_token`` (used to check our repricing against)."""
    prompt, completion = _litellm().cost_per_token(
        model=model, prompt_tokens=input_tokens, completion_tokens=output_tokens
    )
    return float(prompt), float(completion)


_ERROR_KINDS = {
    "RateLimitError": "rate_limit",
    "AuthenticationError": "auth",
    "PermissionDeniedError": "auth",
    "APIConnectionError": "connection",
    "Timeout": "timeout",
    "APITimeoutError": "timeout",
    "BadRequestError": "bad_request",
    "NotFoundError": "not_found",
    "ContextWindowExceededError": "context_window",
    "ServiceUnavailableError": "unavailable",
    "InternalServerError": "server",
    "BadGatewayError": "server",
    "JSONDecodeError": "server",
}
#: Worth another attempt (when nothing was streamed yet): the provider may answer next time.
RETRYABLE = frozenset({"rate_limit", "timeout", "connection", "server", "unavailable"})


class AttemptError(ModelError):
    """A failed attempt, with what the retry policy needs: whether anything reached a viewer
    (then it is never retried: the text was shown) and the wait the provider asked for."""

    def __init__(
        self, message: str, kind: str, *, retry_after: float | None = None, streamed: bool = False
    ) -> None:
        super().__init__(message, kind=kind)
        self.retry_after = retry_after
        self.streamed = streamed
        #: (input, output) tokens the provider billed for a call that failed after it had
        #: started answering (a cut or stalled stream): local estimates. None: nothing billed.
        self.billed: tuple[int, int] | None = None
        #: How many attempts the model had when it failed for good.
        self.attempts = 1

    @property
    def retryable(self) -> bool:
        return self.kind in RETRYABLE and not self.streamed


def _root(exc: BaseException) -> BaseException:
    # litellm wraps errors raised mid-stream; the original says what really happened.
    while getattr(exc, "original_exception", None) is not None:
        exc = exc.original_exception  # type: ignore[attr-defined]
    return exc


def _model_error(
    exc: Exception, model: str = "", settings: CallSettings | None = None
) -> AttemptError:
    root = _root(exc)
    name = type(root).__name__
    kind = _ERROR_KINDS.get(name, "model")
    text = " ".join(str(root).split())
    if kind == "connection" and ("Expecting" in text or "JSON" in text):
        kind, name = "server", "InternalServerError"  # the server sent something that is not JSON
    elif "Missing credentials" in text or "api_key client option must be set" in text:
        kind, name = "auth", "AuthenticationError"  # no key: the client refused to start
    elif kind == "server" and _caused_by(exc, ("ConnectError", "APIConnectionError")):
        kind, name = "connection", "APIConnectionError"  # litellm calls a refused connect a 500
    elif kind == "server" and _caused_by(exc, ("ConnectTimeout", "APITimeoutError")):
        kind, name = "timeout", "Timeout"
    for prefix in (f"litellm.{name}: ", f"{name}: "):  # litellm repeats the class name
        while text.startswith(prefix):
            text = text[len(prefix) :]
    own_key = os.environ.get(settings.api_key_env, "") if settings and settings.api_key_env else ""
    text = secrets.mask(text, (own_key,) if own_key else ())
    if kind == "auth":
        text = f"{_key_problem(model, settings)} ({text})"
    if len(text) > 300:
        text = text[:297] + "..."
    return AttemptError(f"{name}: {text}", kind, retry_after=_retry_after(root))


def _caused_by(exc: BaseException, names: tuple[str, ...]) -> bool:
    """Whether an exception of one of these class names is in ``exc``'s chain."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if type(e).__name__ in names:
            return True
        todo += [e.__cause__, e.__context__, getattr(e, "original_exception", None)]
    return False


def _key_problem(model: str, settings: CallSettings | None) -> str:
    """One line saying which key is missing or refused (401/403)."""
    var = settings.api_key_env if settings and settings.api_key_env else None
    if var is None:
        provider = provider_of(model) or model.partition("/")[0] or "openai"
        var = f"{provider.upper()}_API_KEY"
    if not os.environ.get(var):
        return f"no key for {model or 'this model'}: {var} is not set"
    return f"{model or 'the provider'} refused the key in {var}"


def _retry_after(exc: BaseException) -> float | None:
    """The wait a provider asked for (``retry-after-ms``, ``Retry-After`` in seconds or as an
    HTTP date), or None."""
    headers = getattr(exc, "litellm_response_headers", None)
    if headers is None:
        response = getattr(exc, "response", None)
        headers = getattr(response, "headers", None)
    if not headers:
        return None
    try:
        if (ms := headers.get("retry-after-ms")) is not None:
            return max(0.0, float(ms) / 1000)
        value = headers.get("retry-after")
        if value is None:
            return None
        try:
            return max(0.0, float(value))
        except ValueError:
            when = email.utils.parsedate_to_datetime(value)
            return max(0.0, when.timestamp() - time.time())
    except (TypeError, ValueError, OverflowError):
        return None


def check_model(model: str) -> None:
    """Refuse a model string litellm cannot route (an unknown provider, a malformed name) with
    one line, before anything starts. Lab models are checked by the scenario loader."""
    if is_lab(model):
        return
    if not model.strip() or model != model.strip() or any(c.isspace() for c in model):
        raise UsageError(f"model {model!r}: expected a model name such as gpt-4o-mini")
    try:
        _litellm().get_llm_provider(model)
    except Exception:
        raise UsageError(
            f"model {model!r}: unknown provider or malformed model name (use a litellm model "
            "string such as gpt-4o-mini, anthropic/claude-sonnet-4-5, ollama/llama3.2, or "
            "openai/<name> with --api-base)"
        ) from None


def provider_of(model: str) -> str:
    """The litellm provider a model routes to ("" when litellm cannot route it)."""
    if is_lab(model):
        return "lab"
    try:
        return str(_litellm().get_llm_provider(model)[1])
    except Exception:
        return ""


def key_status(model: str, settings: CallSettings | None = None) -> str:
    """Whether the key this model needs is present: "set", "not needed" or "missing: VAR"
    (never the key itself)."""
    if is_lab(model):
        return "not needed"
    if settings is not None and settings.api_key_env:
        var = settings.api_key_env
        return "set" if os.environ.get(var) else f"missing: {var}"
    try:
        info = _litellm().validate_environment(
            model=model, api_base=settings.api_base if settings else None
        )
    except Exception:
        return "unknown"
    missing = list(info.get("missing_keys") or [])
    if missing and settings is not None and settings.api_base and quirks(model).dummy_key_unless:
        return "not needed"  # an OpenAI-compatible server: a dummy key is sent
    if missing:
        return "missing: " + ", ".join(missing)
    return "set" if info.get("keys_in_environment") else "not needed"


# --- the call ---------------------------------------------------------------------------------


#: Send lab models through litellm's custom-provider route instead of answering them in the
#: seam (the parity test runs both; nothing else needs it).
LAB_VIA_LITELLM = os.environ.get("AGENTLAB_LAB_VIA_LITELLM") == "1"


async def complete(req: LlmRequest, on_delta: OnDelta | None = None) -> LlmResponse:
    """Make one chat completion. Streams (calling ``on_delta`` with text) when given a callback.

    Lab models are answered here, without litellm (importing it costs seconds and each call
    through it ~2 ms): same request and response types, same token counts and cost. A real
    provider's usage wins over the local count; the count is kept beside it."""
    if is_lab(req.model) and not LAB_VIA_LITELLM:
        resp = await _lab_complete(req, on_delta)
    elif is_lab(req.model):
        resp = await _lab_via_litellm(req, on_delta)
    else:
        resp = await _provider_complete(req, on_delta)
    model = resp.model or req.model
    count_model = counted_as(model, req.price_as)
    if not is_lab(model):
        resp.estimated_input_tokens = (
            req.prompt_tokens
            if req.prompt_tokens is not None and model == req.model
            else tokens.count_messages(req.messages, count_model, req.tools or None)
        )
        resp.estimated_output_tokens = tokens.count_completion(
            resp.content, resp.tool_calls, count_model
        )
    if not resp.input_tokens:
        resp.input_tokens = resp.estimated_input_tokens or tokens.count_messages(
            req.messages, count_model, req.tools or None
        )
    if not resp.output_tokens:
        resp.output_tokens = resp.estimated_output_tokens or tokens.count_completion(
            resp.content, resp.tool_calls, count_model
        )
    if model == req.model:
        price = req.price or map_price(count_model)
    else:  # a fallback answered: its own price
        fallback = next((f for f in _settings(req).fallbacks if f.model == model), None)
        price = (fallback.price if fallback else None) or map_price(count_model)
    if price is not None:
        resp.cost_usd = resp.input_tokens * price[0] + resp.output_tokens * price[1]
    resp.model = model
    return resp


def _settings(req: LlmRequest) -> CallSettings:
    return req.settings or DEFAULT_SETTINGS


async def _lab_via_litellm(req: LlmRequest, on_delta: OnDelta | None) -> LlmResponse:
    """The parity route: a lab model through litellm's custom provider (no retries, no
    timeouts: it answers in-process)."""
    litellm = _litellm()
    kwargs = _kwargs(req, req.model, None)
    kwargs["extra_body"] = {"lab": _lab_settings(req)}
    try:
        if on_delta is None:
            return _from_response(await litellm.acompletion(**kwargs))
        stream = await litellm.acompletion(
            stream=True, stream_options={"include_usage": True}, **kwargs
        )
        resp, _ = await _read_stream(stream, on_delta, req, req.model, None, None)
        return resp
    except ModelError:
        raise
    except Exception as exc:
        raise _model_error(exc, req.model) from None


def _kwargs(
    req: LlmRequest, model: str, target: CallSettings | None, *, whole: bool = False
) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"model": model, "messages": req.messages}
    if req.tools:
        kwargs["tools"] = req.tools
    if req.max_tokens is not None:
        kwargs["max_tokens"] = req.max_tokens
    if target is None:
        return kwargs
    import httpx  # a litellm dependency; only real providers get here (litellm is loaded)

    wait = (
        target.response_timeout_s
        if whole
        else max(target.first_token_timeout_s, target.chunk_timeout_s)
    )
    # The socket's own timeouts are a backstop: the seam's clocks (first token, between chunks)
    # fire first and say which one it was.
    kwargs["timeout"] = httpx.Timeout(wait + 5.0, connect=target.connect_timeout_s)
    kwargs["max_retries"] = 0  # the client's own retries are invisible: the seam retries
    kwargs["num_retries"] = 0
    quirk = quirks(model)
    if target.api_base:
        kwargs["api_base"] = target.api_base
    key = os.environ.get(target.api_key_env) if target.api_key_env else None
    if key:
        kwargs["api_key"] = key
    elif target.api_base and quirk.dummy_key_unless and not os.environ.get(quirk.dummy_key_unless):
        kwargs["api_key"] = "no-key"
    return kwargs


async def _provider_complete(req: LlmRequest, on_delta: OnDelta | None) -> LlmResponse:
    """A real provider: each model of [this one, *fallbacks] in turn, each with bounded retries.
    Once any text has reached ``on_delta`` nothing is tried again (it was shown)."""
    primary = replace(_settings(req), model=req.model)
    if req.api_base:  # --api-base is for the requested model, not for its fallbacks
        primary = replace(primary, api_base=req.api_base)
    targets = [primary, *primary.fallbacks]
    if on_delta is not None:
        shown = on_delta

        def on_delta(text: str) -> None:  # a model echoing a key it saw: masked on screen too
            shown(secrets.mask(text))

    for i, target in enumerate(targets):
        try:
            resp = await _with_retries(req, target, on_delta)
            resp.content = secrets.mask(resp.content)
            for call in resp.tool_calls:
                call["function"]["arguments"] = secrets.mask(call["function"]["arguments"])
            return resp
        except AttemptError as exc:
            if exc.streamed or i == len(targets) - 1:
                raise
            _tell(req, target.model, exc.attempts, exc, "fallback", 0.0, targets[i + 1].model)
    raise AssertionError("unreachable")


def _tell(
    req: LlmRequest,
    model: str,
    attempt: int,
    exc: ModelError,
    action: str,
    wait: float,
    next_model: str,
) -> None:
    if req.on_retry is None:
        return
    req.on_retry(
        LlmRetry(
            model=model,
            attempt=attempt,
            error=str(exc),
            error_kind=exc.kind,
            action="fallback" if action == "fallback" else "retry",
            wait_s=round(wait, 3),
            next_model=next_model,
        )
    )


async def _with_retries(
    req: LlmRequest, target: CallSettings, on_delta: OnDelta | None
) -> LlmResponse:
    """One model, up to ``1 + retries`` attempts (tenacity: exponential backoff with full
    jitter, or exactly the provider's Retry-After when it gives one, within the limit).

    The first attempt runs bare: building the retry machinery costs ~0.1 ms a call, and almost
    every call succeeds at once. Only a failure worth retrying builds it (attempts 2 onwards)."""
    import tenacity

    max_attempts = 1 + (target.retries if quirks(target.model).retries else 0)

    def wait_for(exc: BaseException | None, attempt: int) -> float:
        asked = getattr(exc, "retry_after", None)
        if asked is not None:
            return float(asked)
        ceiling = min(target.max_backoff_s, target.backoff_s * 2 ** (attempt - 1))
        return random.uniform(target.backoff_s / 2, max(target.backoff_s / 2, ceiling))

    def retry(exc: BaseException) -> bool:
        if not isinstance(exc, AttemptError) or not exc.retryable:
            return False
        return exc.retry_after is None or exc.retry_after <= target.max_retry_after_s

    def given_up(exc: AttemptError, tries: int) -> AttemptError:
        exc.attempts = tries
        if exc.retry_after is not None and exc.retry_after > target.max_retry_after_s:
            over = AttemptError(
                f"{exc} (the provider asks to wait {exc.retry_after:g} s, over the "
                f"{target.max_retry_after_s:g} s limit)",
                exc.kind,
                streamed=exc.streamed,
            )
            over.attempts = tries
            return over
        return exc

    try:
        return await _attempt(req, target, on_delta)
    except AttemptError as exc:
        if max_attempts == 1 or not retry(exc):
            raise given_up(exc, 1) from None
        first = exc
    sleep = wait_for(first, 1)
    _tell(req, target.model, 1, first, "retry", sleep, target.model)
    await asyncio.sleep(sleep)

    # Attempts 2.. : tenacity numbers them from 1, hence the +1.
    def wait(state: tenacity.RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        return wait_for(exc, state.attempt_number + 1)

    def before_sleep(state: tenacity.RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        assert isinstance(exc, AttemptError)
        sleep = state.next_action.sleep if state.next_action else 0.0
        _tell(req, target.model, state.attempt_number + 1, exc, "retry", sleep, target.model)

    retrying = tenacity.AsyncRetrying(
        stop=tenacity.stop_after_attempt(max_attempts - 1),
        wait=wait,
        retry=tenacity.retry_if_exception(retry),
        before_sleep=before_sleep,
        reraise=True,
    )
    tries = 1

    async def once() -> LlmResponse:
        nonlocal tries
        tries += 1
        return await _attempt(req, target, on_delta)

    try:
        result: LlmResponse = await retrying(once)
    except AttemptError as exc:
        raise given_up(exc, tries) from None
    return result


async def _attempt(req: LlmRequest, target: CallSettings, on_delta: OnDelta | None) -> LlmResponse:
    """One streamed attempt, under the connect, first-token and between-chunk clocks; an
    attempt nobody watches on a model with ``stream_unwatched = false`` is one plain call (see
    :func:`_attempt_whole`)."""
    if on_delta is None and not target.stream_unwatched:
        return await _attempt_whole(req, target)
    litellm = _litellm()
    kwargs = _kwargs(req, target.model, target)
    loop = asyncio.get_running_loop()
    watch = _Watch(on_delta)
    stream = None
    # Connecting counts towards the first token (the connect timeout alone may end it sooner).
    clock = asyncio.timeout_at(loop.time() + target.first_token_timeout_s)
    try:
        async with clock:
            stream = await litellm.acompletion(
                stream=True, stream_options={"include_usage": True}, **kwargs
            )
            resp, finished = await _read_stream(stream, watch, req, target.model, clock, target)
    except TimeoutError:
        if not clock.expired():
            raise
        if watch.chunks:
            what = f"the stream stalled: no chunk for {target.chunk_timeout_s:g} s"
        else:
            what = f"no answer within {target.first_token_timeout_s:g} s"
        err = AttemptError(f"Timeout: {what}", "timeout", streamed=watch.streamed)
        err.billed = watch.billed(req, target.model) if watch.chunks else None
        raise err from None
    except AttemptError:
        raise
    except Exception as exc:
        err = _model_error(exc, target.model, target)
        err.streamed = watch.streamed
        err.billed = watch.billed(req, target.model) if watch.chunks else None
        raise err from None
    finally:
        if stream is not None:
            await _close(stream)
    if not finished:
        err = AttemptError(
            "Truncated: the stream ended without a finish reason; the answer is incomplete "
            f"({len(resp.content)} characters received)",
            "truncated",
            streamed=True,  # never retried: part of an answer was received (and billed)
        )
        err.billed = watch.billed(req, target.model)
        raise err
    resp.model = target.model
    return resp


async def _attempt_whole(req: LlmRequest, target: CallSettings) -> LlmResponse:
    """One attempt nobody watches: a plain (not streamed) call, under the connect clock and one
    clock for the whole answer. A body cut short does not parse: an error, never an answer."""
    litellm = _litellm()
    kwargs = _kwargs(req, target.model, target, whole=True)
    try:
        async with asyncio.timeout(target.response_timeout_s):
            raw = await litellm.acompletion(**kwargs)
    except TimeoutError:
        what = f"no answer within {target.response_timeout_s:g} s"
        raise AttemptError(f"Timeout: {what}", "timeout") from None
    except Exception as exc:
        raise _model_error(exc, target.model, target) from None
    try:
        resp = _from_response(raw)
    except (AttributeError, IndexError, TypeError) as exc:  # no choices, no message
        raise AttemptError(
            f"InternalServerError: the answer has no message ({exc})", "server"
        ) from None
    resp.provider_usage = bool(resp.input_tokens or resp.output_tokens)
    resp.model = target.model
    return resp


class _Watch:
    """Passes text on to the viewer and remembers whether any reached them."""

    def __init__(self, on_delta: OnDelta | None) -> None:
        self.on_delta = on_delta
        self.streamed = False
        self.chunks = 0
        self.parts: list[str] = []

    def billed(self, req: LlmRequest, model: str) -> tuple[int, int]:
        """What a provider bills for an answer cut here: the prompt and the text so far."""
        counted = counted_as(model, req.price_as)
        prompt = req.prompt_tokens
        if prompt is None or model != req.model:
            prompt = tokens.count_messages(req.messages, counted, req.tools or None)
        return prompt, tokens.count_text("".join(self.parts), counted)

    def __call__(self, text: str) -> None:
        self.parts.append(text)
        if self.on_delta is not None:
            self.streamed = True
            self.on_delta(text)


async def _close(stream: Any) -> None:
    """Close an abandoned stream's connection (best effort: the attempt is over anyway)."""
    inner = getattr(stream, "completion_stream", None)
    for obj in (inner, getattr(inner, "response", None)):
        fn = getattr(obj, "aclose", None) or getattr(obj, "close", None)
        if fn is None:
            continue
        try:
            result = fn()
            if asyncio.iscoroutine(result):
                await result
        except Exception:
            pass
        return


def _from_response(raw: Any) -> LlmResponse:
    choice = raw.choices[0]
    msg = choice.message
    calls = [
        {
            "id": c.id,
            "type": "function",
            "function": {"name": c.function.name, "arguments": c.function.arguments or "{}"},
        }
        for c in (msg.tool_calls or [])
    ]
    usage = getattr(raw, "usage", None)
    return LlmResponse(
        content=msg.content or "",
        tool_calls=calls,
        finish_reason=choice.finish_reason or "stop",
        input_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
        output_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
    )


async def _read_stream(
    stream: Any,
    on_delta: OnDelta | None,
    req: LlmRequest,
    model: str,
    clock: asyncio.Timeout | None,
    target: CallSettings | None,
) -> tuple[LlmResponse, bool]:
    """Read a litellm stream into a response. Returns it and whether the provider itself said
    the answer was finished.

    litellm 1.106.2 adds a synthetic ``finish_reason="stop"`` to a stream that closed without
    one (a cut connection looks complete); what the provider really sent is in the wrapper's
    ``received_finish_reason`` / ``intermittent_finish_reason``, which is what counts here."""
    resp = LlmResponse()
    parts: list[str] = []
    calls: dict[int, dict[str, Any]] = {}
    count_model = counted_as(model, req.price_as)
    streamed_tokens = 0
    cut_here = False
    loop = asyncio.get_running_loop()
    watch = on_delta if isinstance(on_delta, _Watch) else None
    async for chunk in stream:
        if clock is not None and target is not None:
            clock.reschedule(loop.time() + target.chunk_timeout_s)
        if watch is not None:
            watch.chunks += 1
        usage = getattr(chunk, "usage", None)
        if usage is not None and getattr(usage, "prompt_tokens", None):
            resp.input_tokens = int(usage.prompt_tokens or 0)
            resp.output_tokens = int(usage.completion_tokens or 0)
            resp.provider_usage = True
        if not chunk.choices:
            continue
        choice = chunk.choices[0]
        delta = choice.delta
        if delta is not None and delta.content:
            parts.append(delta.content)
            if on_delta is not None:
                on_delta(delta.content)
            if req.max_tokens is not None:
                streamed_tokens += tokens.count_text(delta.content, count_model)
                if streamed_tokens >= req.max_tokens:  # never stream past the reservation
                    resp.finish_reason, cut_here = "length", True
                    break
        for tc in (delta.tool_calls if delta is not None else None) or []:
            slot = calls.setdefault(tc.index or 0, {"id": "", "name": "", "arguments": ""})
            if tc.id:
                slot["id"] = tc.id
            if tc.function is not None:
                slot["name"] += tc.function.name or ""
                slot["arguments"] += tc.function.arguments or ""
        if choice.finish_reason:
            resp.finish_reason = choice.finish_reason
    resp.content = "".join(parts)
    resp.tool_calls = [
        {
            "id": c["id"] or f"call_{i}",
            "type": "function",
            "function": {"name": c["name"], "arguments": c["arguments"] or "{}"},
        }
        for i, c in sorted(calls.items())
    ]
    if resp.finish_reason == "length" and cut_here:
        # The stream was cut: usage from the provider (if any) would describe more than we took.
        resp.output_tokens = tokens.count_completion(resp.content, resp.tool_calls, count_model)
        resp.provider_usage = False
    received = getattr(stream, "received_finish_reason", None) or getattr(
        stream, "intermittent_finish_reason", None
    )
    finished = cut_here or received is not None or is_lab(model)
    if not resp.provider_usage:
        resp.input_tokens = resp.output_tokens = 0  # counted by complete()
    return resp, finished


# --- the lab provider -------------------------------------------------------------------------


LAB_FAILURE = "lab model scripted failure: {}"


def _lab_plan(
    model: str,
    messages: list[dict[str, Any]],
    tools: list[dict[str, Any]],
    lab: dict[str, Any],
    max_tokens: int | None,
    prompt_tokens: int | None = None,
) -> tuple[labmodels.LabConfig, str, list[dict[str, Any]], str, dict[str, int]]:
    """What a lab model answers, as (config, text, tool calls, finish reason, usage): the one
    place both routes (in the seam, and litellm's custom provider) get it from."""
    cfg = labmodels.LabConfig.from_dict(lab)
    reply = labmodels.lab_reply("lab/" + model.split("/")[-1], messages, tools, cfg)
    count_as = lab.get("count_as") or labmodels.DEFAULT_PRICE_AS
    text = reply.text
    calls = labmodels.as_tool_calls(reply, f"{cfg.agent}_{len(messages)}")
    finish = "tool_calls" if calls else "stop"
    out_tokens = tokens.count_completion(text, calls, count_as)
    if max_tokens is not None and out_tokens > max_tokens:
        # Like a real model, a reply that does not fit is cut at max_tokens.
        text = tokens.truncate_text(text, max_tokens, count_as)
        calls, finish = [], "length"
        out_tokens = tokens.count_text(text, count_as)
    if prompt_tokens is None:
        prompt_tokens = tokens.count_messages(messages, count_as, tools or None)
    usage = {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": out_tokens,
        "total_tokens": prompt_tokens + out_tokens,
    }
    return cfg, text, calls, finish, usage


def _lab_settings(req: LlmRequest) -> dict[str, Any]:
    lab = dict(req.lab or {})
    lab["count_as"] = counted_as(req.model, req.price_as)
    return lab


async def _lab_complete(req: LlmRequest, on_delta: OnDelta | None) -> LlmResponse:
    """A lab model answered in the seam: no litellm, no thread hop, no copies."""
    lab = _lab_settings(req)
    if lab.get("fail"):
        raise ModelError("InternalServerError: " + LAB_FAILURE.format(lab["fail"]), kind="server")
    cfg, text, calls, finish, usage = _lab_plan(
        req.model, req.messages, req.tools, lab, req.max_tokens, req.prompt_tokens
    )
    resp = LlmResponse(
        content=text,
        tool_calls=calls,
        finish_reason=finish,
        input_tokens=usage["prompt_tokens"],
        output_tokens=usage["completion_tokens"],
    )
    if on_delta is None:
        delay = _latency_s(cfg, usage["completion_tokens"])
        if delay:
            await asyncio.sleep(delay)
        return resp
    # Streamed exactly as litellm's route streams it (see _from_stream): the same pieces,
    # the same cut at the reservation.
    if cfg.ttft_ms:
        await asyncio.sleep(cfg.ttft_ms / 1000)
    pieces = _pieces(text)
    per_piece = (
        usage["completion_tokens"] / cfg.tokens_per_s / len(pieces)
        if (cfg.tokens_per_s and pieces)
        else 0.0
    )
    count_model = lab["count_as"]
    streamed = 0
    sent: list[str] = []
    for piece in pieces:
        sent.append(piece)
        on_delta(piece)
        if req.max_tokens is not None:
            streamed += tokens.count_text(piece, count_model)
            if streamed >= req.max_tokens:  # never stream past the reservation
                resp.content = "".join(sent)
                resp.tool_calls, resp.finish_reason = [], "length"
                resp.output_tokens = tokens.count_completion(resp.content, [], count_model)
                return resp
        if per_piece:
            await asyncio.sleep(per_piece)
    return resp


def _lab_provider(litellm: Any) -> Any:
    from litellm import CustomLLM
    from litellm.types.utils import GenericStreamingChunk, ModelResponse

    class LabProvider(CustomLLM):
        """litellm adapter over :mod:`agentlab.core.labmodels` (the parity route)."""

        def _plan(
            self, model: str, messages: list[Any], optional_params: dict[str, Any]
        ) -> tuple[Any, ...]:
            lab = dict((optional_params.get("extra_body") or {}).get("lab") or {})
            if lab.get("fail"):
                raise litellm.InternalServerError(
                    message=LAB_FAILURE.format(lab["fail"]), llm_provider="lab", model=model
                )
            tools = optional_params.get("tools") or []
            return _lab_plan(model, messages, tools, lab, optional_params.get("max_tokens"))

        def _response(
            self, model: str, messages: list[Any], optional_params: dict[str, Any]
        ) -> Any:
            _, text, calls, finish, usage = self._plan(model, messages, optional_params)
            message: dict[str, Any] = {"role": "assistant", "content": text or None}
            if calls:
                message["tool_calls"] = calls
            return ModelResponse(
                model=model,
                choices=[{"index": 0, "message": message, "finish_reason": finish}],
                usage=usage,
            )

        def completion(self, model: str, messages: list[Any], *args: Any, **kw: Any) -> Any:
            cfg = labmodels.LabConfig.from_dict(
                (kw["optional_params"].get("extra_body") or {}).get("lab")
            )
            resp = self._response(model, messages, kw["optional_params"])
            time.sleep(_latency_s(cfg, resp.usage.completion_tokens))
            return resp

        async def acompletion(self, model: str, messages: list[Any], *args: Any, **kw: Any) -> Any:
            cfg = labmodels.LabConfig.from_dict(
                (kw["optional_params"].get("extra_body") or {}).get("lab")
            )
            resp = self._response(model, messages, kw["optional_params"])
            delay = _latency_s(cfg, resp.usage.completion_tokens)
            if delay:
                await asyncio.sleep(delay)
            return resp

        # litellm declares this as a coroutine returning an iterator but calls it as an async
        # generator (which is what its own providers are).
        async def astreaming(  # type: ignore[override]
            self, model: str, messages: list[Any], *args: Any, **kw: Any
        ) -> AsyncIterator[Any]:
            cfg, text, calls, finish, usage = self._plan(model, messages, kw["optional_params"])
            if cfg.ttft_ms:
                await asyncio.sleep(cfg.ttft_ms / 1000)
            pieces = _pieces(text)
            per_piece = 0.0
            if cfg.tokens_per_s and pieces:
                per_piece = usage["completion_tokens"] / cfg.tokens_per_s / len(pieces)
            for piece in pieces:
                yield GenericStreamingChunk(
                    text=piece,
                    tool_use=None,
                    is_finished=False,
                    finish_reason="",
                    usage=None,
                    index=0,
                )
                if per_piece:
                    await asyncio.sleep(per_piece)
            for i, call in enumerate(calls):
                yield GenericStreamingChunk(
                    text="",
                    tool_use={
                        "id": call["id"],
                        "type": "function",
                        "function": call["function"],
                        "index": i,
                    },
                    is_finished=False,
                    finish_reason="",
                    usage=None,
                    index=0,
                )
            yield GenericStreamingChunk(
                text="", tool_use=None, is_finished=True, finish_reason=finish, usage=usage, index=0
            )

        def streaming(self, model: str, messages: list[Any], *args: Any, **kw: Any) -> Any:
            raise NotImplementedError("agentlab streams lab models asynchronously only")

    return LabProvider()


def _latency_s(cfg: labmodels.LabConfig, output_tokens: int) -> float:
    delay = cfg.ttft_ms / 1000
    if cfg.tokens_per_s:
        delay += output_tokens / cfg.tokens_per_s
    return delay


def _pieces(text: str, size: int = 12) -> list[str]:
    """Split text into small stream chunks (about a few tokens each), keeping whitespace."""
    return [text[i : i + size] for i in range(0, len(text), size)] if text else []


def dumps_args(arguments: Any) -> str:
    return arguments if isinstance(arguments, str) else json.dumps(arguments)


async def ask(
    model: str,
    system: str,
    prompt: str,
    *,
    max_tokens: int | None = None,
    settings: CallSettings | None = None,
    price: tuple[float, float] | None = None,
    agent: str = "",
) -> LlmResponse:
    """One plain question to a model outside any session (an eval's LLM judge): no tools, not
    streamed, through :func:`complete` with its bounds, retries, token counts and price."""
    req = LlmRequest(
        model=model,
        messages=[{"role": "system", "content": system}, {"role": "user", "content": prompt}],
        max_tokens=max_tokens,
        settings=settings,
        price=price,
        agent=agent,
    )
    return await complete(req)
