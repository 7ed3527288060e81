"""How each event reads as text: the one renderer the CLI transcript and the TUI share.

Pure (Rich ``Text`` only, no widgets, no state): the live run, the replay and the terminal
printer feed events through the same functions, so they always agree.
"""

from __future__ import annotations

import json
from typing import Any, assert_never

from rich.text import Text

from agentlab.core.events import (
    AgentEnded,
    AgentStarted,
    AnyEvent,
    ApprovalDecided,
    ApprovalRequested,
    BudgetUpdate,
    CheckEnded,
    CheckStarted,
    Handoff,
    LimitExceeded,
    LimitWarning,
    LlmCallEnded,
    LlmCallStarted,
    LlmDelta,
    LlmRetry,
    LoopDetected,
    Notice,
    SessionEnded,
    SessionStarted,
    ToolCallEnded,
    ToolCallStarted,
)

STATUS_STYLE = {
    "running": "cyan",
    "completed": "green",
    "stopped": "yellow",
    "error": "red",
    "interrupted": "magenta",
}
#: How a check's verdict reads: a plain allow is green, a flag or change yellow, a refusal red.
VERDICT_STYLE = {
    "allow": "green",
    "flag": "yellow",
    "modify": "yellow",
    "ask": "yellow",
    "block": "red",
    "stop": "bold red",
}
CHECK_MARK = "◈"  # a check's span, in the transcript and the span trees
RESULT_LINES = 8  # a tool result longer than this is cut in the transcript


def fmt_cost(value: float | None) -> str:
    if value is None:
        return "unpriced"
    if value == 0:
        return "$0"
    return f"${value:.6f}" if value < 0.01 else f"${value:.4f}"


def fmt_costs(values: list[float | None]) -> list[str]:
    """Costs that share a column, all at one precision: six decimals if any is under a cent
    (so it does not read as $0.00), else four."""
    small = any(v is not None and 0 < v < 0.01 for v in values)
    digits = 6 if small else 4
    return ["unpriced" if v is None else "$0" if v == 0 else f"${v:.{digits}f}" for v in values]


def fmt_value(kind: str, value: float) -> str:
    if kind == "cost_usd":
        return fmt_cost(value)
    if kind == "wall_time_s":
        return f"{value:.1f}s"
    return f"{int(value):,}"


def clip(text: str, n: int = 200) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def fmt_args(args: dict[str, Any]) -> str:
    return ", ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in args.items())


def status_style(status: str) -> str:
    return STATUS_STYLE.get(status, "")


#: How long an approval lasts, as the transcript says it.
REMEMBER_WORDS = {"once": "this call", "session": "for the session", "always": "always"}


def verdict_text(verdict: str, by: str = "check", reason: str = "", width: int = 200) -> Text:
    """``flag: repeated add(1,2) x3``, ``block by person: not today``: a check's verdict, who
    decided when it was not the check itself, and why (styled by the verdict)."""
    text = f"{verdict} by {by}" if by and by != "check" else verdict
    if reason:
        text += f": {clip(reason, width)}"
    return Text(text, style=VERDICT_STYLE.get(verdict, ""))


def checks_passed(checks: list[str]) -> str:
    """The checks that allowed a call, compactly (``✓ loop, pii``); empty if none ran."""
    return f"✓ {', '.join(checks)}" if checks else ""


def cost_text(cost: float | None, unpriced_calls: int = 0) -> str:
    """Cost with unpriced usage said out loud: never "$0" for calls that have no price."""
    if unpriced_calls and not cost:
        return "unpriced"
    return fmt_cost(cost) + (" +unpriced" if unpriced_calls else "")


def _cut(text: str, lines: int = RESULT_LINES, chars: int = 600) -> str:
    text = text.strip()
    cut = text.splitlines()[:lines]
    out = "\n".join(cut)
    if len(out) > chars:
        out = out[: chars - 1] + "…"
    elif len(cut) < len(text.splitlines()):
        out += "\n…"
    return out


# --- transcript -----------------------------------------------------------------------------


def transcript(e: AnyEvent, indent: str = "", who: str = "", in_check: bool = False) -> list[Text]:
    """Transcript lines for one event (none for events only the gauges or tree show).

    ``indent`` nests workers under their lead; ``who`` prefixes the agent name (multi-agent).
    ``in_check``: the event is on a check's span, which the consumer indents one level in.

    A check's verdict is told once: by its end line (``◈ check loop · flag: ...``), so what the
    loop check saw is not repeated; or, when a person or the scenario's policy decided, by the
    approval lines (``? ... needs approval``, ``✓ approved by person: ...``) as before checks
    had spans. Recordings from before then have no check spans and read as they did.
    """
    prefix = f"{who}: " if who else ""
    match e:
        case SessionStarted():
            out = [
                Text.assemble(("▶ ", "bold green"), (e.scenario, "bold"), f"  pattern {e.pattern}")
            ]
            if e.task:
                out.append(Text(f"task: {' '.join(e.task.split())}", style="dim"))
            return out
        case AgentStarted():
            role = "" if e.role in ("agent", e.agent) else f" [{e.role}]"
            return [Text(f"{indent}● {e.agent}{role} ({e.model})", style="bold magenta")]
        case LlmCallEnded():
            return _llm_lines(e, indent, prefix)
        case ToolCallStarted():
            return [
                Text.assemble(
                    indent + prefix,
                    ("⚙ ", "yellow"),
                    (e.tool, "bold yellow"),
                    f"({clip(fmt_args(e.arguments), 300)})",
                )
            ]
        case ToolCallEnded():
            body = _cut(e.result) or "(empty)"
            style = "red" if e.is_error else "green"
            return [
                Text(f"{indent}{prefix or '  '}{'↳' if i == 0 else ' '} {ln}", style=style)
                for i, ln in enumerate(body.splitlines())
            ]
        case CheckEnded():
            if e.by != "check":
                return []  # the approval lines on this span told the decision
            style = VERDICT_STYLE.get(e.verdict, "")
            line = Text.assemble(
                indent + prefix, (f"{CHECK_MARK} check ", style), (e.check, "bold")
            )
            line.append(" · ")
            line.append_text(verdict_text(e.verdict, e.by, e.reason))
            return [line]
        case ApprovalRequested():
            pad = "" if in_check else "  "  # a check's span is already one level in
            return [
                Text(f"{indent}{pad}? {e.tool} needs approval ({e.agent})", style="bold yellow")
            ]
        case ApprovalDecided():
            pad = "" if in_check else "  "
            word = "approved" if e.approved else "denied"
            verdict = f"{'✓' if e.approved else '✗'} {word} by {e.by}"
            if e.approved and e.remember != "once":
                verdict += " (remembered)" if e.remembered else f" ({REMEMBER_WORDS[e.remember]})"
            note = f": {e.note}" if e.note else ""
            if e.note.startswith(f"{word} "):  # "approved in the TUI": not "approved" twice
                note = e.note.removeprefix(word)
            style = "green" if e.approved else "red"
            out = [Text(f"{indent}{pad}{verdict}{note}", style=style)]
            if e.edited is not None:
                edited = clip(fmt_args(e.edited), 300)
                out.append(Text(f"{indent}{pad}  with edited arguments: {edited}", style=style))
            return out
        case AgentEnded():
            extra = f" ({e.stop_reason})" if e.stop_reason != "completed" else ""
            return [Text(f"{indent}◆ {e.agent} {e.status}{extra}", style=status_style(e.status))]
        case Handoff():
            reason = f": {e.reason}" if e.reason else ""
            return [
                Text(f"{indent}⇢ handoff {e.from_agent} → {e.to_agent}{reason}", style="bold cyan")
            ]
        case LimitWarning():
            return [
                Text(
                    f"{indent}⚠ {e.limit} at {e.fraction:.0%} of its cap "
                    f"({fmt_value(e.limit, e.value)} of {fmt_value(e.limit, e.cap)})",
                    style="yellow",
                )
            ]
        case LimitExceeded():
            if in_check:  # told by the limit check's end line
                return []
            by = f" by {e.agent}" if e.agent else ""
            return [
                Text(
                    f"{indent}■ cap reached{by}: {e.limit} {fmt_value(e.limit, e.value)} of "
                    f"{fmt_value(e.limit, e.cap)} ({e.scope})",
                    style="bold red",
                )
            ]
        case LlmRetry():
            then = (
                f"retrying in {e.wait_s:g} s"
                if e.action == "retry"
                else f"falling back to {e.next_model}"
            )
            return [
                Text(
                    f"{indent}{prefix}↻ {e.model} attempt {e.attempt} failed ({e.error_kind}); {then}",
                    style="yellow",
                )
            ]
        case LoopDetected():
            if in_check:
                return []
            return [Text(f"{indent}↻ loop {e.action}: {e.agent}: {e.detail}", style="yellow")]
        case Notice():
            style = {"error": "red", "warning": "yellow"}.get(e.level, "dim")
            return [Text(f"{indent}ℹ {e.message}", style=style)]
        case SessionEnded():
            why = f" ({e.stop_reason})" if e.stop_reason != e.status else ""
            out = [Text(f"── {e.status}{why} ──", style="bold " + status_style(e.status))]
            if e.error and e.status != "completed":
                out.append(Text(e.error, style="red"))
            return out
        case LlmCallStarted() | CheckStarted() | LlmDelta() | BudgetUpdate():
            return []  # the streamed text, the tree and the gauges show these
        case _:
            assert_never(e)


def _llm_lines(e: LlmCallEnded, indent: str, prefix: str) -> list[Text]:
    if e.status == "error":
        if e.finish_reason == "cancelled":  # stopped because a sibling or a cap ended the run
            return [Text(f"{indent}{prefix}✗ call cancelled", style="dim")]
        return [Text(f"{indent}{prefix}✗ model error: {e.error}", style="red")]
    out = []
    if e.content.strip():
        for i, line in enumerate(e.content.strip().splitlines()):
            out.append(Text(f"{indent}{prefix if i == 0 else ''}{line}"))
    usage = f"{e.input_tokens:,} in / {e.output_tokens:,} out · {fmt_cost(e.cost_usd)}"
    if e.finish_reason == "length":
        usage += " · cut at max tokens"
    out.append(Text(f"{indent}{prefix or '  '}{usage}", style="dim"))
    return out


def summary(totals: dict[str, Any], status: str, stop_reason: str, session_id: str) -> Text:
    """The run summary: status, stop reason, tokens, cost, steps and the session id.

    ``totals`` is ``Tally.totals()`` (the same numbers as the recorded session's usage)."""
    text = Text(status, style="bold " + status_style(status))
    if stop_reason != status:
        text.append(f" ({stop_reason})")
    cost = cost_text(totals.get("cost_usd"), totals.get("unpriced_calls", 0))
    text.append(
        f"  tokens {totals.get('input_tokens', 0):,} in / {totals.get('output_tokens', 0):,} out"
        f" = {totals.get('total_tokens', 0):,}  cost {cost}"
        f"  steps {totals.get('steps', 0)}  tool calls {totals.get('tool_calls', 0)}"
    )
    text.append(f"\nsession {session_id}", style="dim")
    return text
