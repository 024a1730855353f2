"""The prober through a SOCKS5 or an HTTP proxy (pproxy on loopback, a real one)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from revenant.model import Outcome
from revenant.probe import ProbeConfig, capture_sync
from revenant.testnet import Testnet
from revenant.testnet.hostile import hostile_name


def test_capture_through_socks5_proxy(net: Testnet, config: ProbeConfig, socks: str) -> None:
    # The proxy resolves names itself (the system's DNS knows no testnet name), so the
    # target is the site's address; the policy still checks it before asking the proxy.
    address = net.address_of("coco.test")
    capture = capture_sync(f"http://{address}:{net.http_port}/", replace(config, proxy=socks))
    assert capture.outcome is Outcome.OK, capture.reason
    assert capture.page is not None and capture.page.status is not None


def test_socks_proxy_is_given_the_checked_address_and_tls_verifies_the_name(
    net: Testnet, config: ProbeConfig, socks: str
) -> None:
    # The system's DNS, which the proxy would use, knows no testnet name: the capture
    # only succeeds if the proxy was asked for the address the policy checked. The
    # certificate is then verified against the name, not the address.
    capture = capture_sync("coco.test", replace(config, proxy=socks))
    assert capture.outcome is Outcome.OK, capture.reason
    assert capture.page is not None and capture.page.url.startswith("https://coco.test:")
    assert capture.tls is not None and capture.tls.verified, capture.tls
    assert net.address_of("coco.test") in {r.value for r in capture.dns}


@pytest.mark.parametrize("variant", ["self-signed-cert", "wrong-name-cert"])
def test_invalid_certificate_through_socks_is_recorded_and_capture_goes_on(
    config: ProbeConfig, socks: str, variant: str
) -> None:
    capture = capture_sync(hostile_name(variant), replace(config, proxy=socks))
    assert capture.outcome is Outcome.OK, capture.reason
    assert capture.tls is not None and not capture.tls.verified and capture.tls.verify_error
    assert capture.tls.chain


def test_proxy_does_not_bypass_the_address_policy(config: ProbeConfig, socks: str) -> None:
    capture = capture_sync("http://127.0.0.1:9/", replace(config, proxy=socks))
    assert capture.outcome is Outcome.REFUSED


def test_capture_through_http_proxy(net: Testnet, config: ProbeConfig, http_proxy: str) -> None:
    address = net.address_of("coco.test")
    capture = capture_sync(f"http://{address}:{net.http_port}/", replace(config, proxy=http_proxy))
    assert capture.outcome is Outcome.OK, capture.reason
    assert capture.page is not None and capture.page.status == 200


def test_https_through_http_proxy_tunnels_and_records_the_chain(
    net: Testnet, config: ProbeConfig, http_proxy: str
) -> None:
    address = net.address_of("coco.test")
    capture = capture_sync(
        f"https://{address}:{net.https_port}/", replace(config, proxy=http_proxy)
    )
    assert capture.page is not None and capture.page.status == 200, capture.reason
    assert capture.tls is not None and capture.tls.chain


def test_http_proxy_does_not_bypass_the_address_policy(
    config: ProbeConfig, http_proxy: str
) -> None:
    capture = capture_sync("http://127.0.0.1:9/", replace(config, proxy=http_proxy))
    assert capture.outcome is Outcome.REFUSED
