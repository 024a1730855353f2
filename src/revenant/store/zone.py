"""The blocking zone's stored state: the serial of each exported zone, and per push
target the blocked names the DNS primary acknowledged, with their policy. The delta a
push sends is computed here, in SQL: a zone may hold 100,000 names, and reading them all
into Python at every push cost seconds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, delete, func, insert, or_, select, update

from revenant.store.db import Store
from revenant.store.schema import OrderNameRow, OrderRow, RpzPushedRow, RpzSerialRow


def serial_for(store: Store, zone: str, digest: str, *, now: datetime) -> int:
    """The zone's serial for records with this digest: unchanged records keep their
    serial, any change raises it by one."""
    with store.session() as session:
        row = session.get(RpzSerialRow, zone)
        if row is None:
            session.add(RpzSerialRow(zone=zone, serial=1, digest=digest, changed_at=now))
            return 1
        if row.digest != digest:
            row.serial += 1
            row.digest = digest
            row.changed_at = now
        return int(row.serial)


@dataclass(frozen=True)
class Delta:
    """What a push must send: names to put (with their policy) and names to remove."""

    put: dict[str, str]
    removed: list[str]
    blocked: int  # names blocked today, after the push


def pending_delta(store: Store, target: str, *, today: date) -> Delta:
    """Names blocked today (order in force, not withdrawn, approved; the oldest order's
    policy) against what `target` acknowledged."""
    live = (
        select(OrderNameRow.name.label("name"), func.min(OrderRow.id).label("order_id"))
        .join(OrderRow, OrderRow.id == OrderNameRow.order_id)
        .where(
            OrderRow.lifted_at.is_(None),
            OrderRow.issued <= today,
            or_(OrderRow.expires.is_(None), OrderRow.expires >= today),
            OrderNameRow.withdrawn_at.is_(None),
            OrderNameRow.approved_at.is_not(None),
        )
        .group_by(OrderNameRow.name)
        .subquery()
    )
    wanted = (
        select(live.c.name, OrderRow.policy)
        .join(OrderRow, OrderRow.id == live.c.order_id)
        .subquery()
    )
    held = select(RpzPushedRow).where(RpzPushedRow.target == target).subquery()
    with store.session() as session:
        put = session.execute(
            select(wanted.c.name, wanted.c.policy)
            .outerjoin(held, held.c.name == wanted.c.name)
            .where(or_(held.c.policy.is_(None), held.c.policy != wanted.c.policy))
            .order_by(wanted.c.name)
        ).all()
        removed = session.scalars(
            select(held.c.name)
            .outerjoin(wanted, wanted.c.name == held.c.name)
            .where(wanted.c.name.is_(None))
            .order_by(held.c.name)
        ).all()
        blocked = session.scalar(select(func.count()).select_from(wanted)) or 0
    return Delta({str(n): str(p) for n, p in put}, [str(n) for n in removed], int(blocked))


def pushed_names(store: Store, target: str) -> dict[str, str]:
    """Name -> policy of everything `target` acknowledged."""
    with store.session() as session:
        rows = session.execute(
            select(RpzPushedRow.name, RpzPushedRow.policy).where(RpzPushedRow.target == target)
        )
        return {str(n): str(p) for n, p in rows}


def acknowledge(
    store: Store,
    target: str,
    *,
    put: dict[str, str],
    removed: Iterable[str],
    now: datetime,
) -> None:
    """Record one acknowledged update: names put (with their policy) and removed, and
    the first time each put name was in a pushed zone (the timeline's "in the zone")."""
    gone = list(removed)
    with store.session() as session:
        changed = [*gone, *put]
        for i in range(0, len(changed), 500):  # bounded IN lists
            session.execute(
                delete(RpzPushedRow).where(
                    and_(RpzPushedRow.target == target, RpzPushedRow.name.in_(changed[i : i + 500]))
                )
            )
        if put:
            session.execute(
                insert(RpzPushedRow),
                [
                    {"target": target, "name": name, "policy": policy, "pushed_at": now}
                    for name, policy in put.items()
                ],
            )
        names = list(put)
        for i in range(0, len(names), 500):
            session.execute(
                update(OrderNameRow)
                .where(OrderNameRow.name.in_(names[i : i + 500]), OrderNameRow.in_zone_at.is_(None))
                .values(in_zone_at=now)
            )
