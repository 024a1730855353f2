"""Shared fixtures: real things (a SQLite file in tmp_path, a fixed clock)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from revenant.store import Store, open_store


class FakeClock:
    """A clock tests move by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(f"sqlite:///{tmp_path / 'revenant.db'}")
    yield s
    s.close()


@pytest.fixture
def store_factory(tmp_path: Path) -> Callable[[], Store]:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    return lambda: open_store(url)
