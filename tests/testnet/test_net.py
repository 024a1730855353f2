"""Testnet lifecycle, addressing, HTTP serving and TLS from the local CA."""

from __future__ import annotations

import gzip
import ipaddress
import os
import socket
import ssl
import threading
import time
from collections.abc import Iterator

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from revenant.errors import UsageError
from revenant.testnet import CertSpec, Page, Record, SiteSpec, Testnet
from revenant.testnet.sites import CSS
from tests.testnet.rawhttp import RawGet, connect

ICON = b"\x00\x00\x01\x00fake-icon"
HOME = (
    b"<!DOCTYPE html><html><head><title>Home</title></head><body>"
    + b"hello " * 100
    + b"</body></html>"
)

SITES = (
    SiteSpec(
        names=("shop.example.fr", "www.shop.example.fr"),
        pages=(Page("/", HOME), Page("/s.css", b"body{}", content_type=CSS)),
        favicon=ICON,
        headers=(("Server", "nginx/1.18.0"), ("X-Frame-Options", "DENY")),
        cookies=(("PHPSESSID", "abc123"),),
        redirects=(("/old", "/"),),
        gzip=True,
    ),
    SiteSpec(names=("blog.example.com",), pages=(Page("/", b"blog"),), cert=CertSpec(key_id="k")),
    SiteSpec(names=("twin.example.com",), pages=(Page("/", b"twin"),), cert=CertSpec(key_id="k")),
    SiteSpec(names=("expired.test",), pages=(Page("/", b"x"),), cert=CertSpec(expired=True)),
    SiteSpec(names=("selfsigned.test",), pages=(Page("/", b"x"),), cert=CertSpec(self_signed=True)),
    SiteSpec(names=("wrongname.test",), pages=(Page("/", b"x"),), cert=CertSpec(wrong_name=True)),
    SiteSpec(
        names=("extra-sans.test",),
        pages=(Page("/", b"x"),),
        cert=CertSpec(sans=("extra-sans.test", "alt.other.test"), organization="Acme"),
    ),
    SiteSpec(names=("plain.test",), pages=(Page("/", b"plain"),), https=False),
)


@pytest.fixture(scope="module")
def net() -> Iterator[Testnet]:
    with Testnet(SITES, seed=3) as running:
        yield running


def _fds() -> int:
    return len(os.listdir("/proc/self/fd"))


# ----------------------------------------------------------------- addressing


def test_each_site_has_its_own_address_inside_allow(net: Testnet) -> None:
    block = ipaddress.IPv4Network(net.allow)
    addresses = [net.address_of(s.name) for s in SITES]
    assert len(set(addresses)) == len(SITES)
    assert all(ipaddress.ip_address(a) in block for a in addresses)
    assert block.prefixlen == 16 and block != ipaddress.ip_network("127.0.0.0/16")
    assert block.subnet_of(ipaddress.IPv4Network("127.0.0.0/8"))


def test_all_names_of_a_site_share_its_address(net: Testnet) -> None:
    assert net.address_of("www.shop.example.fr") == net.address_of("shop.example.fr")


def test_addresses_follow_the_seed() -> None:
    one, two = Testnet(SITES, seed=5, block=42), Testnet(SITES, seed=5, block=42)
    assert one.addresses == two.addresses
    assert Testnet(SITES, seed=6, block=42).addresses != one.addresses


def test_url_names_scheme_host_and_port(net: Testnet) -> None:
    assert net.url("shop.example.fr") == f"https://shop.example.fr:{net.https_port}/"
    assert net.url("plain.test", https=False, path="/a") == f"http://plain.test:{net.http_port}/a"


def test_resolver_is_loopback_host_and_port(net: Testnet) -> None:
    host, port = net.resolver.split(":")
    assert host == "127.0.0.1" and int(port) > 1024


def test_unknown_name_is_a_usage_error(net: Testnet) -> None:
    with pytest.raises(UsageError):
        net.address_of("nowhere.test")


def test_duplicate_names_are_refused() -> None:
    with pytest.raises(UsageError, match="two sites"):
        Testnet([SiteSpec(names=("a.test",)), SiteSpec(names=("A.test",))])


def test_block_zero_is_refused() -> None:
    with pytest.raises(UsageError):
        Testnet(SITES, block=0)


# ----------------------------------------------------------------------- HTTP


def test_page_is_served_with_site_headers_and_cookies(net: Testnet, raw_get: RawGet) -> None:
    raw = raw_get(net, "shop.example.fr")
    assert raw.status == 200
    assert raw.body == HOME
    assert raw.head.split(b"\r\n")[1] == b"Server: nginx/1.18.0"
    assert raw.header("X-Frame-Options") == "DENY"
    assert raw.headers("Set-Cookie") == ["PHPSESSID=abc123; path=/; HttpOnly"]
    assert raw.header("Content-Length") == str(len(HOME))


def test_unknown_path_is_404(net: Testnet, raw_get: RawGet) -> None:
    assert raw_get(net, "shop.example.fr", "/missing").status == 404


def test_favicon_is_served_as_icon(net: Testnet, raw_get: RawGet) -> None:
    raw = raw_get(net, "shop.example.fr", "/favicon.ico")
    assert (raw.status, raw.header("Content-Type"), raw.body) == (200, "image/x-icon", ICON)


def test_no_favicon_is_404(net: Testnet, raw_get: RawGet) -> None:
    assert raw_get(net, "blog.example.com", "/favicon.ico").status == 404


def test_declared_redirect(net: Testnet, raw_get: RawGet) -> None:
    raw = raw_get(net, "shop.example.fr", "/old")
    assert (raw.status, raw.header("Location")) == (302, "/")


def test_head_has_no_body(net: Testnet, raw_get: RawGet) -> None:
    raw = raw_get(net, "shop.example.fr", method="HEAD")
    assert raw.status == 200 and raw.body == b""


def test_post_is_405(net: Testnet, raw_get: RawGet) -> None:
    assert (
        raw_get(net, "shop.example.fr", method="POST", extra="Content-Length: 0\r\n").status == 405
    )


def test_gzip_when_accepted(net: Testnet, raw_get: RawGet) -> None:
    raw = raw_get(net, "shop.example.fr", extra="Accept-Encoding: gzip, br\r\n")
    assert raw.header("Content-Encoding") == "gzip"
    assert gzip.decompress(raw.body) == HOME


def test_keep_alive_serves_two_requests_on_one_connection(net: Testnet) -> None:
    with connect(net, "blog.example.com") as sock:
        request = b"GET / HTTP/1.1\r\nHost: blog.example.com\r\n\r\n"
        sock.sendall(request + request)
        data = b""
        while data.count(b"blog") < 2:
            chunk = sock.recv(65536)
            assert chunk
            data += chunk
    assert data.count(b"HTTP/1.1 200 OK") == 2


def test_garbage_request_gets_400(net: Testnet) -> None:
    with connect(net, "blog.example.com") as sock:
        sock.sendall(b"NONSENSE\r\n\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.1 400")


def test_http_only_site_refuses_https(net: Testnet) -> None:
    with pytest.raises(OSError):
        connect(net, "plain.test", https=True, timeout=1)


def test_https_serves_the_same_page(net: Testnet, raw_get: RawGet) -> None:
    assert raw_get(net, "shop.example.fr", https=True).body == HOME


# ------------------------------------------------------------------------ TLS


def _peer_cert(net: Testnet, name: str) -> dict:
    with connect(net, name, https=True) as sock:
        assert isinstance(sock, ssl.SSLSocket)
        cert = sock.getpeercert()
    assert cert
    return cert


def test_certificate_verifies_for_every_site_name(net: Testnet) -> None:
    for name in ("shop.example.fr", "www.shop.example.fr"):
        sans = {v for _, v in _peer_cert(net, name)["subjectAltName"]}
        assert sans == {"shop.example.fr", "www.shop.example.fr"}


def test_declared_sans_and_organization(net: Testnet) -> None:
    cert = _peer_cert(net, "extra-sans.test")
    assert {v for _, v in cert["subjectAltName"]} == {"extra-sans.test", "alt.other.test"}
    assert (("organizationName", "Acme"),) in cert["subject"]


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("expired.test", "expired"),
        ("selfsigned.test", "self-signed"),
        ("wrongname.test", "mismatch"),
    ],
)
def test_bad_certificates_fail_verification(net: Testnet, name: str, reason: str) -> None:
    with pytest.raises(ssl.SSLCertVerificationError, match=reason):
        connect(net, name, https=True)


def test_untrusting_client_rejects_the_local_ca(net: Testnet) -> None:
    sock = socket.create_connection((net.address_of("blog.example.com"), net.https_port), timeout=3)
    with sock, pytest.raises(ssl.SSLCertVerificationError):
        ssl.create_default_context().wrap_socket(sock, server_hostname="blog.example.com")


def test_shared_key_id_means_shared_public_key(net: Testnet) -> None:
    def spki(name: str) -> bytes:
        with connect(net, name, https=True) as sock:
            assert isinstance(sock, ssl.SSLSocket)
            der = sock.getpeercert(binary_form=True)
        assert der is not None
        key = x509.load_der_x509_certificate(der).public_key()
        return key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    assert spki("blog.example.com") == spki("twin.example.com")
    assert spki("blog.example.com") != spki("shop.example.fr")


# ------------------------------------------------------------------ lifecycle


def test_stop_releases_threads_sockets_and_files() -> None:
    threads, fds = threading.active_count(), _fds()
    net = Testnet(SITES, seed=9)
    net.start()
    ca = net.ca_pem
    with connect(net, "blog.example.com", https=True) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: blog.example.com\r\n\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.1 200")
        net.stop()
    # <=, not ==: the module's shared testnet may close a finished connection meanwhile
    assert threading.active_count() <= threads
    assert not [t for t in threading.enumerate() if t.name == f"testnet-{net.block}"]
    assert _fds() <= fds
    assert not ca.exists()
    with pytest.raises(OSError):
        socket.create_connection((net.address_of("blog.example.com"), net.http_port), timeout=1)


def test_start_twice_is_refused() -> None:
    with Testnet(SITES, seed=1) as net, pytest.raises(UsageError):
        net.start()


def test_two_testnets_run_side_by_side() -> None:
    with Testnet(SITES, seed=1) as one, Testnet(SITES, seed=1) as two:
        assert (one.allow, one.http_port) != (two.allow, two.http_port)


@pytest.mark.slow
def test_two_thousand_sites_start_fast_and_stop_cleanly(raw_get: RawGet) -> None:
    sites = [
        SiteSpec(names=(f"site{i}.example.test",), pages=(Page("/", f"site {i}".encode()),))
        for i in range(2000)
    ]
    threads, fds = threading.active_count(), _fds()
    began = time.perf_counter()
    net = Testnet(sites, seed=2000)
    net.start()
    started = time.perf_counter() - began
    try:
        print(f"\n2,000 sites started in {started:.2f} s")
        assert raw_get(net, "site1999.example.test").body == b"site 1999"
        assert raw_get(net, "site7.example.test", https=True).body == b"site 7"
    finally:
        net.stop()
    assert started < 15
    assert threading.active_count() <= threads
    assert _fds() <= fds


def test_name_declared_only_in_dns_maps_to_its_site() -> None:
    site = SiteSpec(names=("x.test",), dns=(Record("CNAME", "x.test", name="www.x.test"),))
    net = Testnet([site], block=7)
    assert net.site_of("www.x.test") is site
    assert net.address_of("www.x.test") == net.address_of("x.test")


def test_site_spec_refuses_an_unknown_label() -> None:
    with pytest.raises(UsageError, match="label"):
        SiteSpec(names=("x.test",), label="friend")


def test_record_refuses_an_unknown_type() -> None:
    with pytest.raises(UsageError, match="SRV"):
        Record("SRV", "x")


def test_stop_with_a_handshake_and_a_request_half_sent() -> None:
    fds = _fds()
    net = Testnet(SITES, seed=10)
    net.start()
    address = net.address_of("blog.example.com")
    stalled_tls = socket.create_connection((address, net.https_port), timeout=2)
    stalled_http = socket.create_connection((address, net.http_port), timeout=2)
    stalled_http.sendall(b"GET / HTTP/1.1\r\nHost: blog")
    time.sleep(0.1)
    began = time.perf_counter()
    net.stop()
    assert time.perf_counter() - began < 5
    for sock in (stalled_tls, stalled_http):
        with sock:
            try:
                data = sock.recv(10)
            except ConnectionResetError:
                data = b""
            assert data == b""  # closed by the server (FIN or RST), not left hanging
    assert _fds() <= fds
