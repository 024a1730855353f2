"""probe/policy.py: addresses, URLs, types and signatures. The deny tables are data
here, never targets: nothing in this file opens a connection."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from revenant.errors import UsageError
from revenant.probe.policy import (
    address_refusal,
    parse_allow,
    signature_refusal,
    type_refusal,
    url_refusal,
)

_NON_GLOBAL = [
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "100.64.0.0/10",
    "224.0.0.0/4",
    "240.0.0.0/4",
    "0.0.0.0/8",
    "198.18.0.0/15",
    "::1/128",
    "fc00::/7",
    "fe80::/10",
    "ff00::/8",
    "2001:db8::/32",
]


def _addresses_in(cidr: str) -> st.SearchStrategy[str]:
    net = ipaddress.ip_network(cidr)
    return st.integers(0, net.num_addresses - 1).map(lambda i: str(net[i]))


@given(st.one_of(*(_addresses_in(c) for c in _NON_GLOBAL)))
def test_non_global_addresses_are_refused(address: str) -> None:
    assert address_refusal(address) is not None


@given(st.one_of(*(_addresses_in(c) for c in _NON_GLOBAL if ":" not in c)))
def test_ipv6_forms_embedding_a_refused_ipv4_are_refused(address: str) -> None:
    v4 = int(ipaddress.IPv4Address(address))
    mapped = ipaddress.IPv6Address((0xFFFF << 32) | v4)
    nat64 = ipaddress.IPv6Address((0x64FF9B << 96) | v4)
    sixtofour = ipaddress.IPv6Address((0x2002 << 112) | (v4 << 80))
    for form in (mapped, nat64, sixtofour):
        assert address_refusal(str(form)) is not None, form


@given(st.ip_addresses(v=4))
def test_allowed_network_is_the_only_way_into_loopback(ip: ipaddress.IPv4Address) -> None:
    allow = parse_allow(["127.0.0.2/32"])
    verdict = address_refusal(str(ip), allow)
    if ip == ipaddress.IPv4Address("127.0.0.2"):
        assert verdict is None
    elif ip in ipaddress.ip_network("127.0.0.0/8"):
        assert verdict is not None


@given(st.ip_addresses())
def test_policy_never_raises_and_refuses_whatever_is_not_global(
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address,
) -> None:
    verdict = address_refusal(str(ip))
    if not ip.is_global:
        assert verdict is not None


def test_a_global_unicast_address_is_accepted() -> None:
    assert address_refusal("93.184.216.34") is None  # data only: never connected to


@given(st.text(max_size=60))
def test_garbage_is_not_an_address(text: str) -> None:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        assert address_refusal(text) is not None


def test_parse_allow_rejects_bad_cidr_with_usage_error() -> None:
    with pytest.raises(UsageError, match="not-a-net"):
        parse_allow(["127.0.0.1/32", "not-a-net"])
    assert parse_allow(["127.0.0.1"]) == (ipaddress.ip_network("127.0.0.1/32"),)


@pytest.mark.parametrize(
    ("url", "refused"),
    [
        ("https://example.test/", False),
        ("ftp://example.test/", True),
        ("file:///etc/passwd", True),
        ("javascript:alert(1)", True),
        ("https://user:pw@example.test/", True),
        ("https:///nohost", True),
    ],
)
def test_url_refusal(url: str, refused: bool) -> None:
    assert (url_refusal(url) is not None) is refused


@given(st.text(max_size=200))
def test_url_refusal_never_raises(text: str) -> None:
    url_refusal(text)


@pytest.mark.parametrize(
    ("ctype", "role", "refused"),
    [
        ("text/html; charset=utf-8", "page", False),
        ("image/png", "page", True),
        ("image/png", "favicon", False),
        ("video/mp4", "favicon", True),
        ("application/zip", "script", True),
        ("application/octet-stream", "page", True),
        ("font/woff2", "style", True),
        ("audio/mpeg", "page", True),
        (None, "page", False),
    ],
)
def test_type_refusal(ctype: str | None, role: str, refused: bool) -> None:
    assert (type_refusal(ctype, role) is not None) is refused


@pytest.mark.parametrize(
    "head",
    [
        b"\x89PNG\r\n\x1a\n....",
        b"\xff\xd8\xff\xe0",
        b"GIF89a",
        b"PK\x03\x04",
        b"\x1aE\xdf\xa3",
        b"\x00\x00\x00\x18ftypmp42",
    ],
)
def test_signature_refusal_whatever_the_declared_type(head: bytes) -> None:
    assert signature_refusal(head, "page") is not None


def test_image_signature_allowed_for_favicon_only() -> None:
    assert signature_refusal(b"\x89PNG\r\n\x1a\n", "favicon") is None
    assert signature_refusal(b"PK\x03\x04", "favicon") is not None
    assert signature_refusal(b"<!DOCTYPE html>", "page") is None
