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
from typing import TYPE_CHECKING, Annotated, Any

import typer

import agentlab
from agentlab.advisor.cli import advise
from agentlab.console.group import OneLineErrors
from agentlab.errors import Interrupted, UsageError

if TYPE_CHECKING:
    from agentlab.core.budget import LimitKind

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
guard_app = typer.Typer(help="The Guardrail Sandwich by hand.", no_args_is_help=True)
app.add_typer(guard_app, name="guard")

EXIT = {"completed": 0, "error": 1, "stopped": 3, "interrupted": 130, "running": 1}

DbOpt = Annotated[
    Path | None,
    typer.Option("--db", metavar="PATH", help="SQLite file (default: $AGENTLAB_HOME/agentlab.db)."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


def _console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def _db(ctx: typer.Context, db: Path | None) -> Path | None:
    """The command's own ``--db``, else the one given before it (``agentlab --db X sessions
    list``)."""
    if db is not None:
        return db
    root: Path | None = ctx.find_root().params.get("db")
    return root


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
        from agentlab.services import check_db
        from agentlab.tui.app import make_app

        check_db(db)  # a bad --db is one error line here, not a crash inside the TUI
        if scenarios is not None and not scenarios.is_dir():
            raise UsageError(f"--scenarios: {scenarios} is not a folder")
        make_app(db_path=db, scenarios_dir=scenarios).run()


# --- run ------------------------------------------------------------------------------------


@app.command()
def run(
    ctx: typer.Context,
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
        int | None, typer.Option("--max-tokens", metavar="N", help="Cap on total tokens.")
    ] = None,
    max_cost: Annotated[
        float | None, typer.Option("--max-cost", metavar="USD", help="Cap on cost in USD (> 0).")
    ] = None,
    max_steps: Annotated[
        int | None, typer.Option("--max-steps", metavar="N", help="Cap on model calls.")
    ] = None,
    max_tool_calls: Annotated[
        int | None, typer.Option("--max-tool-calls", metavar="N", help="Cap on tool calls.")
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
    if lab_latency is not None and not math.isfinite(lab_latency):
        raise UsageError(f"--lab-latency: expected a finite number, got {lab_latency}")
    if approvals not in ("ask", "allow", "deny"):
        raise UsageError(f"--approvals: expected ask, allow or deny, got {approvals!r}")
    caps = _caps(
        {
            "total_tokens": max_tokens,
            "cost_usd": max_cost,
            "steps": max_steps,
            "tool_calls": max_tool_calls,
            "wall_time_s": max_time,
        }
    )
    spec = load_scenario(find_scenario(scenario, default_scenarios_dir()))
    from agentlab.core.checks.trifecta import audit as trifecta_audit

    for held in trifecta_audit(spec):
        if held.failing:
            typer.echo(
                f"warning: agent {held.agent} holds the lethal trifecta (private data, untrusted "
                "content, a way out); see `agentlab audit`",
                err=True,
            )
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
                db_path=_db(ctx, db),
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


#: The ``run`` option that sets each cap kind.
CAP_OPTIONS: dict[LimitKind, str] = {
    "total_tokens": "--max-tokens",
    "cost_usd": "--max-cost",
    "steps": "--max-steps",
    "tool_calls": "--max-tool-calls",
    "wall_time_s": "--max-time",
}


def _caps(values: dict[LimitKind, float | int | None]) -> dict[str, float]:
    """The session caps the ``--max-*`` options give, validated by the scenario's own
    ``Limits`` model; a bad value is one line naming the option."""
    from pydantic import ValidationError

    from agentlab.core.spec import Limits

    try:
        limits = Limits.model_validate({k: v for k, v in values.items() if v is not None})
    except ValidationError as exc:
        err = exc.errors()[0]
        field = str(err["loc"][0])
        option = next((o for k, o in CAP_OPTIONS.items() if k == field), field)
        bound = err.get("ctx") or {}
        if err["type"] == "greater_than":
            why = f"must be greater than {bound['gt']:g}"
        elif err["type"] == "greater_than_equal":
            why = f"must be at least {bound['ge']:g}"
        elif err["type"] == "finite_number":
            why = f"expected a finite number, got {err['input']}"
        else:
            why = err["msg"]
        raise UsageError(f"{option}: {why}") from None
    return limits.caps()


# --- sessions ---------------------------------------------------------------------------------


@sessions_app.command("list")
def sessions_list(
    ctx: typer.Context,
    db: DbOpt = None,
    json_out: JsonOpt = False,
    limit: Annotated[
        int, typer.Option("--limit", min=1, metavar="N", help="How many sessions.")
    ] = 50,
) -> None:
    """List recorded sessions, newest first."""
    from agentlab import services
    from agentlab.console import tables

    rows = services.list_sessions(_db(ctx, db), limit=limit)
    if json_out:
        typer.echo(json.dumps(rows, ensure_ascii=False))
    else:
        _console().print(tables.sessions_table(rows))


@sessions_app.command("show")
def sessions_show(
    ctx: typer.Context,
    session_id: Annotated[
        str, typer.Argument(metavar="SESSION", help="Session id or a unique prefix.")
    ],
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Show a session: summary, per-agent spend, and its span tree."""
    from agentlab import services
    from agentlab.console import tables

    report = services.session_report(_db(ctx, db), session_id)
    session = report.session
    if json_out:
        data = services.session_row(session)
        data["agents"] = report.tally.rows()
        data["final_output"] = session.get("final_output") or ""
        data["limits"] = session.get("limits") or {}
        data["spans"] = report.spans
        typer.echo(json.dumps(data, ensure_ascii=False, default=str))
        return
    console = _console()
    console.print(tables.session_panel(session))
    console.print(tables.agents_table(report.tally.rows()))
    console.print(tables.span_tree(session, report.spans))


@sessions_app.command("cost")
def sessions_cost(
    ctx: typer.Context,
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
    from agentlab import services
    from agentlab.console import tables

    if any(not m.strip() for m in as_models):
        raise UsageError("--as: expected a model name, e.g. gpt-4o or claude-sonnet-4-5")
    report = services.session_costs(_db(ctx, db), session_id, as_models)
    if json_out:
        typer.echo(json.dumps(report, ensure_ascii=False))
    else:
        _console().print(tables.cost_table(report))


# --- export / replay ------------------------------------------------------------------------


@app.command()
def export(
    ctx: typer.Context,
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
    from agentlab import services

    if fmt not in services.EXPORT_FORMATS:
        raise UsageError(f"--format: expected otlp-json or jsonl, got {fmt!r}")
    text = services.export_session(
        _db(ctx, db), session_id, "jsonl" if fmt == "jsonl" else "otlp-json"
    )
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
    ctx: typer.Context,
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

    from agentlab import services
    from agentlab.console.printer import Printer

    recording = services.load_recording(_db(ctx, db), session_id)
    session, events = recording.session, recording.events
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


@guard_app.command("scan")
def guard_scan(
    file: Annotated[
        str, typer.Argument(metavar="[FILE|-]", help="A text file, or - for standard input.")
    ] = "-",
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Run the input layer (injection detector) and the output layer (PII and secrets) on a
    text. Exits 1 when it looks like a prompt injection."""
    import sys

    from agentlab.core.checks.scan import scan_text

    if file == "-":
        text = sys.stdin.read()
    else:
        try:
            text = Path(file).read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise UsageError(f"FILE: cannot read {file}: {exc.strerror}") from None
    got = scan_text(text)
    if json_out:
        typer.echo(json.dumps(got, ensure_ascii=False))
    else:
        verdict = "prompt injection" if got["injection"] else "no injection found"
        typer.echo(f"{verdict} (score {got['score']:.2f})")
        for reason in got["reasons"]:
            typer.echo(f"  - {reason}")
        for h in got["hidden"]:
            typer.echo(f"  hidden {h['kind']}: {h['text'][:100]}")
        kinds = sorted({p["kind"] for p in got["pii"]})
        typer.echo(f"PII/secrets: {', '.join(kinds) if kinds else 'none'}")
        if got["pii"]:
            typer.echo(got["redacted"])
    if got["injection"]:
        raise typer.Exit(1)


@app.command()
def audit(
    scenarios: Annotated[
        list[str], typer.Argument(metavar="SCENARIO...", help="Scenario files or names.")
    ],
) -> None:
    """The lethal-trifecta audit: per agent, which of private data, untrusted content and a
    way to send data out its tools give it. Exits 1 when an agent holds all three and the
    scenario does not acknowledge it ([guardrails] trifecta_reason)."""
    from agentlab.core.checks.trifecta import FIXES, TRIFECTA
    from agentlab.core.checks.trifecta import audit as run_audit
    from agentlab.paths import default_scenarios_dir
    from agentlab.scenario import load_scenario, pattern_tools
    from agentlab.shipped import find_scenario

    failing = 0
    for name in scenarios:
        spec = load_scenario(find_scenario(name, default_scenarios_dir()))
        extra = {a.name: pattern_tools(spec, a) for a in spec.agents}
        for a in run_audit(spec, extra):
            has = ", ".join(
                f"{cap} ({'/'.join(a.has[cap])})" if a.has.get(cap) else f"no {cap}"
                for cap in TRIFECTA
            )
            if a.failing:
                failing += 1
                typer.echo(f"{spec.name}/{a.agent}: LETHAL TRIFECTA: {has}")
                for fix in FIXES:
                    typer.echo(f"  fix: {fix}")
            elif a.trifecta:
                typer.echo(
                    f"{spec.name}/{a.agent}: trifecta acknowledged ({a.acknowledged}): {has}"
                )
            else:
                typer.echo(f"{spec.name}/{a.agent}: ok: {has}")
    if failing:
        raise typer.Exit(1)


# --- entry point ----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    """Console-script entry (``agentlab``)."""
    app(args=argv, prog_name="agentlab")


if __name__ == "__main__":
    main()
