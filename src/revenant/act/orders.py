"""Orders: the court or administrative orders a case's names are blocked under, and
their extension to confirmed mirrors ("dynamic" orders), each step a recorded decision.

Rules kept here (and nowhere else): only a confirmed alert extends an order, only an
order in force that covers mirrors is extended, a lifted order stays lifted, and under
the two-person rule an extended name enters the zone only once someone other than
whoever confirmed or extended it approves it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from revenant.act.decisions import Subject, check_actor, record
from revenant.act.domains import check_domain
from revenant.act.justify import alert_justification
from revenant.errors import DecisionRefused, UsageError
from revenant.model import Clock, utcnow
from revenant.store import Store
from revenant.store.alerts import get_alert
from revenant.store.cases import get_case
from revenant.store.decisions import Decision, lock
from revenant.store.orders import (
    Order,
    OrderName,
    insert_name,
    insert_order,
    load_order,
    name_row,
    order_row,
)
from revenant.store.schema import CaptureRow, DecisionRow

NXDOMAIN = "nxdomain"


def parse_policy(text: str) -> str:
    """'nxdomain' or 'cname:HOST' (answer with a CNAME to a seizure-notice host)."""
    value = text.strip().lower()
    if value == NXDOMAIN:
        return NXDOMAIN
    kind, sep, host = value.partition(":")
    if kind == "cname" and sep:
        return f"cname:{check_domain(host, where='--policy cname host')}"
    raise UsageError(f"--policy {text!r}: nxdomain or cname:HOST")


def parse_day(text: str, *, where: str) -> date:
    """A calendar date, YYYY-MM-DD."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"{where} {text!r}: a date as YYYY-MM-DD") from None


@dataclass(frozen=True)
class OrderChange:
    """An order after a decision, and the decision as recorded."""

    order: Order
    decision: Decision
    name: str = ""


def add_order(
    store: Store,
    data_dir: Path,
    case: str,
    *,
    authority: str,
    reference: str,
    basis: str,
    issued: date,
    expires: date | None,
    domains: list[str],
    covers_mirrors: bool = False,
    policy: str = NXDOMAIN,
    two_person: bool = False,
    actor: str,
    clock: Clock = utcnow,
) -> OrderChange:
    """Record an order and the names it names (the order is itself a recorded decision)."""
    for field, value in (
        ("--authority", authority),
        ("--reference", reference),
        ("--basis", basis),
    ):
        if not value.strip():
            raise UsageError(f"{field}: must not be empty")
    if not domains:
        raise UsageError("give at least one --domain the order names")
    names = list(dict.fromkeys(check_domain(d, where="--domain") for d in domains))
    policy = parse_policy(policy)
    today = clock().date()
    if issued > today:
        raise UsageError(f"--issued {issued}: in the future (today is {today} UTC)")
    if expires is not None and expires < issued:
        raise UsageError(f"--expires {expires} is before --issued {issued}")
    if expires is not None and expires < today:
        raise UsageError(f"--expires {expires}: already expired (today is {today} UTC)")
    actor = check_actor(actor)
    record_case = get_case(store, case)
    assert record_case.id is not None
    with store.session() as session:
        lock(session)
        now = clock()
        order = Order(
            id=0,
            case=case,
            case_id=record_case.id,
            authority=authority.strip(),
            reference=reference.strip(),
            basis=basis.strip(),
            issued=issued,
            expires=expires,
            covers_mirrors=covers_mirrors,
            policy=policy,
            two_person=two_person,
            created_at=now,
            created_by=actor,
            lifted_at=None,
            lifted_by="",
            lift_reason="",
        )
        order_id = insert_order(session, order, names)
        decision = record(
            session,
            data_dir,
            Subject("order", order_id, case, record_case.id),
            "order",
            actor=actor,
            facts={"order": _order_facts(order), "names": names},
            clock=clock,
        )
        return OrderChange(load_order(session, order_id), decision)


def _order_facts(order: Order) -> dict[str, object]:
    return {
        "authority": order.authority,
        "reference": order.reference,
        "basis": order.basis,
        "issued": order.issued.isoformat(),
        "expires": order.expires.isoformat() if order.expires else None,
        "covers_mirrors": order.covers_mirrors,
        "policy": order.policy,
        "two_person": order.two_person,
    }


def _in_force(order: Order, today: date, doing: str) -> None:
    status = order.status(today)
    if status != "in force":
        raise DecisionRefused(f"order #{order.id} ({order.reference}) is {status}: cannot {doing}")


def extend(
    store: Store,
    data_dir: Path,
    order_id: int,
    alert_id: int,
    *,
    actor: str,
    comment: str = "",
    clock: Clock = utcnow,
) -> OrderChange:
    """Put a confirmed alert's name under an order that covers mirrors, with what
    justifies it (score, reported sentence, contributions, WARC digests, ledger entries)."""
    with store.session() as session:
        lock(session)
        order = load_order(session, order_id, names=False)
        alert = get_alert(session, alert_id)
        _in_force(order, clock().date(), f"extend it to alert #{alert.id} {alert.host}")
        if not order.covers_mirrors:
            raise DecisionRefused(
                f"order #{order.id} ({order.reference}) does not cover mirrors "
                "(it was not given --covers-mirrors): a new order is needed for "
                f"{alert.host}"
            )
        if alert.case_id != order.case_id:
            raise DecisionRefused(
                f"alert #{alert.id} is of case {alert.case}, order #{order.id} of case {order.case}"
            )
        if alert.state != "confirmed":
            raise DecisionRefused(
                f"alert #{alert.id} {alert.host} is {alert.state}, not confirmed: confirm it "
                f"first (`revenant decide {alert.id} confirm`)"
            )
        name = check_domain(alert.host, where=f"alert #{alert.id} host")
        held = name_row(session, order.id, name)
        if held is not None and held.withdrawn_at is None:
            raise DecisionRefused(f"{name} is already under order #{order.id}")
        capture = session.get(CaptureRow, alert.capture_id) if alert.capture_id else None
        confirmer = _confirmer(session, alert.id)
        facts: dict[str, object] = {
            "order": {"id": order.id, "reference": order.reference, **_order_facts(order)},
            "name": name,
            "confirmed_by": confirmer,
            "justification": alert_justification(alert, capture),
            "pending_approval": order.two_person,
        }
        decision = record(
            session,
            data_dir,
            Subject("order", order.id, order.case, order.case_id, name),
            "extend",
            actor=actor,
            comment=comment.strip(),
            facts=facts,
            clock=clock,
        )
        if held is not None:  # withdrawn earlier, confirmed again: a fresh extension
            session.delete(held)
            session.flush()
        insert_name(
            session,
            order.id,
            name,
            origin="extension",
            alert_id=alert.id,
            at=decision.decided_at,
            by=decision.actor,
            approved=not order.two_person,
            decision_id=decision.id,
        )
        return OrderChange(load_order(session, order.id, names=False), decision, name)


def _confirmer(session: Session, alert_id: int) -> str:
    """Who last confirmed an alert (from the recorded decisions)."""
    return (
        session.scalar(
            select(DecisionRow.actor)
            .where(
                DecisionRow.subject_kind == "alert",
                DecisionRow.subject_id == alert_id,
                DecisionRow.action == "confirm",
            )
            .order_by(DecisionRow.id.desc())
            .limit(1)
        )
        or ""
    )


def approve(
    store: Store,
    data_dir: Path,
    order_id: int,
    name: str,
    *,
    actor: str,
    comment: str = "",
    clock: Clock = utcnow,
) -> OrderChange:
    """Second person's approval of an extended name under a two-person order."""
    actor = check_actor(actor)
    wanted = check_domain(name, where="name")
    with store.session() as session:
        lock(session)
        order = load_order(session, order_id, names=False)
        _in_force(order, clock().date(), f"approve {wanted}")
        row = name_row(session, order.id, wanted)
        if row is None or row.withdrawn_at is not None:
            raise DecisionRefused(f"{wanted} is not under order #{order.id}")
        if row.approved_at is not None:
            raise DecisionRefused(
                f"{wanted} under order #{order.id} is already approved (by {row.approved_by})"
            )
        confirmer = _confirmer(session, row.alert_id) if row.alert_id else ""
        if actor in (confirmer, row.added_by):
            raise DecisionRefused(
                f"two-person rule: {actor} confirmed or extended {wanted}; another person "
                "must approve it"
            )
        decision = record(
            session,
            data_dir,
            Subject("order", order.id, order.case, order.case_id, wanted),
            "approve",
            actor=actor,
            comment=comment.strip(),
            facts={"confirmed_by": confirmer, "extended_by": row.added_by, "alert": row.alert_id},
            clock=clock,
        )
        row.approved_at = decision.decided_at
        row.approved_by = actor
        return OrderChange(load_order(session, order.id, names=False), decision, wanted)


def lift(
    store: Store,
    data_dir: Path,
    order_id: int,
    *,
    reason: str,
    actor: str,
    clock: Clock = utcnow,
) -> OrderChange:
    """Lift an order: every name under it leaves the zone at the next push."""
    if not reason.strip():
        raise UsageError("--reason: say why the order is lifted")
    with store.session() as session:
        lock(session)
        order = load_order(session, order_id)
        if order.lifted_at is not None:
            raise DecisionRefused(
                f"order #{order.id} was already lifted on {order.lifted_at:%Y-%m-%d} "
                f"by {order.lifted_by}"
            )
        decision = record(
            session,
            data_dir,
            Subject("order", order.id, order.case, order.case_id),
            "lift",
            actor=actor,
            comment=reason.strip(),
            facts={"names": [n.name for n in order.names if n.withdrawn_at is None]},
            clock=clock,
        )
        row = order_row(session, order.id)
        row.lifted_at = decision.decided_at
        row.lifted_by = decision.actor
        row.lift_reason = reason.strip()
        return OrderChange(load_order(session, order.id), decision)


def name_state(order: Order, name: OrderName, today: date) -> str:
    """Whether a name under an order belongs in the zone today, in words: 'blocked',
    'awaiting approval', 'withdrawn', or the order's own state ('lifted', 'expired'...)."""
    if name.withdrawn_at is not None:
        return "withdrawn"
    status = order.status(today)
    if status != "in force":
        return f"order {status}"
    if name.approved_at is None:
        return "awaiting approval"
    return "blocked"


def why(order: Order, name: OrderName) -> str:
    """One line an ISP can answer "why is this blocked?" with."""
    head = f"order #{order.id} {order.reference} ({order.authority}, issued {order.issued})"
    if name.origin == "order":
        return f"{head}: named in the order"
    approved = f", approved by {name.approved_by}" if order.two_person and name.approved_at else ""
    return (
        f"{head}: mirror extension by {name.added_by} on {name.added_at:%Y-%m-%d %H:%M} UTC "
        f"(alert #{name.alert_id}){approved}"
    )
