"""`revenant case create|list|show|pin|exclude`: the seized platforms being watched for."""

from __future__ import annotations

import typer

from revenant.cli import app, emit_json, settings_of
from revenant.model import Case, Feature
from revenant.store import open_store
from revenant.store.alerts import list_alerts
from revenant.store.cases import (
    add_terms,
    case_features,
    create_case,
    edit_case_feature,
    get_case,
    list_cases,
    reference_ids,
)

case_app = typer.Typer(no_args_is_help=True, help="Create and inspect cases.")
app.add_typer(case_app, name="case")


def _case_json(case: Case) -> dict[str, object]:
    return {
        "name": case.name,
        "domains": list(case.domains),
        "brands": list(case.brands),
        "created": case.created.isoformat() if case.created else None,
        "tlp": str(case.tlp),
    }


@case_app.command("create")
def create(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Case name, e.g. coco."),
    domain: list[str] = typer.Option(..., "--domain", help="A known domain (repeatable)."),
    brand: list[str] = typer.Option([], "--brand", help="A brand word (repeatable)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Create a case from the seized platform's known domains and brand words."""
    store = open_store(settings_of(ctx).db_url)
    case = create_case(store, name, domain, brand)
    if as_json:
        emit_json(_case_json(case))
    else:
        typer.echo(
            f"case {case.name}: {len(case.domains)} domain(s), {len(case.brands)} brand word(s)"
        )


@case_app.command("list")
def list_(
    ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")
) -> None:
    """List cases."""
    cases = list_cases(open_store(settings_of(ctx).db_url))
    if as_json:
        emit_json([_case_json(c) for c in cases])
        return
    for case in cases:
        typer.echo(f"{case.name}\t{', '.join(case.domains)}\t{', '.join(case.brands)}")


@case_app.command("show")
def show(
    ctx: typer.Context,
    name: str = typer.Argument(...),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show a case: domains, brand words, its fingerprint and its alerts."""
    store = open_store(settings_of(ctx).db_url)
    case = get_case(store, name)
    features = case_features(store, name)
    alerts = list_alerts(store, case=name)
    refs = reference_ids(store, name)
    if as_json:
        doc = _case_json(case) | {
            "references": refs,
            "features": [
                {
                    "kind": cf.feature.kind,
                    "value": cf.feature.value,
                    "stability": round(cf.stability, 3),
                    "pinned": cf.pinned,
                    "excluded": cf.excluded,
                }
                for cf in features
            ],
            "alerts": [
                {
                    "id": a.id,
                    "host": a.host,
                    "bits": round(a.bits, 2),
                    "verdict": a.verdict,
                    "state": a.state,
                }
                for a in alerts
            ],
        }
        emit_json(doc)
        return
    typer.echo(f"case {case.name}")
    typer.echo(f"  domains: {', '.join(case.domains)}")
    typer.echo(f"  brands:  {', '.join(case.brands) or '-'}")
    typer.echo(f"  tlp:     {case.tlp}")
    typer.echo(f"  fingerprint: {len(features)} feature(s) from {len(refs)} capture(s)")
    for cf in features:
        flags = "".join(("P" if cf.pinned else "-", "X" if cf.excluded else "-"))
        level = f"  TLP:{cf.tlp}" if cf.tlp != case.tlp else ""
        typer.echo(f"    {flags} {cf.stability:4.2f} {cf.feature}{level}")
    typer.echo(f"  alerts: {len(alerts)}")
    for a in alerts:
        typer.echo(f"    #{a.id} {a.bits:6.1f} bits  {a.verdict:13} {a.state:9} {a.host}")


def _edit(
    ctx: typer.Context, name: str, feature: str, *, pinned: bool | None, excluded: bool | None
) -> None:
    kind, sep, value = feature.partition(":")
    if not sep or not kind or not value:
        raise typer.BadParameter(f"feature {feature!r}: write it KIND:VALUE, e.g. ga:UA-1234-1")
    cf = edit_case_feature(
        open_store(settings_of(ctx).db_url),
        name,
        Feature(kind, value),
        pinned=pinned,
        excluded=excluded,
    )
    typer.echo(f"case {name}: {cf.feature} pinned={cf.pinned} excluded={cf.excluded}")


@case_app.command("pin")
def pin(
    ctx: typer.Context,
    name: str = typer.Argument(...),
    feature: str = typer.Argument(..., help="KIND:VALUE, as `case show` lists it."),
    undo: bool = typer.Option(False, "--undo", help="Remove the pin."),
) -> None:
    """Pin a feature: it always counts in full, whatever its stability."""
    _edit(ctx, name, feature, pinned=not undo, excluded=None)


@case_app.command("exclude")
def exclude(
    ctx: typer.Context,
    name: str = typer.Argument(...),
    feature: str = typer.Argument(..., help="KIND:VALUE, as `case show` lists it."),
    undo: bool = typer.Option(False, "--undo", help="Include it again."),
) -> None:
    """Exclude a feature from the case fingerprint (e.g. a shared hosting artefact)."""
    _edit(ctx, name, feature, pinned=None, excluded=not undo)


@case_app.command("add")
def add(
    ctx: typer.Context,
    name: str = typer.Argument(...),
    domain: list[str] = typer.Option([], "--domain", help="A known domain (repeatable)."),
    brand: list[str] = typer.Option([], "--brand", help="A brand word (repeatable)."),
) -> None:
    """Add known domains or brand words to a case (the dashboard's "add" does the same)."""
    if not domain and not brand:
        raise typer.BadParameter("give --domain or --brand")
    case = add_terms(open_store(settings_of(ctx).db_url), name, domain, brand)
    typer.echo(f"case {case.name}: {len(case.domains)} domain(s), {len(case.brands)} brand word(s)")
