"""A recorded session as an eval case (``agentlab sessions to-eval ID``): its final output, its
tool trajectory and its spend become expectations to edit, so a good run becomes a regression
test in one step. Pure: session row and events in, the text of an ``*.eval.toml`` file out."""

from __future__ import annotations

import json
import math
import re
from typing import Any

from agentlab.core.events import AnyEvent
from agentlab.core.tally import tally_events
from agentlab.eval.assess import tool_runs

#: Spend expectations get this much headroom over the recorded run (a rerun of the same run
#: spends the same; a changed prompt may spend a little more before it is a regression).
HEADROOM = 1.2
#: How many lines of the final output become ``contains`` expectations.
OUTPUT_LINES = 3


def _value(v: Any) -> str:
    """A TOML value (JSON strings are valid TOML basic strings)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        inner = ", ".join(f"{json.dumps(str(k))} = {_value(x)}" for k, x in v.items())
        return "{ " + inner + " }" if inner else "{}"
    return json.dumps(str(v))


def _exact(v: Any) -> Any:
    """An argument expectation that matches exactly this value (strings are regexes)."""
    if isinstance(v, str):
        return "^" + re.escape(v) + "$"
    return v


def case_toml(
    session: dict[str, Any], events: list[AnyEvent], scenario_ref: str, *, name: str = ""
) -> str:
    """The eval file for one recorded session. ``scenario_ref`` is the scenario file as the eval
    file will name it (relative to where the file is written)."""
    sid = str(session.get("id") or session.get("session_id") or "")
    totals = tally_events(events).totals()
    runs = [r for r in tool_runs(events) if r.ran]
    output = str(session.get("final_output") or "")
    lines = [ln.strip() for ln in output.splitlines() if ln.strip()]
    picked = [ln[:120] for ln in lines[:OUTPUT_LINES]]
    out = [
        f"# Made by `agentlab sessions to-eval {sid}` from a {session.get('status')} run of "
        f"{session.get('scenario')}.",
        "# Edit the expectations: keep what must stay true, loosen what may change.",
        f"scenario = {_value(scenario_ref)}",
        "",
        "[[case]]",
        f"name = {_value(name or 'session-' + sid)}",
        f"task = {_value(str(session.get('task') or ''))}",
        f"recording = {_value(sid)}  # what --from-recordings replays",
        "",
        "[case.expect]",
        f"status = {_value(str(session.get('status') or 'completed'))}",
    ]
    stop = str(session.get("stop_reason") or "")
    if stop and stop != "completed":
        out.append(f"stop_reason = {_value(stop)}")
    if picked:
        out.append(f"contains = {_value(picked)}")
    if runs:
        out.append(f"order = {_value([r.tool for r in runs])}")
    out.append(f"max_steps = {int(totals['steps'])}")
    out.append(f"max_tool_calls = {int(totals['tool_calls'])}")
    out.append(f"max_tokens = {math.ceil(totals['total_tokens'] * HEADROOM)}")
    cost = float(totals["cost_usd"])
    if cost > 0:
        out.append(f"max_cost_usd = {float(f'{cost * HEADROOM:.3g}')!r}")
    seen: set[str] = set()
    for r in runs:
        key = json.dumps([r.agent, r.tool, r.arguments], sort_keys=True, default=str)
        if key in seen:
            continue
        seen.add(key)
        out += [
            "",
            "[[case.expect.calls]]",
            f"agent = {_value(r.agent)}",
            f"tool = {_value(r.tool)}",
        ]
        if r.arguments:
            out.append(f"args = {_value({k: _exact(v) for k, v in r.arguments.items()})}")
    return "\n".join(out) + "\n"
