"""`agentlab advise`: the selection advisor on the command line.

Register with ``app.command("advise")(advise)``. Heavy imports (questionary, the engine,
Rich rendering) happen inside the command so the main CLI's start-up stays fast.

- ``--profile FILE`` must be a complete profile: every key the contract does not mark optional
  (agents, org, departments, compliance, budget, and workflow when agents = "multi"); a missing
  or bad key is one error line and exit 2. The questionnaire instead fills in its defaults.
- ``--set KEY=VALUE`` (repeatable) changes answers and shows what flips: the new card and a
  table of the picks that changed. A bad key or value is one error line naming it (exit 2).
- ``--matrix`` prints the reference tables and both decision trees (``--json``: as data); with
  ``--profile`` the profile's path through the trees and its summary row are highlighted.
- ``--format card|md|json`` and ``-o FILE``: ``md`` is a decision record; written to a file, the
  answers are written beside it as a reusable profile (``decision.profile.toml``).
- Cost at your volume runs the try-it scenarios on the lab models when the profile states
  ``sessions_per_day`` (``--cost`` forces it, ``--no-cost`` skips it).
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
    return sys.stdin is not None and sys.stdin.isatty()


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


FORMATS = ("card", "md", "json")


def _load_profile(path: Path) -> Any:
    from agentlab.advisor.profile import Profile, ProfileError

    try:
        data = _read_profile_file(path)
        return data, Profile.from_mapping(data, complete=True)
    except _Fail as exc:
        raise _fail(str(exc)) from None
    except ProfileError as exc:
        raise _fail(f"{path}: {exc}") from None


def _ask() -> Any:
    if not _stdin_is_tty():
        raise _fail(
            "agentlab advise asks questions and needs a terminal; "
            "pass --profile FILE.toml (or .json) to run without one"
        )
    from agentlab.advisor.interactive import run_questionnaire
    from agentlab.advisor.questions import to_profile

    try:
        return to_profile(run_questionnaire(**_prompt_io()))
    except (KeyboardInterrupt, EOFError):
        raise _fail("cancelled", code=130) from None


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise _fail(f"cannot write {path}: {exc.strerror or exc}") from None


def advise(
    profile: Path | None = typer.Option(
        None,
        "--profile",
        metavar="FILE",
        dir_okay=False,
        help="Answers from a .toml or .json file instead of the questionnaire.",
    ),
    sets: list[str] = typer.Option(
        [],
        "--set",
        metavar="KEY=VALUE",
        help="Change an answer and show what flips (repeatable), e.g. --set departments=2.",
    ),
    json_: bool = typer.Option(False, "--json", help="Print the result as one JSON object."),
    fmt: str | None = typer.Option(
        None,
        "--format",
        metavar="card|md|json",
        help="card (default), md (a decision record), json.",
    ),
    output: Path | None = typer.Option(
        None,
        "--output",
        "-o",
        metavar="FILE",
        dir_okay=False,
        help="Write to FILE; with --format md the answers go beside it (decision.md: decision.profile.toml).",
    ),
    cost: bool | None = typer.Option(
        None,
        "--cost/--no-cost",
        help="Measure the cost at your volume (default: when the profile states sessions_per_day).",
    ),
    matrix: bool = typer.Option(
        False,
        "--matrix",
        help="Print the article's tables and decision trees (with --profile: your path marked).",
    ),
) -> None:
    """Recommend a framework, a monitoring tool and an orchestration pattern for your team."""
    from rich.console import Console

    from agentlab.advisor import render, tables
    from agentlab.advisor.engine import recommend
    from agentlab.advisor.profile import ProfileError
    from agentlab.advisor.scenarios import with_runnable_paths
    from agentlab.advisor.whatif import apply_sets, changed_answers, flips, parse_sets

    if fmt is not None and fmt not in FORMATS:
        raise _fail(f"--format: expected one of {', '.join(FORMATS)}, got {fmt!r}")
    if json_ and fmt not in (None, "json"):
        raise _fail(f"--json and --format {fmt} disagree; give one of them")
    kind = "json" if json_ else (fmt or "card")
    if matrix and (sets or kind == "md"):
        raise _fail("--matrix prints the reference tables; run without it for --set or --format md")
    try:
        changes = parse_sets(sets)
    except ProfileError as exc:
        raise _fail(str(exc)) from None

    # A file gets plain text at a fixed width; the terminal gets colour at its own width.
    console = Console(width=100, color_system=None) if output is not None else Console()
    if matrix:
        rec = None
        if profile is not None:
            rec = recommend(_load_profile(profile)[1])
        if kind == "json":
            text = json.dumps(render.matrix_to_dict(), indent=2, ensure_ascii=False)
        else:
            width = console.width
            with console.capture() as captured:
                for part in tables.reference(rec, width=width):
                    console.print(part)
            text = captured.get()
        _emit(text, output)
        return

    if profile is not None:
        raw, base = _load_profile(profile)
    else:
        base = _ask()
        raw = base.to_dict()
    prof, diff = base, None
    if changes:
        try:
            prof = apply_sets(raw, changes)
        except ProfileError as exc:
            where = f"{profile}: " if profile is not None else ""
            raise _fail(f"{where}{exc}") from None
        before = recommend(base)
        diff = (flips(before, recommend(prof)), changed_answers(base, prof))

    rec = with_runnable_paths(recommend(prof))
    report = None
    if cost or (cost is None and prof.sessions_per_day is not None):
        from agentlab.advisor.measure import cost_report_sync

        if sys.stderr.isatty():
            typer.echo("Measuring the try-it scenarios on the lab models...", err=True)
        report = cost_report_sync(rec)

    if kind == "json":
        data = render.recommendation_to_dict(rec, cost=report, flips=diff)
        _emit(json.dumps(data, indent=2, ensure_ascii=False), output)
    elif kind == "md":
        from agentlab.advisor.record import decision_record, profile_toml

        if output is None:
            typer.echo(decision_record(rec, cost=report), nl=False)
            return
        side = output.with_name(f"{output.stem}.profile.toml")
        _write(output, decision_record(rec, cost=report, profile_file=str(side)))
        _write(side, profile_toml(prof))
        typer.echo(f"wrote {output} (decision record) and {side} (your answers as a profile)")
    else:
        card = render.render_recommendation(rec, cost=report, flips=diff, width=console.width)
        with console.capture() as captured:
            console.print(card)
        _emit(captured.get(), output)


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        typer.echo(text, nl=not text.endswith("\n"))
        return
    _write(output, text if text.endswith("\n") else text + "\n")
    typer.echo(f"wrote {output}")
