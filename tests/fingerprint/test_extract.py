"""extract(): every feature family from one capture, and no crash on hostile input."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from revenant.fingerprint import extract
from revenant.fingerprint.favicon import shodan_hash
from revenant.model import Capture, Exchange, Feature, Outcome

T = datetime(2026, 1, 1, tzinfo=UTC)
PAGE = b"""<!doctype html><html><head><title>Papoti - Tchat gratuit</title>
<meta name="generator" content="OpenTchat 2.1">
<script async src="https://www.googletagmanager.com/gtag/js?id=G-AB12CD34EF"></script>
<script src="/static/app.3f9a1c7e.js"></script><link rel="stylesheet" href="/css/style.css">
</head><body><h1>Bienvenue sur Papoti</h1><p>Le tchat gratuit et anonyme sans inscription.</p>
<form action="/chat/login" method="post"><input name="pseudo"><input name="age"></form>
<a href="https://t.me/papotichat">Telegram</a> <a href="mailto:contact@papoti.fr">contact@papoti.fr</a>
<p>Dons BTC : 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa</p></body></html>"""
SCRIPT = b'var s = new WebSocket("wss://" + location.host + "/ws/chat"); var ua="UA-7654321-1";'
ICON = b"\x00\x00\x01\x00" + bytes(range(200))


def _capture(page: bytes = PAGE, *, outcome: Outcome = Outcome.OK) -> Capture:
    url = "https://papoti.fr/"
    exchanges = (
        Exchange(
            "page",
            url,
            T,
            outcome,
            peer="198.51.100.7",
            status=200,
            headers=(
                ("Server", "nginx"),
                ("Content-Type", "text/html; charset=utf-8"),
                ("Set-Cookie", "PHPSESSID=x; Path=/"),
            ),
            content=page,
        ),
        Exchange(
            "script",
            "https://papoti.fr/static/app.3f9a1c7e.js",
            T,
            Outcome.OK,
            status=200,
            headers=(("Content-Type", "application/javascript"),),
            content=SCRIPT,
        ),
        Exchange(
            "favicon", "https://papoti.fr/favicon.ico", T, Outcome.OK, status=200, content=ICON
        ),
    )
    return Capture(url, "papoti.fr", T, T, outcome, exchanges=exchanges)


def test_extract_reads_every_family() -> None:
    fp = extract(_capture())
    f = fp.features
    expected = {
        Feature("ga", "G-AB12CD34EF"),
        Feature("ga", "UA-7654321-1"),
        Feature("telegram", "papotichat"),
        Feature("email", "contact@papoti.fr"),
        Feature("btc", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"),
        Feature("favicon_mmh3", str(shodan_hash(ICON))),
        Feature("build_asset", "app.3f9a1c7e.js"),
        Feature("asset_url", "/css/style.css"),
        Feature("script_host", "www.googletagmanager.com"),
        Feature("form", "POST /chat/login|age,pseudo"),
        Feature("form_fields", "age,pseudo"),
        Feature("endpoint", "/ws/chat"),
        Feature("cookie", "PHPSESSID"),
        Feature("server", "nginx"),
        Feature("generator", "opentchat 2.1"),
        Feature("ip", "198.51.100.7"),
        Feature("title", "papoti - tchat gratuit"),
        Feature("text", "le tchat gratuit et anonyme sans inscription."),
    }
    assert expected <= f, sorted(map(str, expected - f))
    assert any(x.kind == "asset_sha256" for x in f)
    assert any(x.kind == "hhhash" for x in f)
    assert fp.text_simhash is not None and fp.dom_simhash is not None and len(fp.text_minhash) == 64
    assert fp.registrable == "papoti.fr" and fp.brand_tokens == ("papoti",)


def test_empty_and_failed_captures() -> None:
    empty = Capture("https://x.fr/", "x.fr", T, T, Outcome.DNS_ERROR)
    assert extract(empty).features == frozenset()
    failed = extract(_capture(outcome=Outcome.TIMEOUT))
    assert failed.text_simhash is None
    assert extract(_capture(b"")).title == ""


def test_deep_nesting_is_cut_before_parsing() -> None:
    import time

    t = time.perf_counter()
    fp = extract(_capture(b"<div>" * 200_000 + b"x" + b"</div>" * 200_000))
    assert time.perf_counter() - t < 5
    assert fp.dom_simhash is not None


def test_hostile_markup() -> None:
    for page in (
        b"<div><span>" * 5_000,
        b"\xff\xfe\x00<<<>>>\x00" * 1000,
        b"<script>" + b"a" * 100_000,
        b'<meta charset="no-such-charset"><p>x</p>',
        b"<a href='http://[::1'>x</a>",
    ):
        extract(_capture(page))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4000))
def test_extract_never_raises_on_arbitrary_bytes(page: bytes) -> None:
    extract(_capture(page))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.sampled_from(
            [
                "<div>",
                "</div>",
                "<a href='",
                "'>",
                "<script>",
                "</script>",
                "<form action=x>",
                "<input name=",
                "UA-1234-1",
                "t.me/abcde",
                "@",
                "bc1q",
                ".onion",
                "<title>",
                "wss://",
                "/api/",
                "é",
                "\x00",
            ]
        ),
        max_size=200,
    )
)
def test_extract_never_raises_on_markup_soup(parts: list[str]) -> None:
    extract(_capture("".join(parts).encode()))


def test_utf8_bytes_and_decoded_text_give_one_fingerprint() -> None:
    # UTF-8 pages are parsed from their bytes, other encodings from decoded text
    html = (
        "<html><head><title>Tchat gratuit été</title></head>"
        "<body><p>Rencontrez des gens de votre région ce soir</p></body></html>"
    )
    utf8 = _capture(html.encode("utf-8"))
    page = utf8.exchanges[0]
    latin = replace(
        utf8,
        exchanges=(
            replace(
                page,
                headers=(("Content-Type", "text/html; charset=iso-8859-1"),),
                content=html.encode("latin-1"),
            ),
            *utf8.exchanges[1:],
        ),
    )
    a, b = extract(utf8), extract(latin)
    assert a.title == b.title == "tchat gratuit été"
    assert a.text_simhash == b.text_simhash and a.text_minhash == b.text_minhash
    assert a.dom_simhash == b.dom_simhash


def test_non_text_codec_in_charset_falls_back_to_utf8() -> None:
    fp = extract(_capture(b'<meta charset="rot13"><title>Papoti</title><p>x</p>'))
    assert fp.title == "papoti"


def test_link_hosts_over_the_cap_are_the_first_in_page_order() -> None:
    links = "".join(f'<a href="https://site{i}.org/">x</a>' for i in range(150))
    fp = extract(_capture(f"<html><body>{links}</body></html>".encode()))
    hosts = {f.value for f in fp.features if f.kind == "link_host"}
    assert hosts == {f"site{i}.org" for i in range(100)}


def test_words_of_links_to_other_sites_are_not_the_operators_text() -> None:
    page = (
        b"<html><body><p>le tchat gratuit et anonyme sans inscription</p>"
        b"<a href='https://ads.example.net/x?id=1'><span>Crazy cheap flashlight - selling like hotcakes!</span>"
        b"<span>Sponsored by some brand</span></a>"
        b"<a href='https://papoti.fr/regles'>lire les regles du tchat avant</a></body></html>"
    )
    texts = {f.value for f in extract(_capture(page)).features if f.kind == "text"}
    assert "le tchat gratuit et anonyme sans inscription" in texts
    assert "lire les regles du tchat avant" in texts  # a link to the site itself
    assert not any("flashlight" in t or "sponsored" in t for t in texts)
