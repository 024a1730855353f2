"""Notices to registrars and hosts as stored: one row per (alert, contact)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from revenant.errors import UsageError
from revenant.store.db import Store
from revenant.store.schema import CaseRow, NoticeRow

STATES = ("drafted", "approved", "sent", "acted", "no-response")


@dataclass(frozen=True)
class Notice:
    id: int
    case: str
    case_id: int
    alert_id: int
    host: str
    role: str
    recipient: str
    recipient_email: str
    state: str
    subject: str
    body: str
    xarf: dict[str, Any]
    evidence: dict[str, Any]
    order_id: int | None
    drafted_at: datetime
    drafted_by: str
    approved_at: datetime | None
    approved_by: str | None
    sent_at: datetime | None
    message_id: str | None
    sent_digest: str | None
    closed_at: datetime | None
    outcome_note: str

    def as_json(self, *, full: bool = False) -> dict[str, object]:
        doc: dict[str, object] = {
            "id": self.id,
            "case": self.case,
            "alert": self.alert_id,
            "host": self.host,
            "role": self.role,
            "recipient": self.recipient,
            "to": self.recipient_email,
            "state": self.state,
            "subject": self.subject,
            "order": self.order_id,
            "drafted": self.drafted_at.isoformat(),
            "drafted_by": self.drafted_by,
            "approved": self.approved_at.isoformat() if self.approved_at else None,
            "approved_by": self.approved_by,
            "sent": self.sent_at.isoformat() if self.sent_at else None,
            "message_id": self.message_id,
            "sent_digest": self.sent_digest,
            "closed": self.closed_at.isoformat() if self.closed_at else None,
            "outcome": self.outcome_note,
        }
        if full:
            doc |= {"body": self.body, "xarf": self.xarf, "evidence": self.evidence}
        return doc


def to_notice(row: NoticeRow, case: str) -> Notice:
    return Notice(
        id=row.id,
        case=case,
        case_id=row.case_id,
        alert_id=row.alert_id,
        host=row.host,
        role=row.role,
        recipient=row.recipient,
        recipient_email=row.recipient_email,
        state=row.state,
        subject=row.subject,
        body=row.body,
        xarf=json.loads(row.xarf),
        evidence=json.loads(row.evidence),
        order_id=row.order_id,
        drafted_at=row.drafted_at,
        drafted_by=row.drafted_by,
        approved_at=row.approved_at,
        approved_by=row.approved_by,
        sent_at=row.sent_at,
        message_id=row.message_id,
        sent_digest=row.sent_digest,
        closed_at=row.closed_at,
        outcome_note=row.outcome_note,
    )


def notice_row(session: Session, notice_id: int) -> tuple[NoticeRow, str]:
    row = session.get(NoticeRow, notice_id)
    if row is None:
        raise UsageError(f"no notice with id {notice_id} (see `revenant notice list`)")
    case = session.scalar(select(CaseRow.name).where(CaseRow.id == row.case_id)) or ""
    return row, case


def existing(session: Session, alert_id: int, email: str) -> NoticeRow | None:
    """The notice already made for this alert and this contact, if any."""
    return session.scalar(
        select(NoticeRow).where(NoticeRow.alert_id == alert_id, NoticeRow.recipient_email == email)
    )


def get_notice(store: Store, notice_id: int) -> Notice:
    with store.session() as session:
        row, case = notice_row(session, notice_id)
        return to_notice(row, case)


def list_notices(
    store: Store, *, case: str | None = None, state: str | None = None
) -> list[Notice]:
    if state is not None and state not in STATES:
        raise UsageError(f"notice state {state!r}: one of {', '.join(STATES)}")
    with store.session() as session:
        query = select(NoticeRow, CaseRow.name).join(CaseRow, CaseRow.id == NoticeRow.case_id)
        if case is not None:
            query = query.where(CaseRow.name == case)
        if state is not None:
            query = query.where(NoticeRow.state == state)
        rows = session.execute(query.order_by(NoticeRow.id)).all()
        return [to_notice(row, name) for row, name in rows]
