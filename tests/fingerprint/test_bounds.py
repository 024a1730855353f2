"""The fingerprint's one parse per page: the bounds leave real pages' features as they
are, the prober's attached parse gives the same fingerprint as a parse of its own, and
a page the parser cannot read within its bounds still gives its other features."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from revenant.fingerprint import assets, identifiers, literals, text, wallets
from revenant.fingerprint.extract import extract, visible_text
from revenant.html import DEFAULT_LIMITS, ParsePool
from revenant.model import Capture, Exchange, Outcome, ParseOutcome
from tests.pages import real_pages

T0 = datetime(2026, 11, 23, tzinfo=UTC)
ICON = b"\x00\x00\x01\x00" + bytes(range(60))


def _capture(url: str, body: bytes, *more: Exchange) -> Capture:
    page = Exchange(
        role="page",
        url=url,
        started=T0,
        outcome=Outcome.OK,
        status=200,
        headers=(("Content-Type", "text/html; charset=utf-8"), ("Server", "nginx")),
        content=body,
        payload=body,
    )
    host = url.split("/")[2]
    return Capture(url, host, T0, T0, Outcome.OK, exchanges=(page, *more))


@pytest.fixture(scope="module")
def captures() -> list[Capture]:
    return [_capture(url, body) for url, body in real_pages()]


def test_real_pages_give_the_fingerprint_they_give_with_every_cap_lifted(
    captures: list[Capture], monkeypatch: pytest.MonkeyPatch
) -> None:
    bounded = [extract(c) for c in captures]
    for module in (literals, identifiers, wallets, assets, text):
        for name in ("MAX_TRIED", "MAX_CHECKED", "MAX_FILE_NAME", "MAX_TEXT"):
            if hasattr(module, name):
                monkeypatch.setattr(module, name, 1 << 60)
    lifted = DEFAULT_LIMITS.cuts_lifted()  # no markup cut before the parse either
    assert [extract(c, limits=lifted) for c in captures] == bounded


def test_the_parse_the_prober_attached_gives_the_same_fingerprint(captures: list[Capture]) -> None:
    with ParsePool(2) as pool:
        attached = []
        for c in captures:
            assert c.page is not None
            attached.append(replace(c, parsed=pool.parse(c.page.content, "utf-8")))
        parses = pool.stats.parsed
        fingerprints = [extract(c, parser=pool) for c in attached]
        assert pool.stats.parsed == parses  # none parsed again
    assert fingerprints == [extract(c) for c in captures]
    assert [f.revealed for f in fingerprints] == [extract(c).revealed for c in captures]


def test_a_parse_of_other_bytes_is_not_used() -> None:
    with ParsePool(1) as pool:
        other = pool.parse(b"<title>other</title>", "utf-8")
        capture = replace(_capture("https://a.example/", b"<title>mine</title>"), parsed=other)
        assert extract(capture, parser=pool).title == "mine"
        assert pool.stats.parsed == 2


def test_a_page_too_complex_to_parse_still_gives_its_headers_and_favicon() -> None:
    body = b'<p><a href="' + b"A" * 50_000 + b'">' + b"<p>a" * 200_000
    icon = Exchange("favicon", "https://a.example/favicon.ico", T0, Outcome.OK, status=200,
                    content=ICON, payload=ICON)  # fmt: skip
    capture = _capture("https://a.example/", body, icon)
    with ParsePool(1) as pool:
        fingerprint = extract(capture, parser=pool)
        assert pool.stats.ended == 1
    kinds = {f.kind for f in fingerprint.features}
    assert {"server", "favicon_mmh3", "hhhash"} <= kinds
    assert not kinds & {"title", "text", "asset_url"}
    assert fingerprint.text_simhash is None and fingerprint.dom_simhash is None


def test_a_parse_cut_or_ended_says_so() -> None:
    with ParsePool(1) as pool:
        deep = pool.parse(b"<title>t</title>" + b"<div>" * 3000, "utf-8")
        assert deep.outcome is ParseOutcome.CUT and "nested deeper than 2,000" in deep.reason
        assert deep.summary.title == "t"


def test_the_visible_text_is_read_from_the_same_parse() -> None:
    body = b"<title>t</title><p>one line</p><script>var x</script><p hidden>no</p><p> two </p>"
    with ParsePool(1) as pool:
        capture = _capture("https://a.example/", body)
        attached = replace(capture, parsed=pool.parse(body, "utf-8"))
        assert visible_text(attached, parser=pool) == ["one line", "two"]
        assert pool.stats.parsed == 1
        assert visible_text(capture, parser=pool) == ["one line", "two"]
        assert pool.stats.parsed == 2
