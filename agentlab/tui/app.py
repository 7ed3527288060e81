"""The agentlab TUI: home (sessions and scenarios), live runs, replays and the advisor.

``make_app()`` is shared by the CLI (bare ``agentlab``) and the tests. Nothing here imports
litellm: the model layer loads when the first run starts.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import App
from textual.binding import Binding
from textual.screen import Screen

from agentlab import services
from agentlab.core.context import RunOptions
from agentlab.errors import AgentlabError
from agentlab.paths import default_db_path, default_scenarios_dir
from agentlab.shipped import find_scenario
from agentlab.tui.formats import Formats
from agentlab.tui.screens.home import HomeScreen
from agentlab.tui.screens.replay import ReplayScreen
from agentlab.tui.screens.run import RunScreen

if TYPE_CHECKING:  # the advisor screen loads when first asked for
    from agentlab.tui.screens.advisor import AdvisorScreen


class AgentlabApp(App[None]):
    CSS_PATH = "agentlab.tcss"
    TITLE = "agentlab"
    SUB_TITLE = "a local lab for AI agents"
    BINDINGS = [Binding("q", "quit", "Quit")]

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
        #: Options for runs started here (tests turn streaming off or add latency).
        self.run_options = run_options or RunOptions()

    def get_default_screen(self) -> Screen:
        return HomeScreen()

    # --- navigation: screens post messages, the app acts ---------------------------------------

    def on_home_screen_run_scenario(self, message: HomeScreen.RunScenario) -> None:
        self.run_scenario(message.path)

    def on_home_screen_replay_session(self, message: HomeScreen.ReplaySession) -> None:
        self.replay_session(message.session_id)

    def on_home_screen_open_advisor(self, _: HomeScreen.OpenAdvisor) -> None:
        self.open_advisor()

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
        self.push_screen(RunScreen(found, self.run_options))

    def replay_session(self, session_id: str) -> None:
        """Replay a recorded session (id or prefix), a recording file or a shipped recording."""
        try:
            recording = services.load_recording(self.db_path, session_id)
        except AgentlabError as exc:
            self.notify(str(exc), severity="error")
            return
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
