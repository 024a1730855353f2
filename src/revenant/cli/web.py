"""`revenant serve` and `revenant user ...`: the dashboard and its accounts.

A user's name is the identity decisions are recorded under, in the dashboard and
through the CLI's `--actor` alike.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from revenant.act.channels import channels
from revenant.act.rpz import DEFAULT_ZONE
from revenant.act.tlp import parse_level
from revenant.cli import app, emit_json, settings_of
from revenant.cli.probing import lookup_probe_options
from revenant.errors import UsageError
from revenant.probe import ProbeConfig
from revenant.store import audit, open_store
from revenant.store.accounts import (
    add_user,
    grant,
    list_users,
    new_password,
    revoke,
    role_of,
    update_user,
)

user_app = typer.Typer(no_args_is_help=True, help="Dashboard accounts and case memberships.")
app.add_typer(user_app, name="user")

_STDIN = typer.Option(
    False, "--password-stdin", help="Read the password from standard input (else one is made)."
)


def _password(from_stdin: bool) -> tuple[str, bool]:
    """(password, whether it was generated)."""
    if not from_stdin:
        return new_password(), True
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise UsageError("--password-stdin: no password on standard input")
    return line, False


def _env(name: str, help: str, default: str | None = None) -> Any:
    return typer.Option(
        default, f"--{name}", envvar=f"REVENANT_{name.upper().replace('-', '_')}", help=help
    )


_SMTP = _env("smtp", "SMTP server HOST[:PORT] notices are sent through (STARTTLS required).")
_SMTP_CA_FILE = _env("smtp-ca-file", "CA (PEM) for the SMTP server's certificate.")
_SMTP_USER = _env("smtp-user", "SMTP login.")
_SMTP_PASSWORD_FILE = _env("smtp-password-file", "File holding the SMTP password.")
_RPZ_SERVER = _env("rpz-server", "DNS primary IP:PORT the blocking zone is pushed to.")
_RPZ_ZONE = _env("rpz-zone", "Zone name on the primary.", DEFAULT_ZONE)
_RPZ_TSIG = _env("rpz-tsig", "TSIG key file for the primary (tsig-keygen format).")
_MISP_URL = _env("misp-url", "The partner's MISP base URL events are pushed to.")
_MISP_KEY_FILE = _env("misp-key-file", "File holding that MISP's API key.")
_MISP_CA_FILE = _env("misp-ca-file", "CA (PEM) for that MISP's TLS.")
_RDAP_BOOTSTRAP = _env(
    "rdap-bootstrap", "RFC 9224 registries (JSON) instead of the shipped IANA files."
)


@app.command()
@lookup_probe_options
def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    tls_cert: str | None = typer.Option(None, "--tls-cert", help="TLS certificate (PEM)."),
    tls_key: str | None = typer.Option(None, "--tls-key", help="TLS private key (PEM)."),
    smtp: str | None = _SMTP,
    smtp_ca_file: str | None = _SMTP_CA_FILE,
    smtp_user: str | None = _SMTP_USER,
    smtp_password_file: str | None = _SMTP_PASSWORD_FILE,
    rpz_server: str | None = _RPZ_SERVER,
    rpz_zone: str = _RPZ_ZONE,
    rpz_tsig: Path | None = _RPZ_TSIG,
    misp_url: str | None = _MISP_URL,
    misp_key_file: Path | None = _MISP_KEY_FILE,
    misp_ca_file: str | None = _MISP_CA_FILE,
    rdap_bootstrap: Path | None = _RDAP_BOOTSTRAP,
    *,
    probe: ProbeConfig,
) -> None:
    """Serve the analysts' dashboard until Ctrl-C; act from it through the SMTP server,
    DNS primary and MISP given here (the probe options say how RDAP servers are asked)."""
    from revenant.web.serve import serve as run

    settings = settings_of(ctx)
    outside = channels(
        smtp=smtp,
        smtp_ca_file=smtp_ca_file,
        smtp_user=smtp_user,
        smtp_password_file=smtp_password_file,
        rpz_server=rpz_server,
        rpz_zone=rpz_zone,
        rpz_tsig=rpz_tsig,
        misp_url=misp_url,
        misp_key_file=misp_key_file,
        misp_ca_file=misp_ca_file,
        rdap_probe=probe,
        rdap_bootstrap=rdap_bootstrap,
    )
    run(
        settings,
        host=host,
        port=port,
        store=open_store(settings.db_url),
        announce=lambda line: typer.echo(line, err=True),
        tls_cert=tls_cert,
        tls_key=tls_key,
        channels=outside,
    )


@user_app.command("add")
def user_add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The name the user logs in with (and decides as)."),
    role: str = typer.Option(..., "--role", help="admin, analyst, viewer or partner."),
    case: list[str] = typer.Option([], "--case", help="Make the user a member (repeatable)."),
    tlp: str = typer.Option(
        "GREEN", "--tlp", help="A partner's clearance: the highest TLP level it may see."
    ),
    password_stdin: bool = _STDIN,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Create an account; prints the generated password once (only its hash is kept)."""
    store = open_store(settings_of(ctx).db_url)
    password, generated = _password(password_stdin)
    user = add_user(store, name, role_of(role), password, tlp=parse_level(tlp))
    for c in case:
        grant(store, user.name, c)
    if as_json:
        emit_json(
            {"name": user.name, "role": str(user.role), "tlp": str(user.tlp), "cases": case}
            | ({"password": password} if generated else {})
        )
        return
    clearance = f" up to TLP:{user.tlp}" if user.clearance else ""
    typer.echo(
        f"user {user.name}: {user.role}{clearance}{', cases ' + ', '.join(case) if case else ''}"
    )
    if generated:
        typer.echo(f"password: {password}")


@user_app.command("list")
def user_list(
    ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")
) -> None:
    """Accounts, their roles and the cases they are members of."""
    found = list_users(open_store(settings_of(ctx).db_url))
    if as_json:
        emit_json(
            [
                {
                    "name": u.name,
                    "role": str(u.role),
                    "tlp": str(u.clearance) if u.clearance else None,
                    "disabled": u.disabled,
                    "cases": cases,
                    "created": u.created_at.isoformat(),
                }
                for u, cases in found
            ]
        )
        return
    for u, cases in found:
        where = "every case" if u.role == "admin" else ", ".join(cases) or "-"
        role = f"{u.role} TLP:{u.tlp}" if u.clearance else str(u.role)
        typer.echo(f"{u.name}\t{role}\t{'disabled' if u.disabled else 'active'}\t{where}")


@user_app.command("role")
def user_role(
    ctx: typer.Context,
    name: str = typer.Argument(...),
    role: str = typer.Argument(..., help="admin, analyst, viewer or partner."),
) -> None:
    """Change a user's role."""
    user = update_user(open_store(settings_of(ctx).db_url), name, role=role_of(role))
    typer.echo(f"user {user.name}: {user.role}")


@user_app.command("tlp")
def user_tlp(
    ctx: typer.Context,
    name: str = typer.Argument(...),
    level: str = typer.Argument(..., help="CLEAR, GREEN, AMBER, AMBER+STRICT or RED."),
) -> None:
    """Set a partner's clearance: the highest TLP level it may see."""
    user = update_user(open_store(settings_of(ctx).db_url), name, tlp=parse_level(level))
    typer.echo(f"user {user.name}: clearance TLP:{user.tlp}")


@user_app.command("password")
def user_password(
    ctx: typer.Context, name: str = typer.Argument(...), password_stdin: bool = _STDIN
) -> None:
    """Set a new password (the user's sessions end)."""
    password, generated = _password(password_stdin)
    user = update_user(open_store(settings_of(ctx).db_url), name, password=password)
    typer.echo(f"user {user.name}: password changed")
    if generated:
        typer.echo(f"password: {password}")


@user_app.command("disable")
def user_disable(ctx: typer.Context, name: str = typer.Argument(...)) -> None:
    """Stop a user logging in (their sessions end at once)."""
    update_user(open_store(settings_of(ctx).db_url), name, disabled=True)
    typer.echo(f"user {name}: disabled")


@user_app.command("enable")
def user_enable(ctx: typer.Context, name: str = typer.Argument(...)) -> None:
    """Let a disabled user log in again."""
    update_user(open_store(settings_of(ctx).db_url), name, disabled=False)
    typer.echo(f"user {name}: enabled")


@user_app.command("grant")
def user_grant(
    ctx: typer.Context, name: str = typer.Argument(...), case: str = typer.Argument(...)
) -> None:
    """Make a user a member of a case."""
    added = grant(open_store(settings_of(ctx).db_url), name, case)
    typer.echo(f"user {name}: member of {case}{'' if added else ' (already)'}")


@user_app.command("revoke")
def user_revoke(
    ctx: typer.Context, name: str = typer.Argument(...), case: str = typer.Argument(...)
) -> None:
    """End a user's membership of a case."""
    removed = revoke(open_store(settings_of(ctx).db_url), name, case)
    typer.echo(f"user {name}: {'no longer' if removed else 'was not'} a member of {case}")


@app.command("audit")
def audit_log(
    ctx: typer.Context,
    actor: str | None = typer.Option(None, "--user", help="Only this user's entries."),
    action: str | None = typer.Option(None, "--action", help=", ".join(audit.ACTIONS)),
    limit: int = typer.Option(50, "--limit", help="At most this many, newest first."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """The dashboard's audit log: logins, evidence views, downloads, decisions."""
    if action is not None and action not in audit.ACTIONS:
        raise UsageError(f"--action {action!r}: one of {', '.join(audit.ACTIONS)}")
    found = audit.entries(
        open_store(settings_of(ctx).db_url), limit=max(1, limit), actor=actor, action=action
    )
    if as_json:
        emit_json(
            [
                {
                    "id": e.id,
                    "time": e.time.isoformat(),
                    "user": e.actor,
                    "action": e.action,
                    "subject": e.subject,
                    "address": e.address,
                    "detail": e.detail,
                }
                for e in found
            ]
        )
        return
    for e in found:
        typer.echo(
            f"#{e.id}\t{e.time:%Y-%m-%d %H:%M:%S}\t{e.actor or '-'}\t{e.action}\t{e.subject}"
            f"\t{e.address}\t{e.detail}"
        )
