"""store/status.py: the watch's status as the dashboard's home page shows it."""

from __future__ import annotations

from datetime import UTC, datetime

from revenant.discover.sources import CT_STATE_KEY
from revenant.store import Store
from revenant.store.status import watch_status

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def test_ct_positions_are_read_as_the_ct_source_saves_them(store: Store) -> None:
    store.set_state(CT_STATE_KEY, {"https://log.example/": 7, "https://other.example/": 0})
    status = watch_status(store, now=NOW)
    assert status.ct_positions == {"https://log.example/": 7, "https://other.example/": 0}


def test_a_store_without_a_ct_log_shows_none(store: Store) -> None:
    assert watch_status(store, now=NOW).ct_positions == {}
