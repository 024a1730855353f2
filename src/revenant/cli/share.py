"""`revenant case tlp`, `export stix|misp|report`, `misp push`: what partner agencies and a
prosecutor get, and what each may see. Thin: parse, call act/, print. The notice
commands are in cli/notice.py, registered from here."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from revenant.act.casefile import read_case_file
from revenant.act.misp import build_event, push, read_key
from revenant.act.report import render as render_report
from revenant.act.report import write as write_report
from revenant.act.stix import build_bundle
from revenant.act.tlp import LEVELS, export_limit, parse_level
from revenant.cli import app, emit_json, settings_of
from revenant.cli.case import case_app
from revenant.errors import UsageError
from revenant.model import Feature, utcnow
from revenant.store import open_store
from revenant.store.cases import set_case_tlp, set_feature_tlp

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
    """Add the sharing commands: `export stix|misp|report` under `export`; `case tlp` and
    `misp push` attach when this module is imported, `notice …` with cli/notice.py."""
    export.command("stix")(export_stix)
    export.command("misp")(export_misp)
    export.command("report")(export_report)
    from revenant.cli import notice  # noqa: F401  (its commands attach on import)


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
