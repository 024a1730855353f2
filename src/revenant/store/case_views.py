"""What a case's pages read: which cases a capture belongs to, the platform's hops
(every host it was seen on, first and last seen), and the infrastructure its captures
share (addresses, networks, name servers, certificates, identifiers).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from revenant.store.db import Store
from revenant.store.schema import (
    AlertRow,
    CaptureRow,
    CaseReferenceRow,
    FeatureRow,
)


@dataclass(frozen=True)
class CaptureLinks:
    """What a capture is evidence for."""

    filed: int | None  # the case it was filed under
    references: frozenset[int]  # cases it is a reference capture of
    alerts: tuple[tuple[int, int], ...]  # (alert id, case id) of alerts it raised

    @property
    def cases(self) -> set[int]:
        found = set(self.references) | {case for _, case in self.alerts}
        return found | ({self.filed} if self.filed is not None else set())


def capture_links(store: Store, capture_id: int) -> CaptureLinks:
    """The cases and alerts a capture is evidence for."""
    with store.session() as session:
        filed = session.scalar(select(CaptureRow.case_id).where(CaptureRow.id == capture_id))
        refs = frozenset(
            int(i)
            for i in session.scalars(
                select(CaseReferenceRow.case_id).where(CaseReferenceRow.capture_id == capture_id)
            )
        )
        alerts = tuple(
            (int(a), int(c))
            for a, c in session.execute(
                select(AlertRow.id, AlertRow.case_id).where(AlertRow.capture_id == capture_id)
            )
        )
        return CaptureLinks(int(filed) if filed is not None else None, refs, alerts)


@dataclass(frozen=True)
class Hop:
    """One host the case's platform was seen on."""

    host: str
    alert_id: int | None  # None for the seized site's own references
    state: str  # the alert's state, "seized" for references
    verdict: str
    bits: float
    first_seen: datetime
    last_seen: datetime
    captures: int


def hops(store: Store, case_id: int) -> list[Hop]:
    """The seized site (its reference captures) and every alerted host, each with the
    first and last time a capture of it started, oldest first."""
    with store.session() as session:
        refs = session.execute(
            select(
                CaptureRow.host,
                func.min(CaptureRow.started_at),
                func.max(CaptureRow.started_at),
                func.count(),
            )
            .join(CaseReferenceRow, CaseReferenceRow.capture_id == CaptureRow.id)
            .where(CaseReferenceRow.case_id == case_id)
            .group_by(CaptureRow.host)
        ).all()
        out = [
            Hop(str(h), None, "seized", "", 0.0, first, last, int(n)) for h, first, last, n in refs
        ]
        alerts = session.execute(
            select(
                AlertRow.id,
                AlertRow.host,
                AlertRow.state,
                AlertRow.verdict,
                AlertRow.bits,
                AlertRow.created_at,
            ).where(AlertRow.case_id == case_id)
        ).all()
        hosts = [str(a[1]) for a in alerts]
        seen: dict[str, tuple[datetime, datetime, int]] = {}
        for start in range(0, len(hosts), 500):
            for host, first, last, n in session.execute(
                select(
                    CaptureRow.host,
                    func.min(CaptureRow.started_at),
                    func.max(CaptureRow.started_at),
                    func.count(),
                )
                .where(CaptureRow.host.in_(hosts[start : start + 500]))
                .group_by(CaptureRow.host)
            ):
                seen[str(host)] = (first, last, int(n))
        for alert_id, host, state, verdict, bits, created in alerts:
            first, last, n = seen.get(str(host), (created, created, 0))
            out.append(
                Hop(str(host), int(alert_id), str(state), str(verdict), float(bits), first, last, n)
            )
    out.sort(key=lambda h: (h.first_seen, h.host))
    return out


@dataclass(frozen=True)
class Observed:
    """A feature a host's captures showed."""

    host: str
    kind: str
    value: str


def observed_features(
    store: Store, hosts: Collection[str], kinds: Collection[str], *, limit: int = 20_000
) -> list[Observed]:
    """Features of the given kinds that captures of `hosts` showed (distinct per host)."""
    wanted = sorted(set(hosts))
    out: list[Observed] = []
    with store.session() as session:
        for start in range(0, len(wanted), 500):
            rows = session.execute(
                select(CaptureRow.host, FeatureRow.kind, FeatureRow.value)
                .join(FeatureRow, FeatureRow.capture_id == CaptureRow.id)
                .where(
                    CaptureRow.host.in_(wanted[start : start + 500]),
                    FeatureRow.kind.in_(sorted(kinds)),
                )
                .distinct()
                .limit(limit - len(out))
            )
            out.extend(Observed(str(h), str(k), str(v)) for h, k, v in rows)
            if len(out) >= limit:
                break
    return out
