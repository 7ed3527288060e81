"""Exception types a user can see. Core raises them; the CLI and TUI turn them into one line."""

from __future__ import annotations

from pathlib import Path


class AgentlabError(Exception):
    """Base class: ``str(exc)`` is the one line shown to the user."""

    exit_code = 1


class UsageError(AgentlabError):
    """Bad input from the command line or a file (exit code 2)."""

    exit_code = 2


class ScenarioError(UsageError):
    """A scenario file is unreadable or invalid. Rendered ``path:line: key: message``."""

    def __init__(
        self, path: Path | str, message: str, *, line: int | None = None, key: str = ""
    ) -> None:
        self.path = str(path)
        self.line = line
        self.key = key
        self.message = message
        where = self.path if line is None else f"{self.path}:{line}"
        text = f"{where}: {key}: {message}" if key else f"{where}: {message}"
        super().__init__(text)


class SessionNotFound(UsageError):
    def __init__(self, session_id: str) -> None:
        super().__init__(f"no session matches {session_id!r} (see `agentlab sessions list`)")


class ModelError(AgentlabError):
    """A model call failed (provider error, bad response). ``kind`` names it for stop reasons."""

    def __init__(self, message: str, kind: str = "model") -> None:
        self.kind = kind
        super().__init__(message)


class LimitExceededError(AgentlabError):
    """A hard cap was reached. The run stops with ``stop_reason = f"limit:{kind}"``."""

    exit_code = 3

    def __init__(
        self,
        kind: str,
        value: float,
        limit: float,
        agent: str = "",
        scope: str = "session",
        requested: float = 0.0,
    ) -> None:
        self.kind = kind
        self.value = value
        self.limit = limit
        self.agent = agent
        self.scope = scope
        #: What the refused call or tool call needed on top of ``value`` (it did not fit).
        self.requested = requested
        owner = "the session's" if scope == "session" else f"{scope.removeprefix('agent:')}'s"
        by = f", reached by {agent}" if agent and scope != f"agent:{agent}" else ""
        used, cap = _amount(kind, value), _amount(kind, limit)
        super().__init__(f"limit reached: {kind} {used} of {cap} ({owner} cap{by})")


def _amount(kind: str, value: float) -> str:
    """A cap's value as the transcript and gauges show it (``$0.000189``, ``1,200``, ``2.5s``)."""
    if kind == "cost_usd":
        return f"${value:.6f}" if value < 0.01 else f"${value:.4f}"
    if kind == "wall_time_s":
        return f"{value:.1f}s"
    return f"{int(value):,}"


class CheckStop(AgentlabError):
    """A check stopped the agent: loop detection, a guardrail. The agent ends ``stopped`` with
    the check's ``stop_reason`` ("loop", "check:<name>"); its siblings and the session go on."""

    exit_code = 3

    def __init__(self, agent: str, check: str, stop_reason: str, reason: str) -> None:
        self.agent = agent
        self.check = check
        self.stop_reason = stop_reason
        self.reason = reason
        super().__init__(f"agent {agent} stopped: {reason}")


class LimitStop(AgentlabError):
    """A cap above the agent that hit it (its manager's, the session's) ends the run up to the
    budget the cap belongs to. Raised by an agent once it has recorded its own stop; patterns
    let it pass (delegation stops a manager's other workers first), the agent that owns the cap
    turns it into its outcome, and the session maps what reaches it to ``limit:<kind>``."""

    exit_code = 3

    def __init__(self, limit: LimitExceededError, output: str = "") -> None:
        self.limit = limit
        #: What the last agent it stopped had said (the session's final output when it ends).
        self.output = output
        super().__init__(str(limit))


class Interrupted(AgentlabError):
    """Ctrl-C: the run was stopped by the person running it (exit code 130)."""

    exit_code = 130


class RecordingFailed(AgentlabError):
    """The session could not be recorded (a lock that did not clear, a full disk, a read-only
    database). The run stops with ``error:recording`` (exit code 1): never a partial recording
    reported as complete. ``str(exc)`` says what and where."""

    exit_code = 1
