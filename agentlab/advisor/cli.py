"""`agentlab advise`: the selection advisor on the command line.

Register with ``app.command("advise")(advise)``. Heavy imports (questionary, the engine,
Rich rendering) happen inside the command so the main CLI's start-up stays fast.

- ``--profile FILE`` must be a complete profile: every key the contract does not mark optional
  (agents, org, departments, compliance, budget, and workflow when agents = "multi"); a missing
  or bad key is one error line and exit 2. The questionnaire instead fills in its defaults.
- ``--matrix`` prints the reference tables (``--json``: as data). It takes no profile, so
  ``--matrix --profile`` is an error (exit 2) rather than a profile silently ignored.
- The try-it command is printed relative to the repo root when run from there, else with the
  shipped scenario's absolute path (see `scenarios.py`), so it can be pasted as is.
"""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path
from typing import Any

import typer


class _Fail(Exception):
    """A one-line error for the edge to print."""


def _stdin_is_tty() -> bool:
    return sys.stdin.isatty()


def _prompt_io() -> dict[str, Any]:
    """prompt_toolkit input/output for the questionnaire (tests patch this).

    With stdout redirected (`agentlab advise --json > answer.json`) the prompts go to the
    terminal on stderr, so the file gets only the JSON.
    """
    if sys.stdout.isatty():
        return {}
    from prompt_toolkit.output import create_output

    return {"output": create_output(always_prefer_tty=True)}


def _read_profile_file(path: Path) -> Any:
    suffix = path.suffix.lower()
    if suffix not in (".toml", ".json"):
        raise _Fail(f"{path}: expected a .toml or .json profile file")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise _Fail(f"cannot read profile {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise _Fail(f"{path}: not UTF-8 text") from None
    try:
        data: Any = tomllib.loads(text) if suffix == ".toml" else json.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _Fail(f"{path}: invalid TOML: {exc}") from None
    except json.JSONDecodeError as exc:
        raise _Fail(f"{path}: invalid JSON: {exc}") from None
    # Accept the answers at the top level or under a [profile] table.
    if isinstance(data, dict) and set(data) == {"profile"} and isinstance(data["profile"], dict):
        data = data["profile"]
    return data


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def advise(
    profile: Path | None = typer.Option(
        None,
        "--profile",
        metavar="FILE",
        dir_okay=False,
        help="Answers from a .toml or .json file instead of the questionnaire.",
    ),
    json_: bool = typer.Option(False, "--json", help="Print the result as one JSON object."),
    matrix: bool = typer.Option(
        False,
        "--matrix",
        help="Print the framework matrix, monitoring and pattern tables (not with --profile).",
    ),
) -> None:
    """Recommend a framework, a monitoring tool and an orchestration pattern for your team."""
    from rich.console import Console

    from agentlab.advisor import render
    from agentlab.advisor.engine import recommend
    from agentlab.advisor.profile import Profile, ProfileError
    from agentlab.advisor.scenarios import with_runnable_paths

    console = Console()
    if matrix and profile is not None:
        raise _fail(
            "--matrix prints the reference tables and reads no profile; "
            "run --profile FILE without --matrix for a recommendation"
        )
    if matrix:
        if json_:
            typer.echo(json.dumps(render.matrix_to_dict(), indent=2, ensure_ascii=False))
        else:
            for table in render.matrix_tables():
                console.print(table)
        return

    if profile is not None:
        try:
            prof = Profile.from_mapping(_read_profile_file(profile), complete=True)
        except _Fail as exc:
            raise _fail(str(exc)) from None
        except ProfileError as exc:
            raise _fail(f"{profile}: {exc}") from None
    else:
        if not _stdin_is_tty():
            raise _fail(
                "agentlab advise asks questions and needs a terminal; "
                "pass --profile FILE.toml (or .json) to run without one"
            )
        from agentlab.advisor.interactive import run_questionnaire
        from agentlab.advisor.questions import to_profile

        try:
            prof = to_profile(run_questionnaire(**_prompt_io()))
        except (KeyboardInterrupt, EOFError):
            raise _fail("cancelled", code=130) from None

    rec = with_runnable_paths(recommend(prof))
    if json_:
        typer.echo(json.dumps(render.recommendation_to_dict(rec), indent=2, ensure_ascii=False))
    else:
        console.print(render.render_recommendation(rec))
