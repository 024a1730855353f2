"""The testnet DNS server answers every declared record and NXDOMAIN otherwise."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

from revenant.testnet import Page, Record, SiteSpec, Testnet
from revenant.testnet.dns import build_zone

SITES = (
    SiteSpec(
        names=("chat.example.fr", "www.chat.example.fr"),
        pages=(Page("/", b"hi"),),
        dns=(
            Record("AAAA", "::1"),
            Record("NS", "ns1.host.test"),
            Record("NS", "ns2.host.test"),
            Record("MX", "10 mail.chat.example.fr"),
            Record("TXT", 'v=spf1 "quoted" -all'),
            Record("A", "127.0.0.1", name="mail.chat.example.fr"),
            Record("CNAME", "chat.example.fr", name="m.chat.example.fr"),
        ),
    ),
    SiteSpec(names=("other.test",), pages=(Page("/", b"x"),)),
)


@pytest.fixture(scope="module")
def net() -> Iterator[Testnet]:
    with Testnet(SITES, seed=11) as running:
        yield running


def _ask(net: Testnet, name: str, rtype: str, tcp: bool = False) -> dns.message.Message:
    host, port = net.resolver.split(":")
    query = dns.message.make_query(name, rtype)
    if tcp:
        return dns.query.tcp(query, host, port=int(port), timeout=2)
    return dns.query.udp(query, host, port=int(port), timeout=2)


def _values(response: dns.message.Message, rtype: str) -> list[str]:
    wanted = dns.rdatatype.from_text(rtype)
    return sorted(r.to_text() for rrset in response.answer if rrset.rdtype == wanted for r in rrset)


def test_a_record_is_the_site_address(net: Testnet) -> None:
    response = _ask(net, "chat.example.fr", "A")
    assert _values(response, "A") == [net.address_of("chat.example.fr")]
    assert response.flags & dns.flags.AA


def test_every_name_of_a_site_resolves_to_its_address(net: Testnet) -> None:
    assert _values(_ask(net, "www.chat.example.fr", "A"), "A") == [
        net.address_of("chat.example.fr")
    ]


def test_aaaa_record(net: Testnet) -> None:
    assert _values(_ask(net, "chat.example.fr", "AAAA"), "AAAA") == ["::1"]


def test_ns_records(net: Testnet) -> None:
    assert _values(_ask(net, "chat.example.fr", "NS"), "NS") == ["ns1.host.test.", "ns2.host.test."]


def test_mx_record(net: Testnet) -> None:
    assert _values(_ask(net, "chat.example.fr", "MX"), "MX") == ["10 mail.chat.example.fr."]


def test_txt_record_keeps_quotes(net: Testnet) -> None:
    assert _values(_ask(net, "chat.example.fr", "TXT"), "TXT") == ['"v=spf1 \\"quoted\\" -all"']


def test_declared_subdomain_with_explicit_a(net: Testnet) -> None:
    assert _values(_ask(net, "mail.chat.example.fr", "A"), "A") == ["127.0.0.1"]


def test_cname_is_followed_to_the_address(net: Testnet) -> None:
    response = _ask(net, "m.chat.example.fr", "A")
    assert _values(response, "CNAME") == ["chat.example.fr."]
    assert _values(response, "A") == [net.address_of("chat.example.fr")]


def test_cname_query_returns_only_the_alias(net: Testnet) -> None:
    response = _ask(net, "m.chat.example.fr", "CNAME")
    assert _values(response, "CNAME") == ["chat.example.fr."]
    assert _values(response, "A") == []


def test_undeclared_name_is_nxdomain(net: Testnet) -> None:
    assert _ask(net, "nope.example.fr", "A").rcode() == dns.rcode.NXDOMAIN


def test_undeclared_subdomain_is_nxdomain(net: Testnet) -> None:
    assert _ask(net, "x.other.test", "A").rcode() == dns.rcode.NXDOMAIN


def test_declared_name_without_that_type_is_empty_noerror(net: Testnet) -> None:
    response = _ask(net, "other.test", "MX")
    assert response.rcode() == dns.rcode.NOERROR
    assert response.answer == []


def test_tcp_answers_like_udp(net: Testnet) -> None:
    assert _values(_ask(net, "other.test", "A", tcp=True), "A") == [net.address_of("other.test")]


def test_garbage_datagram_is_ignored_and_server_keeps_answering(net: Testnet) -> None:
    host, port = net.resolver.split(":")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.sendto(b"\x00\x01garbage", (host, int(port)))
    assert _values(_ask(net, "other.test", "A"), "A") == [net.address_of("other.test")]


def test_names_are_case_insensitive(net: Testnet) -> None:
    assert _values(_ask(net, "OTHER.Test", "A"), "A") == [net.address_of("other.test")]


def test_zone_has_no_automatic_a_for_a_cname_name() -> None:
    zone = build_zone(SITES, {"chat.example.fr": "127.1.0.1", "other.test": "127.1.0.2"})
    assert "A" not in zone["m.chat.example.fr"]
