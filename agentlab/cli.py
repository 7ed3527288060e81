"""The command line. Thin: parse, call a service, print. No business logic here.

Exit codes: 0 completed, 1 runtime error, 2 bad input, 3 stopped by a limit or guardrail,
130 interrupted.
"""

from __future__ import annotations

import asyncio
import json
import math
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

import agentlab
from agentlab.advisor.cli import advise
from agentlab.console.group import OneLineErrors
from agentlab.errors import Interrupted, UsageError

app = typer.Typer(
    cls=OneLineErrors,
    name="agentlab",
    help="A terminal-first local lab for AI agents. Run with no command to open the TUI.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
sessions_app = typer.Typer(help="Browse recorded sessions.", no_args_is_help=True)
scenarios_app = typer.Typer(help="List and validate scenario files.", no_args_is_help=True)
app.add_typer(sessions_app, name="sessions")
app.add_typer(scenarios_app, name="scenarios")

EXIT = {"completed": 0, "error": 1, "stopped": 3, "interrupted": 130, "running": 1}

DbOpt = Annotated[
    Path | None,
    typer.Option("--db", metavar="PATH", help="SQLite file (default: $AGENTLAB_HOME/agentlab.db)."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


def _console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"agentlab {agentlab.__version__}")
        raise typer.Exit(0)


@app.callback(invoke_without_command=True)
def main_callback(
    ctx: typer.Context,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
    db: DbOpt = None,
    scenarios: Annotated[
        Path | None,
        typer.Option(
            "--scenarios",
            metavar="FOLDER",
            help="Folder of scenario files the TUI lists (default ./scenarios).",
        ),
    ] = None,
) -> None:
    """Open the TUI when no command is given."""
    if ctx.invoked_subcommand is None:
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            raise UsageError("the TUI needs a terminal; see `agentlab --help` for commands")
        from agentlab.store import open_db
        from agentlab.tui.app import make_app

        open_db(db).close()  # a bad --db is one error line here, not a crash inside the TUI
        if scenarios is not None and not scenarios.is_dir():
            raise UsageError(f"--scenarios: {scenarios} is not a folder")
        make_app(db_path=db, scenarios_dir=scenarios).run()


# --- run ------------------------------------------------------------------------------------


@app.command()
def run(
    scenario: Annotated[
        str,
        typer.Argument(
            metavar="SCENARIO",
            help="A scenario file (TOML), or the name of one in ./scenarios or shipped with "
            "agentlab (see `agentlab scenarios list`).",
        ),
    ],
    model: Annotated[
        str | None,
        typer.Option(
            "--model", metavar="MODEL", help="Override every agent's model (any litellm model)."
        ),
    ] = None,
    api_base: Annotated[
        str | None,
        typer.Option("--api-base", metavar="URL", help="Base URL of an OpenAI-compatible server."),
    ] = None,
    db: DbOpt = None,
    lab_latency: Annotated[
        float | None,
        typer.Option(
            "--lab-latency", min=0, metavar="MS", help="Add MS of latency to every lab-model call."
        ),
    ] = None,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print only the run summary as one JSON object.")
    ] = False,
    max_tokens: Annotated[
        int | None, typer.Option("--max-tokens", min=1, metavar="N", help="Cap on total tokens.")
    ] = None,
    max_cost: Annotated[
        float | None, typer.Option("--max-cost", metavar="USD", help="Cap on cost in USD (> 0).")
    ] = None,
    max_steps: Annotated[
        int | None, typer.Option("--max-steps", min=1, metavar="N", help="Cap on model calls.")
    ] = None,
    max_tool_calls: Annotated[
        int | None, typer.Option("--max-tool-calls", min=0, metavar="N", help="Cap on tool calls.")
    ] = None,
    max_time: Annotated[
        float | None,
        typer.Option("--max-time", metavar="SECONDS", help="Cap on wall time in seconds (> 0)."),
    ] = None,
    approvals: Annotated[
        str,
        typer.Option(
            "--approvals",
            metavar="ask|allow|deny",
            help="Risky tool calls: ask (at the terminal; else the scenario's policy), allow, deny.",
        ),
    ] = "ask",
) -> None:
    """Run a scenario offline (lab models) or against any litellm model, recording the session."""
    from agentlab.console import prompts
    from agentlab.console.printer import Printer
    from agentlab.core.context import RunOptions
    from agentlab.core.labmodels import LAB_MODELS
    from agentlab.paths import default_scenarios_dir
    from agentlab.scenario import load_scenario
    from agentlab.services import run_recorded
    from agentlab.shipped import find_scenario

    if model is not None and not model.strip():
        raise UsageError("--model: expected a model name, e.g. gpt-4o-mini or ollama/llama3.2")
    if model is not None and model.startswith("lab/") and model not in LAB_MODELS:
        raise UsageError(
            f"--model: unknown lab model {model!r} (lab models: lab/auto, lab/scripted)"
        )
    for flag, value in (
        ("--max-cost", max_cost),
        ("--max-time", max_time),
        ("--lab-latency", lab_latency),
    ):
        if value is not None and not math.isfinite(value):
            raise UsageError(f"{flag}: expected a finite number, got {value}")
    if approvals not in ("ask", "allow", "deny"):
        raise UsageError(f"--approvals: expected ask, allow or deny, got {approvals!r}")
    if max_cost is not None and max_cost <= 0:
        raise UsageError("--max-cost: must be greater than 0")
    if max_time is not None and max_time <= 0:
        raise UsageError("--max-time: must be greater than 0")
    caps = {
        k: float(v)
        for k, v in {
            "total_tokens": max_tokens,
            "cost_usd": max_cost,
            "steps": max_steps,
            "tool_calls": max_tool_calls,
            "wall_time_s": max_time,
        }.items()
        if v is not None
    }
    spec = load_scenario(find_scenario(scenario, default_scenarios_dir()))
    options = RunOptions(
        model=model,
        api_base=api_base,
        lab_latency_ms=lab_latency,
        stream=not json_out,
        caps=caps,
    )
    subscribers = []
    printer = None
    if not json_out:
        console = _console()
        printer = Printer(console, live=console.is_terminal)
        subscribers.append(printer)
    try:
        result = asyncio.run(
            run_recorded(
                spec,
                options=options,
                db_path=db,
                subscribers=subscribers,
                raise_cap=prompts.raise_cap_hook(printer),
                approve=prompts.approve_hook(approvals, printer),
            )
        )
    except KeyboardInterrupt:
        raise Interrupted("interrupted: the session is recorded as interrupted") from None
    finally:
        if printer is not None:
            printer.close()
    if json_out:
        typer.echo(json.dumps(result.summary(), ensure_ascii=False))
    raise typer.Exit(EXIT.get(result.status, 1))


# --- sessions ---------------------------------------------------------------------------------


@sessions_app.command("list")
def sessions_list(
    db: DbOpt = None,
    json_out: JsonOpt = False,
    limit: Annotated[
        int, typer.Option("--limit", min=1, metavar="N", help="How many sessions.")
    ] = 50,
) -> None:
    """List recorded sessions, newest first."""
    from agentlab.console import tables
    from agentlab.store import list_sessions, open_db

    rows = list_sessions(open_db(db), limit=limit)
    out = [tables.session_json(r) for r in rows]
    if json_out:
        typer.echo(json.dumps(out, ensure_ascii=False))
    else:
        _console().print(tables.sessions_table(out))


@sessions_app.command("show")
def sessions_show(
    session_id: Annotated[
        str, typer.Argument(metavar="SESSION", help="Session id or a unique prefix.")
    ],
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Show a session: summary, per-agent spend, and its span tree."""
    from agentlab.console import tables
    from agentlab.services import find_session, session_tally
    from agentlab.store import get_spans, open_db

    conn = open_db(db)
    session = find_session(conn, session_id)
    tally = session_tally(conn, session["id"])
    spans = get_spans(conn, session["id"])
    if json_out:
        data = tables.session_json(session)
        data["agents"] = tally.rows()
        data["final_output"] = session.get("final_output") or ""
        data["limits"] = session.get("limits") or {}
        data["spans"] = spans
        typer.echo(json.dumps(data, ensure_ascii=False, default=str))
        return
    console = _console()
    console.print(tables.session_panel(session))
    console.print(tables.agents_table(tally.rows()))
    console.print(tables.span_tree(session, spans))


@sessions_app.command("cost")
def sessions_cost(
    session_id: Annotated[
        str, typer.Argument(metavar="SESSION", help="Session id or a unique prefix.")
    ],
    as_models: Annotated[
        list[str],
        typer.Option("--as", metavar="MODEL", help="Reprice under this model (repeatable)."),
    ],
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """What would this session have cost on other models? Reprices the recorded tokens."""
    from agentlab.console import tables
    from agentlab.core.pricing import reprice
    from agentlab.services import find_session, session_tally
    from agentlab.store import open_db

    conn = open_db(db)
    session = find_session(conn, session_id)
    if any(not m.strip() for m in as_models):
        raise UsageError("--as: expected a model name, e.g. gpt-4o or claude-sonnet-4-5")
    report = reprice(session_tally(conn, session["id"]).rows(), as_models)
    report["session_id"] = session["id"]
    if json_out:
        typer.echo(json.dumps(report, ensure_ascii=False))
    else:
        _console().print(tables.cost_table(report))


# --- export / replay ------------------------------------------------------------------------


@app.command()
def export(
    session_id: Annotated[
        str, typer.Argument(metavar="SESSION", help="Session id or a unique prefix.")
    ],
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMAT",
            help="otlp-json (OpenTelemetry) or jsonl (lossless).",
        ),
    ] = "otlp-json",
    output: Annotated[
        Path | None, typer.Option("-o", "--output", metavar="FILE", help="Write to FILE.")
    ] = None,
    db: DbOpt = None,
) -> None:
    """Export a session as OTLP JSON (opens in Phoenix, Langfuse, any OTLP backend) or JSONL."""
    from agentlab.services import find_session
    from agentlab.store import open_db
    from agentlab.store.export import export_jsonl, export_otlp

    if fmt not in ("otlp-json", "jsonl"):
        raise UsageError(f"--format: expected otlp-json or jsonl, got {fmt!r}")
    conn = open_db(db)
    sid = find_session(conn, session_id)["id"]
    if fmt == "jsonl":
        text = "".join(export_jsonl(conn, sid))
    else:
        text = json.dumps(export_otlp(conn, sid), indent=2) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"-o/--output: cannot write {output}: {exc.strerror}") from None
        typer.echo(f"wrote {output}", err=True)


@app.command()
def replay(
    session_id: Annotated[
        str,
        typer.Argument(
            metavar="SESSION|RECORDING",
            help="A session id or unique prefix, a recording file (JSONL from `export`), or the "
            "name of a recording shipped with agentlab.",
        ),
    ],
    db: DbOpt = None,
    speed: Annotated[
        float,
        typer.Option(
            "--speed",
            min=0,
            metavar="X",
            help="Play back at this speed (0 = instant, 1 = real time).",
        ),
    ] = 0.0,
) -> None:
    """Replay a recorded session's transcript from the database or from a recording."""
    import time

    from agentlab.console.printer import Printer
    from agentlab.services import open_replay

    session, events = open_replay(session_id, db)
    printer = Printer(_console())
    prev = events[0].mono if events else 0.0
    for e in events:
        if speed > 0:
            time.sleep(max(0.0, min(2.0, (e.mono - prev) / speed)))
            prev = e.mono
        printer(e)
    if events and events[-1].kind != "session_ended":
        typer.echo(f"(session {session['id']} was {session['status']}: recording ends here)")


# --- scenarios --------------------------------------------------------------------------------


@scenarios_app.command("list")
def scenarios_list(
    folder: Annotated[
        Path | None,
        typer.Argument(
            metavar="FOLDER",
            help="Folder of scenario files (default: ./scenarios, else the shipped scenarios).",
        ),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """List the scenarios in a folder with their pattern and description."""
    from agentlab.console import tables
    from agentlab.paths import default_scenarios_dir
    from agentlab.scenario import list_scenarios
    from agentlab.shipped import scenarios_dir

    by_name = folder is None
    folder = folder or default_scenarios_dir()
    if not folder.is_dir():
        raise UsageError(f"FOLDER: {folder} is not a folder")
    found = list_scenarios(folder)
    if not found and not json_out:
        typer.echo(f"no scenario files (*.toml) in {folder}")
        return
    if json_out:
        typer.echo(json.dumps(tables.scenarios_json(found), ensure_ascii=False))
    else:
        shipped = folder.resolve() == scenarios_dir()
        where = "shipped with agentlab" if shipped else f"in {folder}"
        _console().print(tables.scenarios_table(found, where, by_name))


@scenarios_app.command("validate")
def scenarios_validate(
    files: Annotated[
        list[Path], typer.Argument(metavar="FILE...", help="Scenario files to check.")
    ],
) -> None:
    """Check scenario files; prints one line per problem."""
    from agentlab.errors import ScenarioError
    from agentlab.scenario import load_scenario

    bad = 0
    for f in files:
        try:
            s = load_scenario(f)
            typer.echo(f"{f}: ok ({s.pattern}, {len(s.agents)} agent(s))")
        except ScenarioError as exc:
            bad += 1
            typer.echo(f"error: {exc}", err=True)
    if bad:
        raise typer.Exit(2)


app.command("advise")(advise)


@app.command()
def init(
    folder: Annotated[
        Path,
        typer.Argument(metavar="DIR", help="Where to write the copies (default: ./scenarios)."),
    ] = Path("scenarios"),
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite copies that are already there.")
    ] = False,
) -> None:
    """Copy the shipped scenarios, with their data folders, into DIR to edit and run."""
    from agentlab.shipped import copy_scenarios

    written = copy_scenarios(folder, force=force)
    how = (
        "`agentlab run NAME` here now runs your copy"
        if folder.resolve() == Path("scenarios").resolve()
        else f"run one with `agentlab run {folder / written[0].name}`"
    )
    typer.echo(f"copied {len(written)} scenarios and their data into {folder}: {how}")


# --- entry point ----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    """Console-script entry (``agentlab``)."""
    app(args=argv, prog_name="agentlab")


if __name__ == "__main__":
    main()
