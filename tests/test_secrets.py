"""Secrets masked by value: whatever text a key hides in, it comes out as [masked]."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from agentlab.core import secrets
from agentlab.core.tools import BUILTIN_TOOLS, ToolContext, call_tool


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("key is sk-env-0123456789abcdef here", "key is [masked] here"),
        ("http://h:1/v1?api-key=abc123&x=1", "http://h:1/v1?api-key=[masked]&x=1"),
        ("https://h/v1?foo=1&token=abc", "https://h/v1?foo=1&token=[masked]"),
        ("https://user:pa55word@host/v1", "https://[masked]@host/v1"),
        ("Authorization: Bearer abcdefghijkl", "Authorization: [masked]"),
        ('{"x-api-key": "k-123456789"}', '{"x-api-key": "[masked]"}'),
        ("sent Bearer abcdefghijkl.mnop", "sent Bearer [masked]"),
        ("ghp_abcdefghijklmnopqrstuvwx and AKIAABCDEFGHIJKLMNOP", "[masked] and [masked]"),
        ("The tool said 42.", "The tool said 42."),
        ("a = b and c == d", "a = b and c == d"),
    ],
)
def test_mask(monkeypatch: pytest.MonkeyPatch, text: str, want: str) -> None:
    monkeypatch.setenv("MY_SERVICE_API_KEY", "sk-env-0123456789abcdef")
    assert secrets.mask(text) == want


def test_every_credential_variable_counts_and_short_values_do_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ACME_TOKEN", "tok-acme-42424242")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "aws/secret+value/9999")
    monkeypatch.setenv("TINY_TOKEN", "true")  # too short to mask: it would blank common words
    monkeypatch.setenv("PROJECT_HOME_DIR", "tok-acme-00000000")
    found = secrets.env_secrets()
    assert "tok-acme-42424242" in found and "aws/secret+value/9999" in found
    assert "true" not in found and "tok-acme-00000000" not in found
    assert secrets.mask("true, tok-acme-42424242") == "true, [masked]"


def test_a_key_set_after_the_first_call_is_still_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    assert secrets.mask("value-set-later-123") == "value-set-later-123"
    monkeypatch.setenv("LATER_API_KEY", "value-set-later-123")
    assert secrets.mask("value-set-later-123") == "[masked]"


def test_a_file_tool_never_hands_a_key_to_the_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-live-abcdefabcdef1234")
    (tmp_path / ".env").write_text("OPENAI_API_KEY=sk-live-abcdefabcdef1234\n")
    result = asyncio.run(
        call_tool(BUILTIN_TOOLS["read_file"], {"path": ".env"}, ToolContext(workspace=tmp_path))
    )
    assert result.content == "OPENAI_API_KEY=[masked]\n"
