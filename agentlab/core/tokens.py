"""Token counting with tiktoken, offline.

tiktoken downloads its BPE files on first use. litellm ships the common ones (cl100k_base,
o200k_base, p50k_base) inside its wheel; we point tiktoken's cache at that folder *without
importing litellm* (which costs seconds), so counting works with no network from the first call.
"""

from __future__ import annotations

import importlib.util
import json
import marshal
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

_BUNDLED = ("cl100k_base", "o200k_base", "p50k_base", "p50k_edit", "o200k_harmony")


def litellm_folder() -> Path | None:
    """Where litellm is installed, found without importing it (which costs seconds)."""
    spec = importlib.util.find_spec("litellm")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def bundled_encodings_dir() -> Path | None:
    """The folder of BPE files litellm ships, found without importing litellm."""
    root = litellm_folder()
    if root is None:
        return None
    folder = root / "litellm_core_utils" / "tokenizers"
    return folder if folder.is_dir() else None


def _configure_offline_cache() -> None:
    if os.environ.get("TIKTOKEN_CACHE_DIR") and os.environ.get("CUSTOM_TIKTOKEN_CACHE_DIR"):
        return
    folder = bundled_encodings_dir()
    if folder is None:
        return
    # litellm overwrites TIKTOKEN_CACHE_DIR on import unless CUSTOM_TIKTOKEN_CACHE_DIR is set.
    os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(folder))
    os.environ.setdefault("CUSTOM_TIKTOKEN_CACHE_DIR", os.environ["TIKTOKEN_CACHE_DIR"])


_configure_offline_cache()


@lru_cache(maxsize=16)
def encoding_name_for(model: str) -> str:
    """The tiktoken encoding for a model name, falling back to o200k_base (the modern default)
    for models tiktoken does not know (Claude, Ollama, lab models priced as them)."""
    import tiktoken

    name = model.split("/")[-1]
    try:
        enc = tiktoken.encoding_name_for_model(name)
    except KeyError:
        return "o200k_base"
    return enc if enc in _BUNDLED else "cl100k_base"


#: Encodings whose tiktoken encoder is built (from then on it counts everything).
_BUILT: set[str] = set()


def _encoding(name: str) -> Any:
    """The tokenizer ``name`` (built once); from then on it counts every text of ``name``."""
    _BUILT.add(name)
    return _encoder(name)


@lru_cache(maxsize=8)
def _encoder(name: str) -> Any:
    """The tokenizer ``name``. tiktoken reads its BPE file as ~200k lines of base64 (~0.6 s for
    o200k_base, most of a lab run's start-up); the decoded ranks are kept in a cache file
    (``marshal``, read in ~0.08 s) after the first load. Any problem with it: the plain load."""
    import tiktoken

    loaded = _cached_ranks(name)
    if loaded is not None:
        pat_str, ranks, special = loaded
        try:
            return tiktoken.Encoding(
                name=name, pat_str=pat_str, mergeable_ranks=ranks, special_tokens=special
            )
        except (ValueError, TypeError):
            pass
    enc = tiktoken.get_encoding(name)
    cache = _ranks_cache(name, tiktoken.__version__)
    if cache is not None:
        _write_ranks(cache, enc)
    return enc


@lru_cache(maxsize=8)
def _cached_ranks(name: str) -> tuple[str, dict[bytes, int], dict[str, int]] | None:
    """A tokenizer's (pattern, ranks, special tokens) from the cache file, or None."""
    import tiktoken

    cache = _ranks_cache(name, tiktoken.__version__)
    if cache is None:
        return None
    try:
        pat_str, ranks, special = marshal.loads(cache.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if not (isinstance(pat_str, str) and isinstance(ranks, dict) and isinstance(special, dict)):
        return None
    return pat_str, ranks, special


class _LightBPE:
    """tiktoken's counting, in Python, over the cached ranks: the same pieces (the encoding's
    own pattern, with the ``regex`` module tiktoken itself depends on) and the same byte-pair
    merges (lowest rank first, leftmost on a tie), so the same counts. It exists because
    building tiktoken's encoder (``CoreBPE`` from 200k ranks) takes ~0.25 s, holding the GIL: a
    short lab run counts a few dozen short texts and is done before that would pay off. Long
    texts, and any text after :data:`_LIGHT_BUDGET` characters, go to the real encoder."""

    def __init__(self, pat_str: str, ranks: dict[bytes, int]) -> None:
        import regex  # type: ignore[import-untyped]

        self._findall = regex.compile(pat_str).findall
        self._ranks = ranks
        self.counted = 0  # characters counted here so far

    def count(self, text: str) -> int:
        self.counted += len(text)
        ranks = self._ranks
        n = 0
        for piece in self._findall(text):
            data = piece.encode("utf-8")  # a lone surrogate raises: the caller falls back
            n += 1 if data in ranks else _merged_len(data, ranks)
        return n


def _merged_len(piece: bytes, ranks: dict[bytes, int]) -> int:
    """How many tokens byte-pair merging leaves of ``piece`` (tiktoken's ``_byte_pair_merge``)."""
    parts = [piece[i : i + 1] for i in range(len(piece))]
    while len(parts) > 1:
        best = -1
        best_rank = 0
        for i in range(len(parts) - 1):
            rank = ranks.get(parts[i] + parts[i + 1])
            if rank is not None and (best < 0 or rank < best_rank):
                best, best_rank = i, rank
        if best < 0:
            break
        parts[best : best + 2] = [parts[best] + parts[best + 1]]
    return len(parts)


#: Texts longer than this (characters) are counted by tiktoken's encoder, not :class:`_LightBPE`.
_LIGHT_MAX_TEXT = 2000
#: Characters :class:`_LightBPE` counts in a process before the real encoder takes over (a
#: long run pays the encoder's build once and then counts at native speed).
_LIGHT_BUDGET = 20_000


@lru_cache(maxsize=8)
def _light(name: str) -> _LightBPE | None:
    loaded = _cached_ranks(name)
    if loaded is None:
        return None
    try:
        return _LightBPE(loaded[0], loaded[1])
    except Exception:  # a pattern the regex module refuses: the real encoder counts
        return None


def cache_dir() -> Path | None:
    """agentlab's cache folder: ``$AGENTLAB_CACHE_DIR``, else ``$XDG_CACHE_HOME/agentlab``, else
    ``~/.cache/agentlab`` (``AGENTLAB_CACHE_DIR=""``: no cache)."""
    root = os.environ.get("AGENTLAB_CACHE_DIR")
    if root == "":
        return None
    if root is None:
        xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        root = str(Path(xdg) / "agentlab")
    return Path(root).expanduser()


def _ranks_cache(name: str, version: str) -> Path | None:
    """Where a tokenizer's decoded ranks are cached (in :func:`cache_dir`)."""
    root = cache_dir()
    if root is None:
        return None
    safe = "".join(c for c in f"{name}-{version}" if c.isalnum() or c in "._-")
    return root / "tiktoken" / f"{safe}.marshal"


def write_cache_file(cache: Path, data: bytes) -> None:
    """Write a cache file atomically (a reader never sees half of it); best effort."""
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, cache)
    except OSError:
        pass


def _write_ranks(cache: Path, enc: Any) -> None:
    try:
        data = marshal.dumps((enc._pat_str, enc._mergeable_ranks, enc._special_tokens))
    except (AttributeError, ValueError):
        return
    write_cache_file(cache, data)


def count_text(text: str, model: str = "gpt-4o-mini") -> int:
    if not text:
        return 0
    return _count(text, encoding_name_for(model))


@lru_cache(maxsize=8192)
def _count(text: str, encoding: str) -> int:
    # Conversations grow by appending: every earlier message is counted again on each call
    # (by the gateway and by the lab provider), so remembering counts makes that near free.
    if encoding not in _BUILT and len(text) <= _LIGHT_MAX_TEXT:
        light = _light(encoding)
        if light is not None and light.counted < _LIGHT_BUDGET:
            try:
                return light.count(text)
            except UnicodeEncodeError:
                pass
    return len(_encoding(encoding).encode(text, disallowed_special=()))


def truncate_text(text: str, max_tokens: int, model: str = "gpt-4o-mini") -> str:
    enc = _encoding(encoding_name_for(model))
    ids = enc.encode(text, disallowed_special=())
    return text if len(ids) <= max_tokens else enc.decode(ids[: max(0, max_tokens)])


def count_messages(
    messages: list[dict[str, Any]],
    model: str = "gpt-4o-mini",
    tools: list[dict[str, Any]] | None = None,
) -> int:
    """Prompt tokens of a chat request, following OpenAI's published accounting: 3 tokens of
    framing per message, 1 more for a name, 3 to prime the reply; tool schemas and tool calls
    are counted as their JSON text."""
    total = 3 + sum(count_message(m, model) for m in messages)
    if tools:
        total += count_tools(tools, model)
    return total


def count_message(msg: dict[str, Any], model: str) -> int:
    """One message's share of :func:`count_messages`."""
    total = 3
    for key, value in msg.items():
        if value is None:
            continue
        if key == "tool_calls":
            for call in value:
                fn = call.get("function", {})
                total += count_text(fn.get("name", ""), model)
                total += count_text(fn.get("arguments", ""), model) + 3
        elif key == "content" and isinstance(value, list):  # multi-part content
            total += sum(count_text(p.get("text", ""), model) for p in value)
        elif isinstance(value, str):
            total += count_text(value, model)
            if key == "name":
                total += 1
    return total


def count_tools(tools: list[dict[str, Any]], model: str) -> int:
    return count_text(json.dumps(tools, separators=(",", ":")), model)


class ConversationCounter:
    """:func:`count_messages` for one agent's growing conversation, counting only what is new.

    Conversations grow by appending (sent messages are never edited in place), so when the
    messages counted last time are the same (or equal) at the start of this request, their
    counts are reused: a step costs what it adds, not the whole conversation again."""

    def __init__(self) -> None:
        self._model = ""
        self._seen: list[dict[str, Any]] = []
        self._counts: list[int] = []
        self._total = 0  # sum of _counts
        self._tools: tuple[int, int] = (0, 0)  # (id of the tools list, its count)

    def count(
        self, messages: list[dict[str, Any]], model: str, tools: list[dict[str, Any]] | None
    ) -> int:
        n = len(self._seen) if model == self._model else 0
        # One C-level comparison (identity first, then value): equal messages count the same,
        # so the earlier counts stand. No Python loop over the conversation on every call.
        if n > len(messages) or messages[:n] != self._seen:
            n = 0
        if n == len(self._counts):
            self._counts.extend(count_message(m, model) for m in messages[n:])
            self._total += sum(self._counts[n:])
        else:
            self._counts = [count_message(m, model) for m in messages]
            self._total = sum(self._counts)
        self._model, self._seen = model, list(messages)
        total = 3 + self._total
        if tools:
            if self._tools[0] != id(tools):
                self._tools = (id(tools), count_tools(tools, model))
            total += self._tools[1]
        return total


def count_completion(content: str, tool_calls: list[dict[str, Any]] | None, model: str) -> int:
    """Output tokens of an assistant reply: its text plus each tool call's name and arguments."""
    total = count_text(content or "", model)
    for call in tool_calls or []:
        fn = call.get("function", call)
        args = fn.get("arguments", "")
        if not isinstance(args, str):
            args = json.dumps(args)
        total += count_text(fn.get("name", ""), model) + count_text(args, model) + 3
    return total
