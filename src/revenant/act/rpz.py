"""The blocking zone: a DNS Response Policy Zone (RPZ, as BIND, Unbound, Knot Resolver
and PowerDNS Recursor read it) of every name under an order in force, and its
subdomains (`*.name`), each answered by its order's policy: NXDOMAIN (`CNAME .`) or a
CNAME to a seizure-notice host.

A name is in the zone only while it is blocked (order in force, not withdrawn, approved
under the two-person rule); it leaves when its order is lifted or expires. The file says
in comments, per name, under which order and why; the serial rises at every change.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from revenant.act.domains import check_domain
from revenant.act.orders import NXDOMAIN, name_state, why
from revenant.errors import UsageError
from revenant.store import Store
from revenant.store.orders import list_orders
from revenant.store.zone import serial_for

DEFAULT_ZONE = "rpz.revenant"
TTL = 60
"""Seconds a resolver may cache a policy answer: a lifted order is obeyed within this."""
SOA_TIMERS = (3600, 600, 604800, TTL)  # refresh, retry, expire, negative TTL


@dataclass(frozen=True)
class Blocked:
    """One name in the zone: its policy target and every order that blocks it."""

    name: str
    policy: str  # "nxdomain" | "cname:HOST", of the oldest order blocking it
    orders: tuple[int, ...]
    reasons: tuple[str, ...]

    @property
    def rdata(self) -> str:
        return policy_target(self.policy)


def blocked_names(
    store: Store, *, today: date, order_ids: Sequence[int] | None = None
) -> list[Blocked]:
    """Every name blocked today with its reasons, sorted, optionally under the given
    orders only (what the zone file says)."""
    orders = list_orders(store)
    if order_ids:
        known = {o.id for o in orders}
        unknown = [i for i in order_ids if i not in known]
        if unknown:
            raise UsageError(f"--order {unknown[0]}: no such order (see `revenant order list`)")
        orders = [o for o in orders if o.id in set(order_ids)]
    found: dict[str, Blocked] = {}
    for order in orders:  # oldest first: the oldest order's policy wins
        for n in order.names:
            if name_state(order, n, today) != "blocked":
                continue
            held = found.get(n.name)
            reason = why(order, n)
            if held is None:
                found[n.name] = Blocked(n.name, order.policy, (order.id,), (reason,))
            elif order.id not in held.orders:
                found[n.name] = Blocked(
                    n.name, held.policy, (*held.orders, order.id), (*held.reasons, reason)
                )
    return [found[k] for k in sorted(found)]


def zone_origin(zone: str) -> str:
    """A zone name as given on the command line, checked, without its trailing dot."""
    return check_domain(zone, where="--zone") if "." in zone.strip(".") else _single(zone)


def _single(zone: str) -> str:
    # A one-label zone ("rpz") is common for policy zones, which are never delegated.
    label = zone.strip().strip(".").lower()
    if not label or not label.replace("-", "").isalnum() or len(label) > 63:
        raise UsageError(f"--zone {zone!r} is not a zone name")
    return label


def policy_target(policy: str) -> str:
    """The CNAME target RPZ reads as a policy: '.' is NXDOMAIN, else the notice host."""
    return "." if policy == NXDOMAIN else policy.removeprefix("cname:") + "."


def policy_records(policies: dict[str, str]) -> dict[str, str]:
    """Owner name relative to the zone -> CNAME target: the name and `*.name`, each name
    checked (UsageError naming it if it is not a domain name)."""
    records: dict[str, str] = {}
    for raw, policy in policies.items():
        name = check_domain(raw, where="blocked name")
        records[name] = records[f"*.{name}"] = policy_target(policy)
    return records


def records_digest(records: dict[str, str]) -> str:
    h = hashlib.sha256()
    for owner in sorted(records):
        h.update(f"{owner} {records[owner]}\n".encode())
    return h.hexdigest()


@dataclass(frozen=True)
class ZoneFile:
    """A written zone: where, its origin and serial, and how many names it blocks."""

    path: Path
    zone: str
    serial: int
    names: int


def render(zone: str, serial: int, names: Sequence[Blocked], *, now: datetime) -> str:
    """The zone file text: SOA, NS, then per name its reasons and its two records."""
    refresh, retry, expire, minimum = SOA_TIMERS
    lines = [
        f"; Revenant blocking zone {zone}, serial {serial}, written {now:%Y-%m-%d %H:%M:%S} UTC",
        f"; {len(names)} blocked name(s), each with its subdomains; "
        "'CNAME .' answers NXDOMAIN, 'CNAME host.' a seizure-notice host",
        f"$ORIGIN {zone}.",
        f"$TTL {TTL}",
        f"@ SOA localhost. hostmaster.localhost. {serial} {refresh} {retry} {expire} {minimum}",
        "@ NS localhost.",
    ]
    for b in names:
        lines.append("")
        lines.extend(f"; {b.name}: {reason}" for reason in b.reasons)
        lines.append(f"{b.name} CNAME {b.rdata}")
        lines.append(f"*.{b.name} CNAME {b.rdata}")
    return "\n".join(lines) + "\n"


def export_zone(
    store: Store,
    output: Path,
    *,
    zone: str = DEFAULT_ZONE,
    order_ids: Sequence[int] | None = None,
    now: datetime,
) -> ZoneFile:
    """Write the zone file (atomically: a reader never sees half a zone)."""
    origin = zone_origin(zone)
    names = blocked_names(store, today=now.date(), order_ids=order_ids)
    records = policy_records({b.name: b.policy for b in names})
    key = origin if not order_ids else f"{origin}?orders={','.join(map(str, sorted(order_ids)))}"
    serial = serial_for(store, key, records_digest(records), now=now)
    text = render(origin, serial, names, now=now)
    tmp = output.with_name(output.name + ".part")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(output)
    return ZoneFile(output, origin, serial, len(names))
