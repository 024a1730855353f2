"""The analysts' alert queue: alerts ranked by score, filtered and paged, as light rows.

What a list shows is read in one indexed query (no score explanations, no evidence);
an alert's full record is `store.alerts`. Access is the caller's to decide: it passes
the case ids a user may see (None: every case).
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, exists, func, select

from revenant.store.db import Store
from revenant.store.schema import (
    AlertRow,
    CandidateRow,
    CandidateSourceRow,
    CaptureRow,
    CaseRow,
    FeatureRow,
)

DIRECT = "direct"
"""The source shown for an alert on a name that never went through the probe queue
(captured by hand, by the demo's sweep, or from a WARC)."""


@dataclass(frozen=True)
class QueueFilter:
    """What the queue shows. Empty fields filter nothing."""

    case: str | None = None
    verdict: str | None = None
    state: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class QueueRow:
    id: int
    case: str
    host: str
    target: str
    bits: float
    verdict: str
    state: str
    title: str
    source: str
    capture_id: int | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    offset: int
    limit: int
    more: bool  # another page follows


def _query(f: QueueFilter, cases: Collection[int] | None) -> Select[*tuple[Any, ...]]:
    query = (
        select(
            AlertRow.id,
            CaseRow.name,
            AlertRow.host,
            AlertRow.target,
            AlertRow.bits,
            AlertRow.verdict,
            AlertRow.state,
            func.coalesce(CaptureRow.title, ""),
            func.coalesce(CandidateRow.source, DIRECT),
            AlertRow.capture_id,
            AlertRow.created_at,
            AlertRow.updated_at,
        )
        .join(CaseRow, CaseRow.id == AlertRow.case_id)
        .outerjoin(CaptureRow, CaptureRow.id == AlertRow.capture_id)
        .outerjoin(CandidateRow, CandidateRow.name == AlertRow.host)
    )
    if cases is not None:
        query = query.where(AlertRow.case_id.in_(sorted(cases)))
    if f.case:
        query = query.where(CaseRow.name == f.case)
    if f.verdict:
        query = query.where(AlertRow.verdict == f.verdict)
    if f.state:
        query = query.where(AlertRow.state == f.state)
    if f.source == DIRECT:
        query = query.where(CandidateRow.id.is_(None))
    elif f.source:
        seen = (
            select(CandidateSourceRow.id)
            .where(
                CandidateSourceRow.candidate_id == CandidateRow.id,
                CandidateSourceRow.source == f.source,
            )
            .correlate(CandidateRow)
        )
        query = query.where(exists(seen))
    return query


def _row(values: tuple[object, ...]) -> QueueRow:
    return QueueRow(*values)  # type: ignore[arg-type]


def queue_page(
    store: Store,
    f: QueueFilter,
    *,
    cases: Collection[int] | None,
    offset: int = 0,
    limit: int = 50,
) -> QueuePage:
    """One page of the queue, highest score first (ties: oldest alert first)."""
    query = (
        _query(f, cases)
        .order_by(AlertRow.bits.desc(), AlertRow.id)
        .offset(max(0, offset))
        .limit(limit + 1)
    )
    with store.session() as session:
        rows = [_row(tuple(r)) for r in session.execute(query)]
    return QueuePage(rows[:limit], offset, limit, len(rows) > limit)


def fresh_alerts(
    store: Store, f: QueueFilter, *, cases: Collection[int] | None, after: int, limit: int = 50
) -> list[QueueRow]:
    """Alerts raised since alert id `after` that the filter shows, highest score first
    (what the live queue adds without a reload)."""
    query = (
        _query(f, cases)
        .where(AlertRow.id > after)
        .order_by(AlertRow.bits.desc(), AlertRow.id)
        .limit(limit)
    )
    with store.session() as session:
        return [_row(tuple(r)) for r in session.execute(query)]


def last_alert_id(store: Store) -> int:
    with store.session() as session:
        return int(session.scalar(select(func.max(AlertRow.id))) or 0)


def state_counts(store: Store, *, cases: Collection[int] | None) -> dict[str, int]:
    """How many alerts are in each state."""
    query = select(AlertRow.state, func.count()).group_by(AlertRow.state)
    if cases is not None:
        query = query.where(AlertRow.case_id.in_(sorted(cases)))
    with store.session() as session:
        return {str(s): int(n) for s, n in session.execute(query)}


def sources(store: Store) -> list[str]:
    """Every candidate source recorded, for the queue's filter."""
    with store.session() as session:
        found = {str(s) for s in session.scalars(select(CandidateSourceRow.source).distinct())}
    return sorted(found | {DIRECT})


def explanations(store: Store, alert_ids: Collection[int]) -> dict[int, dict[str, Any]]:
    """The stored score explanation of each alert (for rules that read what a score drew
    on, such as a partner's TLP)."""
    ids = sorted(set(alert_ids))
    out: dict[int, dict[str, Any]] = {}
    with store.session() as session:
        for start in range(0, len(ids), 500):
            for alert_id, text in session.execute(
                select(AlertRow.id, AlertRow.explanation).where(
                    AlertRow.id.in_(ids[start : start + 500])
                )
            ):
                out[int(alert_id)] = json.loads(text)
    return out


def features_shown(store: Store, capture_ids: Collection[int]) -> dict[int, list[str]]:
    """The features each capture shows, as "kind:value", in one query per 500 captures
    (for rules that read what a capture showed, such as a partner's TLP)."""
    ids = sorted(set(capture_ids))
    out: dict[int, list[str]] = {}
    with store.session() as session:
        for start in range(0, len(ids), 500):
            for capture_id, kind, value in session.execute(
                select(FeatureRow.capture_id, FeatureRow.kind, FeatureRow.value).where(
                    FeatureRow.capture_id.in_(ids[start : start + 500])
                )
            ):
                out.setdefault(int(capture_id), []).append(f"{kind}:{value}")
    return out
