"""The watch's status as the database shows it: queue sizes, probe rate, CT positions.

Read-only and cheap (three small queries), so the dashboard can poll it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from revenant.discover.sources import CT_STATE_KEY, saved_positions
from revenant.store.db import Store
from revenant.store.queue import counts
from revenant.store.schema import CaptureRow
from revenant.store.state import get_state

RATE_WINDOW = timedelta(minutes=10)
"""Probes per minute are averaged over this window (one minute is too noisy)."""


@dataclass(frozen=True)
class WatchStatus:
    queue: dict[str, int]  # candidates per state
    probes_per_minute: float  # captures finished per minute over RATE_WINDOW
    last_capture_at: datetime | None
    ct_positions: dict[str, int]  # log URL -> next entry index


def watch_status(store: Store, *, now: datetime) -> WatchStatus:
    with store.session() as session:
        recent = session.scalar(
            select(func.count())
            .select_from(CaptureRow)
            .where(CaptureRow.finished_at >= now - RATE_WINDOW)
        )
        last = session.scalar(select(func.max(CaptureRow.finished_at)))
    minutes = RATE_WINDOW.total_seconds() / 60
    return WatchStatus(
        queue=counts(store),
        probes_per_minute=int(recent or 0) / minutes,
        last_capture_at=last,
        ct_positions=saved_positions(get_state(store, CT_STATE_KEY)),
    )
