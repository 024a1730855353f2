"""discover/pivots.py: new names from a capture and from shared infrastructure."""

from __future__ import annotations

from datetime import UTC, datetime

from revenant.discover.pivots import (
    addresses,
    announced,
    announcements,
    certificate_names,
    from_capture,
    links,
    nameservers,
    redirects,
    same_ip,
    same_ns,
)
from revenant.fingerprint import extract
from revenant.model import (
    Capture,
    Certificate,
    DnsRecord,
    Exchange,
    Outcome,
    Source,
    TlsInfo,
)

NOW = datetime(2026, 5, 1, tzinfo=UTC)

PAGE = """<html><head><title>Coco</title><style>.x{}</style>
<meta http-equiv="refresh" content="30; url=https://refresh.example/">
<link rel="stylesheet" href="https://cdn.example.net/s.css"></head>
<body><h1>Coco est fermé</h1>
<p>Notre nouvelle adresse : <b>cocotchat[.]fr</b> — partagez !</p>
<p>We have moved to coco-chat.live, see you there.</p>
<p>Ce texte est au point pour tout le monde.</p>
<a href="https://forum.example.org/t/1">forum</a> <a href="/local">local</a>
<a href="mailto:x@y.example">mail</a> <form action="//pay.example.com/go"></form>
<script>var nouvelle_adresse = "script.example";</script>
</body></html>"""


def clock() -> datetime:
    return NOW


def _capture() -> Capture:
    redirect = Exchange(
        role="redirect",
        url="https://old.example/",
        started=NOW,
        outcome=Outcome.OK,
        status=302,
        headers=(("Location", "https://coco.example/home"),),
    )
    page = Exchange(
        role="page",
        url="https://coco.example/home",
        started=NOW,
        outcome=Outcome.OK,
        status=200,
        content=PAGE.encode(),
        peer="127.0.9.7",
    )
    cert = Certificate(
        subject="CN=coco.example",
        issuer="CN=CA",
        sans=("coco.example", "*.coco-backup.example", "mirror.example"),
        serial="01",
        not_before=NOW,
        not_after=NOW,
        spki_sha256="00",
        sha256="00",
    )
    return Capture(
        target="https://old.example/",
        host="old.example",
        started=NOW,
        finished=NOW,
        outcome=Outcome.OK,
        dns=(
            DnsRecord("old.example", "A", "127.0.9.7"),
            DnsRecord("old.example", "NS", "NS1.Bullet.example."),
        ),
        tls=TlsInfo("TLSv1.3", "TLS_AES_128_GCM_SHA256", True, chain=(cert,)),
        exchanges=(redirect, page),
    )


def test_redirect_targets() -> None:
    assert [c.name for c in redirects(_capture(), clock=clock)] == ["coco.example"]


def test_outbound_link_hosts() -> None:
    capture = _capture()
    names = {c.name for c in links(capture, extract(capture), clock=clock)}
    assert names == {
        "refresh.example", "cdn.example.net", "forum.example.org", "pay.example.com",
    }  # fmt: skip


def test_new_address_announcements_in_french_and_english() -> None:
    capture = _capture()
    cands = announcements(capture, extract(capture), clock=clock)
    assert [c.name for c in cands] == ["cocotchat.fr", "coco-chat.live"]
    assert "nouvelle adresse" in cands[0].detail
    assert all(c.source is Source.PIVOT and c.priority == 1.0 for c in cands)


def test_announced_phrases_and_defanged_hosts() -> None:
    assert announced("Nouvelle adresse : coco (point) fr")[0][0] == "coco.fr"
    assert announced("nous avons déménagé sur coco-tchat.net !")[0][0] == "coco-tchat.net"
    assert announced("Retrouvez-nous sur hxxps://coco[.]land/")[0][0] == "coco.land"
    assert announced("find us at cöcö.fr")[0][0] == "cöcö.fr"
    assert announced("bonjour à tous, coco.gg est fermé") == []
    assert announced("new site is ready. index.html") == []  # .html is not a TLD


def test_certificate_sans() -> None:
    names = [c.name for c in certificate_names(_capture(), clock=clock)]
    assert names == ["coco.example", "coco-backup.example", "mirror.example"]


def test_from_capture_keeps_the_strongest_provenance() -> None:
    capture = _capture()
    by_name = {c.name: c for c in from_capture(capture, extract(capture), clock=clock)}
    assert by_name["coco.example"].detail.startswith("redirect from")
    assert "old.example" not in by_name
    assert "script.example" not in by_name  # script text is not page text


def test_the_page_is_read_in_its_declared_charset() -> None:
    page = "<p>Nous avons déménagé sur coco-tchat.fr</p><a href='https://forüm.example/'>x</a>"
    body = page.encode("cp1252")
    ex = Exchange(
        role="page",
        url="https://old.example/",
        started=NOW,
        outcome=Outcome.OK,
        status=200,
        headers=(("Content-Type", "text/html; charset=windows-1252"),),
        content=body,
    )
    capture = Capture("https://old.example/", "old.example", NOW, NOW, Outcome.OK, exchanges=(ex,))
    names = {c.name: c for c in from_capture(capture, extract(capture), clock=clock)}
    assert names["coco-tchat.fr"].priority == 1.0  # announced, read as "déménagé"
    assert "xn--form-2ra.example" in names


def test_same_ip_and_same_ns() -> None:
    cap = _capture()
    assert addresses(cap) == {"127.0.9.7"}
    assert nameservers(cap) == {"ns1.bullet.example"}
    by_ip = {"127.0.9.7": ["old.example", "sister.example"], "127.0.9.8": ["x.example"]}
    got = same_ip(addresses(cap), by_ip, exclude=["old.example"], clock=clock)
    assert [(c.name, c.detail) for c in got] == [("sister.example", "shares IP address 127.0.9.7")]
    crowded = {"ns1.bullet.example": [f"n{i}.example" for i in range(100)]}
    assert same_ns(nameservers(cap), crowded) == []  # a big provider says nothing
    small = {"NS1.bullet.example.": ["a.example", "b.example"]}
    assert [c.name for c in same_ns(nameservers(cap), small)] == ["a.example", "b.example"]
