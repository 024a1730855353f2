"""The hostile corpus: each behaviour ends in a recorded outcome within its bounds."""

from __future__ import annotations

import asyncio
import time

import pytest

from revenant.model import Capture, Exchange, Outcome
from revenant.probe import ProbeConfig, Prober
from revenant.testnet import Hostile, Testnet
from revenant.testnet.hostile import hostile_name


def _probe(config: ProbeConfig, target: str) -> tuple[Capture, float]:
    async def run() -> Capture:
        async with Prober(config) as prober:
            return await prober.capture(target)

    t0 = time.monotonic()
    capture = asyncio.run(run())
    return capture, time.monotonic() - t0


def _page(capture: Capture) -> Exchange:
    assert capture.page is not None, capture
    return capture.page


def test_slow_drip_times_out_within_the_exchange_bound(config: ProbeConfig) -> None:
    capture, took = _probe(config, hostile_name(Hostile.SLOW_DRIP))
    assert capture.outcome is Outcome.TIMEOUT
    assert took < config.bounds.exchange + 2


def test_endless_body_is_cut_at_the_body_bound(config: ProbeConfig) -> None:
    capture, _ = _probe(config, hostile_name(Hostile.ENDLESS_BODY))
    page = _page(capture)
    assert capture.outcome is Outcome.TOO_LARGE
    assert page.truncated and len(page.payload) == config.bounds.body


@pytest.mark.parametrize("kind", [Hostile.GZIP_BOMB, Hostile.BROTLI_BOMB])
def test_compression_bomb_is_cut_at_the_decompressed_bound(
    config: ProbeConfig, kind: Hostile
) -> None:
    capture, _ = _probe(config, hostile_name(kind))
    page = _page(capture)
    assert capture.outcome is Outcome.TOO_LARGE and "decompressed" in capture.reason
    assert len(page.content) == config.bounds.decompressed
    assert len(page.payload) <= config.bounds.body


def test_redirect_loop_stops_at_the_redirect_bound(config: ProbeConfig) -> None:
    capture, _ = _probe(config, hostile_name(Hostile.REDIRECT_LOOP))
    assert capture.outcome is Outcome.REDIRECT_LIMIT
    assert sum(e.role == "redirect" for e in capture.exchanges) == config.bounds.redirects + 1


def test_redirect_to_refused_address_is_not_followed(config: ProbeConfig) -> None:
    capture, _ = _probe(config, hostile_name(Hostile.REDIRECT_TO))
    page = _page(capture)
    assert capture.outcome is Outcome.REFUSED and page.status is None and page.peer is None
    assert "127.0.0.1" in page.reason


def test_huge_header_is_refused_as_too_large(config: ProbeConfig) -> None:
    capture, _ = _probe(config, hostile_name(Hostile.HUGE_HEADERS))
    assert capture.outcome is Outcome.TOO_LARGE and "header" in capture.reason


def test_image_served_as_html_is_refused_and_not_kept(config: ProbeConfig) -> None:
    capture, _ = _probe(config, hostile_name(Hostile.LYING_CONTENT_TYPE))
    page = _page(capture)
    assert capture.outcome is Outcome.REFUSED and "PNG" in page.reason
    assert page.payload == b"" and page.content == b""


@pytest.mark.parametrize(
    "variant", ["bad-cert", "expired-cert", "self-signed-cert", "wrong-name-cert"]
)
def test_invalid_certificate_is_recorded_and_capture_goes_on(
    config: ProbeConfig, variant: str
) -> None:
    capture, _ = _probe(config, hostile_name(variant))
    assert capture.outcome is Outcome.OK and _page(capture).status == 200
    assert capture.tls is not None and not capture.tls.verified and capture.tls.verify_error
    assert capture.tls.chain and capture.tls.chain[0].der


def test_valid_certificate_is_recorded_as_verified(config: ProbeConfig) -> None:
    capture, _ = _probe(config, hostile_name(Hostile.STATUS_404))
    assert capture.tls is not None and capture.tls.verified and capture.tls.verify_error == ""


def test_reset_mid_body_is_a_protocol_error_keeping_what_came(config: ProbeConfig) -> None:
    capture, _ = _probe(config, hostile_name(Hostile.RESET_MID_BODY))
    page = _page(capture)
    assert capture.outcome is Outcome.PROTOCOL_ERROR and page.truncated


def test_malformed_html_still_gives_a_page(config: ProbeConfig) -> None:
    capture, _ = _probe(config, hostile_name(Hostile.MALFORMED_HTML))
    assert capture.outcome is Outcome.OK and _page(capture).content


@pytest.mark.parametrize(("kind", "status"), [(Hostile.STATUS_404, 404), (Hostile.STATUS_500, 500)])
def test_error_status_is_recorded_as_a_response(
    config: ProbeConfig, kind: Hostile, status: int
) -> None:
    capture, _ = _probe(config, hostile_name(kind))
    assert capture.outcome is Outcome.OK and _page(capture).status == status


def test_unknown_name_is_a_dns_error(config: ProbeConfig) -> None:
    capture, _ = _probe(config, "nothing-here.test")
    assert capture.outcome is Outcome.DNS_ERROR and "NXDOMAIN" in capture.reason


@pytest.mark.slow
def test_500_hostile_targets_at_once_stay_bounded(net: Testnet, config: ProbeConfig) -> None:
    import psutil

    from revenant.testnet.hostile import hostile_sites

    names = [s.name for s in hostile_sites()]
    targets = [names[i % len(names)] for i in range(500)]
    proc = psutil.Process()
    peak = proc.memory_info().rss
    stop = False

    async def watch() -> None:
        nonlocal peak
        while not stop:
            peak = max(peak, proc.memory_info().rss)
            await asyncio.sleep(0.05)

    async def outcome(prober: Prober, target: str) -> Outcome:
        return (await prober.capture(target)).outcome  # the capture itself is dropped

    async def run() -> list[Outcome]:
        nonlocal stop
        watcher = asyncio.create_task(watch())
        async with Prober(config) as prober:
            out = await asyncio.gather(*(outcome(prober, t) for t in targets))
        stop = True
        await watcher
        return list(out)

    base = proc.memory_info().rss
    t0 = time.monotonic()
    outcomes = asyncio.run(run())
    took = time.monotonic() - t0
    print(f"500 hostile targets: {took:.1f} s, peak RSS +{(peak - base) / 2**20:.0f} MB")
    assert len(outcomes) == 500 and all(isinstance(o, Outcome) for o in outcomes)
    assert took < config.bounds.total * 3
    # bodies are capped (2 MB, 10 MB decoded) and per-host limits hold the bombs back
    assert peak - base < 400 * 1024 * 1024, (peak - base) / 2**20
