"""Decisions as stored: who decided what about which alert or order, when, and where the
decision sits in the case's custody ledger (its document and the entry's seq and hash).

The ledger is primary (act/decisions.py writes it first); these rows make decisions
queryable by the dashboard, `order show` and the case timeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from revenant.store.db import Store
from revenant.store.schema import CaseRow, DecisionRow


@dataclass(frozen=True)
class Decision:
    """One recorded decision."""

    id: int
    case: str
    action: str
    subject_kind: str
    subject_id: int
    name: str
    actor: str
    comment: str
    decided_at: datetime
    document: str
    ledger_seq: int
    ledger_hash: str

    @property
    def subject(self) -> str:
        return f"{self.subject_kind}:{self.subject_id}"

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "case": self.case,
            "action": self.action,
            "subject": self.subject,
            "name": self.name,
            "actor": self.actor,
            "comment": self.comment,
            "time": self.decided_at.isoformat(),
            "document": self.document,
            "ledger_seq": self.ledger_seq,
            "ledger_hash": self.ledger_hash,
        }


def lock(session: Session) -> None:
    """Take the database write lock now (SQLite), so a decision's checks and its writes
    see no other decision in between; PostgreSQL rows are locked where they are read."""
    session.execute(update(DecisionRow).where(DecisionRow.id == -1).values(comment=""))


def add_decision(session: Session, decision: Decision, *, case_id: int) -> int:
    """Store a decision inside the caller's transaction; returns its id."""
    row = DecisionRow(
        case_id=case_id,
        action=decision.action,
        subject_kind=decision.subject_kind,
        subject_id=decision.subject_id,
        name=decision.name,
        actor=decision.actor,
        comment=decision.comment,
        decided_at=decision.decided_at,
        document=decision.document,
        ledger_seq=decision.ledger_seq,
        ledger_hash=decision.ledger_hash,
    )
    session.add(row)
    session.flush()
    return row.id


def list_decisions(
    store: Store,
    *,
    case: str | None = None,
    subject_kind: str | None = None,
    subject_id: int | None = None,
) -> list[Decision]:
    """Decisions, oldest first, optionally of one case or one subject."""
    with store.session() as session:
        query = select(DecisionRow, CaseRow.name).join(CaseRow, CaseRow.id == DecisionRow.case_id)
        if case is not None:
            query = query.where(CaseRow.name == case)
        if subject_kind is not None:
            query = query.where(DecisionRow.subject_kind == subject_kind)
        if subject_id is not None:
            query = query.where(DecisionRow.subject_id == subject_id)
        rows = session.execute(query.order_by(DecisionRow.decided_at, DecisionRow.id)).all()
        return [_to_decision(row, name) for row, name in rows]


def _to_decision(row: DecisionRow, case: str) -> Decision:
    return Decision(
        id=row.id,
        case=case,
        action=row.action,
        subject_kind=row.subject_kind,
        subject_id=row.subject_id,
        name=row.name,
        actor=row.actor,
        comment=row.comment,
        decided_at=row.decided_at,
        document=row.document,
        ledger_seq=row.ledger_seq,
        ledger_hash=row.ledger_hash,
    )
