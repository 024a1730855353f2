"""`revenant case tlp`, `notice …`, `export stix|misp|report`, `misp push`: telling hosts,
registrars and partner agencies, and what each may see. Thin: parse, call act/, print."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import typer

from revenant.act.casefile import read_case_file
from revenant.act.decisions import default_actor
from revenant.act.misp import build_event, push, read_key
from revenant.act.notice_text import Notifier
from revenant.act.notices import NO_RESPONSE_DAYS, approve, draft, review, send_notice
from revenant.act.rdap import Bootstrap, RdapAnswer, Recipients, who_to_tell
from revenant.act.report import render as render_report
from revenant.act.report import write as write_report
from revenant.act.smtp import SmtpServer
from revenant.act.stix import build_bundle
from revenant.act.tlp import LEVELS, export_limit, parse_level
from revenant.cli import app, emit_json, settings_of
from revenant.cli.case import case_app
from revenant.errors import UsageError
from revenant.model import Feature, utcnow
from revenant.pipeline import Pipeline, default_probe_config
from revenant.probe import ProbeConfig, Prober
from revenant.store import open_store
from revenant.store.alerts import get_alert
from revenant.store.cases import get_case, set_case_tlp, set_feature_tlp
from revenant.store.notices import Notice, get_notice, list_notices
from revenant.store.rdap import answers_for_alert

_JSON = typer.Option(False, "--json", help="Print JSON.")


@case_app.command("tlp")
def case_tlp(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Case name."),
    level: str = typer.Argument(..., help="CLEAR, GREEN, AMBER, AMBER+STRICT or RED."),
    feature: str | None = typer.Option(
        None, "--feature", help="KIND:VALUE of one fingerprint feature (as `case show` lists)."
    ),
    as_json: bool = _JSON,
) -> None:
    """Set the Traffic Light Protocol level of a case or of one of its features.

    Partner exports (`export stix|misp --tlp`) leave out everything above their level; a
    feature is never shared below its case's level."""
    tlp = parse_level(level)
    store = open_store(settings_of(ctx).db_url)
    if feature is None:
        case = set_case_tlp(store, name, tlp)
        doc: dict[str, object] = {"case": case.name, "tlp": str(case.tlp)}
        line = f"case {case.name}: TLP:{case.tlp} ({LEVELS[case.tlp].audience})"
    else:
        kind, sep, value = feature.partition(":")
        if not sep or not kind or not value:
            raise typer.BadParameter(f"feature {feature!r}: write it KIND:VALUE, e.g. ga:UA-1-1")
        cf = set_feature_tlp(store, name, Feature(kind, value), tlp)
        doc = {"case": name, "feature": str(cf.feature), "tlp": str(cf.tlp)}
        line = f"case {name}: {cf.feature} TLP:{cf.tlp} ({LEVELS[cf.tlp].audience})"
    if as_json:
        emit_json(doc)
    else:
        typer.echo(line)


def register(export: typer.Typer) -> None:
    """Add the sharing commands (`export stix|misp|report` under `export`; `case tlp`,
    `notice …` and `misp push` are attached when this module is imported)."""
    export.command("stix")(export_stix)
    export.command("misp")(export_misp)
    export.command("report")(export_report)


_TLP = typer.Option(
    "AMBER", "--tlp", help="Partner's level: CLEAR, GREEN, AMBER or AMBER+STRICT (never RED)."
)


def _write(path: Path, data: bytes) -> None:
    """Write an export: a new file, or a replaced one, never a half-written one."""
    if path.is_dir():
        raise UsageError(f"{path} is a directory; give a file name with -o")
    if not path.parent.is_dir():
        raise UsageError(f"{path.parent}: no such directory")
    tmp = path.with_name(f".{path.name}.part")
    tmp.write_bytes(data)
    tmp.replace(path)


def export_stix(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Case to export."),
    output: Path = typer.Option(..., "-o", "--output", help="STIX 2.1 bundle (JSON) to write."),
    tlp: str = _TLP,
    as_json: bool = _JSON,
) -> None:
    """A STIX 2.1 bundle of the case's confirmed re-emergences, for a partner at --tlp."""
    limit = export_limit(tlp)
    store = open_store(settings_of(ctx).db_url)
    result = build_bundle(read_case_file(store, name), limit=limit, now=utcnow())
    _write(output, json.dumps(result.bundle, indent=2, ensure_ascii=False).encode() + b"\n")
    doc = {
        "stix": str(output),
        "objects": result.objects,
        "tlp": str(limit),
        "left_out": result.left_out,
    }
    if as_json:
        emit_json(doc)
    else:
        typer.echo(
            f"wrote {output}: {result.objects} STIX objects at TLP:{limit} "
            f"({result.left_out} above TLP:{limit} left out)"
        )


def export_misp(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Case to export."),
    output: Path = typer.Option(..., "-o", "--output", help="MISP event (JSON) to write."),
    tlp: str = _TLP,
    as_json: bool = _JSON,
) -> None:
    """A MISP event of the case's confirmed re-emergences, for a partner at --tlp."""
    limit = export_limit(tlp)
    store = open_store(settings_of(ctx).db_url)
    result = build_event(read_case_file(store, name), limit=limit, now=utcnow())
    _write(output, result.to_json().encode() + b"\n")
    doc = {
        "misp": str(output),
        "attributes": result.attributes,
        "tlp": str(limit),
        "left_out": result.left_out,
    }
    if as_json:
        emit_json(doc)
    else:
        typer.echo(
            f"wrote {output}: MISP event with {result.attributes} attributes at TLP:{limit} "
            f"({result.left_out} above TLP:{limit} left out)"
        )


misp_app = typer.Typer(no_args_is_help=True, help="Share with a partner's MISP instance.")
app.add_typer(misp_app, name="misp")


@misp_app.command("push")
def misp_push(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Case to push."),
    url: str = typer.Option(..., "--url", help="The partner's MISP base URL (https://...)."),
    key_file: Path = typer.Option(..., "--key-file", help="File holding the MISP API key."),
    tlp: str = _TLP,
    ca_file: str | None = typer.Option(None, "--ca-file", help="CA to trust for the MISP's TLS."),
    as_json: bool = _JSON,
) -> None:
    """Send the case's MISP event (at --tlp) to a partner's MISP through its REST API."""
    limit = export_limit(tlp)
    if not url.startswith(("https://", "http://")):
        raise UsageError(f"--url {url!r}: give the MISP's http(s) base URL")
    key = read_key(key_file)
    store = open_store(settings_of(ctx).db_url)
    result = build_event(read_case_file(store, name), limit=limit, now=utcnow())
    event_id = push(result, url, key, ca_file=ca_file)
    if as_json:
        emit_json(
            {"url": url, "event": event_id, "attributes": result.attributes, "tlp": str(limit)}
        )
    else:
        typer.echo(
            f"pushed case {name} to {url}: event {event_id}, {result.attributes} attributes at TLP:{limit}"
        )


# ----------------------------------------------------------------------- notices

notice_app = typer.Typer(no_args_is_help=True, help="Notices to registrars and hosts.")
app.add_typer(notice_app, name="notice")
_ACTOR = typer.Option(None, "--actor", help="Who acts (default: the OS user).")


def _probe_config(allow: list[str], resolver: str | None, ca: str | None) -> ProbeConfig:
    return default_probe_config(allow=allow, resolver=resolver, ca_file=ca)


def _bootstrap(path: Path | None) -> Bootstrap:
    if path is None:
        return Bootstrap.shipped()
    try:
        docs = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"--rdap-bootstrap {path}: {exc}") from None
    if not isinstance(docs, dict):
        raise UsageError(f"--rdap-bootstrap {path}: a JSON object of RFC 9224 registries")
    return Bootstrap.from_registries(docs)


def _lookup(
    ctx: typer.Context, alert_id: int, config: ProbeConfig, bootstrap: Bootstrap
) -> Recipients:
    settings = settings_of(ctx)
    store = open_store(settings.db_url)
    with store.session() as session:
        alert = get_alert(session, alert_id)
    pipe = Pipeline(settings=settings, store=store, probe_config=config)

    async def run() -> Recipients:
        async with Prober(config) as prober:
            return await who_to_tell(
                prober, bootstrap, store, alert, evidence=pipe.evidence(alert.case)
            )

    try:
        return asyncio.run(run())
    finally:
        pipe.close()


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
    found = _lookup(ctx, alert_id, _probe_config(allow, resolver, ca), _bootstrap(rdap_bootstrap))
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
    roles = {"both": ["registrar", "host"], "registrar": ["registrar"], "host": ["host"]}.get(to)
    if roles is None:
        raise UsageError(f"--to {to!r}: registrar, host or both")
    notifier = _notifier(from_name, from_email, from_org)
    settings = settings_of(ctx)
    store = open_store(settings.db_url)
    answers = answers_for_alert(store, alert_id)
    asns: tuple[int, ...] = ()
    if refresh or not answers:
        found = _lookup(
            ctx, alert_id, _probe_config(allow, resolver, ca), _bootstrap(rdap_bootstrap)
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


def export_report(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Case to report on."),
    output: Path = typer.Option(..., "-o", "--output", help="FILE.html or FILE.pdf to write."),
    as_json: bool = _JSON,
) -> None:
    """The case report for a prosecutor: hops, re-emergences and why, evidence and how to
    verify it, orders and zone entries, notices, timeline figures (HTML or PDF)."""
    settings = settings_of(ctx)
    store = open_store(settings.db_url)
    report = render_report(store, settings.data_dir, name, now=utcnow())
    out = write_report(report, output)
    if as_json:
        emit_json({"report": str(out), "bytes": out.stat().st_size, "tlp": report.tlp})
    else:
        typer.echo(
            f"wrote {out} ({out.stat().st_size} bytes): {report.mirrors} confirmed "
            f"re-emergence(s), marked TLP:{report.tlp}"
        )
