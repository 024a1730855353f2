"""The front door: `revenant COMMAND`. Thin: each command parses its arguments, calls the
same core functions the demo, the watch loop and the tests call, and prints.

Exit codes: 0 ok, 1 a finding or a failure (one clear line on stderr), 2 a usage error.
No traceback unless `--debug`.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import typer
from typer.core import TyperGroup

from revenant.errors import RevenantError, UsageError
from revenant.settings import Settings


class _Group(TyperGroup):
    """Turns designed errors into one line and an exit code, at every level of commands."""

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except RevenantError as exc:
            if _debug(ctx):
                raise
            typer.echo(f"revenant: {exc}", err=True)
            raise typer.Exit(2 if isinstance(exc, UsageError) else 1) from exc


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
    ctx.obj = {"settings": Settings.resolve(data_dir, db), "debug": debug}


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
    try:
        app(args=argv, prog_name="revenant")
    except RevenantError as exc:  # raised outside a command (e.g. while parsing)
        print(f"revenant: {exc}", file=sys.stderr)
        sys.exit(2 if isinstance(exc, UsageError) else 1)
