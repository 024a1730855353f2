"""Alerts: one per (case, host), raised from a score, decided by an analyst.

Raising an alert twice for the same host updates it (a higher score, a newer capture)
and never duplicates it; an analyst's decision is never overwritten by a re-score.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from revenant.errors import UsageError
from revenant.model import Score
from revenant.store.db import Store
from revenant.store.schema import AlertRow, CaseRow

STATES = ("open", "confirmed", "dismissed", "needs-more")


@dataclass(frozen=True)
class Alert:
    id: int
    case: str
    host: str
    target: str
    bits: float
    verdict: str
    state: str
    capture_id: int | None
    created_at: datetime
    explanation: dict[str, object]
    case_id: int = 0


def host_of(target: str) -> str:
    parts = urlsplit(target if "://" in target else f"http://{target}")
    return (parts.hostname or target).lower()


def raise_alert(
    session: Session, case_id: int, score: Score, *, capture_id: int | None, now: datetime
) -> tuple[int, bool]:
    """Record a score as an alert inside the caller's transaction; (alert id, is new)."""
    found = update_alert(session, case_id, score, capture_id=capture_id, now=now)
    if found is not None:
        return found, False
    row = AlertRow(
        case_id=case_id,
        capture_id=capture_id,
        host=host_of(score.target),
        target=score.target,
        bits=score.bits,
        verdict=str(score.verdict),
        explanation=json.dumps(score.as_json(), ensure_ascii=False),
        created_at=now,
        updated_at=now,
        state="open",
    )
    session.add(row)
    session.flush()
    return row.id, True


def update_alert(
    session: Session, case_id: int, score: Score, *, capture_id: int | None, now: datetime
) -> int | None:
    """Bring an existing alert up to a new score, even an "unrelated" one (a re-score
    must never leave an alert saying more than the evidence now does); None if the host
    has no alert for the case."""
    host = host_of(score.target)
    row = session.scalar(select(AlertRow).where(AlertRow.case_id == case_id, AlertRow.host == host))
    if row is None:
        return None
    _update(row, score, capture_id=capture_id, now=now)
    return row.id


def _update(row: AlertRow, score: Score, *, capture_id: int | None, now: datetime) -> None:
    row.capture_id = capture_id
    row.target = score.target
    row.bits = score.bits
    row.verdict = str(score.verdict)
    row.explanation = json.dumps(score.as_json(), ensure_ascii=False)
    row.updated_at = now


def list_alerts(store: Store, *, case: str | None = None, state: str | None = None) -> list[Alert]:
    with store.session() as session:
        query = select(AlertRow, CaseRow.name).join(CaseRow, CaseRow.id == AlertRow.case_id)
        if case is not None:
            query = query.where(CaseRow.name == case)
        if state is not None:
            query = query.where(AlertRow.state == state)
        rows = session.execute(query.order_by(AlertRow.bits.desc(), AlertRow.id)).all()
        return [_to_alert(row, name) for row, name in rows]


def set_alert_state(session: Session, alert_id: int, state: str, *, now: datetime) -> Alert:
    """Change an alert's state inside the caller's transaction (act/decisions.py records
    the decision in the custody ledger in the same one); UsageError if unknown."""
    if state not in STATES:
        raise UsageError(f"alert state {state!r}: one of {', '.join(STATES)}")
    get_alert(session, alert_id)
    row = session.get(AlertRow, alert_id)
    assert row is not None
    row.state = state
    row.updated_at = now
    return get_alert(session, alert_id)


def get_alert(session: Session, alert_id: int) -> Alert:
    """One alert; UsageError naming the id if there is none."""
    row = session.get(AlertRow, alert_id)
    if row is None:
        raise UsageError(f"no alert with id {alert_id} (see `revenant alerts`)")
    name = session.scalar(select(CaseRow.name).where(CaseRow.id == row.case_id)) or ""
    return _to_alert(row, name)


def _to_alert(row: AlertRow, case_name: str) -> Alert:
    return Alert(
        id=row.id,
        case=case_name,
        host=row.host,
        target=row.target,
        bits=row.bits,
        verdict=row.verdict,
        state=row.state,
        capture_id=row.capture_id,
        created_at=row.created_at,
        explanation=json.loads(row.explanation),
        case_id=row.case_id,
    )


def decisions_on(store: Store, host: str) -> dict[str, str]:
    """The state of each case's alert on a host (case name -> "open", "confirmed",
    "dismissed" or "needs-more"); the background policy defers to analysts' decisions."""
    with store.session() as session:
        rows = session.execute(
            select(CaseRow.name, AlertRow.state)
            .join(CaseRow, CaseRow.id == AlertRow.case_id)
            .where(AlertRow.host == host_of(host))
        )
        return {str(name): str(state) for name, state in rows}


def undecided_alert_captures(store: Store) -> list[int]:
    """The captures of the alerts no analyst has decided yet (open or needs-more)."""
    with store.session() as session:
        rows = session.scalars(
            select(AlertRow.capture_id)
            .where(AlertRow.state.in_(("open", "needs-more")), AlertRow.capture_id.is_not(None))
            .distinct()
            .order_by(AlertRow.capture_id)
        )
        return [int(i) for i in rows if i is not None]
