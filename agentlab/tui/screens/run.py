"""The run screen: runs a scenario in an async worker and shows its events as they happen.

The run is recorded (``run_recorded``) and happens on the app's event loop, so the event-bus
subscriber feeds the view directly. ``escape`` cancels a run still going: the session is then
recorded as interrupted. A person takes part through modals: raise a cap that was hit, approve a
risky tool call (one question at a time, even when agents run in parallel).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Header
from textual.worker import Worker, WorkerCancelled, WorkerFailed

from agentlab.console.lines import fmt_value
from agentlab.core.context import ApprovalRequest, Decision, RunOptions
from agentlab.errors import AgentlabError, LimitExceededError
from agentlab.tui.screens.approval import ApprovalModal
from agentlab.tui.screens.inspector import EventScreen
from agentlab.tui.screens.raise_cap import RaiseCapModal
from agentlab.tui.typed import typed_app
from agentlab.tui.widgets.event_view import EventView


def _preload_model_layer() -> None:
    """Import litellm (seconds of CPU) off the event loop, so the screen stays live meanwhile."""
    from agentlab.core import llm

    llm.preload()


class RunScreen(EventScreen):
    BINDINGS = [
        # One key, said as it acts: while the run goes on, esc stops it (check_action).
        Binding("escape", "back", "Back (stops the run)"),
        Binding("escape", "leave", "Back"),
    ]

    def __init__(self, scenario_path: Path | str, options: RunOptions | None = None) -> None:
        super().__init__()
        self.scenario_path = Path(scenario_path)
        self.options = options or RunOptions()
        #: ``SessionResult.summary()`` once the run has finished.
        self.summary: dict[str, Any] | None = None
        self.worker: Worker[None] | None = None
        # Agents running in parallel may ask at once: their modals come one after another.
        self._asking = asyncio.Lock()

    def compose(self) -> ComposeResult:
        yield Header()
        formats = typed_app(self).formats
        yield EventView(format_id=formats.session_id, format_duration=formats.duration)
        yield Footer()

    def on_mount(self) -> None:
        self.title = f"Run · {self.scenario_path.stem}"
        self._started = time.monotonic()
        self._clock = self.set_interval(1.0, self._tick)
        self._tick()
        self.worker = self.run_scenario()

    def _tick(self) -> None:
        """The elapsed time in the header, until the run ends."""
        elapsed = typed_app(self).formats.duration(time.monotonic() - self._started)
        self.sub_title = f"elapsed {elapsed}"
        if self.summary is not None or (self.worker is not None and self.worker.is_finished):
            self._clock.stop()

    @property
    def view(self) -> EventView:
        return self.query_one(EventView)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "back":
            return self.is_live()
        if action == "leave":
            return not self.is_live()
        return True

    def on_worker_state_changed(self) -> None:
        self.refresh_bindings()  # the run ended: esc no longer stops anything

    def action_leave(self) -> None:
        if not self.close_search():
            self.dismiss(None)

    def is_live(self) -> bool:
        return self.summary is None and self.worker is not None and self.worker.is_running

    def where_text(self) -> str:
        if self.is_live():
            return f"live · {self.sub_title} · updates as events arrive"
        return "the state at the end of the run"

    @work(exclusive=True, group="run")
    async def run_scenario(self) -> None:
        from agentlab.services import run_recorded

        view = self.view
        view.set_status("loading the model layer…")
        await asyncio.to_thread(_preload_model_layer)
        view.set_status(Text("running…", style="cyan"))
        try:
            result = await run_recorded(
                self.scenario_path,
                options=self.options,
                db_path=typed_app(self).db_path,
                subscribers=[view.feed],
                raise_cap=self.ask_raise_cap,
                approve=self.ask_approval,
            )
        except AgentlabError as exc:  # a bad scenario, a cost cap with no price, ...
            self._failed(str(exc))
            return
        except Exception as exc:  # e.g. the database cannot be written: say so, keep the app
            self._failed(f"{type(exc).__name__}: {exc}")
            return
        self.summary = result.summary()

    def _failed(self, message: str) -> None:
        self.view.set_status(Text.assemble(("could not run: ", "bold red"), message))
        self.notify(message, title="Run failed", severity="error", timeout=10)

    async def ask_raise_cap(self, exc: LimitExceededError) -> float | None:
        new = exc.limit * 2
        question = f"Raise the {exc.kind} cap to {fmt_value(exc.kind, new)} and continue?"
        modal = RaiseCapModal(question, str(exc), exc.limit, new)
        yes = await self._ask(modal, f"the {exc.kind} cap was reached")
        return modal.value if yes else None

    async def ask_approval(self, request: ApprovalRequest) -> Decision:
        modal = ApprovalModal(request, masked=self.view.mask.on)
        yes = await self._ask(modal, f"{request.agent} asks to run {request.tool}")
        if modal.decision is not None:  # once, session, always, edited, denied with a reason
            return modal.decision
        return Decision(yes, "approved in the TUI" if yes else "denied in the TUI")

    async def _ask(self, modal: Any, why: str) -> bool:
        """One question at a time; if the run ends while it is open (a cap, esc, a sibling's
        failure), the question goes away with it instead of staying on screen unanswerable.
        Meanwhile the status line says the run waits for a person, and why."""
        async with self._asking:
            self.view.waiting = why
            self.view.flush()
            try:
                return bool(await self.app.push_screen_wait(modal))
            except asyncio.CancelledError:
                if modal.is_attached:
                    modal.dismiss(False)
                raise
            finally:
                self.view.waiting = ""

    async def action_back(self) -> None:
        if self.close_search():
            return
        worker = self.worker
        if worker is not None and worker.is_running:
            worker.cancel()
            try:
                await worker.wait()
            except (WorkerCancelled, WorkerFailed):
                pass
        self.dismiss(None)
