"""The blocking zone's stored state: the serial of each exported zone, and per push
target the policy records the DNS primary acknowledged (what the next push diffs)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, insert, text, update

from revenant.store.db import Store
from revenant.store.schema import OrderNameRow, RpzRecordRow, RpzSerialRow


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


def pushed_records(store: Store, target: str) -> dict[str, str]:
    """Owner name -> rdata of every record the primary acknowledged for this target."""
    with store.session() as session:
        # Plain text SQL: no per-row type processing over the 200,000 records of a zone
        # of 100,000 names (the ORM select took seconds).
        rows = session.execute(
            text("SELECT owner, rdata FROM rpz_records WHERE target = :target"),
            {"target": target},
        )
        return {str(owner): str(rdata) for owner, rdata in rows}


def acknowledge(
    store: Store,
    target: str,
    *,
    put: dict[str, str],
    removed: Iterable[str],
    names: Iterable[str],
    now: datetime,
) -> None:
    """Record one acknowledged update: records put and removed, and the first time each
    blocked name was in a pushed zone (the case timeline's "in the zone")."""
    gone = list(removed)
    with store.session() as session:
        if gone or put:
            session.execute(
                delete(RpzRecordRow).where(
                    RpzRecordRow.target == target, RpzRecordRow.owner.in_([*gone, *put])
                )
            )
        if put:
            session.execute(
                insert(RpzRecordRow),
                [
                    {"target": target, "owner": owner, "rdata": rdata, "pushed_at": now}
                    for owner, rdata in put.items()
                ],
            )
        listed = list(names)
        if listed:
            session.execute(
                update(OrderNameRow)
                .where(OrderNameRow.name.in_(listed), OrderNameRow.in_zone_at.is_(None))
                .values(in_zone_at=now)
            )
