"""Shared fixtures: real things (a SQLite file in tmp_path, a fixed clock, a SOCKS5
proxy on loopback)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pproxy(scheme: str) -> Iterator[str]:
    """A real proxy (pproxy) on a loopback port, listening for `scheme` clients."""
    port = _free_port()
    pproxy = str(Path(sys.executable).parent / "pproxy")
    proc = subprocess.Popen(
        [pproxy, "-l", f"{scheme}://127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"{scheme}://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture
def socks() -> Iterator[str]:
    yield from _pproxy("socks5")


@pytest.fixture
def http_proxy() -> Iterator[str]:
    yield from _pproxy("http")
