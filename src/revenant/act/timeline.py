"""The case timeline: for each name of a case, when it was first seen (and by which
source), first captured, alerted, confirmed, extended under an order, first in a pushed
zone and first seen down; per case the medians of time to detect (first seen -> alert),
time to block (confirmation -> in the pushed zone) and time to down (confirmation ->
first re-check that found it down).

Every time is a recorded timestamp (captures, queue sightings, decisions, pushes,
re-checks), never a clock read here.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from revenant.store import Store
from revenant.store.alerts import list_alerts
from revenant.store.cases import get_case
from revenant.store.schema import (
    CandidateRow,
    CandidateSourceRow,
    CaptureRow,
    DecisionRow,
    OrderNameRow,
    RecheckRow,
)

EVENTS = (
    "first_seen",
    "first_capture",
    "alert",
    "confirmed",
    "extended",
    "in_zone",
    "first_down",
)


@dataclass(frozen=True)
class NameTimeline:
    """One name's events (None: not yet), and the source that first saw it."""

    name: str
    alert_id: int
    state: str
    seen_by: str
    events: dict[str, datetime | None]

    def span(self, start: str, end: str) -> timedelta | None:
        a, b = self.events.get(start), self.events.get(end)
        return None if a is None or b is None else b - a

    def as_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "alert": self.alert_id,
            "state": self.state,
            "seen_by": self.seen_by,
            **{k: (v.isoformat() if v else None) for k, v in self.events.items()},
        }


MEASURES = {
    "time_to_detect": ("first_seen", "alert"),
    "time_to_block": ("confirmed", "in_zone"),
    "time_to_down": ("confirmed", "first_down"),
}


@dataclass(frozen=True)
class Median:
    """A median over the names where both events happened, and how many those were."""

    seconds: float | None
    names: int


@dataclass(frozen=True)
class CaseTimeline:
    case: str
    names: tuple[NameTimeline, ...]
    medians: dict[str, Median]

    def as_json(self) -> dict[str, object]:
        return {
            "case": self.case,
            "names": [n.as_json() for n in self.names],
            "medians": {
                k: {"seconds": m.seconds, "names": m.names} for k, m in self.medians.items()
            },
        }


def _median(spans: Sequence[timedelta]) -> Median:
    if not spans:
        return Median(None, 0)
    return Median(statistics.median(s.total_seconds() for s in spans), len(spans))


def case_timeline(store: Store, case: str) -> CaseTimeline:
    """Every alerted name of a case, oldest alert first, with its events and the medians."""
    record = get_case(store, case)
    names: list[NameTimeline] = []
    alerts = sorted(list_alerts(store, case=case), key=lambda a: (a.created_at, a.id))
    with store.session() as session:
        for alert in alerts:
            host = alert.host
            seen = session.execute(
                select(CandidateSourceRow.seen_at, CandidateSourceRow.source)
                .join(CandidateRow, CandidateRow.id == CandidateSourceRow.candidate_id)
                .where(CandidateRow.name == host)
                .order_by(CandidateSourceRow.seen_at, CandidateSourceRow.id)
                .limit(1)
            ).first()
            first_capture = session.scalar(
                select(func.min(CaptureRow.started_at)).where(CaptureRow.host == host)
            )
            confirmed = session.scalar(
                select(func.min(DecisionRow.decided_at)).where(
                    DecisionRow.subject_kind == "alert",
                    DecisionRow.subject_id == alert.id,
                    DecisionRow.action == "confirm",
                )
            )
            extended, in_zone = session.execute(
                select(func.min(OrderNameRow.added_at), func.min(OrderNameRow.in_zone_at)).where(
                    OrderNameRow.alert_id == alert.id
                )
            ).one()
            down = session.scalar(
                select(func.min(RecheckRow.checked_at)).where(
                    RecheckRow.alert_id == alert.id, RecheckRow.state == "down"
                )
            )
            # No sighting recorded (captured by hand): the first capture is when it was seen.
            first_seen = seen[0] if seen else first_capture
            events = {
                "first_seen": _utc(first_seen),
                "first_capture": _utc(first_capture),
                "alert": alert.created_at,
                "confirmed": _utc(confirmed),
                "extended": _utc(extended),
                "in_zone": _utc(in_zone),
                "first_down": _utc(down),
            }
            names.append(
                NameTimeline(
                    host, alert.id, alert.state, str(seen[1]) if seen else "capture", events
                )
            )
    medians = {
        measure: _median([s for n in names if (s := n.span(a, b)) is not None])
        for measure, (a, b) in MEASURES.items()
    }
    return CaseTimeline(record.name, tuple(names), medians)


def _utc(value: datetime | None) -> datetime | None:
    """Aggregates bypass the column type on SQLite: make them aware UTC again."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
