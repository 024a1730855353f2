"""TLS and network features, and the offline ASN table."""

from __future__ import annotations

from datetime import UTC, datetime

from revenant.fingerprint.network import AsnTable, network_features
from revenant.model import Capture, Certificate, DnsRecord, Exchange, Outcome, TlsInfo

T = datetime(2026, 1, 1, tzinfo=UTC)


def test_asn_table_longest_prefix(tmp_path) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "asn.txt"
    f.write_text("# cidr asn\n198.51.0.0/16 AS64500\n198.51.100.0/24,64501\n2001:db8::/32 64502\n")
    table = AsnTable.from_file(str(f))
    assert table.lookup("198.51.100.7") == 64501
    assert table.lookup("198.51.7.7") == 64500
    assert table.lookup("2001:db8::1") == 64502
    assert table.lookup("203.0.113.1") is None
    assert table.lookup("not an ip") is None


def test_network_features() -> None:
    cert = Certificate(
        "CN=papoti.fr",
        "CN=R3,O=Let's Encrypt,C=US",
        ("papoti.fr", "www.papoti.fr"),
        "01",
        T,
        T,
        "AB" * 32,
        "cd" * 32,
    )
    cap = Capture(
        "https://papoti.fr/",
        "papoti.fr",
        T,
        T,
        Outcome.OK,
        dns=(
            DnsRecord("papoti.fr", "NS", "ns1.example.net."),
            DnsRecord("papoti.fr", "MX", "10 mx.papoti.fr."),
        ),
        tls=TlsInfo("TLSv1.3", "x", True, chain=(cert,)),
        exchanges=(Exchange("page", "https://papoti.fr/", T, Outcome.OK, peer="198.51.100.7"),),
    )
    feats = set(network_features(cap, AsnTable([("198.51.100.0/24", 64501)])))
    assert {
        ("spki", "ab" * 32),
        ("san", "www.papoti.fr"),
        ("ip", "198.51.100.7"),
        ("net", "198.51.100.0/24"),
        ("asn", "AS64501"),
        ("ns", "ns1.example.net"),
        ("mx", "mx.papoti.fr"),
        ("issuer", "CN=R3,O=Let's Encrypt,C=US"),
    } <= feats
