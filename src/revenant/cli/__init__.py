"""The front door: `revenant COMMAND`. Thin: each command parses its arguments, calls the
same core functions the demo, the watch loop and the tests call, and prints.

Exit codes: 0 ok, 1 a finding or a failure (one clear line on stderr), 2 a usage error.
No traceback unless `--debug`. Every command's errors take one path, `_Group`: designed
errors and file-system errors raised by a command, and Click's own usage errors, each
become one line `revenant: …` and their exit code (`exit_code`).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from typing import Any

import typer
from typer.core import TyperGroup

from revenant.errors import RevenantError, UsageError
from revenant.settings import Settings


def exit_code(exc: BaseException) -> int:
    """The exit code of an error: 2 for wrong usage, 1 for any other failure."""
    if isinstance(exc, UsageError):
        return 2
    if isinstance(exc, typer.TyperException):  # Click's usage errors (Typer's base)
        return int(exc.exit_code)
    return 1


class _Group(TyperGroup):
    """The one error path: every command's errors become one line and an exit code."""

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except (RevenantError, OSError) as exc:
            if _debug(ctx) or isinstance(exc, BrokenPipeError):  # `| head`: Click ends quietly
                raise
            typer.echo(f"revenant: {exc}", err=True)
            raise typer.Exit(exit_code(exc)) from exc

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except typer.TyperException as exc:  # wrong options or arguments, as Click saw them
            # Click's errors build their message (e.g. "Missing argument 'url'.") on demand
            build = getattr(exc, "format_message", None)
            message = str(build()) if callable(build) else exc.message
            if "\n" in message:  # a command group called bare: its help is the answer
                typer.echo(message, err=True)
            else:
                ctx = getattr(exc, "ctx", None)
                where = f" (see `{ctx.command_path} --help`)" if ctx is not None else ""
                typer.echo(f"revenant: {message}{where}", err=True)
            sys.exit(exit_code(exc))
        except typer.Abort:
            typer.echo("revenant: interrupted", err=True)
            sys.exit(130)
        sys.exit(code if isinstance(code, int) else 0)


def _debug(ctx: typer.Context) -> bool:
    root = ctx.find_root()
    return bool(isinstance(root.obj, dict) and root.obj.get("debug"))


app = typer.Typer(
    cls=_Group,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    add_completion=False,
    help="Revenant: find seized platforms coming back, prove it, act.",
)


@app.callback()
def _root(
    ctx: typer.Context,
    db: str | None = typer.Option(None, "--db", help="Database URL (env REVENANT_DB)."),
    data_dir: str | None = typer.Option(
        None, "--data-dir", help="Evidence and database directory (env REVENANT_DATA)."
    ),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks."),
) -> None:
    settings = Settings.resolve(data_dir, db)
    ctx.obj = {"settings": settings, "debug": debug}
    if db or os.environ.get("REVENANT_DB"):  # given, not the default under --data-dir
        from revenant.store.db import check_url

        check_url(settings.db_url, create_dirs=False)


def settings_of(ctx: typer.Context) -> Settings:
    """The resolved settings, from the root command's options."""
    obj = ctx.find_root().obj
    assert isinstance(obj, dict)
    settings = obj["settings"]
    assert isinstance(settings, Settings)
    return settings


def emit_json(value: object) -> None:
    """Print one JSON document on stdout (what `--json` promises)."""
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def _register() -> None:
    # Imported here so each command module can import `app` helpers from this one.
    from revenant.cli import case, demo, pipeline, watch, web  # noqa: F401
    from revenant.cli.discover import register
    from revenant.cli.evidence import export_wacz_command, timestamp_command, verify_command

    register(app)
    app.command("verify")(verify_command)
    app.command("timestamp")(timestamp_command)
    export = typer.Typer(no_args_is_help=True, help="Export a case's evidence.")
    export.command("wacz")(export_wacz_command)
    from revenant.cli.share import register as register_sharing

    register_sharing(export)  # case tlp, notices, partner exports, the case report
    app.add_typer(export, name="export")
    from revenant.cli.act import register as register_act

    register_act(app, export)


_register()


def main(argv: list[str] | None = None) -> None:
    """Console entry point."""
    app(args=argv, prog_name="revenant")
