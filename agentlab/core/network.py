"""The one way a tool reaches the network: ``http_get``'s fetch, confined to allowed hosts.

Off unless the scenario allowlists hosts (``hosts = ["docs.example.com"]``). A URL whose host
is not on the list is refused before any connection is made, a redirect to another host is
refused too, proxies from the environment are not used (an allowed ``127.0.0.1`` means this
machine), and a response is read up to :data:`MAX_BYTES` within :data:`TIMEOUT_S`.
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from typing import Any

MAX_BYTES = 200_000
TIMEOUT_S = 10.0


class NetworkRefused(Exception):
    """A URL the scenario does not allow (the message says why, in one line)."""


def refusal(hosts: Sequence[str], url: str) -> str:
    """Why ``url`` may not be fetched under the allowlist ``hosts`` (one line), or ""."""
    if not hosts:
        return "no network: the scenario allows no hosts (hosts = [...])"
    try:
        parts = urllib.parse.urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError as exc:
        return f"not a valid URL: {exc}"
    if parts.scheme not in ("http", "https"):
        return f"only http and https URLs, not {parts.scheme or 'no scheme'!r}"
    if not host:
        return "the URL has no host"
    if host not in {h.lower() for h in hosts}:
        return f"host {host!r} is not on the scenario's allowlist ({', '.join(hosts)})"
    return ""


class _SameRules(urllib.request.HTTPRedirectHandler):
    def __init__(self, hosts: Sequence[str]) -> None:
        self.hosts = hosts

    def redirect_request(
        self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str
    ) -> Any:
        problem = refusal(self.hosts, newurl)
        if problem:
            raise NetworkRefused(f"redirected to {newurl}: {problem}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def fetch(hosts: Sequence[str], url: str) -> str:
    """GET ``url`` (its host allowed) and return the body as text, with the status first when
    it is not 200. Raises NetworkRefused, or OSError for a failure on the way."""
    problem = refusal(hosts, url)
    if problem:
        raise NetworkRefused(problem)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _SameRules(hosts))
    request = urllib.request.Request(url, headers={"User-Agent": "agentlab-http_get"})
    try:
        with opener.open(request, timeout=TIMEOUT_S) as resp:
            status, charset = resp.status, resp.headers.get_content_charset() or "utf-8"
            body = resp.read(MAX_BYTES + 1)
    except urllib.error.HTTPError as exc:
        status, charset = exc.code, "utf-8"
        body = exc.read(MAX_BYTES + 1)
    text = body[:MAX_BYTES].decode(charset, errors="replace")
    if len(body) > MAX_BYTES:
        text += f"\n... [cut at {MAX_BYTES:,} bytes]"
    return text if status == 200 else f"HTTP {status}\n{text}"
