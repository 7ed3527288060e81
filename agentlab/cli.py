"""The command line. Thin: parse, call a service, print. No business logic here.

Exit codes: 0 completed, 1 runtime error, 2 bad input, 3 stopped by a limit or guardrail,
4 a rerun diverged from its recording, 130 interrupted.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

import agentlab
from agentlab.advisor.cli import advise
from agentlab.collect import command as collect_command
from agentlab.console.group import OneLineErrors
from agentlab.errors import Interrupted, UsageError
from agentlab.modelscli import models_app

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
app.add_typer(models_app, name="models")
guard_app = typer.Typer(help="The Guardrail Sandwich by hand.", no_args_is_help=True)
app.add_typer(guard_app, name="guard")

EXIT = {"completed": 0, "error": 1, "stopped": 3, "interrupted": 130, "running": 1}


def _tty(stream: Any) -> bool:
    """A terminal; False for a stream that is None (the process started with it closed)."""
    return stream is not None and stream.isatty()


#: A rerun that no longer matches its recording (the agents' behaviour changed).
EXIT_DIVERGED = 4

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
        if not (_tty(sys.stdin) and _tty(sys.stdout)):
            raise UsageError("the TUI needs a terminal; see `agentlab --help` for commands")
        from agentlab.services import check_db
        from agentlab.tui.app import make_app

        check_db(db)  # a bad --db is one error line here, not a crash inside the TUI
        if scenarios is not None and not scenarios.is_dir():
            raise UsageError(f"--scenarios: {scenarios} is not a folder")
        tui = make_app(db_path=db, scenarios_dir=scenarios)
        tui.run()
        exit_now(tui.return_code or 0)


def exit_now(code: int) -> None:
    """Leave without running litellm's exit hooks (a logging-worker flush and an HTTP client
    cleanup that take seconds after a run): everything of ours is closed by now, since each
    service call closes the database. Quitting the TUI takes well under half a second."""
    from agentlab.services import close_databases

    close_databases()  # the databases runs recorded into (os._exit skips atexit)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


# --- run ------------------------------------------------------------------------------------


ModelOpt = Annotated[
    str | None,
    typer.Option(
        "--model", metavar="MODEL", help="Override every agent's model (any litellm model)."
    ),
]
ApiBaseOpt = Annotated[
    str | None,
    typer.Option("--api-base", metavar="URL", help="Base URL of an OpenAI-compatible server."),
]
LabLatencyOpt = Annotated[
    float | None,
    typer.Option(
        "--lab-latency", min=0, metavar="MS", help="Add MS of latency to every lab-model call."
    ),
]
NoRecordOpt = Annotated[
    bool, typer.Option("--no-record", help="Run without recording the session (nothing stored).")
]
LockWaitOpt = Annotated[
    float | None,
    typer.Option(
        "--lock-wait",
        metavar="SECONDS",
        help="How long the recording waits for another program's write lock before the run "
        "stops with error:recording (default: $AGENTLAB_LOCK_WAIT or 30).",
    ),
]
RunJsonOpt = Annotated[
    bool, typer.Option("--json", help="Print only the run summary as one JSON object.")
]
MaxTokensOpt = Annotated[
    int | None, typer.Option("--max-tokens", metavar="N", help="Cap on total tokens.")
]
MaxCostOpt = Annotated[
    float | None, typer.Option("--max-cost", metavar="USD", help="Cap on cost in USD (> 0).")
]
MaxStepsOpt = Annotated[
    int | None, typer.Option("--max-steps", metavar="N", help="Cap on model calls.")
]
MaxToolCallsOpt = Annotated[
    int | None, typer.Option("--max-tool-calls", metavar="N", help="Cap on tool calls.")
]
MaxTimeOpt = Annotated[
    float | None,
    typer.Option("--max-time", metavar="SECONDS", help="Cap on wall time in seconds (> 0)."),
]
ApprovalsOpt = Annotated[
    str,
    typer.Option(
        "--approvals",
        metavar="ask|allow|deny|TOOL=allow|deny,...",
        help="Risky tool calls: ask (at the terminal; else the scenario's policy), allow, deny; "
        "or per tool, e.g. issue_refund=deny,allow. Recorded as decided by policy.",
    ),
]
ThenModelOpt = Annotated[
    str | None,
    typer.Option(
        "--then-model",
        metavar="MODEL",
        help="When the run no longer matches the recording (or at --fork-at), go on live "
        "with MODEL instead of stopping.",
    ),
]
ForkAtOpt = Annotated[
    str | None,
    typer.Option(
        "--fork-at",
        metavar="STEP|AGENT:STEP",
        help="Replay up to this model call (the session's N-th, or AGENT's N-th), then go on "
        "live (with --then-model, or each agent's own model).",
    ),
]


def _check_model(option: str, model: str | None) -> None:
    from agentlab.core.labmodels import LAB_MODELS

    if model is not None and not model.strip():
        raise UsageError(f"{option}: expected a model name, e.g. gpt-4o-mini or ollama/llama3.2")
    if model is not None and model.startswith("lab/") and model not in LAB_MODELS:
        raise UsageError(
            f"{option}: unknown lab model {model!r} (lab models: {', '.join(LAB_MODELS)})"
        )


AllowPathOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--allow-path",
        metavar="FOLDER",
        help="Let the scenario's workspace or docs folder be here, outside the scenario's "
        "own folder (repeatable). By default they must be inside it.",
    ),
]


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
    model: ModelOpt = None,
    api_base: ApiBaseOpt = None,
    db: DbOpt = None,
    models_path: Annotated[
        Path | None,
        typer.Option(
            "--models",
            metavar="FILE",
            help="Models file: aliases, timeouts, retries, fallbacks, prices "
            "(default: $AGENTLAB_HOME/models.toml).",
        ),
    ] = None,
    lab_latency: LabLatencyOpt = None,
    json_out: RunJsonOpt = False,
    max_tokens: MaxTokensOpt = None,
    max_cost: MaxCostOpt = None,
    max_steps: MaxStepsOpt = None,
    max_tool_calls: MaxToolCallsOpt = None,
    max_time: MaxTimeOpt = None,
    approvals: ApprovalsOpt = "ask",
    replay_from: Annotated[
        str | None,
        typer.Option(
            "--replay-from",
            metavar="SESSION|RECORDING",
            help="Answer every model call from this recording (a session, a .jsonl file or a "
            "shipped recording's name): no model is called.",
        ),
    ] = None,
    then_model: ThenModelOpt = None,
    fork_at: ForkAtOpt = None,
    no_record: NoRecordOpt = False,
    lock_wait: LockWaitOpt = None,
    allow_path: AllowPathOpt = None,
) -> None:
    """Run a scenario offline (lab models) or against any litellm model, recording the session.

    With --replay-from, the model's answers come from a recording: see `agentlab rerun`."""
    if replay_from is None:
        for option, value in (("--then-model", then_model), ("--fork-at", fork_at)):
            if value is not None:
                raise UsageError(f"{option}: only with --replay-from (or `agentlab rerun`)")
    elif model is not None:
        raise UsageError("--model: a replay answers from the recording; use --then-model")
    _execute(
        ctx,
        db,
        scenario=scenario,
        replay_from=replay_from,
        then_model=then_model,
        fork_at=fork_at,
        model=model,
        api_base=api_base,
        lab_latency=lab_latency,
        json_out=json_out,
        models_path=models_path,
        caps={
            "total_tokens": max_tokens,
            "cost_usd": max_cost,
            "steps": max_steps,
            "tool_calls": max_tool_calls,
            "wall_time_s": max_time,
        },
        approvals=approvals,
        record=not no_record,
        lock_wait=lock_wait,
        allow_paths=allow_path or [],
    )


@app.command()
def rerun(
    ctx: typer.Context,
    source: Annotated[
        str,
        typer.Argument(
            metavar="SESSION|RECORDING",
            help="A session id or unique prefix, a recording file (JSONL from `export`), or the "
            "name of a recording shipped with agentlab.",
        ),
    ],
    scenario: Annotated[
        str | None,
        typer.Argument(
            metavar="SCENARIO",
            help="Scenario file or name to run (default: the recorded one).",
        ),
    ] = None,
    then_model: ThenModelOpt = None,
    fork_at: ForkAtOpt = None,
    api_base: ApiBaseOpt = None,
    db: DbOpt = None,
    json_out: RunJsonOpt = False,
    max_tokens: MaxTokensOpt = None,
    max_cost: MaxCostOpt = None,
    max_steps: MaxStepsOpt = None,
    max_tool_calls: MaxToolCallsOpt = None,
    max_time: MaxTimeOpt = None,
    approvals: ApprovalsOpt = "ask",
    no_record: NoRecordOpt = False,
    lock_wait: LockWaitOpt = None,
    allow_path: AllowPathOpt = None,
) -> None:
    """Run a recorded session again with no model calls: every answer comes from the recording.

    Tools, checks, caps and approvals run for real and the rerun is recorded as a new session
    linked to its source. Change the scenario (an instruction, a cap, a tool) and rerun to see
    what would have happened. When the run stops matching the recording it stops with one line
    naming the agent, the step and what differed (exit code 4), or goes on live with
    --then-model."""
    _execute(
        ctx,
        db,
        scenario=scenario,
        replay_from=source,
        then_model=then_model,
        fork_at=fork_at,
        model=None,
        api_base=api_base,
        lab_latency=None,
        json_out=json_out,
        caps={
            "total_tokens": max_tokens,
            "cost_usd": max_cost,
            "steps": max_steps,
            "tool_calls": max_tool_calls,
            "wall_time_s": max_time,
        },
        approvals=approvals,
        record=not no_record,
        lock_wait=lock_wait,
        allow_paths=allow_path or [],
    )


def _warn_trifecta(spec: Any) -> None:
    from agentlab.core.checks.trifecta import audit as trifecta_audit

    for held in trifecta_audit(spec):
        if held.failing:
            typer.echo(
                f"warning: agent {held.agent} holds the lethal trifecta (private data, untrusted "
                "content, a way out); see `agentlab audit`",
                err=True,
            )


def _execute(
    ctx: typer.Context,
    db: Path | None,
    *,
    scenario: str | None,
    replay_from: str | None,
    then_model: str | None,
    fork_at: str | None,
    model: str | None,
    api_base: str | None,
    lab_latency: float | None,
    json_out: bool,
    caps: dict[LimitKind, float | int | None],
    approvals: str,
    models_path: Path | None = None,
    record: bool = True,
    lock_wait: float | None = None,
    allow_paths: list[Path] | None = None,
) -> None:
    """``run`` and ``rerun``: parse the options, run through the services, print, exit."""
    from agentlab.console import prompts
    from agentlab.core.checks import display
    from agentlab.core.context import RunOptions
    from agentlab.core.events import SessionStarted
    from agentlab.core.spec import MAX_LAB_LATENCY_MS
    from agentlab.modelsfile import load_models
    from agentlab.paths import default_scenarios_dir
    from agentlab.scenario import load_scenario
    from agentlab.services import lock_wait_from_env, rerun_recorded, run_recorded
    from agentlab.shipped import find_scenario

    _check_model("--model", model)
    _check_model("--then-model", then_model)
    if lab_latency is not None and not math.isfinite(lab_latency):
        raise UsageError(f"--lab-latency: expected a finite number, got {lab_latency}")
    if lab_latency is not None and lab_latency > MAX_LAB_LATENCY_MS:
        raise UsageError(f"--lab-latency: at most {MAX_LAB_LATENCY_MS:g} ms, got {lab_latency:g}")
    if api_base is not None and not api_base.startswith(("http://", "https://")):
        raise UsageError("--api-base: expected an http:// or https:// URL")
    if lock_wait is not None and not 0 <= lock_wait < math.inf:
        raise UsageError(f"--lock-wait: expected a number of seconds (0 or more), got {lock_wait}")
    if lock_wait is None:
        lock_wait = lock_wait_from_env()  # a bad value is one line naming the variable
    try:
        prompts.parse_policy(approvals)
    except ValueError as exc:
        raise UsageError(f"--approvals: {exc}") from None
    for folder in allow_paths or []:
        if not folder.expanduser().is_dir():
            raise UsageError(f"--allow-path: no such folder: {folder}")
    if fork_at is not None:
        from agentlab.core.cassette import ForkAt

        ForkAt.parse(fork_at)  # a bad value is one line naming the option, before anything runs
    # A file, or a scenario's name in ./scenarios or shipped with agentlab.
    path = find_scenario(scenario, default_scenarios_dir()) if scenario is not None else None
    options = RunOptions(
        model=model,
        api_base=api_base,
        lab_latency_ms=lab_latency,
        stream=not json_out,
        caps=_caps(caps),
        models=load_models(models_path) if models_path is not None else None,
    )
    subscribers = []
    printer = None
    if not json_out:
        from agentlab.console.printer import Printer  # rich: --json runs do not load it

        console = _console()
        printer = Printer(console, live=console.is_terminal)
        subscribers.append(display.masking(printer))  # PII masked when the scenario asks
    masked: list[bool] = []  # whether the session's scenario masks what people see
    subscribers.append(
        lambda e: masked.append(display.masks(e)) if isinstance(e, SessionStarted) else None
    )
    hooks = {
        "raise_cap": prompts.raise_cap_hook(printer),
        "approve": prompts.approve_hook(approvals, printer),
    }
    rerun_ = None
    try:
        if replay_from is None:
            assert path is not None
            spec = load_scenario(path, allow_paths or ())
            _warn_trifecta(spec)
            result = asyncio.run(
                run_recorded(
                    spec,
                    options=options,
                    db_path=_db(ctx, db),
                    subscribers=subscribers,
                    record=record,
                    lock_wait_s=lock_wait,
                    remembered_approvals=approvals == "ask",
                    **hooks,
                )
            )
        else:
            rerun_ = asyncio.run(
                rerun_recorded(
                    replay_from,
                    path,
                    db_path=_db(ctx, db),
                    then_model=then_model,
                    fork_at=fork_at,
                    options=options,
                    subscribers=subscribers,
                    record=record,
                    lock_wait_s=lock_wait,
                    allow_paths=allow_paths or (),
                    remembered_approvals=approvals == "ask",
                    **hooks,
                )
            )
            result = rerun_.result
    except KeyboardInterrupt:
        raise Interrupted("stopped by Ctrl-C; the session is recorded as interrupted") from None
    finally:
        if printer is not None:
            printer.close()
    if json_out:
        summary = rerun_.summary() if rerun_ is not None else result.summary()
        if any(masked):  # what a person sees of a scenario that masks PII
            summary["final_output"] = display.mask_value(summary["final_output"])
        typer.echo(json.dumps(summary, ensure_ascii=False))
    elif rerun_ is not None:
        live = f", {rerun_.live_calls} made live" if rerun_.live_calls else ", no model called"
        typer.echo(
            f"rerun of {rerun_.source}: {rerun_.replayed} model calls answered from the "
            f"recording{live}"
        )
    if result.stop_reason == "error:recording":  # what failed and where, in one line
        typer.echo(f"error: {result.error}", err=True)
    if rerun_ is not None and rerun_.diverged and not rerun_.live_calls:
        typer.echo(
            f"error: {rerun_.diverged} (add --then-model MODEL to go on live from there)",
            err=True,
        )
        raise typer.Exit(EXIT_DIVERGED)
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
        elif err["type"] == "less_than_equal":
            why = f"must be at most {bound['le']} (got {err['input']})"
        elif err["type"] == "finite_number":
            why = f"expected a finite number, got {err['input']}"
        else:
            why = err["msg"]
        raise UsageError(f"{option}: {why}") from None
    return limits.caps()


# --- sessions ---------------------------------------------------------------------------------


STATUSES = ("running", "completed", "stopped", "error", "interrupted")


def _since(value: str) -> float:
    """``--since``: a date (2026-11-29), a date and time (2026-11-29T14:00 or with a space), or
    an age (30m, 2h, 7d, 1w). Local time."""
    import re
    import time
    from datetime import datetime

    text = value.strip()
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([smhdw])", text)
    if m:
        unit = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[m.group(2)]
        return time.time() - float(m.group(1)) * unit
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        raise UsageError(
            f"--since: expected a date (2026-11-29), a date and time (2026-11-29T14:00) or an "
            f"age (30m, 2h, 7d), got {value!r}"
        ) from None


@sessions_app.command("list")
def sessions_list(
    ctx: typer.Context,
    db: DbOpt = None,
    json_out: JsonOpt = False,
    limit: Annotated[
        int, typer.Option("--limit", min=1, metavar="N", help="Show at most N (default 50).")
    ] = 50,
    scenario: Annotated[
        str | None,
        typer.Option("--scenario", metavar="NAME", help="Only this scenario (name or file)."),
    ] = None,
    status: Annotated[
        str | None,
        typer.Option(
            "--status", metavar="STATUS", help=f"Only this status: {', '.join(STATUSES)}."
        ),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option("--model", metavar="MODEL", help="Only sessions where an agent used MODEL."),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since", metavar="WHEN", help="Started since a date/time or an age (2h, 7d)."
        ),
    ] = None,
) -> None:
    """List recorded sessions, newest first (a page of --limit)."""
    from agentlab import services
    from agentlab.console import tables

    if status is not None and status not in STATUSES:
        raise UsageError(f"--status: expected one of {', '.join(STATUSES)}, got {status!r}")
    rows = services.list_sessions(
        _db(ctx, db),
        limit=limit,
        scenario=scenario,
        status=status,
        model=model,
        since=_since(since) if since is not None else None,
    )
    if json_out:
        typer.echo(json.dumps(rows, ensure_ascii=False))
    else:
        _console().print(tables.sessions_table(rows))


@sessions_app.command("rm")
def sessions_rm(
    ctx: typer.Context,
    session_ids: Annotated[
        list[str], typer.Argument(metavar="SESSION...", help="Session ids or unique prefixes.")
    ],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask.")] = False,
    db: DbOpt = None,
) -> None:
    """Delete sessions with their spans and events."""
    from agentlab import services

    path = _db(ctx, db)
    rows = services.find_sessions(path, session_ids)
    if not yes:
        if not _tty(sys.stdin):
            raise UsageError("--yes: needed to delete without a terminal to ask at")
        for r in rows:
            typer.echo(f"{r['session_id']}  {r['scenario']}  {r['status']}")
        if not typer.confirm(f"Delete {len(rows)} session(s)?", default=False):
            raise typer.Exit(1)
    removed = services.remove_sessions(path, [r["session_id"] for r in rows])
    typer.echo(f"deleted {len(removed)} session(s)")


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
    from agentlab.core.checks import display

    report = services.session_report(_db(ctx, db), session_id)
    session = report.session
    if display.session_masks(session):  # what a person sees of a scenario that masks PII
        session = {**session, "final_output": display.mask_value(session.get("final_output"))}
        report.spans = display.mask_spans(report.spans)
    if json_out:
        data = services.session_row(session)
        data["reruns"] = report.reruns
        data["agents"] = report.tally.rows()
        data["final_output"] = session.get("final_output") or ""
        data["limits"] = session.get("limits") or {}
        data["spans"] = report.spans
        typer.echo(json.dumps(data, ensure_ascii=False, default=str))
        return
    console = _console()
    console.print(tables.session_panel(session, report.reruns))
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
            help="otlp-json or otlp-proto (OpenTelemetry traces), or jsonl (lossless; "
            "`agentlab import` reads it back).",
        ),
    ] = "otlp-json",
    output: Annotated[
        Path | None, typer.Option("-o", "--output", metavar="FILE", help="Write to FILE.")
    ] = None,
    endpoint: Annotated[
        str | None,
        typer.Option(
            "--otlp-endpoint",
            metavar="URL",
            help="POST the trace to this OTLP/HTTP collector (Phoenix, Langfuse, an "
            "OpenTelemetry Collector): its /v1/traces URL or its base URL.",
        ),
    ] = None,
    db: DbOpt = None,
    no_mask: Annotated[
        bool,
        typer.Option(
            "--no-mask",
            help="Export exactly what is stored: PII is masked by default when the session's "
            "scenario masks it ([guardrails] mask_output).",
        ),
    ] = False,
) -> None:
    """Export a session: OTLP traces (opens in Phoenix, Langfuse, any OTLP backend) or JSONL."""
    from agentlab import services

    if fmt not in services.EXPORT_FORMATS:
        raise UsageError(
            f"--format: expected one of {', '.join(services.EXPORT_FORMATS)}, got {fmt!r}"
        )
    if endpoint is not None and fmt == "jsonl":
        raise UsageError("--otlp-endpoint: sends otlp-json or otlp-proto, not jsonl")
    path = _db(ctx, db)
    body: bytes
    if fmt == "otlp-proto":
        body = services.export_otlp_proto(path, session_id, mask=not no_mask)
    else:
        body = services.export_session(
            path, session_id, "jsonl" if fmt == "jsonl" else "otlp-json", mask=not no_mask
        ).encode("utf-8")
    if endpoint is not None:
        url = services.post_otlp(
            endpoint, body, "otlp-proto" if fmt == "otlp-proto" else "otlp-json"
        )
        typer.echo(f"sent {len(body):,} bytes to {url}", err=True)
        if output is None:
            return
    if output is None:
        if fmt == "otlp-proto" and sys.stdout.isatty():
            raise UsageError("-o/--output: otlp-proto is binary; write it to a file")
        sys.stdout.buffer.write(body)
        sys.stdout.flush()
    else:
        try:
            output.write_bytes(body)
        except OSError as exc:
            raise UsageError(f"-o/--output: cannot write {output}: {exc.strerror}") from None
        typer.echo(f"wrote {output}", err=True)


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help="A .jsonl recording (export -f jsonl), or a shipped recording's name.",
        ),
    ],
    db: DbOpt = None,
) -> None:
    """Import a JSONL recording into the database, keeping its session id."""
    from agentlab import services

    sid = services.import_session(_db(ctx, db), file)
    typer.echo(f"imported session {sid}")


@app.command()
def diff(
    ctx: typer.Context,
    a: Annotated[
        str, typer.Argument(metavar="A", help="Session id (or prefix), .jsonl file or recording.")
    ],
    b: Annotated[
        str, typer.Argument(metavar="B", help="Session id (or prefix), .jsonl file or recording.")
    ],
    db: DbOpt = None,
    json_out: JsonOpt = False,
    no_mask: Annotated[
        bool,
        typer.Option(
            "--no-mask",
            help="Show exactly what is stored: PII is masked by default when a session's "
            "scenario masks it ([guardrails] mask_output).",
        ),
    ] = False,
) -> None:
    """Compare two sessions: per-agent tokens, cost, steps and outcomes side by side, the final
    outputs as a text diff, and the first step where their trajectories part."""
    from agentlab import services
    from agentlab.console import diffview

    comparison = services.diff_sessions(_db(ctx, db), a, b, mask=not no_mask)
    if json_out:
        typer.echo(json.dumps(comparison.to_dict(), ensure_ascii=False))
        return
    diffview.print_comparison(_console(), comparison)


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
    from agentlab.core.checks import display

    recording = services.load_recording(_db(ctx, db), session_id)
    session, events = recording.session, recording.events
    printer = Printer(_console(), batch=speed == 0)  # instant: written in batches
    view = display.masking(printer)  # PII masked when the session's scenario asks
    prev = events[0].mono if events else 0.0
    for e in events:
        if speed > 0:
            time.sleep(max(0.0, min(2.0, (e.mono - prev) / speed)))
            prev = e.mono
        view(e)
    printer.close()
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
# OTLP receiver and importer: the bodies live in agentlab/collect/command.py.
app.command("collect")(collect_command.collect)
app.command("import-otlp")(collect_command.import_otlp)


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

    # Bytes, decoded as they are: offsets are into the text as given (no newline translation).
    if file == "-":
        if sys.stdin is None:  # started with standard input closed (`<&-`)
            raise UsageError("FILE: standard input is closed; give a file instead of -")
        text = sys.stdin.buffer.read().decode("utf-8", errors="replace")
    else:
        try:
            text = Path(file).read_bytes().decode("utf-8", errors="replace")
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


# --- eval -----------------------------------------------------------------------------------


@app.command("eval")
def eval_(
    ctx: typer.Context,
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="PATH",
            help="Scenario files with an [expect] table, *.eval.toml files, or folders of them "
            "(default: ./scenarios, else the shipped scenarios).",
        ),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option("--model", metavar="MODEL", help="Run every agent on this model."),
    ] = None,
    repeat: Annotated[
        int, typer.Option("--repeat", metavar="N", help="Run each case N times (pass^k).")
    ] = 1,
    concurrency: Annotated[
        int, typer.Option("--concurrency", metavar="K", help="Case runs at once.")
    ] = 4,
    shard: Annotated[
        str | None,
        typer.Option("--shard", metavar="I/N", help="Run only the I-th of N stable slices."),
    ] = None,
    json_out: JsonOpt = False,
    junit: Annotated[
        Path | None, typer.Option("--junit", metavar="FILE", help="Write JUnit XML here.")
    ] = None,
    baseline: Annotated[
        Path | None,
        typer.Option("--baseline", metavar="FILE", help="Compare with a saved baseline."),
    ] = None,
    save_baseline: Annotated[
        Path | None,
        typer.Option("--save-baseline", metavar="FILE", help="Save this run's figures."),
    ] = None,
    from_recordings: Annotated[
        bool,
        typer.Option(
            "--from-recordings",
            help="Answer every model call from each case's recording: no model, no cost.",
        ),
    ] = False,
    judge_model: Annotated[
        str | None,
        typer.Option(
            "--judge-model",
            metavar="MODEL",
            help="The real model that judges [expect.judge] rubrics (default: --model or the "
            "scenario's, when real; offline the judge is skipped with a note).",
        ),
    ] = None,
    db: DbOpt = None,
) -> None:
    """Run scenarios as a regression suite: check each run against its expectations, report
    Cost, Latency, Efficacy, Assurance and Reliability. Exit 0 when every case passed and
    nothing regressed against --baseline, 1 otherwise."""
    from agentlab.console.evaltables import eval_view
    from agentlab.eval import baseline as baselines
    from agentlab.eval.cases import load_cases
    from agentlab.eval.junit import write_junit
    from agentlab.eval.runner import EvalOptions, run_eval
    from agentlab.eval.shard import parse_shard
    from agentlab.eval.shard import shard as pick
    from agentlab.shipped import scenarios_dir

    _check_model("--model", model)
    _check_judge_model(judge_model)
    if not 1 <= repeat <= 1000:
        raise UsageError(f"--repeat: expected 1 to 1000, got {repeat}")
    if not 1 <= concurrency <= 64:
        raise UsageError(f"--concurrency: expected 1 to 64, got {concurrency}")
    slice_ = parse_shard(shard) if shard is not None else None
    base = baselines.load(baseline) if baseline is not None else None
    if not paths:
        paths = [Path("scenarios") if Path("scenarios").is_dir() else scenarios_dir()]
    cases, notes = load_cases(paths)
    if slice_ is not None:
        cases = pick(cases, [c.id for c in cases], *slice_)
        notes.append(f"shard {slice_[0]}/{slice_[1]}: {len(cases)} case(s)")
    opts = EvalOptions(
        model=model,
        repeat=repeat,
        concurrency=concurrency,
        from_recordings=from_recordings,
        db_path=_db(ctx, db),
        judge_model=judge_model,
    )
    try:
        run_id, rep = asyncio.run(run_eval(cases, opts, paths=[str(p) for p in paths]))
    except KeyboardInterrupt:
        raise Interrupted("interrupted: the case runs so far are recorded") from None
    changes = baselines.compare(base, rep) if base is not None else None
    regressed = bool(changes and any(c.regression for c in changes))
    if junit is not None:
        write_junit(junit, rep)
    if save_baseline is not None:
        baselines.save(save_baseline, rep)
    if json_out:
        data = {"eval_run": run_id, **rep.to_dict(), "notes": notes}
        if changes is not None:
            data["baseline"] = {
                "regressed": regressed,
                "changes": [c.to_dict() for c in changes],
            }
        typer.echo(json.dumps(data, ensure_ascii=False))
    else:
        console = _console()
        console.print(eval_view(rep, notes, changes))
        verdict = "passed" if rep.ok else "FAILED"
        typer.echo(
            f"eval run {run_id}: {verdict}"
            + (", regressed against the baseline" if regressed else "")
        )
    raise typer.Exit(0 if rep.ok and not regressed else 1)


def _check_judge_model(name: str | None) -> None:
    """``--judge-model``: a real model litellm can route (an alias of the models file too)."""
    if name is None:
        return
    from agentlab.core import llm
    from agentlab.modelsfile import load_models

    _check_model("--judge-model", name)
    model = load_models().resolve(name)
    if llm.is_lab(model):
        raise UsageError("--judge-model: a lab model cannot judge (it knows no answers)")
    try:
        llm.check_model(model)
    except UsageError as exc:
        raise UsageError(f"--judge-model: {exc}") from None


@sessions_app.command("to-eval")
def sessions_to_eval(
    ctx: typer.Context,
    session_id: Annotated[
        str, typer.Argument(metavar="SESSION", help="Session id or a unique prefix.")
    ],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", metavar="FILE", help="Write the eval file here."),
    ] = None,
    name: Annotated[str, typer.Option("--name", help="The case's name.")] = "",
    db: DbOpt = None,
) -> None:
    """Turn a recorded session into an eval case: its output, tool trajectory and spend become
    expectations you can edit (an *.eval.toml file; stdout unless --output)."""
    import os

    from agentlab import services
    from agentlab.eval.toeval import case_toml
    from agentlab.shipped import shipped_scenarios

    recording = services.load_recording(_db(ctx, db), session_id)
    session = recording.session
    recorded = str(session.get("scenario_path") or "")
    path = Path(recorded) if recorded else None
    if path is not None and not path.is_file():
        path = shipped_scenarios().get(path.stem)
    if path is None:
        raise UsageError(f"SESSION: the scenario file of {session_id} is not there ({recorded})")
    if output is not None and not output.name.endswith(".eval.toml"):
        raise UsageError(f"--output: name the file *.eval.toml (got {output.name})")
    where = (output.parent if output is not None else Path.cwd()).resolve()
    ref = os.path.relpath(path.resolve(), where)
    text = case_toml(session, recording.events, ref, name=name)
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"--output: cannot write {output}: {exc.strerror}") from None
    typer.echo(f"wrote {output}: run it with `agentlab eval {output}`")


# --- remembered approvals ("always") ---------------------------------------------------------

approvals_app = typer.Typer(
    help='Tools approved "always" for a scenario: list them, forget them.', no_args_is_help=True
)
app.add_typer(approvals_app, name="approvals")


@approvals_app.command("list")
def approvals_list(
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """The tools a person approved "always", by scenario ($AGENTLAB_HOME/approvals.json)."""
    from agentlab.services import remembered_approvals

    got = remembered_approvals()
    if json_out:
        typer.echo(json.dumps(got))
        return
    if not got["scenarios"]:
        typer.echo(f"no remembered approvals ({got['file']})")
        return
    for scenario, tools in got["scenarios"].items():
        typer.echo(f"{scenario}: {', '.join(tools)}")


@approvals_app.command("forget")
def approvals_forget(
    scenario: Annotated[
        str | None, typer.Argument(help="The scenario's name (as `approvals list` shows it).")
    ] = None,
    tool: Annotated[str | None, typer.Argument(help="One tool of it (default: all).")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Forget every remembered approval.")] = False,
) -> None:
    """Forget remembered approvals, so the next run asks a person again."""
    from agentlab.services import forget_approvals

    if all_ and scenario is not None:
        raise UsageError("--all: give either --all or a SCENARIO, not both")
    if not all_ and scenario is None:
        raise UsageError("SCENARIO: say which scenario's approvals to forget, or use --all")
    gone = forget_approvals(scenario, tool)
    if not gone:
        typer.echo("no remembered approvals to forget")
    for s, t in gone:
        typer.echo(f"forgot: {s}: {t}")


# --- entry point ----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    """Console-script entry (``agentlab``)."""
    app(args=argv, prog_name="agentlab")


if __name__ == "__main__":
    main()
