"""The audit log: every login (and failed attempt), evidence view, download and
decision, with who, when and from which address.

Rows are only ever added. Decisions are also written to the case's custody ledger by
the decision function; this log is where a reviewer sees everything a user did.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from revenant.store.db import Store
from revenant.store.schema import AuditRow

LOGIN = "login"
LOGIN_FAILED = "login-failed"
LOGIN_LIMITED = "login-limited"
LOGOUT = "logout"
VIEW = "view"
DOWNLOAD = "download"
DECISION = "decision"
EDIT = "edit"
LOOKUP = "lookup"  # RDAP asked about an alert's name (its answers are evidence)
PUSH = "push"  # the blocking zone sent to the DNS primary, an event to a partner's MISP
ACTIONS = (
    LOGIN,
    LOGIN_FAILED,
    LOGIN_LIMITED,
    LOGOUT,
    VIEW,
    DOWNLOAD,
    DECISION,
    EDIT,
    LOOKUP,
    PUSH,
)


@dataclass(frozen=True)
class AuditEntry:
    id: int
    time: datetime
    actor: str
    action: str
    subject: str
    address: str
    detail: str


def record(
    store: Store,
    *,
    time: datetime,
    actor: str,
    action: str,
    subject: str = "",
    address: str = "",
    detail: str = "",
) -> None:
    """Append one entry."""
    if action not in ACTIONS:
        raise ValueError(f"audit action {action!r} is not one of {ACTIONS}")
    with store.session() as session:
        session.add(
            AuditRow(
                time=time,
                actor=actor[:100],
                action=action,
                subject=subject[:300],
                address=address[:64],
                detail=detail,
            )
        )


def failed_logins(
    store: Store, *, since: datetime, account: str | None = None, address: str | None = None
) -> int:
    """Failed logins since `since` for an account (after its last success) or from an
    address."""
    with store.session() as session:
        query = (
            select(func.count())
            .select_from(AuditRow)
            .where(AuditRow.action == LOGIN_FAILED, AuditRow.time >= since)
        )
        if account is not None:
            last_ok = session.scalar(
                select(func.max(AuditRow.time)).where(
                    AuditRow.action == LOGIN, AuditRow.subject == f"user:{account}"
                )
            )
            query = query.where(AuditRow.subject == f"user:{account}")
            if last_ok is not None and last_ok > since:
                query = query.where(AuditRow.time > last_ok)
        if address is not None:
            query = query.where(AuditRow.address == address)
        return int(session.scalar(query) or 0)


def entries(
    store: Store,
    *,
    limit: int = 200,
    before: int | None = None,
    actor: str | None = None,
    action: str | None = None,
    subject: str | None = None,
) -> list[AuditEntry]:
    """The newest entries first, optionally filtered; `before` pages by id."""
    with store.session() as session:
        query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
        if before is not None:
            query = query.where(AuditRow.id < before)
        if actor is not None:
            query = query.where(AuditRow.actor == actor)
        if action is not None:
            query = query.where(AuditRow.action == action)
        if subject is not None:
            query = query.where(AuditRow.subject == subject)
        return [
            AuditEntry(r.id, r.time, r.actor, r.action, r.subject, r.address, r.detail)
            for r in session.scalars(query)
        ]
