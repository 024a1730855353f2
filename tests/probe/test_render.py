"""Rendered captures in the real Chromium: the hostile browser corpus ends within its
bounds, nothing forbidden reaches the wire (the testnet counts requests per path, and a
listener on a loopback address outside the allowed range counts connections), and
nothing refused is stored."""

from __future__ import annotations

import asyncio
import gzip
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from revenant.evidence import EvidenceLog, read_captures
from revenant.fingerprint import extract
from revenant.html import ParsePool
from revenant.model import Capture, Outcome
from revenant.probe import ProbeConfig, Prober
from revenant.probe.browser import Browser
from revenant.probe.shell import needs_render
from revenant.testnet import Page, SiteSpec, Testnet
from revenant.testnet.hostile import BROWSER_CASES, browser_name, browser_sites
from tests.components import need_binary
from tests.probe.conftest import config_for

pytestmark = pytest.mark.slow

SPA_HOME = b"""<!doctype html><html><head><title>app</title>
<script type="module" src="/app.js"></script></head><body><div id="root"></div></body></html>"""
SPA_JS = b"""fetch('/api/site').then(r => r.json()).then(d => {
  document.getElementById('root').innerHTML = '<h1>' + d.title + '</h1><p>' + d.text + '</p>';
  document.title = d.title;
});"""
SPA = SiteSpec(
    names=("spa.test",),
    pages=(
        Page("/", SPA_HOME),
        Page("/app.js", SPA_JS, content_type="application/javascript"),
        Page(
            "/api/site",
            b'{"title": "Drawn by script", "text": "Join us on t.me/spa_channel_2026"}',
            content_type="application/json",
        ),
    ),
)
ARTICLE = SiteSpec(
    names=("article.test",),
    pages=(
        Page(
            "/", b"<html><body><p>" + b"Plenty of words on this page. " * 30 + b"</p></body></html>"
        ),
    ),
)


class WireCounter:
    """A TCP listener on 127.0.0.1 (outside every testnet block) that counts
    connections: the renderer must never make one."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.sock.close()


@dataclass
class Rendered:
    capture: Capture
    took: float


@dataclass
class Corpus:
    net: Testnet
    wire: WireCounter
    config: ProbeConfig
    results: dict[str, Rendered]
    hits: Counter[tuple[str, str]]  # what reached the testnet during the renderings


def _render_config(net: Testnet) -> ProbeConfig:
    base = config_for(net)
    return replace(
        base,
        render="always",
        bounds=replace(base.bounds, render=12.0, render_settle=1.5),
    )


async def _render_all(config: ProbeConfig, targets: dict[str, str]) -> dict[str, Rendered]:
    async with Prober(config) as prober:

        async def one(url: str) -> Rendered:
            t0 = time.monotonic()
            capture = await prober.capture(url)
            return Rendered(capture, time.monotonic() - t0)

        done = await asyncio.gather(*(one(url) for url in targets.values()))
    return dict(zip(targets, done, strict=True))


@pytest.fixture(scope="module")
def corpus() -> Iterator[Corpus]:
    need_binary("chromium-headless-shell")
    wire = WireCounter()
    sites = (*browser_sites(f"127.0.0.1:{wire.port}"), SPA, ARTICLE)
    try:
        with Testnet(sites, seed=16) as net:
            config = _render_config(net)
            targets = {case: net.url(browser_name(case)) for case in BROWSER_CASES}
            targets["spa"] = net.url("spa.test")
            results = asyncio.run(_render_all(config, targets))
            yield Corpus(net, wire, config, results, Counter(net.hits))
    finally:
        wire.close()


def _hits(corpus: Corpus, case: str, prefix: str) -> int:
    name = browser_name(case)
    return sum(
        n for (site, path), n in corpus.hits.items() if site == name and path.startswith(prefix)
    )


def _refused(corpus: Corpus, case: str, kind: str | None = None) -> list[str]:
    rendering = corpus.results[case].capture.rendering
    assert rendering is not None
    return [r.url for r in rendering.refused if kind is None or r.kind == kind]


CLOSING = 12.0
"""Closing a profile after its time bound: crash a hogged renderer (1 s), detach (1 s),
close the profile (10 s). Each wait is bounded in render.py."""


def test_every_case_ends_within_the_rendering_bound(corpus: Corpus) -> None:
    bounds = corpus.config.bounds
    for case, result in corpus.results.items():
        rendering = result.capture.rendering
        assert rendering is not None, case
        took = (rendering.finished - rendering.started).total_seconds()
        assert took < bounds.render + CLOSING, case


def test_nothing_reached_the_forbidden_loopback_listener(corpus: Corpus) -> None:
    assert corpus.wire.connections == 0


@pytest.mark.parametrize("case", ["private-address", "loopback", "rebinding"])
def test_forbidden_addresses_are_refused_by_the_policy_before_any_connection(
    corpus: Corpus, case: str
) -> None:
    capture = corpus.results[case].capture
    tried = [e for e in capture.exchanges if e.role.startswith("render:")]
    assert tried, "the page's requests went to the prober"
    for e in tried:
        assert e.outcome is Outcome.REFUSED and e.peer is None and e.status is None, e
    assert len(_refused(corpus, case)) >= len(tried)


def test_private_address_refusals_name_the_address(corpus: Corpus) -> None:
    reasons = " ".join(
        r.reason
        for r in corpus.results["private-address"].capture.rendering.refused  # type: ignore[union-attr]
    )
    assert "10.0.0.1" in reasons and "192.168.0.1" in reasons and "172.16.0.1" in reasons


@pytest.mark.parametrize(
    ("case", "path", "kind"),
    [
        ("image", "/pic.png", "image"),
        ("video", "/clip.mp4", "media"),
        ("video", "/song.mp3", "media"),
    ],
)
def test_media_is_refused_before_it_is_requested(
    corpus: Corpus, case: str, path: str, kind: str
) -> None:
    assert _hits(corpus, case, path) == 0
    assert any(path in url for url in _refused(corpus, case, kind))


def test_image_requests_of_every_form_are_refused(corpus: Corpus) -> None:
    urls = _refused(corpus, "image", "image")
    assert {u.rsplit("/", 1)[1] for u in urls} >= {
        "pic.png",
        "pic.png?js",
        "pic.png?css",
        "pic.png?pic",
    }


def test_websockets_are_refused_and_never_opened(corpus: Corpus) -> None:
    assert _hits(corpus, "websocket", "/ws") == 0
    urls = _refused(corpus, "websocket", "websocket")
    assert any(u.startswith("wss://") and u.endswith("/ws") for u in urls)
    assert any(f"127.0.0.1:{corpus.wire.port}" in u for u in urls)


def test_a_download_is_refused_and_its_body_never_kept(corpus: Corpus) -> None:
    capture = corpus.results["download"].capture
    assert _refused(corpus, "download")
    for e in capture.exchanges:
        if e.url.endswith("/file.zip"):
            assert e.outcome is Outcome.REFUSED and e.payload == b"" and e.content == b""


def test_an_endless_timer_loop_ends_with_a_snapshot(corpus: Corpus) -> None:
    rendering = corpus.results["timeout-loop"].capture.rendering
    assert rendering is not None and rendering.screenshot.startswith(b"\x89PNG")
    assert b"spin" in rendering.dom


def test_ten_thousand_subrequests_stop_at_the_request_bound(corpus: Corpus) -> None:
    bound = corpus.config.bounds.render_requests
    capture = corpus.results["subrequests"].capture
    rendering = capture.rendering
    assert rendering is not None
    assert _hits(corpus, "subrequests", "/sub/") <= bound
    fetched = [e for e in capture.exchanges if e.role.startswith("render:")]
    assert len(fetched) <= bound
    assert len(rendering.refused) <= corpus.config.bounds.render_refusals
    # the page asked for SUBREQUESTS; it was answered at most `bound` times and still
    # rendered (the rest failed inside the page, past its request budget)
    assert rendering.screenshot.startswith(b"\x89PNG") and b"Browser case" in rendering.dom


def test_popups_are_refused_and_request_nothing(corpus: Corpus) -> None:
    assert _hits(corpus, "popup", "/popup-target") == 0
    assert _refused(corpus, "popup")


def test_a_busy_page_is_cut_at_the_rendering_bound(corpus: Corpus) -> None:
    result = corpus.results["busy-loop"]
    rendering = result.capture.rendering
    assert rendering is not None
    assert rendering.outcome in (Outcome.TIMEOUT, Outcome.OK, Outcome.PROTOCOL_ERROR)
    assert (
        rendering.finished - rendering.started
    ).total_seconds() < corpus.config.bounds.render + 11


def test_pages_get_no_webrtc_geolocation_notifications_or_service_workers(corpus: Corpus) -> None:
    dom = corpus.results["isolation"].capture.rendering.dom  # type: ignore[union-attr]
    assert b"geo=undefined" in dom and b"rtc=undefined" in dom
    assert b"notify=denied" in dom and b"sw=refused" in dom
    assert _hits(corpus, "isolation", "/sw.js") == 0


def test_a_single_page_app_is_drawn_from_requests_the_prober_made(corpus: Corpus) -> None:
    capture = corpus.results["spa"].capture
    rendering = capture.rendering
    assert rendering is not None and rendering.outcome is Outcome.OK
    assert b"Drawn by script" in rendering.dom and b"t.me/spa_channel_2026" in rendering.dom
    api = [e for e in capture.exchanges if e.url.endswith("/api/site")]
    assert [e.role for e in api] == ["render:fetch"] and api[0].peer is not None
    # the page itself and its script were the prober's own exchanges, not fetched twice
    assert corpus.hits[("spa.test", "/")] == 1 and corpus.hits[("spa.test", "/app.js")] == 1
    assert all(("User-Agent", corpus.config.user_agent) in e.request_headers for e in api)


def test_the_page_and_its_rendered_dom_are_each_parsed_once(corpus: Corpus) -> None:
    capture = corpus.results["spa"].capture
    page, rendering = capture.page, capture.rendering
    assert page is not None and rendering is not None
    assert capture.parsed is not None and capture.parsed.of(page.content)
    assert rendering.parsed is not None and rendering.parsed.of(rendering.dom)
    assert rendering.parsed.summary.title == "Drawn by script"
    with ParsePool(1) as pool:
        fingerprint = extract(capture, parser=pool)
        assert pool.stats.parsed == 0  # both parses were the prober's
    assert fingerprint.title == "app"  # the raw page's title first
    assert any(f.kind == "telegram" for f in fingerprint.features)


def test_a_rendering_is_written_and_read_back_exactly(corpus: Corpus, tmp_path: Path) -> None:
    capture = corpus.results["spa"].capture
    with EvidenceLog(tmp_path / "ev", case="ev") as log:
        log.write(capture)
    (back,) = list(read_captures(tmp_path / "ev"))
    assert back.rendering == capture.rendering
    assert [e.url for e in back.exchanges] == [e.url for e in capture.exchanges]


def test_refused_bodies_are_never_in_the_evidence(corpus: Corpus, tmp_path: Path) -> None:
    with EvidenceLog(tmp_path / "ev", case="ev") as log:
        for case in ("image", "video", "download"):
            log.write(corpus.results[case].capture)
    raw = b"".join(
        gzip.decompress(p.read_bytes()) for p in sorted((tmp_path / "ev").glob("*.warc.gz"))
    )
    assert (
        b"ftypmp42" not in raw and b"PK\x03\x04" not in raw and b"IHDR\x00\x00\x00\x01" not in raw
    )


def test_auto_mode_renders_an_app_shell_and_not_an_article(corpus: Corpus) -> None:
    async def both() -> tuple[Capture, Capture]:
        async with Prober(replace(corpus.config, render="auto")) as prober:
            return (
                await prober.capture(corpus.net.url("spa.test")),
                await prober.capture(corpus.net.url("article.test")),
            )

    spa, article = asyncio.run(both())
    assert spa.rendering is not None and article.rendering is None
    assert needs_render(spa.parsed) and not needs_render(article.parsed)


def test_chromium_alone_cannot_reach_the_network(corpus: Corpus) -> None:
    """Defence in depth: a profile with no interception at all still reaches nothing
    (its proxy is a held, closed loopback port; its resolver answers nothing)."""

    async def bare() -> list[str]:
        errors = []
        async with Browser() as browser:
            context = await browser.context("test")
            page = await context.new_page()
            for url in (
                corpus.net.url("spa.test"),
                f"http://127.0.0.1:{corpus.wire.port}/direct",
                f"http://{corpus.net.address_of('spa.test')}:{corpus.net.http_port}/",
            ):
                try:
                    await page.goto(url, timeout=5000)
                except Exception as exc:
                    errors.append(str(exc).splitlines()[0])
            await context.close()
        return errors

    before = sum(n for (site, _), n in corpus.net.hits.items() if site == "spa.test")
    errors = asyncio.run(bare())
    assert len(errors) == 3, errors
    assert corpus.wire.connections == 0
    assert sum(n for (site, _), n in corpus.net.hits.items() if site == "spa.test") == before


def test_the_browsers_requests_go_through_the_configured_proxy(corpus: Corpus, socks: str) -> None:
    """The proxy setting applies to every subresource: the app's data request is made
    by the prober through the SOCKS proxy (the peer recorded is the proxy's)."""
    config = replace(corpus.config, proxy=socks)

    async def one() -> Capture:
        async with Prober(config) as prober:
            return await prober.capture(corpus.net.url("spa.test"))

    capture = asyncio.run(one())
    assert capture.rendering is not None and b"Drawn by script" in capture.rendering.dom
    (api,) = [e for e in capture.exchanges if e.url.endswith("/api/site")]
    assert api.role == "render:fetch" and api.outcome is Outcome.OK
    # the proxy listens on 127.0.0.1; the site on its own 127.B.x.y address
    assert api.peer == "127.0.0.1" != corpus.net.address_of("spa.test")
