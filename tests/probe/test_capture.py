"""probe/capture.py: a whole capture of ordinary sites, the address policy on loopback
(allow one address, redirect to another), DNS rebinding, IDN and the HTTP fallback."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from dataclasses import replace

import dns.message
import dns.rrset
import pytest

from revenant.errors import UsageError
from revenant.model import Capture, Outcome
from revenant.probe import ProbeConfig, Prober, capture_sync, parse_allow
from revenant.testnet import Testnet


def _probe(config: ProbeConfig, target: str) -> Capture:
    async def run() -> Capture:
        async with Prober(config) as prober:
            return await prober.capture(target)

    return asyncio.run(run())


def test_ordinary_site_gives_dns_tls_page_favicon_and_same_site_assets(
    net: Testnet, config: ProbeConfig
) -> None:
    capture = _probe(config, "coco.test")
    assert capture.outcome is Outcome.OK, capture.reason
    assert capture.target == "coco.test" and capture.host == "coco.test"
    kinds = {(r.rtype, r.value) for r in capture.dns}
    assert ("A", net.address_of("coco.test")) in kinds and ("MX", "10 mail.coco.test") in kinds
    page = capture.page
    assert (
        page is not None
        and page.url.startswith("https://")
        and page.peer == net.address_of("coco.test")
    )
    assert b"<h1>Coco</h1>" in page.content and page.header("Content-Encoding") == "gzip"
    assert page.payload != page.content  # payload keeps the content coding
    assert capture.favicon is not None and capture.favicon.url.endswith("/static/icon.png")
    assert sorted(e.url.rsplit("/", 1)[1] for e in capture.assets) == ["app.js", "site.css"]
    assert capture.tls is not None and capture.tls.verified
    assert "coco.test" in capture.tls.chain[0].sans


def test_redirect_between_allowed_sites_is_followed(config: ProbeConfig) -> None:
    capture = _probe(config, "hop.test")
    assert [e.role for e in capture.exchanges][:2] == ["redirect", "page"]
    assert capture.final_url.startswith("https://coco.test")


def test_redirect_to_a_loopback_address_not_allowed_is_refused(
    net: Testnet, config: ProbeConfig
) -> None:
    only_hop = replace(config, allow=parse_allow([f"{net.address_of('hop.test')}/32"]))
    capture = _probe(only_hop, "hop.test")
    assert capture.outcome is Outcome.REFUSED
    assert capture.exchanges[0].role == "redirect" and capture.exchanges[0].status == 302
    refused = capture.exchanges[-1]
    assert refused.status is None and refused.peer is None
    assert net.address_of("coco.test") in refused.reason


def test_name_resolving_outside_allow_is_refused(config: ProbeConfig) -> None:
    capture = _probe(config, "rebind.test")
    assert capture.outcome is Outcome.REFUSED and all(e.peer is None for e in capture.exchanges)


class _FlipFlopDns:
    """A DNS server answering A queries alternately with an allowed address and a
    refused one: the rebinding attack."""

    def __init__(self, good: str, bad: str) -> None:
        self.answers = [good, bad]
        self.count = 0
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop:
            try:
                data, peer = self.sock.recvfrom(4096)
            except TimeoutError:
                continue
            query = dns.message.from_wire(data)
            reply = dns.message.make_response(query)
            q = query.question[0]
            if q.rdtype == dns.rdatatype.A:
                address = self.answers[self.count % 2]
                self.count += 1
                reply.answer.append(dns.rrset.from_text(q.name, 0, "IN", "A", address))
            self.sock.sendto(reply.to_wire(), peer)

    def close(self) -> None:
        self.stop = True
        self.thread.join()
        self.sock.close()


@pytest.fixture
def flipflop(net: Testnet) -> Iterator[_FlipFlopDns]:
    server = _FlipFlopDns(net.address_of("coco.test"), "127.0.0.1")
    yield server
    server.close()


def test_dns_rebinding_never_reaches_the_refused_address(
    net: Testnet, config: ProbeConfig, flipflop: _FlipFlopDns
) -> None:
    good = net.address_of("coco.test")
    rebinding = replace(
        config, resolver=f"127.0.0.1:{flipflop.port}", allow=parse_allow([f"{good}/32"])
    )
    for _ in range(4):
        capture = _probe(rebinding, "coco.test")
        assert all(e.peer in (None, good) for e in capture.exchanges), capture
    assert flipflop.count >= 4


def test_idn_hostname_is_probed_in_its_a_label_form(config: ProbeConfig) -> None:
    capture = _probe(config, "café.test")
    assert capture.host == "xn--caf-dma.test"
    assert capture.outcome is Outcome.OK and capture.page is not None
    assert "café".encode() in capture.page.content


def test_bare_host_without_https_falls_back_to_http(config: ProbeConfig) -> None:
    capture = _probe(config, "plain.test")
    assert capture.outcome is Outcome.OK
    assert (
        capture.exchanges[0].url.startswith("https://")
        and capture.exchanges[0].outcome is Outcome.CONNECT_ERROR
    )
    assert capture.page is not None and capture.page.url.startswith("http://")


def test_url_target_is_probed_as_given(net: Testnet, config: ProbeConfig) -> None:
    capture = capture_sync(net.url("coco.test", https=False, path="/static/app.js"), config)
    assert capture.page is not None and capture.page.content == b"var coco=1;"
    assert capture.page.request_headers and any(
        k == "User-Agent" for k, _ in capture.page.request_headers
    )


def test_bad_target_is_a_usage_error(config: ProbeConfig) -> None:
    with pytest.raises(UsageError):
        capture_sync("ftp://coco.test/", config)
    with pytest.raises(UsageError):
        capture_sync("   ", config)


def test_total_bound_ends_the_capture_with_what_was_seen(net: Testnet, config: ProbeConfig) -> None:
    from revenant.testnet.hostile import hostile_name

    short = replace(config, bounds=replace(config.bounds, total=1.0))
    capture = _probe(short, hostile_name("slow-drip"))
    assert capture.outcome is Outcome.TIMEOUT and "capture" in capture.reason


def test_onion_without_a_proxy_is_refused_and_never_asked_of_dns(
    config: ProbeConfig, flipflop: _FlipFlopDns
) -> None:
    onion = "a" * 56 + ".onion"
    capture = _probe(replace(config, resolver=f"127.0.0.1:{flipflop.port}"), onion)
    assert capture.outcome is Outcome.REFUSED and "needs a proxy" in capture.reason
    assert capture.dns == () and capture.exchanges == () and flipflop.count == 0
