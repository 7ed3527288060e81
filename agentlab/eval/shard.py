"""``--shard I/N``: a stable slice of the cases, so a CI matrix can spread a suite over N
machines. Cases are sorted by id and dealt round-robin: every case is in exactly one shard,
the same one on every machine, and the shards differ in size by one at most."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TypeVar

from agentlab.errors import UsageError

T = TypeVar("T")


def parse_shard(value: str) -> tuple[int, int]:
    """``"2/3"`` -> (2, 3); anything else is one line naming the option."""
    m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", value)
    if not m:
        raise UsageError(f"--shard: expected I/N (e.g. 1/2), got {value!r}")
    i, n = int(m.group(1)), int(m.group(2))
    if n < 1 or not 1 <= i <= n:
        raise UsageError(f"--shard: expected 1 <= I <= N, got {value!r}")
    return i, n


def shard(items: Sequence[T], ids: Sequence[str], i: int, n: int) -> list[T]:
    """The items of shard ``i`` of ``n`` (1-based), keyed by their ids."""
    order = sorted(range(len(items)), key=lambda k: ids[k])
    return [items[k] for pos, k in enumerate(order) if pos % n == i - 1]
