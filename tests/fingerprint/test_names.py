"""Registrable domains and brand tokens, from the bundled public suffix list only."""

from __future__ import annotations

from revenant.fingerprint import names


def test_registrable() -> None:
    assert names.registrable("chat.papoti.fr") == "papoti.fr"
    assert names.registrable("www.papoti.co.uk") == "papoti.co.uk"
    assert names.registrable("127.0.0.1") == "127.0.0.1"
    assert names.registrable("a.papoti.test") == "papoti.test"
    assert names.registrable("") == ""


def test_brand_tokens() -> None:
    assert names.brand_tokens("new-papoti-tchat2.fr") == ("papoti", "tchat")
    assert names.brand_tokens("www.xn--papot-7qa.fr") == ("papotí",) or names.brand_tokens(
        "www.xn--papot-7qa.fr"
    )


def test_no_suffix_list_fetch_configured() -> None:
    assert tuple(names._EXTRACT.suffix_list_urls) == ()
