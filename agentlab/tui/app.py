"""The agentlab TUI: home (sessions and scenarios), live runs, replays and the advisor.

``make_app()`` is shared by the CLI (bare ``agentlab``) and the tests. Nothing here imports
litellm: the model layer loads when the first run starts.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.theme import Theme

from agentlab import services
from agentlab.errors import AgentlabError
from agentlab.paths import default_db_path, default_scenarios_dir
from agentlab.shipped import find_scenario
from agentlab.tui.formats import Formats
from agentlab.tui.screens.home import HomeScreen

# Loaded when first asked for: the runtime (scenario models, prices, the agent loop) is not
# needed to paint home, and costs a third of a second to import.
if TYPE_CHECKING:
    from agentlab.core.context import RunOptions
    from agentlab.tui.screens.advisor import AdvisorScreen
    from agentlab.tui.screens.evals import EvalRunScreen
    from agentlab.tui.screens.sessions import SessionsScreen


#: agentlab's own look: a lab-bench teal and amber on a dark slate, not stock Textual.
THEME = Theme(
    name="agentlab",
    primary="#2bb3a3",
    secondary="#5b8def",
    accent="#f2a93b",
    warning="#f2c14e",
    error="#e5575b",
    success="#5fcf80",
    foreground="#dfe6ea",
    background="#12181c",
    surface="#1a2328",
    panel="#22303a",
    dark=True,
)


class AgentlabApp(App[None]):
    CSS_PATH = "agentlab.tcss"
    TITLE = "agentlab"
    SUB_TITLE = "a local lab for AI agents"
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("f1", "help", "Help", show=False),
    ]

    def __init__(
        self,
        *,
        db_path: Path | str | None = None,
        scenarios_dir: Path | str | None = None,
        formats: Formats | None = None,
        run_options: RunOptions | None = None,
    ) -> None:
        super().__init__()
        #: The SQLite file every screen reads and every run records into.
        self.db_path = Path(db_path) if db_path is not None else default_db_path()
        #: Where the home screen lists scenarios from.
        self.scenarios_dir = (
            Path(scenarios_dir) if scenarios_dir is not None else default_scenarios_dir()
        )
        #: How times and session ids are shown (tests pin them for snapshots).
        self.formats = formats or Formats()
        #: Options for runs started here (tests turn streaming off or add latency); None: the
        #: defaults.
        self.run_options = run_options

    def on_mount(self) -> None:
        self.register_theme(THEME)
        self.theme = "agentlab"

    def get_default_screen(self) -> Screen:
        return HomeScreen()

    def action_help(self) -> None:
        """``?`` / F1: every key of the current screen, beside it (again to close)."""
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The command palette (ctrl+p): the app's own commands first, then Textual's."""
        yield SystemCommand("Sessions", "Browse, filter, compare and delete sessions",
                            self.open_sessions)  # fmt: skip
        yield SystemCommand("Eval runs", "Eval runs with their CLEAR figures; a case opens in replay",
                            self.open_evals)  # fmt: skip
        yield SystemCommand("Replay last session", "Replay the newest recorded session",
                            self.replay_last)  # fmt: skip
        yield SystemCommand("Export last session", "Write the newest session as JSONL",
                            self.export_last)  # fmt: skip
        yield SystemCommand("Compare the last two sessions",
                            "The two newest sessions side by side (older is A)",
                            self.compare_last_two)  # fmt: skip
        yield SystemCommand("Advisor", "Which framework, monitoring tool and pattern",
                            self.open_advisor)  # fmt: skip
        from agentlab.scenario import list_scenarios

        folder = self.scenarios_dir
        for path, _ in list_scenarios(folder) if folder.is_dir() else []:
            yield SystemCommand(
                f"Run {path.stem}", f"Run the scenario {path.name}",
                lambda path=path: self.run_scenario(path),
            )  # fmt: skip
        yield from super().get_system_commands(screen)

    # --- navigation: screens post messages, the app acts ---------------------------------------

    def on_home_screen_run_scenario(self, message: HomeScreen.RunScenario) -> None:
        self.run_scenario(message.path)

    def on_home_screen_replay_session(self, message: HomeScreen.ReplaySession) -> None:
        self.replay_session(message.session_id)

    def on_home_screen_open_advisor(self, _: HomeScreen.OpenAdvisor) -> None:
        self.open_advisor()

    def on_home_screen_open_sessions(self, _: HomeScreen.OpenSessions) -> None:
        self.open_sessions()

    def on_home_screen_open_evals(self, _: HomeScreen.OpenEvals) -> None:
        self.open_evals()

    def on_eval_run_screen_replay_session(self, message: EvalRunScreen.ReplaySession) -> None:
        self.replay_session(message.session_id)

    def on_sessions_screen_replay_session(self, message: SessionsScreen.ReplaySession) -> None:
        self.replay_session(message.session_id)

    def on_sessions_screen_compare_sessions(self, message: SessionsScreen.CompareSessions) -> None:
        self.compare(message.a, message.b)

    def open_sessions(self) -> None:
        from agentlab.tui.screens.sessions import SessionsScreen

        self.push_screen(SessionsScreen())

    def open_evals(self) -> None:
        from agentlab.tui.screens.evals import EvalRunsScreen

        self.push_screen(EvalRunsScreen())

    def compare(self, a: str, b: str) -> None:
        try:
            comparison = services.diff_sessions(self.db_path, a, b)  # masked as people see it
        except AgentlabError as exc:
            self.notify(str(exc), severity="error")
            return
        from agentlab.tui.screens.compare import CompareScreen

        self.push_screen(CompareScreen(comparison))

    def _last(self) -> str | None:
        rows = services.list_sessions(self.db_path, limit=1)
        if not rows:
            self.notify("No sessions yet.", severity="warning")
            return None
        return str(rows[0]["session_id"])

    def compare_last_two(self) -> None:
        rows = services.list_sessions(self.db_path, limit=2)
        if len(rows) < 2:
            self.notify("Comparing needs two sessions.", severity="warning")
            return
        self.compare(str(rows[1]["session_id"]), str(rows[0]["session_id"]))

    def replay_last(self) -> None:
        if (sid := self._last()) is not None:
            self.replay_session(sid)

    def export_last(self) -> None:
        if (sid := self._last()) is None:
            return
        try:
            folder = self.db_path.parent / "exports"
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{sid}.jsonl"
            path.write_text(services.export_session(self.db_path, sid, "jsonl"))
        except (AgentlabError, OSError) as exc:
            self.notify(str(exc), title="Export failed", severity="error")
            return
        self.notify(f"Exported to {path}", title="Export")

    def on_advisor_screen_run_scenario(self, message: AdvisorScreen.RunScenario) -> None:
        """ "Try it now" on the advisor's card: run that scenario (the card stays underneath)."""
        self.run_scenario(message.path)

    def run_scenario(self, path: Path | str) -> None:
        """Run a scenario file, or one by name from the listed folder or the shipped ones."""
        try:
            found = find_scenario(path, self.scenarios_dir)
        except AgentlabError as exc:
            self.notify(str(exc), severity="error")
            return
        from agentlab.tui.screens.run import RunScreen

        self.push_screen(RunScreen(found, self.run_options))

    def replay_session(self, session_id: str) -> None:
        """Replay a recorded session (id or prefix), a recording file or a shipped recording."""
        try:
            recording = services.load_recording(self.db_path, session_id)
        except AgentlabError as exc:
            self.notify(str(exc), severity="error")
            return
        from agentlab.tui.screens.replay import ReplayScreen

        self.push_screen(ReplayScreen(recording.session, recording.events))

    def open_advisor(self) -> None:
        from agentlab.tui.screens.advisor import AdvisorScreen  # loaded when first asked for

        self.push_screen(AdvisorScreen())


def make_app(
    db_path: Path | str | None = None,
    scenarios_dir: Path | str | None = None,
    *,
    formats: Formats | None = None,
    run_options: RunOptions | None = None,
) -> AgentlabApp:
    """The app as the CLI runs it; tests pass a temp database, a scenarios folder and formats."""
    return AgentlabApp(
        db_path=db_path, scenarios_dir=scenarios_dir, formats=formats, run_options=run_options
    )
