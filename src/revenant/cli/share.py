"""`revenant case tlp`, `notice …`, `export stix|misp|report`, `misp push`: telling hosts,
registrars and partner agencies, and what each may see. Thin: parse, call act/, print."""

from __future__ import annotations

import typer

from revenant.act.tlp import LEVELS, parse_level
from revenant.cli import emit_json, settings_of
from revenant.cli.case import case_app
from revenant.model import Feature
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
    """Add the sharing commands (`export stix|misp|report` under `export`; `case tlp`,
    `notice …` and `misp push` are attached when this module is imported)."""
