"""``agentlab models`` (what is configured, priced, keyed) and ``agentlab models check NAME``
(one tiny call). Thin: the work is in :mod:`agentlab.modelsfile`."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from agentlab.errors import UsageError

if TYPE_CHECKING:
    from agentlab.core.models import ModelsConfig

models_app = typer.Typer(
    help="Configured models and aliases ($AGENTLAB_HOME/models.toml); check one with a tiny call.",
    invoke_without_command=True,
)

ModelsOpt = Annotated[
    Path | None,
    typer.Option(
        "--models", metavar="FILE", help="Models file (default: $AGENTLAB_HOME/models.toml)."
    ),
]


def _load(path: Path | None) -> ModelsConfig:
    from agentlab.modelsfile import load_models

    return load_models(path)


@models_app.callback()
def models_list(
    ctx: typer.Context,
    models: ModelsOpt = None,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print JSON instead of a table.")
    ] = False,
) -> None:
    """List configured models and aliases: price per 1M tokens (or unpriced) and whether the
    key is present (never the key itself)."""
    if ctx.invoked_subcommand is not None:
        return
    from rich.console import Console
    from rich.table import Table

    from agentlab.modelsfile import model_rows

    cfg = _load(models)
    rows = model_rows(cfg)
    if json_out:
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    where = cfg.path or "no models file (see README: models.toml)"
    table = Table(title=f"Models ({where})", title_justify="left")
    for col in ("name", "model", "$/1M in", "$/1M out", "key", "api base / fallbacks"):
        table.add_column(col, overflow="fold")
    for r in rows:
        priced = r["input_usd_per_mtok"] is not None
        extra = ", ".join(
            x for x in [str(r["api_base"] or ""), *(f"-> {f}" for f in r["fallbacks"])] if x
        )
        table.add_row(
            str(r["name"]),
            str(r["model"]) if r["alias"] else "",
            f"{r['input_usd_per_mtok']:g}" if priced else "unpriced",
            f"{r['output_usd_per_mtok']:g}" if priced else "unpriced",
            str(r["key"]),
            extra,
        )
    Console(highlight=False, soft_wrap=False).print(table)


@models_app.command("check")
def models_check(
    name: Annotated[str, typer.Argument(metavar="NAME", help="An alias or a litellm model.")],
    models: ModelsOpt = None,
    api_base: Annotated[
        str | None,
        typer.Option("--api-base", metavar="URL", help="Base URL of an OpenAI-compatible server."),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Make one tiny call: latency and the usage the provider reported, or one line saying
    what is wrong (no key, unreachable, unauthorised, unknown model)."""
    from dataclasses import asdict

    from agentlab.core import secrets
    from agentlab.modelsfile import probe

    if not name.strip():
        raise UsageError("NAME: expected a model name or alias, e.g. gpt-4o-mini")
    if api_base is not None and not api_base.startswith(("http://", "https://")):
        raise UsageError("--api-base: expected an http:// or https:// URL")
    result = asyncio.run(probe(name, _load(models), api_base))
    if json_out:
        typer.echo(json.dumps(asdict(result), ensure_ascii=False))
    elif result.ok:
        usage = "reported by the provider" if result.provider_usage else "estimated locally"
        shown = f" ({name} -> {result.model})" if result.model != name else ""
        typer.echo(
            f"{name}{shown}: ok in {result.seconds:.2f} s; {result.input_tokens} input / "
            f"{result.output_tokens} output tokens ({usage}); replied {result.reply!r}"
        )
    else:
        typer.echo(
            secrets.mask(f"error: {name}: {result.kind}: {result.error}"),
            err=True,
        )
    if not result.ok:
        raise typer.Exit(1)
