"""Orders and the names under them, as stored. The rules (who may extend, approve or
lift, and when) live in act/orders.py; every change there is a recorded decision."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from revenant.errors import UsageError
from revenant.store.db import Store
from revenant.store.schema import CaseRow, OrderNameRow, OrderRow


@dataclass(frozen=True)
class OrderName:
    """A name under an order and why it is there."""

    id: int
    order_id: int
    name: str
    origin: str  # "order" (named by it) | "extension" (a confirmed mirror)
    alert_id: int | None
    added_at: datetime
    added_by: str
    decision_id: int | None
    approved_at: datetime | None
    approved_by: str
    withdrawn_at: datetime | None
    withdrawn_reason: str
    in_zone_at: datetime | None


@dataclass(frozen=True)
class Order:
    """A court or administrative order, its state and its names."""

    id: int
    case: str
    case_id: int
    authority: str
    reference: str
    basis: str
    issued: date
    expires: date | None
    covers_mirrors: bool
    policy: str
    two_person: bool
    created_at: datetime
    created_by: str
    lifted_at: datetime | None
    lifted_by: str
    lift_reason: str
    names: tuple[OrderName, ...] = ()

    def status(self, today: date) -> str:
        """'in force', 'lifted', 'expired' or 'not yet in force' on a given (UTC) day."""
        if self.lifted_at is not None:
            return "lifted"
        if self.expires is not None and today > self.expires:
            return "expired"
        if today < self.issued:
            return "not yet in force"
        return "in force"


def insert_order(session: Session, order: Order, names: Sequence[str]) -> int:
    """Store a new order and the names it names, inside the caller's transaction."""
    row = OrderRow(
        case_id=order.case_id,
        authority=order.authority,
        reference=order.reference,
        basis=order.basis,
        issued=order.issued,
        expires=order.expires,
        covers_mirrors=order.covers_mirrors,
        policy=order.policy,
        two_person=order.two_person,
        created_at=order.created_at,
        created_by=order.created_by,
        lifted_by="",
        lift_reason="",
    )
    session.add(row)
    session.flush()
    # One bulk insert: an order may name a hundred thousand domains.
    session.execute(
        insert(OrderNameRow),
        [
            {
                "order_id": row.id,
                "name": name,
                "origin": "order",
                "added_at": order.created_at,
                "added_by": order.created_by,
                "approved_at": order.created_at,
                "approved_by": order.created_by,
                "withdrawn_reason": "",
            }
            for name in names
        ],
    )
    return row.id


def insert_name(
    session: Session,
    order_id: int,
    name: str,
    *,
    origin: str,
    alert_id: int | None,
    at: datetime,
    by: str,
    approved: bool,
    decision_id: int | None = None,
) -> int:
    """Put a name under an order (inside the caller's transaction)."""
    row = OrderNameRow(
        order_id=order_id,
        name=name,
        origin=origin,
        alert_id=alert_id,
        added_at=at,
        added_by=by,
        decision_id=decision_id,
        approved_at=at if approved else None,
        approved_by=by if approved else "",
        withdrawn_reason="",
    )
    session.add(row)
    session.flush()
    return row.id


def name_row(session: Session, order_id: int, name: str) -> OrderNameRow | None:
    return session.scalar(
        select(OrderNameRow).where(OrderNameRow.order_id == order_id, OrderNameRow.name == name)
    )


def order_row(session: Session, order_id: int) -> OrderRow:
    row = session.get(OrderRow, order_id)
    if row is None:
        raise UsageError(f"no order with id {order_id} (see `revenant order list`)")
    return row


def load_order(session: Session, order_id: int, *, names: bool = True) -> Order:
    """One order, with its names unless `names=False`; UsageError if there is none."""
    row = order_row(session, order_id)
    case = session.scalar(select(CaseRow.name).where(CaseRow.id == row.case_id)) or ""
    held: tuple[OrderName, ...] = ()
    if names:
        rows = session.scalars(
            select(OrderNameRow).where(OrderNameRow.order_id == row.id).order_by(OrderNameRow.id)
        ).all()
        held = tuple(_to_name(n) for n in rows)
    return _to_order(row, case, held)


def get_order(store: Store, order_id: int) -> Order:
    with store.session() as session:
        return load_order(session, order_id)


def list_orders(store: Store, *, case: str | None = None) -> list[Order]:
    """Orders (with their names), oldest first, optionally of one case."""
    with store.session() as session:
        query = select(OrderRow, CaseRow.name).join(CaseRow, CaseRow.id == OrderRow.case_id)
        if case is not None:
            query = query.where(CaseRow.name == case)
        orders = session.execute(query.order_by(OrderRow.id)).all()
        # Names read as plain rows, not ORM objects: a zone can hold 100,000 of them.
        names: dict[int, list[OrderName]] = {row.id: [] for row, _ in orders}
        columns = [getattr(OrderNameRow, f) for f in _NAME_FIELDS]
        for values in session.execute(select(*columns).order_by(OrderNameRow.id)):
            held = names.get(values[1])
            if held is not None:
                held.append(OrderName(*values))
        return [_to_order(row, case_name, tuple(names[row.id])) for row, case_name in orders]


def extensions_of_alert(session: Session, alert_id: int) -> list[OrderNameRow]:
    """Names an alert put under orders and not withdrawn since."""
    return list(
        session.scalars(
            select(OrderNameRow).where(
                OrderNameRow.alert_id == alert_id, OrderNameRow.withdrawn_at.is_(None)
            )
        )
    )


_NAME_FIELDS = (
    "id",
    "order_id",
    "name",
    "origin",
    "alert_id",
    "added_at",
    "added_by",
    "decision_id",
    "approved_at",
    "approved_by",
    "withdrawn_at",
    "withdrawn_reason",
    "in_zone_at",
)
"""OrderName's fields in order, as selected from order_names."""


def _to_name(row: OrderNameRow) -> OrderName:
    return OrderName(
        id=row.id,
        order_id=row.order_id,
        name=row.name,
        origin=row.origin,
        alert_id=row.alert_id,
        added_at=row.added_at,
        added_by=row.added_by,
        decision_id=row.decision_id,
        approved_at=row.approved_at,
        approved_by=row.approved_by,
        withdrawn_at=row.withdrawn_at,
        withdrawn_reason=row.withdrawn_reason,
        in_zone_at=row.in_zone_at,
    )


def _to_order(row: OrderRow, case: str, names: tuple[OrderName, ...]) -> Order:
    return Order(
        id=row.id,
        case=case,
        case_id=row.case_id,
        authority=row.authority,
        reference=row.reference,
        basis=row.basis,
        issued=row.issued,
        expires=row.expires,
        covers_mirrors=row.covers_mirrors,
        policy=row.policy,
        two_person=row.two_person,
        created_at=row.created_at,
        created_by=row.created_by,
        lifted_at=row.lifted_at,
        lifted_by=row.lifted_by,
        lift_reason=row.lift_reason,
        names=names,
    )


def withdraw_extensions(
    session: Session, alert_id: int, *, at: datetime, reason: str
) -> list[tuple[int, str]]:
    """Withdraw the names an alert put under orders (its confirmation was retracted);
    (order id, name) of each. They leave the zone at the next push."""
    withdrawn = []
    for row in extensions_of_alert(session, alert_id):
        row.withdrawn_at = at
        row.withdrawn_reason = reason
        withdrawn.append((row.order_id, row.name))
    return withdrawn
