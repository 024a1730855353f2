"""`revenant order add|list|show|extend|approve|lift`, `revenant export rpz`,
`revenant rpz push` and `revenant case timeline`: thin fronts over revenant.act.

Every decision takes `--actor` (default: the OS user); every read command `--json`.
"""

from __future__ import annotations

from pathlib import Path

import typer

from revenant.act.decisions import default_actor
from revenant.act.orders import (
    OrderChange,
    add_order,
    approve,
    extend,
    lift,
    name_state,
    parse_day,
    why,
)
from revenant.act.push import push, read_tsig
from revenant.act.rpz import DEFAULT_ZONE, export_zone
from revenant.act.timeline import EVENTS, MEASURES, case_timeline, duration
from revenant.cli import emit_json, settings_of
from revenant.model import utcnow
from revenant.store import open_store
from revenant.store.decisions import list_decisions
from revenant.store.orders import Order, get_order, list_orders

order_app = typer.Typer(no_args_is_help=True, help="Court and administrative orders.")
_JSON = typer.Option(False, "--json", help="Print JSON.")
_ACTOR = typer.Option(None, "--actor", help="Who decides (default: the OS user).")
_COMMENT = typer.Option("", "--comment", help="Why, in the analyst's words.")


def order_json(order: Order) -> dict[str, object]:
    """An order as `--json` prints it: its fields, and per name its state and why."""
    today = utcnow().date()
    return {
        "id": order.id,
        "case": order.case,
        "authority": order.authority,
        "reference": order.reference,
        "basis": order.basis,
        "issued": order.issued.isoformat(),
        "expires": order.expires.isoformat() if order.expires else None,
        "covers_mirrors": order.covers_mirrors,
        "policy": order.policy,
        "two_person": order.two_person,
        "status": order.status(today),
        "created": {"at": order.created_at.isoformat(), "by": order.created_by},
        "lifted": None
        if order.lifted_at is None
        else {
            "at": order.lifted_at.isoformat(),
            "by": order.lifted_by,
            "reason": order.lift_reason,
        },
        "names": [
            {
                "name": n.name,
                "state": name_state(order, n, today),
                "origin": n.origin,
                "alert": n.alert_id,
                "added": {"at": n.added_at.isoformat(), "by": n.added_by},
                "approved": None
                if n.approved_at is None
                else {"at": n.approved_at.isoformat(), "by": n.approved_by},
                "withdrawn": None
                if n.withdrawn_at is None
                else {"at": n.withdrawn_at.isoformat(), "reason": n.withdrawn_reason},
                "in_zone_since": n.in_zone_at.isoformat() if n.in_zone_at else None,
                "why": why(order, n),
            }
            for n in order.names
        ],
    }


def _summary(order: Order) -> str:
    today = utcnow().date()
    live = sum(1 for n in order.names if name_state(order, n, today) == "blocked")
    flags = ", ".join(
        f
        for f in (
            "covers mirrors" if order.covers_mirrors else "",
            "two-person" if order.two_person else "",
        )
        if f
    )
    return (
        f"#{order.id}\t{order.case}\t{order.reference}\t{order.status(today)}\t{order.policy}"
        f"\t{live}/{len(order.names)} name(s) blocked{chr(9) + flags if flags else ''}"
    )


def _changed(ctx: typer.Context, change: OrderChange, as_json: bool, words: str) -> None:
    if as_json:
        order = get_order(open_store(settings_of(ctx).db_url), change.order.id)
        emit_json({"order": order_json(order), "decision": change.decision.as_json()})
        return
    typer.echo(
        f"order #{change.order.id} {change.order.reference}: {words} by "
        f"{change.decision.actor} (ledger entry {change.decision.ledger_seq} of case "
        f"{change.order.case})"
    )


@order_app.command("add")
def order_add(
    ctx: typer.Context,
    case: str = typer.Argument(..., help="Case the order is about."),
    authority: str = typer.Option(..., "--authority", help="Court or authority that issued it."),
    reference: str = typer.Option(..., "--reference", help="Its reference (docket number)."),
    basis: str = typer.Option(..., "--basis", help="Legal basis."),
    issued: str = typer.Option(..., "--issued", help="Date issued, YYYY-MM-DD."),
    expires: str | None = typer.Option(None, "--expires", help="Last day in force, YYYY-MM-DD."),
    covers_mirrors: bool = typer.Option(
        False, "--covers-mirrors", help="The order extends to mirrors of the blocked site."
    ),
    policy: str = typer.Option("nxdomain", "--policy", help="nxdomain or cname:HOST."),
    two_person: bool = typer.Option(
        False, "--two-person", help="Extended names need a second person's approval."
    ),
    domain: list[str] = typer.Option(..., "--domain", help="A name it blocks (repeatable)."),
    actor: str | None = _ACTOR,
    as_json: bool = _JSON,
) -> None:
    """Record an order and the names it blocks."""
    settings = settings_of(ctx)
    change = add_order(
        open_store(settings.db_url),
        settings.data_dir,
        case,
        authority=authority,
        reference=reference,
        basis=basis,
        issued=parse_day(issued, where="--issued"),
        expires=parse_day(expires, where="--expires") if expires else None,
        domains=domain,
        covers_mirrors=covers_mirrors,
        policy=policy,
        two_person=two_person,
        actor=actor or default_actor(),
    )
    _changed(ctx, change, as_json, f"recorded, {len(change.order.names)} name(s)")


@order_app.command("list")
def order_list(
    ctx: typer.Context,
    case: str | None = typer.Argument(None, help="Only this case's orders."),
    as_json: bool = _JSON,
) -> None:
    """List orders, oldest first."""
    orders = list_orders(open_store(settings_of(ctx).db_url), case=case)
    if as_json:
        emit_json([order_json(o) for o in orders])
        return
    for order in orders:
        typer.echo(_summary(order))


@order_app.command("show")
def order_show(
    ctx: typer.Context,
    order_id: int = typer.Argument(..., help="Order id."),
    as_json: bool = _JSON,
) -> None:
    """An order, each name under it with its state and why, and its decisions."""
    store = open_store(settings_of(ctx).db_url)
    order = get_order(store, order_id)
    decisions = list_decisions(store, subject_kind="order", subject_id=order.id)
    if as_json:
        emit_json(order_json(order) | {"decisions": [d.as_json() for d in decisions]})
        return
    doc = order_json(order)
    typer.echo(f"order #{order.id} {order.reference} (case {order.case}): {doc['status']}")
    typer.echo(f"  authority: {order.authority}")
    typer.echo(f"  basis:     {order.basis}")
    expiry = f", expires {order.expires}" if order.expires else ""
    typer.echo(f"  issued {order.issued}{expiry}; policy {order.policy}")
    rules = [
        "covers mirrors" if order.covers_mirrors else "names only",
        "two-person rule" if order.two_person else "",
    ]
    typer.echo(f"  {', '.join(r for r in rules if r)}")
    if order.lifted_at is not None:
        typer.echo(
            f"  lifted {order.lifted_at:%Y-%m-%d %H:%M} UTC by {order.lifted_by}: {order.lift_reason}"
        )
    typer.echo("  names:")
    today = utcnow().date()
    for n in order.names:
        typer.echo(f"    {n.name:30} {name_state(order, n, today):18} {why(order, n)}")
    typer.echo("  decisions:")
    for d in decisions:
        extra = f" {d.name}" if d.name else ""
        note = f": {d.comment}" if d.comment else ""
        typer.echo(
            f"    {d.decided_at:%Y-%m-%d %H:%M:%S} {d.action}{extra} by {d.actor}{note} "
            f"[ledger {d.ledger_seq} {d.ledger_hash[:12]}]"
        )


@order_app.command("extend")
def order_extend(
    ctx: typer.Context,
    order_id: int = typer.Argument(..., help="Order that covers mirrors."),
    alert_id: int = typer.Argument(..., help="A confirmed alert."),
    actor: str | None = _ACTOR,
    comment: str = _COMMENT,
    as_json: bool = _JSON,
) -> None:
    """Extend an order to a confirmed alert's name, with the evidence that justifies it."""
    settings = settings_of(ctx)
    change = extend(
        open_store(settings.db_url),
        settings.data_dir,
        order_id,
        alert_id,
        actor=actor or default_actor(),
        comment=comment,
    )
    pending = " (awaiting a second person's approval)" if change.order.two_person else ""
    _changed(ctx, change, as_json, f"extended to {change.name}{pending}")


@order_app.command("approve")
def order_approve(
    ctx: typer.Context,
    order_id: int = typer.Argument(..., help="Order under the two-person rule."),
    name: str = typer.Argument(..., help="The extended name to approve."),
    actor: str | None = _ACTOR,
    comment: str = _COMMENT,
    as_json: bool = _JSON,
) -> None:
    """Approve an extended name (two-person rule): another person than who confirmed it."""
    settings = settings_of(ctx)
    change = approve(
        open_store(settings.db_url),
        settings.data_dir,
        order_id,
        name,
        actor=actor or default_actor(),
        comment=comment,
    )
    _changed(ctx, change, as_json, f"{change.name} approved")


@order_app.command("lift")
def order_lift(
    ctx: typer.Context,
    order_id: int = typer.Argument(..., help="Order to lift."),
    reason: str = typer.Option(..., "--reason", help="Why it is lifted."),
    actor: str | None = _ACTOR,
    as_json: bool = _JSON,
) -> None:
    """Lift an order: its names leave the zone at the next push."""
    settings = settings_of(ctx)
    change = lift(
        open_store(settings.db_url),
        settings.data_dir,
        order_id,
        reason=reason,
        actor=actor or default_actor(),
    )
    _changed(ctx, change, as_json, "lifted")


rpz_app = typer.Typer(no_args_is_help=True, help="The DNS blocking zone (RPZ).")


def export_rpz(
    ctx: typer.Context,
    output: Path = typer.Option(..., "-o", "--output", help="Zone file to write."),
    order: list[int] = typer.Option([], "--order", help="Only this order's names (repeatable)."),
    zone: str = typer.Option(DEFAULT_ZONE, "--zone", help="Zone name (origin)."),
    as_json: bool = _JSON,
) -> None:
    """Write the RPZ zone: every blocked name and its subdomains, with why, in comments."""
    written = export_zone(
        open_store(settings_of(ctx).db_url), output, zone=zone, order_ids=order, now=utcnow()
    )
    if as_json:
        emit_json(
            {
                "zone": written.zone,
                "file": str(written.path),
                "serial": written.serial,
                "names": written.names,
            }
        )
        return
    typer.echo(
        f"wrote {written.path}: zone {written.zone} serial {written.serial}, "
        f"{written.names} blocked name(s) and their subdomains"
    )


@rpz_app.command("push")
def rpz_push(
    ctx: typer.Context,
    server: str = typer.Option(..., "--server", help="DNS primary, IP:PORT."),
    zone: str = typer.Option(DEFAULT_ZONE, "--zone", help="Zone name on the primary."),
    tsig: Path = typer.Option(..., "--tsig", help="TSIG key file (tsig-keygen format)."),
    timeout: float = typer.Option(10.0, "--timeout", help="Seconds to wait for the primary."),
    as_json: bool = _JSON,
) -> None:
    """Send the zone's changes since the last push as TSIG-signed dynamic updates."""
    result = push(
        open_store(settings_of(ctx).db_url),
        server,
        zone,
        read_tsig(tsig),
        now=utcnow(),
        timeout=timeout,
    )
    if as_json:
        emit_json(result.as_json())
        return
    typer.echo(
        f"pushed to {result.target}: {result.put} record(s) put, {result.removed} removed, "
        f"{result.messages} update message(s), {result.bytes_sent} bytes; "
        f"{result.names} blocked name(s) in the zone"
    )


def timeline(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Case name."),
    as_json: bool = _JSON,
) -> None:
    """The seized site's hosts and each alerted name's events, first seen to first found
    down, and the case's medians (the rows the dashboard and the report draw)."""
    result = case_timeline(open_store(settings_of(ctx).db_url), name)
    if as_json:
        emit_json(result.as_json())
        return
    typer.echo(f"case {result.case}: {len(result.names)} alerted name(s)")
    for n in result.seized:
        first, last = n.events["first_capture"], n.events["last_capture"]
        typer.echo(
            f"  {n.name} (seized site: {n.captures} reference capture(s), "
            f"{first:%Y-%m-%d %H:%M:%S} to {last:%Y-%m-%d %H:%M:%S} UTC)"
        )
    for n in result.names:
        typer.echo(f"  {n.name} (alert #{n.alert_id}, {n.state}; first seen by {n.seen_by})")
        for event in EVENTS:
            when = n.events[event]
            if when is not None:
                typer.echo(f"    {when:%Y-%m-%d %H:%M:%S} UTC  {event.replace('_', ' ')}")
    typer.echo("  medians:")
    for measure, (start, end) in MEASURES.items():
        m = result.medians[measure]
        typer.echo(
            f"    {measure.replace('_', ' '):14} {duration(m.seconds):>10}  "
            f"({start.replace('_', ' ')} -> {end.replace('_', ' ')}, {m.names} name(s))"
        )


def register(app: typer.Typer, export: typer.Typer) -> None:
    """Add the act commands to the main CLI and its `export` group."""
    from revenant.cli.case import case_app

    case_app.command("timeline")(timeline)
    app.add_typer(order_app, name="order")
    app.add_typer(rpz_app, name="rpz")
    export.command("rpz")(export_rpz)
