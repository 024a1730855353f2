"""Captures built by hand (no network): what the evidence stage is given."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from revenant.model import Capture, DnsRecord, Exchange, Outcome

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def make_capture(n: int = 0, *, body: bytes | None = None) -> Capture:
    html = (
        body if body is not None else f"<html><title>Coco {n}</title><p>bonjour</p></html>".encode()
    )
    zipped = gzip.compress(html, mtime=0)
    page = Exchange(
        role="page",
        url=f"https://coco{n}.test/",
        started=T0,
        outcome=Outcome.OK,
        peer="127.0.0.5",
        elapsed=0.01,
        request_headers=(("Host", f"coco{n}.test"), ("User-Agent", "Revenant/test")),
        status=200,
        status_text="OK",
        headers=(
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Encoding", "gzip"),
            ("Transfer-Encoding", "chunked"),
            ("Set-Cookie", "sid=1"),
        ),
        payload=zipped,
        content=html,
    )
    refused = Exchange(
        role="favicon",
        url=f"https://coco{n}.test/favicon.ico",
        started=T0,
        outcome=Outcome.REFUSED,
        reason="content type video/mp4 is never downloaded",
        peer="127.0.0.5",
        status=200,
        status_text="OK",
        headers=(("Content-Type", "video/mp4"),),
        truncated=True,
    )
    never = Exchange(
        role="script",
        url="https://elsewhere.test/a.js",
        started=T0,
        outcome=Outcome.REFUSED,
        reason="address refused: 127.0.0.2 is loopback (127.0.0.0/8)",
    )
    return Capture(
        target=f"https://coco{n}.test/",
        host=f"coco{n}.test",
        started=T0,
        finished=T0,
        outcome=Outcome.OK,
        dns=(DnsRecord(f"coco{n}.test", "A", "127.0.0.5", 300),),
        exchanges=(page, refused, never),
    )


@pytest.fixture(name="make_capture")
def _make_capture_fixture() -> Callable[..., Capture]:
    return make_capture


@pytest.fixture(scope="session")
def live_captures() -> list[Capture]:
    """Real captures of the hostile corpus and an ordinary site, probed on a testnet."""
    import asyncio

    from revenant.probe import Bounds, ProbeConfig, Prober, parse_allow
    from revenant.testnet import Page, SiteSpec, Testnet
    from revenant.testnet.hostile import hostile_sites

    ordinary = SiteSpec(
        names=("coco.test",),
        pages=(
            Page(
                "/",
                b'<html><link rel="icon" href="/i.png"><script src="/a.js"></script>Coco</html>',
            ),
            Page("/i.png", b"\x89PNG\r\n\x1a\n" + bytes(100), content_type="image/png"),
            Page("/a.js", b"var coco=1;", content_type="application/javascript"),
        ),
        gzip=True,
    )
    sites = (*hostile_sites(), ordinary)
    with Testnet(sites, seed=7) as net:
        config = ProbeConfig(
            allow=parse_allow([net.allow]),
            resolver=net.resolver,
            http_port=net.http_port,
            https_port=net.https_port,
            ca_file=str(net.ca_pem),
            bounds=Bounds(connect=3, read=3, exchange=4, total=10),
        )

        async def run() -> list[Capture]:
            async with Prober(config) as prober:
                return list(await asyncio.gather(*(prober.capture(s.name) for s in sites)))

        return asyncio.run(run())
