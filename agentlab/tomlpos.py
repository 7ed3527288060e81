"""Where a key is in a TOML file: tomllib gives values, not positions, so errors could not say
``file:line``. This maps dotted key paths (``agents[0].script[1].tool``) to line numbers."""

from __future__ import annotations

import re

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEYLINE = re.compile(r"""^\s*("[^"]*"|'[^']*'|[A-Za-z0-9_-]+)\s*=""")


def key_lines(text: str) -> dict[str, int]:
    """Map dotted key paths (``agents[0].script[1].tool``) to 1-based line numbers."""
    lines: dict[str, int] = {}
    counters: dict[str, int] = {}
    table = ""
    in_multiline: str | None = None
    for no, raw in enumerate(text.splitlines(), start=1):
        if in_multiline:
            if raw.count(in_multiline) % 2 == 1:
                in_multiline = None
            continue
        m = _HEADER.match(raw)
        if m:
            bracket, dotted = m.group(1), m.group(2)
            parts = [p.strip().strip('"') for p in dotted.split(".")]
            # Resolve parents of arrays-of-tables to their current element.
            path = ""
            for k, part in enumerate(parts):
                path = f"{path}.{part}" if path else part
                last = k == len(parts) - 1
                if last and bracket == "[[":
                    counters[path] = counters.get(path, -1) + 1
                    path = f"{path}[{counters[path]}]"
                elif not last and path in counters:
                    path = f"{path}[{counters[path]}]"
            table = path
            lines.setdefault(table, no)
            continue
        km = _KEYLINE.match(raw)
        if km:
            key = km.group(1).strip("\"'")
            full = f"{table}.{key}" if table else key
            lines.setdefault(full, no)
            for quote in ('"""', "'''"):
                if raw.count(quote) % 2 == 1:
                    in_multiline = quote
    return lines


def key_line(text: str, key: str) -> int | None:
    """The line of ``key``, or of its nearest parent that appears in the file."""
    lines = key_lines(text)
    probe = key
    while probe:
        if probe in lines:
            return lines[probe]
        cut = max(probe.rfind("."), probe.rfind("["))
        probe = probe[:cut] if cut > 0 else ""
    return None
