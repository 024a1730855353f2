"""Re-checks: what a confirmed name shows when the watch probes it again, in one word
(up, down, parked, redirected, seized, changed) with the observation behind it.

The capture is recorded as evidence like any other (WARC, ledger); this module only
reads it and the score it got. It must state only what was observed: a page that no
longer scores as the case is "changed", never "taken down".
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from revenant.act.decisions import Subject, record
from revenant.discover.pivots import redirects
from revenant.fingerprint.names import registrable
from revenant.model import Candidate, Capture, Outcome, Score, Source, Verdict
from revenant.store import Store
from revenant.store.rechecks import add_recheck, confirmed_for_host, confirmed_names


class State(enum.StrEnum):
    UP = "up"  # still scores as the case
    DOWN = "down"  # NXDOMAIN or no DNS answer, connection refused, timeout
    PARKED = "parked"  # a parking or for-sale page
    REDIRECTED = "redirected"  # sends visitors to another site (queued as a candidate)
    SEIZED = "seized"  # a seizure banner
    CHANGED = "changed"  # answers, but no longer scores as the case


WATCH_ACTOR = "revenant-watch"
"""The actor the watch's re-check documents name (a machine's observation, not a person's)."""

_DOWN = {Outcome.DNS_ERROR, Outcome.CONNECT_ERROR, Outcome.TIMEOUT}
_SCAN = 200_000
"""Bytes of the page searched for banners: seizure and parking notices say it early."""

_SEIZED = re.compile(
    rb"(this (domain|site|website) has been seized|seized by|seizure warrant|"
    rb"(nom de domaine|site) a \xc3\xa9t\xc3\xa9 saisi|saisi par|beschlagnahmt)",
    re.I,
)
_PARKED = re.compile(
    rb"(this domain (is|may be) for sale|buy this domain|domain is parked|parked free|"
    rb"parkingcrew|sedoparking|bodis\.com|domaine \xc3\xa0 vendre|ce domaine est \xc3\xa0 vendre)",
    re.I,
)
_PARKING_NS = ("sedoparking.com", "parkingcrew.net", "bodis.com", "above.com", "dan.com")


def _parking(server: str) -> bool:
    name = server.rstrip(".").lower()
    return any(name == p or name.endswith("." + p) for p in _PARKING_NS)


@dataclass(frozen=True)
class Finding:
    """The state a re-check found, the observation behind it, and where a redirect went."""

    state: State
    detail: str
    redirect_to: str | None = None


def classify(capture: Capture, score: Score | None) -> Finding:
    """The state a re-probe of a confirmed name found."""
    # A redirect that was answered counts even if its target did not answer.
    elsewhere = [
        c.name for c in redirects(capture) if registrable(c.name) != registrable(capture.host)
    ]
    answered = any(e.status is not None for e in capture.exchanges)
    if elsewhere and answered:
        return Finding(State.REDIRECTED, f"redirects to {elsewhere[0]}", elsewhere[0])
    if capture.outcome in _DOWN:
        return Finding(State.DOWN, f"{capture.outcome}: {capture.reason}".rstrip(": "))
    page = capture.page
    if page is None or page.status is None:
        return Finding(State.DOWN, f"no page ({capture.outcome}: {capture.reason})")
    body = page.content[:_SCAN]
    seized = _SEIZED.search(body)
    if seized:
        return Finding(State.SEIZED, f"page says {seized.group(0).decode(errors='replace')!r}")
    parked = _PARKED.search(body)
    if parked:
        return Finding(State.PARKED, f"page says {parked.group(0).decode(errors='replace')!r}")
    parking = [r.value for r in capture.dns if r.rtype == "NS" and _parking(r.value)]
    if parking:
        return Finding(State.PARKED, f"name server {parking[0]} is a parking service")
    if score is not None and score.verdict is not Verdict.UNRELATED:
        return Finding(State.UP, f"still scores {score.bits:.1f} bits ({score.verdict})")
    bits = f"{score.bits:.1f} bits, unrelated" if score is not None else "not scored"
    return Finding(State.CHANGED, f"status {page.status}, now scores {bits}")


@dataclass
class ConfirmedSource:
    """A watch source yielding every confirmed name, so the watch re-probes each on its
    schedule (a name already queued keeps its state and its next probe time)."""

    store: Store
    name: str = "recheck"

    def pull(self, now: datetime) -> Iterable[Candidate]:
        return [
            Candidate(c.host, Source.RECHECK, now, f"confirmed alert #{c.alert_id}", c.case, 1.0)
            for c in confirmed_names(self.store)
        ]


@dataclass(frozen=True)
class Rechecked:
    """What the watch does after recording a capture's re-checks: whether the host is a
    confirmed name (re-probed on the re-check schedule) and the redirect targets to queue."""

    confirmed: bool
    queue: tuple[Candidate, ...] = ()


def record_rechecks(
    session: Session,
    capture: Capture,
    capture_id: int,
    scores: Sequence[tuple[str, Score]],
    *,
    data_dir: Path,
    now: datetime,
) -> Rechecked:
    """Inside the watch's transaction (the one storing the capture): the state each
    confirmed alert on this host is found in, stored and written to the case's custody
    ledger (a `recheck` document by `revenant-watch`, pointing at the capture), so the
    state is evidence with a time no one can move."""
    confirmed = confirmed_for_host(session, capture.host)
    if not confirmed:
        return Rechecked(False)
    by_case = dict(scores)
    queue: dict[str, Candidate] = {}
    for c in confirmed:
        score = by_case.get(c.case)
        found = classify(capture, score)
        add_recheck(
            session,
            c.alert_id,
            capture_id=capture_id,
            state=str(found.state),
            detail=found.detail,
            bits=score.bits if score is not None else None,
            at=now,
        )
        record(
            session,
            data_dir,
            Subject("alert", c.alert_id, c.case, c.case_id, c.host),
            "recheck",
            actor=WATCH_ACTOR,
            facts={
                "state": str(found.state),
                "observed": found.detail,
                "bits": round(score.bits, 2) if score is not None else None,
                "capture": {
                    "id": capture_id,
                    "target": capture.target,
                    "started": capture.started.isoformat(),
                    "outcome": str(capture.outcome),
                    "warc": capture.warc_file,
                },
            },
            clock=lambda: now,
        )
        if found.redirect_to:
            queue[found.redirect_to] = Candidate(
                found.redirect_to,
                Source.PIVOT,
                now,
                f"redirect from confirmed {capture.host} (re-check)",
                c.case,
                1.0,
            )
    return Rechecked(True, tuple(queue.values()))
