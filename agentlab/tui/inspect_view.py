"""What the span inspector shows, as Rich renderables from a ``core.inspect.SpanDetail``.

Pure: no widgets. A model call shows the exact messages it sent (the whole request, however
the store keeps it), its response, tokens, cost and the session's spend at that point; a tool
call its arguments and result; every span its timing, its checks' verdicts and its marks
(approvals, loop warnings, caps, retries).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from rich.console import Group, RenderableType
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from agentlab.console.lines import (
    cost_text,
    fmt_cost,
    status_style,
    transcript,
    verdict_text,
)
from agentlab.core.events import (
    AgentEnded,
    AgentStarted,
    AnyEvent,
    ApprovalDecided,
    ApprovalRequested,
    CheckEnded,
    CheckStarted,
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
from agentlab.core.inspect import SpanDetail

ROLE_STYLE = {"system": "magenta", "user": "cyan", "assistant": "green", "tool": "yellow"}


def title(d: SpanDetail) -> str:
    """One line naming the span (the screen's title)."""
    s = d.start
    match s:
        case SessionStarted():
            return f"session {s.scenario}"
        case AgentStarted():
            return f"agent {s.agent}"
        case LlmCallStarted():
            return f"{s.agent} · model call, step {s.step}"
        case ToolCallStarted():
            return f"{s.agent} · tool {s.tool}"
        case CheckStarted():
            return f"{s.agent} · check {s.check}"
    return s.kind


def _json(value: Any) -> str:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return value
    return json.dumps(value, indent=2, ensure_ascii=False)


def _facts(rows: list[tuple[str, str | Text]]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for key, value in rows:
        table.add_row(key, value)
    return table


def _status(end: AnyEvent | None) -> Text:
    if end is None:
        return Text("running (at this point)", style="cyan")
    status = end.end_status()
    return Text(status, style=status_style(status))


def message_lines(messages: list[dict[str, Any]]) -> list[RenderableType]:
    """The messages of a request as sent, one headed block each."""
    out: list[RenderableType] = []
    for i, m in enumerate(messages, 1):
        role = str(m.get("role", "?"))
        head = Text(f"[{i}] {role}", style="bold " + ROLE_STYLE.get(role, ""))
        if m.get("tool_call_id"):
            head.append(f"  (answers {m['tool_call_id']})", style="dim")
        if m.get("name"):
            head.append(f"  name={m['name']}", style="dim")
        out.append(head)
        content = m.get("content")
        if content not in (None, ""):
            out.append(Text(content if isinstance(content, str) else _json(content)))
        for call in m.get("tool_calls") or []:
            out.append(_call_text(call))
    return out


def _call_text(call: dict[str, Any]) -> Text:
    fn = call.get("function") or {}
    text = Text("→ ", style="yellow")
    text.append(str(fn.get("name", "?")), style="bold")
    text.append(f"  {call.get('id', '')}\n", style="dim")
    text.append(_json(fn.get("arguments", "")))
    return text


def _checks(d: SpanDetail) -> list[RenderableType]:
    out: list[RenderableType] = []
    for run in d.checks:
        line = Text(f"{run.start.check} ({run.start.stage}", style="bold")
        line.append(f" · {run.start.subject})" if run.start.subject else ")")
        line.append("  ")
        if run.end is None:
            line.append("deciding…", style="yellow")
        else:
            line.append_text(verdict_text(run.end.verdict, run.end.by, run.end.reason, 400))
            if run.end.detail:
                line.append(f"\n  {json.dumps(run.end.detail, ensure_ascii=False)}", style="dim")
        out.append(line)
    end = d.end
    passed = getattr(end, "checks", None) or []
    if passed:
        out.append(Text(f"allowed by: {', '.join(passed)}", style="green"))
    return out


def _mark(e: AnyEvent) -> Text:
    match e:
        case ApprovalRequested():
            return Text(f"approval asked for {e.tool}", style="yellow")
        case ApprovalDecided():  # worded as the transcript words it (how long, edits)
            said = Text("\n").join(line for line in transcript(e, in_check=True))
            return said
        case LoopDetected():
            return Text(f"loop ({e.pattern}, {e.action}): {e.detail}", style="bold yellow")
        case LimitWarning():
            return Text(f"cap warning: {e.limit} at {e.fraction:.0%}", style="yellow")
        case LimitExceeded():
            return Text(f"cap reached: {e.limit} {e.value:g} of {e.cap:g}", style="bold red")
        case LlmRetry():
            return Text(f"{e.action} after {e.error_kind or 'error'}: {e.error}", style="yellow")
        case Notice():
            return Text(e.message, style="yellow" if e.level != "info" else "")
    return Text(e.kind)


def streamed_text(events: list[AnyEvent], span_id: str) -> str:
    """The reply a model call has streamed so far (its deltas; a replay has none)."""
    return "".join(e.text for e in events if isinstance(e, LlmDelta) and e.span_id == span_id)


def detail_renderables(
    d: SpanDetail,
    duration: Callable[[float], str] = lambda s: f"{s:.2f}s",
    streamed: str = "",
) -> list[RenderableType]:
    """The inspector's body, top to bottom. ``streamed``: the reply so far of a model call
    still open (shown in place of the answer it does not have yet)."""
    s, end = d.start, d.end
    rows: list[tuple[str, str | Text]] = [
        ("status", _status(end)),
        ("started", f"+{duration(d.offset_s)} into the session"),
        ("took", duration(d.duration_s) + ("" if end is not None else " so far")),
    ]
    body: list[RenderableType] = []
    match s:
        case LlmCallStarted():
            rows.insert(0, ("model", s.model))
            if isinstance(end, LlmCallEnded):
                est = ""
                if end.estimated_input_tokens is not None:
                    est = f"  (local estimate {end.estimated_input_tokens:,} in)"
                rows += [
                    ("tokens", f"{end.input_tokens:,} in / {end.output_tokens:,} out{est}"),
                    ("cost", fmt_cost(end.cost_usd)),
                    ("finish", end.finish_reason or "-"),
                ]
                if end.error:
                    rows.append(("error", Text(end.error, style="red")))
            tools = ", ".join(s.tools) or "none"
            rows.append(("offered", f"tools: {tools} · max tokens {s.max_tokens or '-'}"))
            body.append(Rule(f"Request: {len(s.messages)} messages, exactly as sent"))
            body += message_lines(s.messages)
            body.append(Rule("Response"))
            if isinstance(end, LlmCallEnded):
                body.append(Text(end.content) if end.content else Text("(no text)", style="dim"))
                body += [_call_text(c) for c in end.tool_calls]
            elif streamed:
                body.append(Text(streamed))
                body.append(Text("▌ streaming…", style="cyan"))
            else:
                body.append(Text("(not answered at this point)", style="dim"))
        case ToolCallStarted():
            rows.insert(0, ("tool", f"{s.tool}  ({s.call_id})"))
            body += [Rule("Arguments"), Text(_json(s.arguments))]
            body.append(Rule("Result"))
            if isinstance(end, ToolCallEnded):
                style = "red" if end.is_error else ""
                body.append(Text(end.result or "(empty)", style=style))
            else:
                body.append(Text("(no result at this point)", style="dim"))
        case CheckStarted():
            rows += [("stage", s.stage), ("subject", s.subject or "-")]
            if isinstance(end, CheckEnded):
                rows.append(("verdict", verdict_text(end.verdict, end.by, end.reason, 400)))
                if end.detail:
                    body += [Rule("Detail"), Text(_json(end.detail))]
        case AgentStarted():
            rows.insert(0, ("model", s.model or "-"))
            rows.insert(1, ("role", s.role))
            body += [Rule("Input"), Text(s.input or "(none)")]
            if isinstance(end, AgentEnded):
                rows.append(("stop reason", end.stop_reason))
                body += [Rule("Output"), Text(end.output or end.error or "(none)")]
        case SessionStarted():
            rows.insert(0, ("pattern", s.pattern))
            body += [Rule("Task"), Text(s.task or "(none)")]
            if isinstance(end, SessionEnded):
                rows.append(("stop reason", end.stop_reason))
                body += [Rule("Final output"), Text(end.final_output or end.error or "(none)")]
    spend = cost_text(d.spend_usd, d.unpriced_calls)
    when = "after this span" if end is not None else "so far"
    rows.append(("session spend", f"{spend} · {d.spend_tokens:,} tok {when}"))
    checks = _checks(d)
    marks = [_mark(e) for e in d.marks]
    tail: list[RenderableType] = []
    if checks or marks:
        tail = [Rule("Checks and marks"), *checks, *marks]
    return [_facts(rows), *body, *tail]


def detail_group(
    d: SpanDetail, duration: Callable[[float], str] | None = None, streamed: str = ""
) -> Group:
    if duration is None:
        return Group(*detail_renderables(d, streamed=streamed))
    return Group(*detail_renderables(d, duration, streamed))
