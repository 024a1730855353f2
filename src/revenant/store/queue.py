"""The candidate queue, in the database so that a killed worker loses nothing.

A worker claims a batch by taking a lease; finishing a candidate and storing its capture
happen in one transaction. A lease that expires (the worker died) makes the candidate
claimable again, and its `attempts` count says why it was probed twice. On PostgreSQL
claims use SKIP LOCKED so several workers share the queue.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from revenant.model import Candidate
from revenant.store.db import Store
from revenant.store.schema import Base, CandidateRow, CandidateSourceRow, CaseRow

QUEUED, LEASED, DONE, FAILED = "queued", "leased", "done", "failed"


@dataclass(frozen=True)
class Claim:
    """A leased candidate: probe it, then `finish` or `release` it."""

    id: int
    name: str
    source: str
    case: str | None
    attempts: int
    priority: float


def enqueue(store: Store, candidates: Iterable[Candidate], *, chunk: int = 2000) -> int:
    """Add candidates (or new sightings of known ones); returns how many names were new.

    A known name keeps its state; its priority rises to the highest seen, and every new
    (source, detail) sighting is recorded. Bulk upserts, so a feed of 100,000 names is
    one pass, not 100,000 round trips.
    """
    new = 0
    batch: list[Candidate] = []
    with store.session() as session:
        case_ids = {name: cid for cid, name in session.execute(select(CaseRow.id, CaseRow.name))}
        for cand in candidates:
            batch.append(cand)
            if len(batch) >= chunk:
                new += _enqueue_batch(session, store, batch, case_ids)
                batch.clear()
        if batch:
            new += _enqueue_batch(session, store, batch, case_ids)
    return new


def _insert(store: Store, table: type[Base]) -> Any:
    dialect = sqlite if store.is_sqlite else postgresql
    return dialect.insert(table)


def _enqueue_batch(
    session: Session, store: Store, batch: list[Candidate], case_ids: dict[str, int]
) -> int:
    best: dict[str, Candidate] = {}
    for cand in batch:
        held = best.get(cand.name)
        if held is None or cand.priority > held.priority:
            best[cand.name] = cand
    names = list(best)
    known = set(session.scalars(select(CandidateRow.name).where(CandidateRow.name.in_(names))))
    rows = [
        {
            "name": c.name,
            "case_id": case_ids.get(c.case) if c.case else None,
            "source": str(c.source),
            "detail": c.detail,
            "first_seen": c.seen_at,
            "priority": c.priority,
            "state": QUEUED,
            "attempts": 0,
        }
        for c in best.values()
    ]
    stmt = _insert(store, CandidateRow)
    stmt = stmt.on_conflict_do_update(
        index_elements=["name"],
        set_={"priority": func.max(CandidateRow.priority, stmt.excluded.priority)}
        if store.is_sqlite
        else {"priority": func.greatest(CandidateRow.priority, stmt.excluded.priority)},
    )
    session.execute(stmt, rows)
    ids: dict[str, int] = dict(
        session.execute(
            select(CandidateRow.name, CandidateRow.id).where(CandidateRow.name.in_(names))
        ).all()
    )
    sightings = [
        {
            "candidate_id": ids[c.name],
            "source": str(c.source),
            "detail": c.detail,
            "seen_at": c.seen_at,
        }
        for c in batch
    ]
    sight = _insert(store, CandidateSourceRow).on_conflict_do_nothing(
        index_elements=["candidate_id", "source", "detail"]
    )
    session.execute(sight, sightings)
    return len(set(names) - known)


def claim(
    store: Store,
    limit: int,
    *,
    now: datetime,
    lease: timedelta = timedelta(minutes=10),
    min_priority: float | None = None,
) -> list[Claim]:
    """Lease up to `limit` claimable candidates, highest priority first.

    Claimable: queued, a lease that expired (its worker died), or a finished candidate
    whose scheduled re-check is due.
    """
    claimable = or_(
        CandidateRow.state == QUEUED,
        and_(CandidateRow.state == LEASED, CandidateRow.lease_until < now),
        and_(CandidateRow.state == DONE, CandidateRow.next_probe_at <= now),
    )
    with store.session() as session:
        if store.is_sqlite:
            # Take the write lock first so two SQLite workers cannot claim the same rows.
            session.execute(update(CandidateRow).where(CandidateRow.id == -1).values(attempts=0))
        query = (
            select(CandidateRow, CaseRow.name)
            .outerjoin(CaseRow, CaseRow.id == CandidateRow.case_id)
            .where(claimable)
            .order_by(CandidateRow.priority.desc(), CandidateRow.id)
            .limit(limit)
        )
        if min_priority is not None:
            query = query.where(CandidateRow.priority >= min_priority)
        if not store.is_sqlite:
            query = query.with_for_update(skip_locked=True, of=CandidateRow)
        claims = []
        for row, case_name in session.execute(query).all():
            row.state = LEASED
            row.lease_until = now + lease
            row.attempts += 1
            claims.append(
                Claim(row.id, row.name, row.source, case_name, row.attempts, row.priority)
            )
        return claims


def finish(
    session: Session, claim_id: int, *, capture_id: int | None, next_probe_at: datetime | None
) -> None:
    """Mark a claim done inside the caller's transaction (the one storing its capture)."""
    session.execute(
        update(CandidateRow)
        .where(CandidateRow.id == claim_id)
        .values(
            state=DONE,
            lease_until=None,
            last_capture_id=capture_id,
            next_probe_at=next_probe_at,
        )
    )


def release(store: Store, claim_ids: Iterable[int], *, max_attempts: int = 3) -> None:
    """Give leases back (clean stop or failure); too many attempts and a name is failed."""
    ids = list(claim_ids)
    if not ids:
        return
    with store.session() as session:
        for row in session.scalars(select(CandidateRow).where(CandidateRow.id.in_(ids))):
            if row.state == LEASED:
                row.state = FAILED if row.attempts >= max_attempts else QUEUED
                row.lease_until = None


def counts(store: Store) -> dict[str, int]:
    """How many candidates are in each state (what the status line reports)."""
    with store.session() as session:
        rows = session.execute(
            select(CandidateRow.state, func.count()).group_by(CandidateRow.state)
        ).all()
        return {str(state): int(n) for state, n in rows}


def sources_of(store: Store, name: str) -> list[tuple[str, str]]:
    """Every (source, detail) under which a name was seen."""
    with store.session() as session:
        rows = session.execute(
            select(CandidateSourceRow.source, CandidateSourceRow.detail)
            .join(CandidateRow, CandidateRow.id == CandidateSourceRow.candidate_id)
            .where(CandidateRow.name == name)
            .order_by(CandidateSourceRow.id)
        ).all()
        return [(str(s), str(d)) for s, d in rows]
