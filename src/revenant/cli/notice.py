"""`revenant notice contacts|draft|approve|send|list|show|review`: notices to the registrar
and the host of a confirmed name. Thin: parse, call act/, print."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from revenant.act.channels import RdapAccess, lookup_contacts, read_bootstrap
from revenant.act.decisions import default_actor
from revenant.act.notice_text import Notifier
from revenant.act.notices import NO_RESPONSE_DAYS, RECIPIENTS, approve, draft, review, send_notice
from revenant.act.rdap import Bootstrap, RdapAnswer, Recipients
from revenant.act.smtp import SmtpServer
from revenant.cli import app, emit_json, settings_of
from revenant.errors import UsageError
from revenant.pipeline import default_probe_config
from revenant.probe import ProbeConfig
from revenant.store import open_store
from revenant.store.alerts import get_alert
from revenant.store.cases import get_case
from revenant.store.notices import Notice, get_notice, list_notices
from revenant.store.rdap import answers_for_alert

_JSON = typer.Option(False, "--json", help="Print JSON.")

# ----------------------------------------------------------------------- notices

notice_app = typer.Typer(no_args_is_help=True, help="Notices to registrars and hosts.")
app.add_typer(notice_app, name="notice")
_ACTOR = typer.Option(None, "--actor", help="Who acts (default: the OS user).")


def _lookup(
    ctx: typer.Context, alert_id: int, config: ProbeConfig, bootstrap: Bootstrap
) -> Recipients:
    settings = settings_of(ctx)
    store = open_store(settings.db_url)
    with store.session() as session:
        alert = get_alert(session, alert_id)
    access = RdapAccess(config, bootstrap)
    return lookup_contacts(store, settings.data_dir, alert.case, [alert], access)[0]


_RESOLVER = typer.Option(None, "--resolver", help="DNS resolver IP:PORT for RDAP lookups.")
_ALLOW = typer.Option([], "--allow", help="CIDR RDAP lookups may reach although reserved (tests).")
_CA = typer.Option(None, "--ca-file", help="Extra trusted CA (PEM) for RDAP servers.")
_BOOT = typer.Option(
    None, "--rdap-bootstrap", help="RFC 9224 registries (JSON) instead of the shipped IANA files."
)


def _answer_line(role: str, answer: RdapAnswer) -> str:
    if answer.found:
        return f"  {role}: {answer.holder or '?'} <{', '.join(answer.abuse_emails)}> ({answer.url})"
    return f"  {role}: {answer.outcome}: {answer.reason}"


@notice_app.command("contacts")
def notice_contacts(
    ctx: typer.Context,
    alert_id: int = typer.Argument(..., help="Alert id (as `revenant alerts` lists)."),
    resolver: str | None = _RESOLVER,
    allow: list[str] = _ALLOW,
    ca: str | None = _CA,
    rdap_bootstrap: Path | None = _BOOT,
    as_json: bool = _JSON,
) -> None:
    """Look up who to tell about an alert's name: registrar and host abuse contacts (RDAP)."""
    found = _lookup(
        ctx,
        alert_id,
        default_probe_config(allow=allow, resolver=resolver, ca_file=ca),
        read_bootstrap(rdap_bootstrap),
    )
    if as_json:
        emit_json(found.as_json())
        return
    asn = f" AS{', AS'.join(str(a) for a in found.asns)}" if found.asns else ""
    typer.echo(f"alert #{alert_id} {found.host}:{asn}")
    typer.echo(_answer_line("registrar", found.registrar))
    typer.echo(_answer_line("host", found.network))


def _notifier(name: str | None, email: str | None, org: str | None) -> Notifier:
    return Notifier(
        name=(name or os.environ.get("REVENANT_NOTIFIER_NAME") or "").strip(),
        email=(email or os.environ.get("REVENANT_NOTIFIER_EMAIL") or "").strip(),
        org=(org or os.environ.get("REVENANT_NOTIFIER_ORG") or "").strip(),
    )


def _notice_line(n: Notice) -> str:
    return f"#{n.id}\t{n.state}\t{n.case}\t{n.host}\t{n.role}\t{n.recipient_email}\t{n.subject}"


@notice_app.command("draft")
def notice_draft(
    ctx: typer.Context,
    alert_id: int = typer.Argument(..., help="A confirmed alert's id."),
    to: str = typer.Option("both", "--to", help="registrar, host or both."),
    from_name: str | None = typer.Option(None, "--from-name", help="Notifier's name."),
    from_email: str | None = typer.Option(None, "--from-email", help="Notifier's e-mail."),
    from_org: str | None = typer.Option(None, "--from-org", help="Notifier's organisation."),
    refresh: bool = typer.Option(False, "--refresh", help="Look the contacts up again (RDAP)."),
    resolver: str | None = _RESOLVER,
    allow: list[str] = _ALLOW,
    ca: str | None = _CA,
    rdap_bootstrap: Path | None = _BOOT,
    actor: str | None = _ACTOR,
    as_json: bool = _JSON,
) -> None:
    """Draft the notices of a confirmed alert (RDAP contacts looked up if none are kept)."""
    roles = RECIPIENTS.get(to)
    if roles is None:
        raise UsageError(f"--to {to!r}: registrar, host or both")
    notifier = _notifier(from_name, from_email, from_org)
    settings = settings_of(ctx)
    store = open_store(settings.db_url)
    answers = answers_for_alert(store, alert_id)
    asns: tuple[int, ...] = ()
    if refresh or not answers:
        found = _lookup(
            ctx,
            alert_id,
            default_probe_config(allow=allow, resolver=resolver, ca_file=ca),
            read_bootstrap(rdap_bootstrap),
        )
        answers, asns = answers_for_alert(store, alert_id), found.asns
    with store.session() as session:
        case = get_alert(session, alert_id).case
    done = draft(
        store,
        settings.data_dir,
        alert_id,
        answers,
        roles=roles,
        notifier=notifier,
        actor=actor or default_actor(),
        asn=asns[0] if asns else _asn_of(answers),
        case_domains=get_case(store, case).domains,
    )
    if as_json:
        emit_json({"drafted": [n.as_json() for n in done.notices], "skipped": list(done.skipped)})
        return
    for n in done.notices:
        typer.echo(f"drafted notice #{n.id} to {n.role} {n.recipient} <{n.recipient_email}>")
    for why in done.skipped:
        typer.echo(f"no notice: {why}")
    if not done.notices:
        raise typer.Exit(1)


def _asn_of(answers: list[dict[str, object]]) -> int | None:
    for a in answers:
        asns = a.get("asns")
        if isinstance(asns, list) and asns:
            return int(asns[0])
    return None


@notice_app.command("approve")
def notice_approve(
    ctx: typer.Context,
    notice_id: int = typer.Argument(...),
    actor: str | None = _ACTOR,
) -> None:
    """Approve a drafted notice for sending (recorded with its actor)."""
    settings = settings_of(ctx)
    n = approve(
        open_store(settings.db_url), settings.data_dir, notice_id, actor=actor or default_actor()
    )
    typer.echo(f"notice #{n.id} approved by {n.approved_by}")


@notice_app.command("send")
def notice_send(
    ctx: typer.Context,
    notice_id: int = typer.Argument(...),
    smtp: str = typer.Option(..., "--smtp", help="SMTP server HOST[:PORT] (STARTTLS required)."),
    smtp_ca_file: str | None = typer.Option(None, "--smtp-ca-file", help="CA for its certificate."),
    smtp_user: str | None = typer.Option(None, "--smtp-user", help="SMTP login."),
    smtp_password_file: str | None = typer.Option(None, "--smtp-password-file"),
    actor: str | None = _ACTOR,
    as_json: bool = _JSON,
) -> None:
    """Send an approved notice by e-mail (once); the bytes sent go to the custody ledger."""
    settings = settings_of(ctx)
    server = SmtpServer.parse(
        smtp, ca_file=smtp_ca_file, username=smtp_user, password_file=smtp_password_file
    )
    n = send_notice(
        open_store(settings.db_url),
        settings.data_dir,
        notice_id,
        server,
        actor=actor or default_actor(),
    )
    if as_json:
        emit_json(n.as_json())
    else:
        typer.echo(f"sent notice #{n.id} to {n.recipient_email}: {n.message_id} {n.sent_digest}")


@notice_app.command("list")
def notice_list(
    ctx: typer.Context,
    case: str | None = typer.Option(None, "--case", help="Only this case."),
    state: str | None = typer.Option(
        None, "--state", help="drafted, approved, sent, acted, no-response."
    ),
    as_json: bool = _JSON,
) -> None:
    """List notices and their state."""
    notices = list_notices(open_store(settings_of(ctx).db_url), case=case, state=state)
    if as_json:
        emit_json([n.as_json() for n in notices])
        return
    for n in notices:
        typer.echo(_notice_line(n))


@notice_app.command("show")
def notice_show(
    ctx: typer.Context,
    notice_id: int = typer.Argument(...),
    as_json: bool = _JSON,
) -> None:
    """Show a notice: its state, then its body as it will be (or was) sent."""
    n = get_notice(open_store(settings_of(ctx).db_url), notice_id)
    if as_json:
        emit_json(n.as_json(full=True))
        return
    typer.echo(_notice_line(n))
    if n.outcome_note:
        typer.echo(f"outcome: {n.outcome_note}")
    typer.echo(f"Subject: {n.subject}\n")
    typer.echo(n.body)


@notice_app.command("review")
def notice_review(
    ctx: typer.Context,
    days: int = typer.Option(
        NO_RESPONSE_DAYS, "--days", help="Days without effect before no-response."
    ),
    as_json: bool = _JSON,
) -> None:
    """Close sent notices: acted (a re-check found the site down) or no response after --days."""
    settings = settings_of(ctx)
    closed = review(open_store(settings.db_url), settings.data_dir, days=days)
    if as_json:
        emit_json([n.as_json() for n in closed])
        return
    for n in closed:
        typer.echo(f"notice #{n.id} {n.host} -> {n.state}: {n.outcome_note}")
    if not closed:
        typer.echo("no sent notice changed state")
