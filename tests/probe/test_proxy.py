"""The prober through a SOCKS5 proxy (pproxy on loopback, a real one)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from revenant.model import Outcome
from revenant.probe import ProbeConfig, capture_sync
from revenant.testnet import Testnet


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def socks() -> Iterator[str]:
    port = _free_port()
    pproxy = str(Path(sys.executable).parent / "pproxy")
    proc = subprocess.Popen(
        [pproxy, "-l", f"socks5://127.0.0.1:{port}"],
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
        yield f"socks5://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)


def test_capture_through_socks5_proxy(net: Testnet, config: ProbeConfig, socks: str) -> None:
    # The proxy resolves names itself (the system's DNS knows no testnet name), so the
    # target is the site's address; the policy still checks it before asking the proxy.
    address = net.address_of("coco.test")
    capture = capture_sync(f"http://{address}:{net.http_port}/", replace(config, proxy=socks))
    assert capture.outcome is Outcome.OK, capture.reason
    assert capture.page is not None and capture.page.status is not None


def test_proxy_does_not_bypass_the_address_policy(config: ProbeConfig, socks: str) -> None:
    capture = capture_sync("http://127.0.0.1:9/", replace(config, proxy=socks))
    assert capture.outcome is Outcome.REFUSED
