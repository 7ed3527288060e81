"""Questions the CLI asks a person during a run: raise a cap, approve a risky tool call.

They come from the running event loop and read the terminal; with no terminal (CI, pipes) the
hooks answer None so the scenario's policy decides.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import threading
from collections.abc import Callable
from typing import Any

import typer


def can_ask() -> bool:
    return not os.environ.get("CI") and sys.stdin is not None and sys.stdin.isatty()


def _on_a_thread(printer: Any, no_answer: Callable[[], Any]) -> Any:
    """``ask(fn)``: run the blocking terminal dialog ``fn`` from the running event loop, one at
    a time (workers run concurrently), with the live display paused and new output held until
    the answer. ``fn`` runs on a daemon thread, so a run that ends meanwhile (a cap, Ctrl-C)
    never waits for an answer that is no longer needed; EOF or Ctrl-C in it answers
    ``no_answer()``."""
    lock = asyncio.Lock()

    async def ask(fn: Callable[[], Any]) -> Any:
        async with lock:
            loop = asyncio.get_running_loop()
            answer: asyncio.Future[Any] = loop.create_future()

            def settle(value: Any) -> None:
                if not answer.done():
                    answer.set_result(value)

            def prompt() -> None:
                try:
                    value = fn()
                except BaseException:  # EOF or Ctrl-C at the prompt
                    value = no_answer()
                try:
                    loop.call_soon_threadsafe(settle, value)
                except RuntimeError:  # the run is over and its loop closed
                    pass

            if printer is not None:
                printer.pause()
            try:
                threading.Thread(target=prompt, name="agentlab-prompt", daemon=True).start()
                return await answer
            finally:
                if printer is not None:
                    printer.resume()

    return ask


def asker(printer: Any) -> Any:
    """Ask yes/no questions on the terminal from the running event loop (see
    :func:`_on_a_thread`); EOF or Ctrl-C at the prompt is a "no"."""
    run = _on_a_thread(printer, lambda: False)

    async def ask(question: str) -> bool:
        return bool(await run(lambda: typer.confirm(question, default=False)))

    return ask


def raise_cap_hook(printer: Any) -> Any:
    """``on_exceed = "pause"``: ask whether to raise the cap (never in CI or without a TTY)."""
    ask = asker(printer)

    async def raise_cap(exc: Any) -> float | None:
        if not can_ask():
            return None
        from agentlab.console.lines import fmt_value

        new = exc.limit * 2
        ok = await ask(
            f"{exc}. Raise the {exc.kind} cap to {fmt_value(exc.kind, new)} and continue?"
        )
        return new if ok else None

    return raise_cap


#: ``--approvals``: one word for every call, or ``TOOL=allow|deny`` entries (comma-separated)
#: with an optional word for the other tools (``issue_refund=deny,allow``).
APPROVAL_WORDS = ("ask", "allow", "deny")


def parse_policy(text: str) -> tuple[str, dict[str, str]]:
    """``--approvals`` as (the word for tools not named, {tool: allow|deny}); ValueError with
    one line saying what is wrong."""
    default, per_tool = "ask", {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        if "=" in part:
            tool, _, word = (x.strip() for x in part.partition("="))
            if not tool or word not in ("allow", "deny"):
                raise ValueError(f"expected TOOL=allow or TOOL=deny, got {part!r}")
            per_tool[tool] = word
        elif part in APPROVAL_WORDS:
            default = part
        else:
            raise ValueError(
                f"expected ask, allow, deny or TOOL=allow|deny (comma-separated), got {part!r}"
            )
    return default, per_tool


def approve_hook(mode: str, printer: Any) -> Any:
    """Risky tool calls: ask the person at the terminal, or follow ``--approvals`` (a policy:
    recorded as decided by policy, naming the option)."""
    from agentlab.core.context import Decision

    default, per_tool = parse_policy(mode)
    ask = chooser(printer)

    async def approve(req: Any) -> Any:
        word = per_tool.get(req.tool, default)
        if word in ("allow", "deny"):
            named = f"{req.tool}={word}" if req.tool in per_tool else word
            return Decision(word == "allow", f"--approvals {named}", by="policy")
        if not can_ask() or printer is None:
            return None  # the scenario's policy decides
        return await ask(lambda: approval_dialog(req))

    return approve


def chooser(printer: Any) -> Any:
    """Like :func:`asker`, for a dialog of several questions: ``ask(fn)`` runs ``fn`` on a
    daemon thread with the live display paused; EOF or Ctrl-C there is a denial."""
    from agentlab.core.context import Decision

    return _on_a_thread(printer, lambda: Decision(False, "no answer at the terminal"))


APPROVAL_CHOICES = (
    "y  approve this call",
    "s  approve this tool for the rest of the session",
    "a  approve this tool always (every run of this scenario)",
    "e  edit the arguments (JSON), then run it",
    "n  deny (you give the reason the agent reads)",
)


def approval_dialog(req: Any, read: Any = None, say: Any = None) -> Any:
    """The terminal's approval question (blocking; ``read``/``say`` stand in for the terminal
    in tests). Returns a :class:`Decision`."""
    from agentlab.console.lines import fmt_args
    from agentlab.core.checks.runner import argument_problem
    from agentlab.core.context import Decision

    read = read or (lambda prompt: typer.prompt(prompt, default="", show_default=False))
    say = say or typer.echo
    editable = req.schema is not None
    say(f"Approve {req.agent}: {req.tool}({fmt_args(req.arguments)})?")
    if req.reason:
        say(f"  why asked: {req.reason}")
    keys = "ysaen" if editable else "yn"
    for line in APPROVAL_CHOICES:
        if line[0] in keys:
            say(f"  {line}")
    while True:
        key = str(read(f"[{'/'.join(keys)}]")).strip().lower()[:1]
        if key == "y":
            return Decision(True, "approved at the terminal")
        if key == "s" and editable:
            return Decision(True, "approved at the terminal for the session", remember="session")
        if key == "a" and editable:
            return Decision(True, "approved at the terminal always", remember="always")
        if key == "e" and editable:
            while True:
                text = str(read("arguments (JSON; empty to go back)")).strip()
                if not text:
                    break
                try:
                    edited = json.loads(text)
                except ValueError as exc:
                    say(f"  not JSON: {exc}")
                    continue
                problem = argument_problem(req.schema, edited)
                if problem:
                    say(f"  does not fit the tool's schema: {problem}")
                    continue
                return Decision(
                    True, "approved at the terminal with edited arguments", arguments=edited
                )
            continue
        if key == "n":
            why = str(read("reason the agent reads (optional)")).strip()
            return Decision(False, why or "denied at the terminal")
        say(f"  answer one of {', '.join(keys)}")
