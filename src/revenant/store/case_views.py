"""What a case's pages read: which cases a capture belongs to, and the infrastructure
its hosts' captures share (addresses, networks, name servers, certificates,
identifiers). The hosts themselves, with their recorded events, are the case timeline's
(act/timeline.py), the one source the page, the report and the CLI read.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select

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
