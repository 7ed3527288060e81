"""Secrets masked by value: whatever holds a key, the key itself never leaves the process.

Redacting by key name (``api_key = ...``) misses a key inside a URL (``--api-base
http://host/v1?api-key=sk-...``), in a header a provider echoes back in a 401, or in an error
message. So this module masks *values*:

- every value of a credential variable in the environment (``*_API_KEY``, ``*_TOKEN``,
  ``*_SECRET``, ``*_SECRET_KEY``, ``*_PASSWORD``, AWS's secret and session keys, ...), wherever it
  appears in a string;
- a credential-looking query parameter (``?api-key=...``, ``&token=...``, ``key=``, ``sig=``...)
  or URL user info (``https://user:pass@host``);
- a credential-looking header echoed in text (``Authorization: Bearer ...``, ``x-api-key: ...``)
  and a bare ``Bearer <token>``;
- a token with a well-known key prefix (``sk-...``, ``sk-ant-...``, ``ghp_...``, ``AKIA...``).

:func:`mask` is applied where a string can be stored, exported or printed: model error messages
(in the LLM seam), the session's recorded config, and every error line the CLI prints. It is
cheap on text with nothing to mask (one regex search and one substring test per known secret).
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from typing import Any

MASK = "[masked]"

#: Environment variable names whose values are credentials.
_SECRET_VAR = re.compile(
    r"(_API_KEY|_APIKEY|_KEY|_TOKEN|_SECRET|_SECRET_KEY|_ACCESS_KEY|_PASSWORD|_PASS|_PAT)$"
    r"|^(API_KEY|TOKEN|SECRET|PASSWORD|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN)$",
    re.IGNORECASE,
)
#: Variables that match the pattern above but never hold a secret.
_NOT_SECRET = {"SSH_AUTH_SOCK", "GPG_AGENT_INFO", "AWS_ACCESS_KEY_ID_NONE"}
#: Shorter values are not masked (they would blank common words: "true", "1", "local").
MIN_SECRET_LEN = 8

_QUERY = re.compile(
    r"(?i)([?&;](?:api[-_]?key|apikey|key|token|access[-_]?token|auth|secret|password|passwd|pwd"
    r"|sig|signature|x-api-key|client[-_]secret)=)[^&#\s\"']+"
)
_USERINFO = re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://)[^/\s:@\"']+:[^/\s@\"']+@")
_HEADER = re.compile(
    r"(?i)((?<![?&;])\b(?:authorization|proxy-authorization|x-api-key|api-key|x-goog-api-key"
    r"|openai-api-key|anthropic-api-key)[\"']?\s*[:=]\s*[\"']?)(?:(?:bearer|basic|token)\s+)?"
    r"[^\s,;&\"'}]+"
)
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}")
_PREFIXED = re.compile(
    r"\b(?:sk-(?:ant-|proj-)?[A-Za-z0-9_-]{8,}|gh[pousr]_[A-Za-z0-9]{16,}"
    r"|xox[abprs]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16}|AIza[0-9A-Za-z_-]{30,}|hf_[A-Za-z0-9]{20,})"
)


def is_secret_var(name: str) -> bool:
    """True if the environment variable ``name`` holds a credential."""
    return name.upper() not in _NOT_SECRET and bool(_SECRET_VAR.search(name))


def env_secrets(env: dict[str, str] | None = None) -> tuple[str, ...]:
    """The values of the credential variables in ``env`` (default: this process's), longest
    first so a key that contains another is masked whole. Cached on the environment's
    contents (a few microseconds to check), so a variable set later is still masked."""
    if env is not None:
        return _env_secrets(tuple(env.items()))
    data = getattr(os.environ, "_data", None)  # CPython: the raw dict behind os.environ
    if isinstance(data, dict):
        return _env_secrets_raw(tuple(data.items()))
    return _env_secrets(tuple(os.environ.items()))


@lru_cache(maxsize=8)
def _env_secrets_raw(items: tuple[tuple[bytes, bytes], ...]) -> tuple[str, ...]:
    return _env_secrets(tuple((os.fsdecode(k), os.fsdecode(v)) for k, v in items))


@lru_cache(maxsize=8)
def _env_secrets(items: tuple[tuple[str, str], ...]) -> tuple[str, ...]:
    values = {v.strip() for k, v in items if is_secret_var(k) and len(v.strip()) >= MIN_SECRET_LEN}
    return tuple(sorted(values, key=len, reverse=True))


#: Cheap first look (substring tests, lower case): text with none of these has nothing for the
#: patterns below, which cost far more to run.
_TRIGGERS = (
    "=", "://", "authorization", "api-key", "api_key", "bearer", "basic ", "sk-",
    "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "xox", "akia", "aiza", "hf_",
)  # fmt: skip


def mask(text: str, extra: tuple[str, ...] = ()) -> str:
    """``text`` with every secret in it replaced by ``[masked]``. ``extra``: more values to mask
    (e.g. a key read from a models file). A few microseconds on text with nothing to mask."""
    if not text:
        return text
    for value in (*extra, *env_secrets()):
        if value and value in text:
            text = text.replace(value, MASK)
    lower = text.lower()
    if not any(t in lower for t in _TRIGGERS):
        return text
    text = _QUERY.sub(rf"\1{MASK}", text)
    text = _USERINFO.sub(rf"\1{MASK}@", text)
    text = _HEADER.sub(rf"\1{MASK}", text)
    text = _BEARER.sub(rf"\1 {MASK}", text)
    return _PREFIXED.sub(MASK, text)


def mask_value(value: Any) -> Any:
    """A copy of a JSON-like value with :func:`mask` applied to every string in it."""
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        return {k: mask_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask_value(v) for v in value]
    return value
