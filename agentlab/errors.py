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
        who = f" (agent {agent})" if agent else ""
        used, cap = _amount(kind, value), _amount(kind, limit)
        super().__init__(f"limit reached: {kind} {used} of {cap}{who}")


def _amount(kind: str, value: float) -> str:
    """A cap's value as the transcript and gauges show it (``$0.000189``, ``1,200``, ``2.5s``)."""
    if kind == "cost_usd":
        return f"${value:.6f}" if value < 0.01 else f"${value:.4f}"
    if kind == "wall_time_s":
        return f"{value:.1f}s"
    return f"{int(value):,}"


class LoopStop(AgentlabError):
    """Loop detection escalated to a stop."""

    exit_code = 3

    def __init__(self, agent: str, detail: str) -> None:
        self.agent = agent
        self.detail = detail
        super().__init__(f"agent {agent} stopped: going round in circles ({detail})")


class Interrupted(AgentlabError):
    """Ctrl-C: the run was stopped by the person running it (exit code 130)."""

    exit_code = 130
