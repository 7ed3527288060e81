"""``agentlab collect`` and ``agentlab import-otlp``: the commands' bodies (cli.py registers
them). Heavy imports happen inside the functions, so ``agentlab --help`` stays fast."""

from __future__ import annotations

import asyncio
import math
import signal
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from agentlab.errors import UsageError

if TYPE_CHECKING:
    from agentlab.collect.assembly import Caps, SessionState

LOOPBACK = ("127.0.0.1", "localhost", "::1")
DbOpt = Annotated[
    Path | None,
    typer.Option("--db", metavar="PATH", help="SQLite file (default: $AGENTLAB_HOME/agentlab.db)."),
]


def _db(ctx: typer.Context, db: Path | None) -> Path | None:
    if db is not None:
        return db
    root: Path | None = ctx.find_root().params.get("db")
    return root


def _caps(max_cost: float | None, max_tokens: int | None) -> Caps:
    from agentlab.collect.assembly import Caps

    if max_cost is not None and (not math.isfinite(max_cost) or max_cost <= 0):
        raise UsageError(f"--max-cost: must be a finite number greater than 0, got {max_cost}")
    if max_tokens is not None and max_tokens < 1:
        raise UsageError(f"--max-tokens: must be at least 1, got {max_tokens}")
    return Caps(cost_usd=max_cost, total_tokens=max_tokens)


def collect(
    ctx: typer.Context,
    port: Annotated[
        int, typer.Option("--port", min=0, max=65535, metavar="N", help="Port (OTLP/HTTP: 4318).")
    ] = 4318,
    host: Annotated[
        str,
        typer.Option(
            "--host", metavar="ADDR", help="Address to listen on (default: loopback only)."
        ),
    ] = "127.0.0.1",
    once: Annotated[
        bool,
        typer.Option(
            "--once",
            help="Stop after the first session is complete (its root span came and nothing "
            "more for --idle seconds).",
        ),
    ] = False,
    fail_on_cap: Annotated[
        bool,
        typer.Option("--fail-on-cap", help="With --once: exit 3 if the session crossed a cap."),
    ] = False,
    max_cost: Annotated[
        float | None,
        typer.Option("--max-cost", metavar="USD", help="Flag a session costing more than USD."),
    ] = None,
    max_tokens: Annotated[
        int | None,
        typer.Option("--max-tokens", metavar="N", help="Flag a session using more than N tokens."),
    ] = None,
    idle: Annotated[
        float,
        typer.Option(
            "--idle",
            min=0,
            metavar="SECONDS",
            help="A session whose root span came is complete after this long with nothing new.",
        ),
    ] = 2.0,
    db: DbOpt = None,
) -> None:
    """Receive OpenTelemetry traces (OTLP/HTTP) from any framework and record them as sessions.

    Point an app at it with OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318: LangGraph,
    the OpenAI Agents SDK, pydantic-ai, CrewAI, smolagents and litellm runs then appear live
    and afterwards in `sessions list`, `sessions show`, `replay` and `export`."""
    from agentlab.services import check_db

    caps = _caps(max_cost, max_tokens)
    if fail_on_cap and not once:
        raise UsageError("--fail-on-cap: only with --once (a CI run collects one session)")
    if fail_on_cap and not caps.items():
        raise UsageError("--fail-on-cap: give a cap to check (--max-cost or --max-tokens)")
    if not math.isfinite(idle):
        raise UsageError(f"--idle: expected a finite number, got {idle}")
    db_path = _db(ctx, db)
    check_db(db_path)
    if host not in LOOPBACK:
        typer.echo(
            f"warning: listening on {host}: anyone who can reach this machine can send traces "
            "into your session database",
            err=True,
        )
    try:
        code = asyncio.run(_serve(host, port, db_path, caps, once, fail_on_cap, idle))
    except KeyboardInterrupt:
        code = 0  # Ctrl-C is how a receiver is stopped; open sessions were recorded
    raise typer.Exit(code)


async def _serve(
    host: str,
    port: int,
    db_path: Path | None,
    caps: Caps,
    once: bool,
    fail_on_cap: bool,
    idle: float,
) -> int:
    from rich.console import Console
    from rich.live import Live

    from agentlab.collect import view
    from agentlab.collect.assembly import Assembler
    from agentlab.collect.server import Receiver
    from agentlab.core import otel_in
    from agentlab.services import recording_bus

    console = Console(highlight=False, soft_wrap=False)
    live_view = console.is_terminal
    ended: list[SessionState] = []

    def on_end(s: SessionState) -> None:
        ended.append(s)
        if not live_view:
            typer.echo(f"recorded {view.summary_line(s)}")
            sys.stdout.flush()

    with recording_bus(db_path) as rec:
        assembler = Assembler(rec.emit, caps=caps, idle=idle, on_end=on_end)

        def accept(spans: list[otel_in.InSpan]) -> None:
            with rec.batch():
                assembler.add(spans, time.monotonic())

        receiver = Receiver(accept)
        try:
            bound = await receiver.start(host, port)
        except OSError as exc:
            raise UsageError(
                f"--port {port}: cannot listen on {host}:{port} ({exc.strerror or exc}); "
                "is another collector running? (try --port 0 for a free port)"
            ) from None
        url = f"http://{'[' + host + ']' if ':' in host else host}:{bound}"
        typer.echo(
            f"agentlab collect: receiving OTLP traces on {url}/v1/traces (Ctrl-C to stop)\n"
            f"  point your app at it: OTEL_EXPORTER_OTLP_ENDPOINT={url}",
            err=True,
        )
        sys.stderr.flush()
        # The first price lookup imports litellm (seconds): do it now, off the event loop.
        warm = asyncio.ensure_future(asyncio.to_thread(otel_in.priced, "gpt-4o-mini", "", 0, 0))
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        try:
            loop.add_signal_handler(signal.SIGTERM, stop.set)
        except (NotImplementedError, RuntimeError):  # pragma: no cover - not on Windows
            pass
        live = Live(console=console, auto_refresh=False) if live_view else None
        if live is not None:
            live.start()
        try:
            while not stop.is_set():
                try:
                    await asyncio.wait_for(stop.wait(), 0.25)
                except TimeoutError:
                    pass
                with rec.batch():  # a recording failure ends the collector (exit 1)
                    assembler.tick(time.monotonic())
                if live is not None:
                    live.update(view.table(assembler, receiver.stats, url), refresh=True)
                if once and ended:
                    break
        finally:
            await receiver.stop()
            with rec.batch():
                assembler.close()
            if live is not None:
                live.update(view.table(assembler, receiver.stats, url), refresh=True)
                live.stop()
            await asyncio.gather(warm, return_exceptions=True)
    if receiver.stats.bad:
        typer.echo(f"{receiver.stats.bad} bad payload(s) refused", err=True)
    if once and fail_on_cap and ended and ended[0].crossed:
        crossed = ", ".join(f"{k} {v:g}" for k, v in ended[0].crossed.items())
        typer.echo(f"session {ended[0].id} crossed a cap: {crossed}", err=True)
        return 3
    return 0


def import_otlp(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help="A saved OTLP trace export: protobuf or JSON (one request, or one per line), "
            "gzipped or not.",
        ),
    ],
    db: DbOpt = None,
) -> None:
    """Record the traces in a saved OTLP payload as sessions (as `agentlab collect` would)."""
    from agentlab.collect import view
    from agentlab.services import recording_bus

    spans = read_file(file)
    with recording_bus(_db(ctx, db)) as rec, rec.batch():
        done = assemble(spans, rec.emit)
    if not done:
        raise UsageError(f"{file}: no agent, model or tool spans in it (nothing to record)")
    for s in done:
        typer.echo(f"recorded {view.summary_line(s)}")


def assemble(spans: list[Any], emit: Any) -> list[SessionState]:
    """All of ``spans`` through an assembler; returns the sessions, every one ended."""
    from agentlab.collect.assembly import Assembler

    done: list[SessionState] = []
    assembler = Assembler(emit, idle=0.0, on_end=done.append)
    assembler.add(spans, 0.0)
    assembler.tick(math.inf)
    assembler.close()
    return done


def read_file(path: Path) -> list[Any]:
    """The spans in a saved payload; a file that is not one is a UsageError naming it."""
    from agentlab.collect.otlp import BadPayload, decode, gunzip

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        if data[:2] == b"\x1f\x8b":
            data = gunzip(data)
        text = data.lstrip()
        if text[:1] == b"{":
            lines = [ln for ln in data.splitlines() if ln.strip()]
            try:
                return decode(data, "application/json")
            except BadPayload:
                if len(lines) < 2:
                    raise
            spans = []
            for n, line in enumerate(lines, 1):
                try:
                    spans += decode(line, "application/json")
                except BadPayload as exc:
                    raise BadPayload(f"line {n}: {exc}") from None
            return spans
        return decode(data, "application/x-protobuf")
    except BadPayload as exc:
        raise UsageError(f"{path}: {exc}") from None
