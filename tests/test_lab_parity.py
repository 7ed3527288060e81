"""Lab models answered in the seam behave exactly like lab models through litellm.

The fast path (no litellm) is what every offline run, eval and re-run takes; litellm's custom
provider route is what it replaced. Every shipped scenario run both ways must give the same
events — same kinds, order, span structure, texts, tool calls, token counts and costs — apart
from ids and times.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agentlab.core import llm
from agentlab.core.context import RunOptions
from agentlab.core.events import AnyEvent, EventBus
from agentlab.core.session import run_session
from agentlab.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))
TIMES = {"id", "ts", "mono", "session_id"}


def _normalise(events: list[AnyEvent]) -> dict[str, list[dict[str, Any]]]:
    """Each span's events (times and ids dropped) under a key that names the span by where it
    is in the tree (its parent's key, its kind, agent, tool call id or its place among such
    siblings), so concurrent workers and tool calls may interleave in either order. Budget
    snapshots depend on that interleaving; the session's totals at the end do not."""
    keys: dict[str, str] = {"": ""}
    seen: dict[str, int] = {}
    spans: dict[str, list[dict[str, Any]]] = {}
    for e in events:
        d = {k: v for k, v in e.to_dict().items() if k not in TIMES | {"span_id", "parent_id"}}
        if e.opens is not None:
            parent = keys.get(getattr(e, "parent_id", "") or "", "?")
            tag = f"{e.opens}:{getattr(e, 'agent', '')}:{getattr(e, 'call_id', '')}"
            n = seen[f"{parent}/{tag}"] = seen.get(f"{parent}/{tag}", -1) + 1
            keys[e.span_id] = f"{parent}/{tag}#{n}"
        if d["kind"] in ("budget_update", "limit_warning"):
            continue
        if d["kind"] == "session_ended":
            d["usage"].get("limits", {}).pop("wall_time_s", None)
        spans.setdefault(keys.get(e.span_id, "?"), []).append(d)
    return spans


async def _run(path: Path, via_litellm: bool, stream: bool, monkeypatch: Any) -> list[AnyEvent]:
    monkeypatch.setattr(llm, "LAB_VIA_LITELLM", via_litellm)
    events: list[AnyEvent] = []
    bus = EventBus()
    bus.subscribe(events.append)
    await run_session(load_scenario(path), bus=bus, options=RunOptions(stream=stream))
    return events


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
async def test_lab_models_answer_the_same_in_the_seam_and_through_litellm(
    path: Path, stream: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = _normalise(await _run(path, False, stream, monkeypatch))
    slow = _normalise(await _run(path, True, stream, monkeypatch))
    assert sorted(fast) == sorted(slow)
    for key in fast:
        assert fast[key] == slow[key], key
    assert any(e["kind"] == "llm_call_ended" for span in fast.values() for e in span)
