"""Questions the CLI asks a person during a run: raise a cap, approve a risky tool call.

They come from the running event loop and read the terminal; with no terminal (CI, pipes) the
hooks answer None so the scenario's policy decides.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from typing import Any

import typer


def can_ask() -> bool:
    return not os.environ.get("CI") and sys.stdin.isatty()


def asker(printer: Any) -> Any:
    """Ask yes/no questions on the terminal from the running event loop: one at a time (workers
    run concurrently), with the live display paused and new output held until the answer.
    The prompt reads stdin on a daemon thread, so a run that ends meanwhile (a cap, Ctrl-C)
    never waits for an answer that is no longer needed."""
    lock = asyncio.Lock()

    async def ask(question: str) -> bool:
        async with lock:
            loop = asyncio.get_running_loop()
            answer: asyncio.Future[bool] = loop.create_future()

            def settle(value: bool) -> None:
                if not answer.done():
                    answer.set_result(value)

            def prompt() -> None:
                try:
                    value = typer.confirm(question, default=False)
                except BaseException:  # EOF or Ctrl-C at the prompt: a "no"
                    value = False
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


def approve_hook(mode: str, printer: Any) -> Any:
    """Risky tool calls: ask the person at the terminal, or follow --approvals allow|deny."""
    from agentlab.console.lines import fmt_args
    from agentlab.core.context import Decision

    ask = asker(printer)

    async def approve(req: Any) -> Any:
        if mode in ("allow", "deny"):
            return Decision(mode == "allow", f"--approvals {mode}")
        if not can_ask() or printer is None:
            return None  # the scenario's policy decides
        ok = await ask(f"Approve {req.agent}: {req.tool}({fmt_args(req.arguments)})?")
        return Decision(ok, "approved at the terminal" if ok else "denied at the terminal")

    return approve
