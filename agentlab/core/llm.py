"""The one LLM seam: the only module that imports litellm.

Every model call - a real provider, local Ollama, an OpenAI-compatible server, or the offline lab
models - goes through :func:`complete`. litellm is imported lazily (it costs seconds) with its
offline switches set first, and the lab models are registered as a litellm custom provider, so the
runtime has exactly one code path.

Calls are streamed only when someone watches the tokens (``on_delta`` given): litellm's streamed
path costs several milliseconds per call even on an instant model.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import warnings
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from agentlab.core import labmodels, tokens
from agentlab.core.labmodels import counted_as
from agentlab.core.labmodels import is_lab as is_lab  # the runtime asks the seam
from agentlab.errors import ModelError

OnDelta = Callable[[str], None]


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
    num_retries: int = 2
    timeout_s: float = 120.0
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
    model: str = ""
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
    litellm.drop_params = True  # a provider that lacks a parameter should not fail the call
    litellm.custom_provider_map = [{"provider": "lab", "custom_handler": _lab_provider(litellm)}]
    return litellm


def preload(
    count_as: tuple[str, ...] = (labmodels.DEFAULT_PRICE_AS,), *, real_models: bool = False
) -> None:
    """Pay the start-up costs now, e.g. in a thread while a UI keeps drawing: load the
    tokenizers of ``count_as`` models and, when real models will be called, import litellm
    (seconds) and make one instant call through it (its first call sets up lazily for ~0.4 s).
    Lab models never touch litellm, so a lab-only run skips all of that. Cheap when repeated."""
    for model in count_as:
        tokens.count_text("warm up", model)
    if not real_models or _preloaded:
        return
    litellm = _litellm()
    # Sync on purpose: this may run in a helper thread, and litellm's logging worker binds to
    # the event loop of its first async call. With a tool, because litellm imports its MCP
    # support (~0.5 s) on the first call that passes tools=.
    warm_tool = {"type": "function", "function": {"name": "noop", "parameters": {"type": "object"}}}
    litellm.completion(
        model="lab/auto", messages=[{"role": "user", "content": "hi"}], tools=[warm_tool]
    )
    _preloaded.append(True)


_preloaded: list[bool] = []


@lru_cache(maxsize=1)
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


@lru_cache(maxsize=256)
def map_price(model: str) -> tuple[float, float] | None:
    """USD per (input, output) token in litellm's bundled price map; None when it has none.

    litellm answers 0 for models it does not price (and lists local providers such as Ollama at
    0): that is "unknown" here, never free. Only :mod:`agentlab.core.prices` should ask: it
    puts the scenario's and the user's prices first."""
    if is_lab(model):  # never in the map; and asking would import litellm for nothing
        return None
    cost_map = _bundled_cost_map() or _litellm().model_cost
    info = None
    for name in (model, model.split("/", 1)[-1]):
        info = cost_map.get(name)
        if info and info.get("input_cost_per_token") is not None:
            break
        info = None
    if info is None:
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
    "BadRequestError": "bad_request",
    "NotFoundError": "not_found",
    "ContextWindowExceededError": "context_window",
    "ServiceUnavailableError": "unavailable",
    "InternalServerError": "server",
}


def _model_error(exc: Exception) -> ModelError:
    # litellm wraps errors raised mid-stream; the original says what really happened.
    while getattr(exc, "original_exception", None) is not None:
        exc = exc.original_exception  # type: ignore[attr-defined]
    kind = _ERROR_KINDS.get(type(exc).__name__, "model")
    text = " ".join(str(exc).split())
    # litellm repeats the class name ("litellm.RateLimitError: ..."); we name it once.
    prefix = f"litellm.{type(exc).__name__}: "
    if text.startswith(prefix):
        text = text[len(prefix) :]
    if len(text) > 300:
        text = text[:297] + "..."
    return ModelError(f"{type(exc).__name__}: {text}", kind=kind)


# --- the call ---------------------------------------------------------------------------------


#: Send lab models through litellm's custom-provider route instead of answering them in the
#: seam (the parity test runs both; nothing else needs it).
LAB_VIA_LITELLM = os.environ.get("AGENTLAB_LAB_VIA_LITELLM") == "1"


async def complete(req: LlmRequest, on_delta: OnDelta | None = None) -> LlmResponse:
    """Make one chat completion. Streams (calling ``on_delta`` with text) when given a callback.

    Lab models are answered here, without litellm (importing it costs seconds and each call
    through it ~2 ms): same request and response types, same token counts and cost."""
    if is_lab(req.model) and not LAB_VIA_LITELLM:
        resp = await _lab_complete(req, on_delta)
    else:
        resp = await _litellm_complete(req, on_delta)
    count_model = counted_as(req.model, req.price_as)
    if not resp.input_tokens:
        resp.input_tokens = tokens.count_messages(req.messages, count_model, req.tools or None)
    if not resp.output_tokens:
        resp.output_tokens = tokens.count_completion(resp.content, resp.tool_calls, count_model)
    price = req.price or map_price(count_model)
    if price is not None:
        resp.cost_usd = resp.input_tokens * price[0] + resp.output_tokens * price[1]
    resp.model = req.model
    return resp


async def _litellm_complete(req: LlmRequest, on_delta: OnDelta | None) -> LlmResponse:
    litellm = _litellm()
    kwargs: dict[str, Any] = {
        "model": req.model,
        "messages": req.messages,
        "timeout": req.timeout_s,
    }
    if req.tools:
        kwargs["tools"] = req.tools
    if req.max_tokens is not None:
        kwargs["max_tokens"] = req.max_tokens
    quirk = quirks(req.model)
    if req.api_base:
        kwargs["api_base"] = req.api_base
        if quirk.dummy_key_unless and not os.environ.get(quirk.dummy_key_unless):
            kwargs["api_key"] = "no-key"
    if quirk.extra_body:
        kwargs["extra_body"] = {quirk.extra_body: _lab_settings(req)}
    if quirk.retries:
        kwargs["num_retries"] = req.num_retries
    try:
        if on_delta is None:
            raw = await litellm.acompletion(**kwargs)
            resp = _from_response(raw)
        else:
            stream = await litellm.acompletion(
                stream=True, stream_options={"include_usage": True}, **kwargs
            )
            resp = await _from_stream(stream, on_delta, req)
    except ModelError:
        raise
    except Exception as exc:
        raise _model_error(exc) from None
    return resp


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


async def _from_stream(stream: Any, on_delta: OnDelta, req: LlmRequest) -> LlmResponse:
    resp = LlmResponse()
    parts: list[str] = []
    calls: dict[int, dict[str, Any]] = {}
    count_model = counted_as(req.model, req.price_as)
    streamed_tokens = 0
    async for chunk in stream:
        usage = getattr(chunk, "usage", None)
        if usage is not None and getattr(usage, "prompt_tokens", None):
            resp.input_tokens = int(usage.prompt_tokens or 0)
            resp.output_tokens = int(usage.completion_tokens or 0)
        if not chunk.choices:
            continue
        choice = chunk.choices[0]
        delta = choice.delta
        if delta is not None and delta.content:
            parts.append(delta.content)
            on_delta(delta.content)
            if req.max_tokens is not None:
                streamed_tokens += tokens.count_text(delta.content, count_model)
                if streamed_tokens >= req.max_tokens:  # never stream past the reservation
                    resp.finish_reason = "length"
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
    if resp.finish_reason == "length":
        # The stream was cut: usage from the provider (if any) would describe more than we took.
        resp.output_tokens = tokens.count_completion(resp.content, resp.tool_calls, count_model)
    return resp


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
