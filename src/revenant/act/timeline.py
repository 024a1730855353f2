"""The case timeline, the one source the CLI (`revenant case timeline`), the case report
and the dashboard's case page all read: every host the platform was seen on — the
seized site (its reference captures) and each alerted name — with when it was first
seen (and by which source), first and last captured, alerted, confirmed, extended under
an order, first in a pushed zone and first found down; and per case the medians of time
to detect (first seen -> alert), time to block (confirmation -> in the pushed zone) and
time to down (confirmation -> first re-check that found it down).

Every time is a recorded timestamp (captures, queue sightings, decisions, pushes,
re-checks), never a clock read here. Queries are batched per event kind, so a case
with many alerts costs a few queries per 500 names, not several per name.
"""

from __future__ import annotations

import statistics
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from revenant.store import Store
from revenant.store.cases import get_case
from revenant.store.schema import (
    AlertRow,
    CandidateRow,
    CandidateSourceRow,
    CaptureRow,
    CaseReferenceRow,
    DecisionRow,
    OrderNameRow,
    RecheckRow,
)

EVENTS = (
    "first_seen",
    "first_capture",
    "last_capture",
    "alert",
    "confirmed",
    "extended",
    "in_zone",
    "first_down",
)
SEIZED = "seized"
"""The state (and kind) of the seized site's own hosts: they are references, not alerts."""
_CHUNK = 500  # names per IN (...) query


@dataclass(frozen=True)
class NameTimeline:
    """One host's recorded events (None: not recorded), the source that first saw it,
    and what its alert says (for the seized site: state "seized", no alert)."""

    name: str
    alert_id: int | None
    state: str
    seen_by: str
    events: dict[str, datetime | None]
    verdict: str = ""
    bits: float = 0.0
    captures: int = 0

    @property
    def seized(self) -> bool:
        return self.alert_id is None

    def span(self, start: str, end: str) -> timedelta | None:
        a, b = self.events.get(start), self.events.get(end)
        return None if a is None or b is None else b - a

    @property
    def start(self) -> datetime:
        """Where its bar starts: first seen (else first capture, else the alert)."""
        for key in ("first_seen", "first_capture", "alert"):
            when = self.events.get(key)
            if when is not None:
                return when
        raise ValueError(f"{self.name}: no recorded time")  # never: a row needs one to exist

    @property
    def end(self) -> datetime:
        """Where its bar ends: first found down, else its last capture (what was observed
        of it; nothing is assumed past that), else where it starts."""
        return self.events.get("first_down") or self.events.get("last_capture") or self.start

    def as_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "alert": self.alert_id,
            "state": self.state,
            "seen_by": self.seen_by,
            "captures": self.captures,
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
    """The seized site's hosts, the alerted names (oldest alert first) and the medians
    over the alerted names."""

    case: str
    names: tuple[NameTimeline, ...]
    medians: dict[str, Median]
    seized: tuple[NameTimeline, ...] = ()

    @property
    def hops(self) -> list[NameTimeline]:
        """Every host, seized and alerted, in the order the platform was seen on them:
        what the page and the report draw."""
        return sorted((*self.seized, *self.names), key=lambda n: (n.start, n.name))

    def as_json(self) -> dict[str, object]:
        return {
            "case": self.case,
            "seized": [n.as_json() for n in self.seized],
            "names": [n.as_json() for n in self.names],
            "medians": {
                k: {"seconds": m.seconds, "names": m.names} for k, m in self.medians.items()
            },
        }


def duration(seconds: float | None) -> str:
    """A median as people read it ("-" when nothing was measured)."""
    if seconds is None:
        return "-"
    if seconds < 120:
        return f"{seconds:.1f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def _median(spans: Sequence[timedelta]) -> Median:
    if not spans:
        return Median(None, 0)
    return Median(statistics.median(s.total_seconds() for s in spans), len(spans))


def medians(names: Iterable[NameTimeline]) -> dict[str, Median]:
    """Each measure's median over the names where both its events were recorded."""
    rows = list(names)
    return {
        measure: _median([s for n in rows if (s := n.span(a, b)) is not None])
        for measure, (a, b) in MEASURES.items()
    }


def case_timeline(
    store: Store, case: str, *, alert_ids: Collection[int] | None = None
) -> CaseTimeline:
    """The case's timeline: every alerted name (or only `alert_ids`, the ones a page may
    show), oldest alert first, the seized site's hosts, and the medians over the names."""
    record = get_case(store, case)
    assert record.id is not None
    with store.session() as session:
        seized = _seized(session, record.id)
        alerts = _alerts(session, record.id, alert_ids)
        hosts = [str(a.host) for a in alerts]
        ids = [int(a.id) for a in alerts]
        captured = _grouped(
            session,
            hosts,
            lambda chunk: (
                select(
                    CaptureRow.host,
                    func.min(CaptureRow.started_at),
                    func.max(CaptureRow.started_at),
                    func.count(),
                )
                .where(CaptureRow.host.in_(chunk))
                .group_by(CaptureRow.host)
            ),
        )
        sighted = _sightings(session, hosts)
        confirmed = _grouped(
            session,
            ids,
            lambda chunk: (
                select(DecisionRow.subject_id, func.min(DecisionRow.decided_at))
                .where(
                    DecisionRow.subject_kind == "alert",
                    DecisionRow.action == "confirm",
                    DecisionRow.subject_id.in_(chunk),
                )
                .group_by(DecisionRow.subject_id)
            ),
        )
        ordered = _grouped(
            session,
            ids,
            lambda chunk: (
                select(
                    OrderNameRow.alert_id,
                    func.min(OrderNameRow.added_at),
                    func.min(OrderNameRow.in_zone_at),
                )
                .where(OrderNameRow.alert_id.in_(chunk))
                .group_by(OrderNameRow.alert_id)
            ),
        )
        down = _grouped(
            session,
            ids,
            lambda chunk: (
                select(RecheckRow.alert_id, func.min(RecheckRow.checked_at))
                .where(RecheckRow.alert_id.in_(chunk), RecheckRow.state == "down")
                .group_by(RecheckRow.alert_id)
            ),
        )
    names = []
    for a in alerts:
        first, last, count = captured.get(a.host, (None, None, 0))
        seen = sighted.get(a.host)
        extended, in_zone = ordered.get(a.id, (None, None))
        events = {
            # No sighting recorded (captured by hand): the first capture is when it was seen.
            "first_seen": _utc(seen[0]) if seen else _utc(first),
            "first_capture": _utc(first),
            "last_capture": _utc(last),
            "alert": _utc(a.created_at),
            "confirmed": _utc(confirmed.get(a.id, (None,))[0]),
            "extended": _utc(extended),
            "in_zone": _utc(in_zone),
            "first_down": _utc(down.get(a.id, (None,))[0]),
        }
        names.append(
            NameTimeline(
                str(a.host),
                int(a.id),
                str(a.state),
                str(seen[1]) if seen else "capture",
                events,
                verdict=str(a.verdict),
                bits=float(a.bits),
                captures=int(count),
            )
        )
    return CaseTimeline(record.name, tuple(names), medians(names), tuple(seized))


def _seized(session: Session, case_id: int) -> list[NameTimeline]:
    """The seized site's hosts, from the case's reference captures."""
    rows = session.execute(
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
    out = []
    for host, first, last, count in rows:
        events: dict[str, datetime | None] = dict.fromkeys(EVENTS)
        events |= {"first_seen": _utc(first), "first_capture": _utc(first)}
        events["last_capture"] = _utc(last)
        out.append(
            NameTimeline(
                str(host), None, SEIZED, "reference capture", events, SEIZED, 0.0, int(count)
            )
        )
    return sorted(out, key=lambda n: (n.start, n.name))


def _alerts(session: Session, case_id: int, only: Collection[int] | None) -> list[Any]:
    query = select(
        AlertRow.id,
        AlertRow.host,
        AlertRow.state,
        AlertRow.verdict,
        AlertRow.bits,
        AlertRow.created_at,
    ).where(AlertRow.case_id == case_id)
    if only is None:
        rows = list(session.execute(query))
    else:
        wanted = sorted(set(only))
        rows = []
        for start in range(0, len(wanted), _CHUNK):
            rows += session.execute(query.where(AlertRow.id.in_(wanted[start : start + _CHUNK])))
    return sorted(rows, key=lambda r: (_utc(r.created_at), r.id))


def _grouped(session: Session, keys: Sequence[Any], query: Any) -> dict[Any, tuple[Any, ...]]:
    """One grouped query per chunk of keys: key -> the rest of its row."""
    out: dict[Any, tuple[Any, ...]] = {}
    for start in range(0, len(keys), _CHUNK):
        for key, *rest in session.execute(query(list(keys[start : start + _CHUNK]))):
            out[key] = tuple(rest)
    return out


def _sightings(session: Session, hosts: Sequence[str]) -> dict[str, tuple[datetime, str]]:
    """Each host's first sighting in the candidate queue: (when, source)."""
    found: dict[str, tuple[datetime, int, str]] = {}
    for start in range(0, len(hosts), _CHUNK):
        rows = session.execute(
            select(
                CandidateRow.name,
                CandidateSourceRow.seen_at,
                CandidateSourceRow.id,
                CandidateSourceRow.source,
            )
            .join(CandidateRow, CandidateRow.id == CandidateSourceRow.candidate_id)
            .where(CandidateRow.name.in_(list(hosts[start : start + _CHUNK])))
        )
        for name, seen_at, row_id, source in rows:
            when = _utc(seen_at)
            assert when is not None
            key = (when, int(row_id), str(source))
            if name not in found or key[:2] < found[name][:2]:
                found[str(name)] = key
    return {name: (when, source) for name, (when, _, source) in found.items()}


def _utc(value: datetime | str | None) -> datetime | None:
    """Aggregates bypass the column type on SQLite: make them aware UTC again."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
