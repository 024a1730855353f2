"""Every hostile behaviour (behaviours.py) can be triggered on the corpus (hostile.py),
and each stays bounded on the server side.

Clients here are raw sockets with tight timeouts and byte limits: the point is to see
the misbehaviour on the wire, and a test must never hang on it."""

from __future__ import annotations

import contextlib
import ssl
import time
import zlib
from collections.abc import Iterator

import brotli
import pytest

from revenant.testnet import Hostile, Testnet
from revenant.testnet import behaviours as b
from revenant.testnet.hostile import hostile_name, hostile_sites
from tests.testnet.rawhttp import RawGet, connect


@pytest.fixture(scope="module")
def net() -> Iterator[Testnet]:
    with Testnet(hostile_sites(), seed=13) as running:
        yield running


def test_corpus_has_one_site_per_behaviour() -> None:
    kinds = {s.hostile for s in hostile_sites()}
    assert kinds == set(Hostile)
    assert all(s.label == "hostile" and s.name.endswith(".hostile.test") for s in hostile_sites())


def test_slow_drip_sends_one_byte_per_half_second(net: Testnet) -> None:
    with connect(net, hostile_name(Hostile.SLOW_DRIP), timeout=2) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        began = time.monotonic()
        got = b""
        while time.monotonic() - began < 1.2:
            got += sock.recv(100)
    assert got.startswith(b"H")
    assert 1 <= len(got) <= 4


def test_slow_drip_is_bounded_in_time() -> None:
    assert b.DRIP_MAX_SECONDS <= 60 and b.DRIP_INTERVAL >= 0.5


def test_endless_body_keeps_coming_without_length(net: Testnet, raw_get: RawGet) -> None:
    raw = raw_get(net, hostile_name(Hostile.ENDLESS_BODY), limit=5 << 20, timeout=5)
    assert raw.status == 200
    assert raw.header("Content-Length") is None
    assert len(raw.data) >= 5 << 20


def test_endless_body_server_stops_when_client_goes(net: Testnet, raw_get: RawGet) -> None:
    for _ in range(3):
        raw_get(net, hostile_name(Hostile.ENDLESS_BODY), limit=1 << 20)
    time.sleep(0.3)
    # the site still answers promptly: no stuck writers piling up
    assert raw_get(net, hostile_name(Hostile.ENDLESS_BODY), limit=1000).status == 200


def test_gzip_bomb_is_small_on_the_wire_and_huge_inflated(net: Testnet, raw_get: RawGet) -> None:
    raw = raw_get(net, hostile_name(Hostile.GZIP_BOMB), timeout=10)
    assert raw.header("Content-Encoding") == "gzip"
    assert len(raw.body) < 200_000
    inflater = zlib.decompressobj(47)
    first = inflater.decompress(raw.body, 10 << 20)
    assert len(first) == 10 << 20 and inflater.unconsumed_tail  # ratio far above 50:1


def test_brotli_bomb_is_small_on_the_wire_and_huge_inflated(net: Testnet, raw_get: RawGet) -> None:
    raw = raw_get(net, hostile_name(Hostile.BROTLI_BOMB))
    assert raw.header("Content-Encoding") == "br"
    assert len(raw.body) < 10_000
    out = brotli.Decompressor().process(raw.body, output_buffer_limit=10 << 20)
    assert len(out) >= 10 << 20 - 1


def test_redirect_loop_never_ends(net: Testnet, raw_get: RawGet) -> None:
    name = hostile_name(Hostile.REDIRECT_LOOP)
    path = "/"
    seen = set()
    for _ in range(5):
        raw = raw_get(net, name, path)
        assert raw.status == 302
        location = raw.header("Location")
        assert location and location not in seen
        seen.add(location)
        path = location
    assert path == "/loop/5"


def test_redirect_to_points_outside_the_testnet(net: Testnet, raw_get: RawGet) -> None:
    raw = raw_get(net, hostile_name(Hostile.REDIRECT_TO))
    assert (raw.status, raw.header("Location")) == (302, "http://127.0.0.1:9/")


def test_redirect_to_target_is_configurable() -> None:
    sites = hostile_sites(redirect_target="http://127.0.0.2:9/x")
    (site,) = [s for s in sites if s.hostile is Hostile.REDIRECT_TO]
    assert site.hostile_param == "http://127.0.0.2:9/x"


def test_huge_headers_are_a_megabyte(net: Testnet, raw_get: RawGet) -> None:
    raw = raw_get(net, hostile_name(Hostile.HUGE_HEADERS))
    assert len(raw.head) > 1 << 20


def test_lying_content_type_serves_png_as_html(net: Testnet, raw_get: RawGet) -> None:
    raw = raw_get(net, hostile_name(Hostile.LYING_CONTENT_TYPE))
    assert raw.header(
        "Content-Type",
    ).startswith("text/html")  # type: ignore[union-attr]
    assert raw.body.startswith(b"\x89PNG\r\n\x1a\n")


@pytest.mark.parametrize(
    "name",
    [
        hostile_name(Hostile.BAD_CERT),
        "expired-cert.hostile.test",
        "self-signed-cert.hostile.test",
        "wrong-name-cert.hostile.test",
    ],
)
def test_bad_certificates_fail_verification(net: Testnet, name: str) -> None:
    with pytest.raises(ssl.SSLCertVerificationError):
        connect(net, name, https=True)


def test_bad_cert_site_still_serves_over_plain_http(net: Testnet, raw_get: RawGet) -> None:
    assert raw_get(net, hostile_name(Hostile.BAD_CERT)).status == 200


def test_reset_mid_body(net: Testnet, raw_get: RawGet) -> None:
    raw = raw_get(net, hostile_name(Hostile.RESET_MID_BODY))
    assert raw.reset
    assert raw.header("Content-Length") == str(b.RESET_ANNOUNCED)
    assert len(raw.body) < b.RESET_ANNOUNCED


def test_reset_mid_body_over_tls(net: Testnet) -> None:
    with connect(net, hostile_name(Hostile.RESET_MID_BODY), https=True) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        got = 0
        with pytest.raises((ConnectionResetError, ssl.SSLError)):
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    raise ssl.SSLEOFError("closed without close_notify")
                got += len(chunk)
    assert got < b.RESET_ANNOUNCED


def test_malformed_html(net: Testnet, raw_get: RawGet) -> None:
    raw = raw_get(net, hostile_name(Hostile.MALFORMED_HTML))
    assert raw.status == 200
    assert b"<div>" * 10_000 in raw.body
    assert b"\x00" in raw.body and b"\xc3\x28" in raw.body


@pytest.mark.parametrize(("kind", "status"), [(Hostile.STATUS_404, 404), (Hostile.STATUS_500, 500)])
def test_error_statuses(net: Testnet, raw_get: RawGet, kind: Hostile, status: int) -> None:
    assert raw_get(net, hostile_name(kind)).status == status


def test_stop_ends_a_drip_in_progress() -> None:
    net = Testnet(hostile_sites(), seed=14)
    net.start()
    sock = connect(net, hostile_name(Hostile.SLOW_DRIP), timeout=2)
    with sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert sock.recv(1) == b"H"
        began = time.monotonic()
        net.stop()
        assert time.monotonic() - began < 5
        # the connection ends (FIN or RST) instead of dripping on: a timeout fails here
        with contextlib.suppress(ConnectionResetError):
            while sock.recv(100):
                pass
