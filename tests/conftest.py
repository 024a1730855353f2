"""Shared fixtures: real things (a SQLite file in tmp_path, a fixed clock, a SOCKS5
proxy on loopback, a PostgreSQL server on loopback)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from revenant.store import Store, open_store
from tests.components import missing, need_binary


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


def _pg_binary(name: str) -> str:
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    return str(found[-1]) if found else need_binary(name)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A real PostgreSQL server for the test session: initdb in a temporary directory,
    on a free loopback port, trust authentication, run by an unprivileged user (the
    `postgres` account when the tests run as root). Yields the server's base URL
    `postgresql+psycopg://postgres@127.0.0.1:PORT`; `postgres_url` gives each test its
    own database."""
    initdb, pg_ctl = _pg_binary("initdb"), _pg_binary("pg_ctl")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        missing("psycopg", "not installed in the virtualenv")
    import shutil
    import tempfile

    # Not under pytest's tmp dir: that one is private to the user running the tests.
    root = Path(tempfile.mkdtemp(prefix="revenant-pg-"))
    root.chmod(0o755)
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    prefix: list[str] = []
    if os.geteuid() == 0:
        import pwd

        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            missing("the postgres account", "initdb refuses to run as root")
        for path in (root, sock):
            os.chown(path, user.pw_uid, user.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    port = _free_port()

    def run(*args: str) -> None:
        done = subprocess.run([*prefix, *args], capture_output=True, text=True, timeout=120)
        if done.returncode:
            raise RuntimeError(f"{' '.join(args[:1])} failed: {done.stdout}{done.stderr}")

    run(initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {sock} -c fsync=off"
    run(pg_ctl, "-D", str(data), "-o", options, "-l", str(root / "log"), "-w", "start")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        run(pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: str) -> str:
    """A fresh, empty database on the session's PostgreSQL server."""
    import uuid

    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    plain = postgres_server.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(f"{plain}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{postgres_server}/{name}"
