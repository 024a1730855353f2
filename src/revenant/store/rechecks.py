"""Re-checks of confirmed names as stored: which alert, which capture, what state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from revenant.store.db import Store
from revenant.store.schema import AlertRow, CaseRow, RecheckRow


@dataclass(frozen=True)
class ConfirmedName:
    """A confirmed alert's name, the thing the watch re-checks."""

    alert_id: int
    case: str
    case_id: int
    host: str


def confirmed_names(store: Store) -> list[ConfirmedName]:
    with store.session() as session:
        rows = session.execute(
            select(AlertRow.id, CaseRow.name, AlertRow.case_id, AlertRow.host)
            .join(CaseRow, CaseRow.id == AlertRow.case_id)
            .where(AlertRow.state == "confirmed")
            .order_by(AlertRow.id)
        ).all()
        return [ConfirmedName(int(a), str(c), int(ci), str(h)) for a, c, ci, h in rows]


def confirmed_for_host(session: Session, host: str) -> list[ConfirmedName]:
    rows = session.execute(
        select(AlertRow.id, CaseRow.name, AlertRow.case_id, AlertRow.host)
        .join(CaseRow, CaseRow.id == AlertRow.case_id)
        .where(AlertRow.state == "confirmed", AlertRow.host == host)
    ).all()
    return [ConfirmedName(int(a), str(c), int(ci), str(h)) for a, c, ci, h in rows]


def add_recheck(
    session: Session,
    alert_id: int,
    *,
    capture_id: int | None,
    state: str,
    detail: str,
    bits: float | None,
    at: datetime,
) -> None:
    session.add(
        RecheckRow(
            alert_id=alert_id,
            capture_id=capture_id,
            state=state,
            detail=detail,
            bits=bits,
            checked_at=at,
        )
    )


@dataclass(frozen=True)
class Recheck:
    alert_id: int
    capture_id: int | None
    state: str
    detail: str
    bits: float | None
    checked_at: datetime


def rechecks_of(store: Store, alert_id: int) -> list[Recheck]:
    with store.session() as session:
        rows = session.scalars(
            select(RecheckRow).where(RecheckRow.alert_id == alert_id).order_by(RecheckRow.id)
        ).all()
        return [
            Recheck(r.alert_id, r.capture_id, r.state, r.detail, r.bits, r.checked_at) for r in rows
        ]
