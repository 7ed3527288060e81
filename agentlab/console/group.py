"""The CLI's command group: every failure is one line on stderr and an exit code."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any

import typer
from typer.core import TyperGroup

from agentlab.core.secrets import mask
from agentlab.errors import AgentlabError


class OneLineErrors(TyperGroup):
    """Every failure becomes one line on stderr and an exit code, never a traceback. Lives on
    the command group so the console script and CliRunner tests behave the same."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,  # ignored: errors are always handled here
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            rv = super().main(
                args,
                prog_name,
                complete_var,
                standalone_mode=False,
                windows_expand_args=windows_expand_args,
                **extra,
            )
            code = rv if isinstance(rv, int) else 0
        except typer.Abort:
            typer.echo("error: aborted", err=True)
            code = 130
        except typer.Exit as exc:
            code = exc.exit_code
        except typer.TyperException as exc:  # usage errors: one line naming the option
            ctx = getattr(exc, "ctx", None)
            if type(exc).__name__ == "NoArgsIsHelpError" and ctx is not None:
                typer.echo(ctx.get_help())
                sys.exit(0)
            fmt = getattr(exc, "format_message", None)
            msg = (fmt() if fmt else str(exc)).replace("\n", " ")
            where = f" (see `{ctx.command_path} --help`)" if ctx is not None else ""
            typer.echo(mask(f"error: {msg}{where}"), err=True)
            code = getattr(exc, "exit_code", 2)
        except AgentlabError as exc:
            typer.echo(mask(f"error: {exc}"), err=True)
            code = exc.exit_code
        except KeyboardInterrupt:
            typer.echo("error: interrupted", err=True)
            code = 130
        except Exception as exc:  # a bug in agentlab: still one line, details on request
            if os.environ.get("AGENTLAB_DEBUG"):
                raise
            typer.echo(
                mask(
                    f"error: internal error: {type(exc).__name__}: {exc} "
                    "(run with AGENTLAB_DEBUG=1 for the traceback, and please report it)"
                ),
                err=True,
            )
            code = 1
        sys.exit(code)
