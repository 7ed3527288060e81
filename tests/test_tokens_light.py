"""The start-up token counter (tokens._LightBPE) counts exactly what tiktoken counts."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import tiktoken

from agentlab.core import tokens

ROOT = Path(__file__).resolve().parent.parent


def _corpus() -> list[str]:
    texts: list[str] = []
    for path in [*sorted(ROOT.glob("scenarios/*.toml")), ROOT / "README.md"]:
        body = path.read_text()
        texts += [body[i : i + 300] for i in range(0, len(body), 257)]
    rnd = random.Random(9)
    alphabet = (
        "abcXYZ 0123 \n\t\r.,;:'\"!?-_/\\éñü´`’ 's 're 'VE 'll 😀日本語中文한국어عربية"
        "\u200b\u00a0\u0301  "
    )
    for _ in range(1500):
        texts.append("".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 60))))
    texts += [
        "",
        " ",
        "  \n\n  x",
        "I'M HERE'S",
        "<|endoftext|> special tokens are text here",
        '{"expression": "41 + 1"}',
        "x" * 1500,
        "ab" * 700,
        "1234567890" * 50,
    ]
    return texts


@pytest.mark.parametrize("name", ["o200k_base", "cl100k_base"])
def test_light_counts_equal_tiktoken(name: str) -> None:
    tokens._encoding(name)  # writes the ranks cache the light counter reads
    tokens._cached_ranks.cache_clear()
    tokens._light.cache_clear()
    light = tokens._light(name)
    assert light is not None
    enc = tiktoken.get_encoding(name)
    wrong = [
        (t[:60], len(enc.encode(t, disallowed_special=())), light.count(t))
        for t in _corpus()
        if light.count(t) != len(enc.encode(t, disallowed_special=()))
    ]
    assert wrong == []


def test_count_text_uses_light_counter_until_the_encoder_is_built(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    name = tokens.encoding_name_for("gpt-4o-mini")
    tokens._encoding(name)  # the ranks cache is there
    monkeypatch.setattr(tokens, "_BUILT", set())
    tokens._cached_ranks.cache_clear()
    tokens._light.cache_clear()
    tokens._count.cache_clear()
    light = tokens._light(name)
    assert light is not None
    enc = tiktoken.get_encoding(name)

    def real(text: str) -> int:
        return len(enc.encode(text, disallowed_special=()))

    before = light.counted
    short = "a short text, counted lightly"
    assert tokens.count_text(short) == real(short)
    assert light.counted > before
    # A long text is the real encoder's (and from then on, everything is).
    long_text = "word " * 1000
    assert tokens.count_text(long_text) == real(long_text)
    assert name in tokens._BUILT
    counted = light.counted
    assert tokens.count_text("another short text") == real("another short text")
    assert light.counted == counted
