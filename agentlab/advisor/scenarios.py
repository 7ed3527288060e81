"""Scenario paths the advisor prints, made runnable from the current directory.

The knowledge names shipped scenarios relative to the repository root ("scenarios/x.toml"), and
that is what the advisor prints when run from there (docs, tests and snapshots rely on it). From
any other directory that relative path does not exist, so the edges (`agentlab advise`, the TUI
card) print the shipped copy next to the installed package instead, as an absolute path. The
engine stays pure: only these helpers look at the file system.
"""

from __future__ import annotations

import shlex
from dataclasses import replace
from pathlib import Path

from agentlab.advisor.recommendation import Recommendation, TryIt
from agentlab.shipped import scenarios_dir

REPO_ROOT = scenarios_dir().parent
"""The folder whose `scenarios/` holds the shipped scenarios: the checkout's root when run from
one, else the installed package (see `agentlab.shipped`)."""


def runnable_path(path: str, cwd: Path | None = None) -> str:
    """`path` unchanged when it exists from `cwd` (default: the current directory); else the
    shipped copy under `REPO_ROOT`, absolute, when that exists; else `path` unchanged."""
    here = Path.cwd() if cwd is None else cwd
    if Path(path).is_absolute() or (here / path).exists():
        return path
    shipped = REPO_ROOT / path
    return str(shipped) if shipped.exists() else path


def run_command(path: str) -> str:
    """The `agentlab run` command for `path`, quoted for a shell when it needs to be."""
    return f"agentlab run {shlex.quote(path)}"


def runnable_try_it(try_it: TryIt, cwd: Path | None = None) -> TryIt:
    """`try_it` (and its `also`) with paths and commands that work from `cwd`."""
    path = runnable_path(try_it.scenario, cwd)
    also = runnable_try_it(try_it.also, cwd) if try_it.also is not None else None
    return replace(try_it, scenario=path, command=run_command(path), also=also)


def with_runnable_paths(rec: Recommendation, cwd: Path | None = None) -> Recommendation:
    """`rec` with its try-it made runnable from `cwd` (what the CLI and the TUI show)."""
    return replace(rec, try_it=runnable_try_it(rec.try_it, cwd))
