"""HTTP header features: HHHash equal to CIRCL's library, cookies, server."""

from __future__ import annotations

import hhhash

from revenant.fingerprint.headers import cookie_names, header_features
from revenant.fingerprint.headers import hhhash as our_hhhash

HEADERS = (
    ("Content-Type", "text/html; charset=ISO-8859-1"),
    ("Server", "gws"),
    ("X-XSS-Protection", "0"),
    ("Set-Cookie", "a=1; Path=/"),
    ("Set-Cookie", "PHPSESSID=abc; HttpOnly"),
    ("Cache-Control", "private"),
)


def test_hhhash_equals_hhhash_library() -> None:
    banner = "HTTP/1.1 200 OK\n" + "\n".join(f"{k}: {v}" for k, v in HEADERS)
    assert our_hhhash(HEADERS) == hhhash.hash_from_banner(banner)


def test_hhhash_depends_on_order() -> None:
    assert our_hhhash(HEADERS) != our_hhhash(tuple(reversed(HEADERS)))


def test_cookie_names() -> None:
    assert cookie_names(HEADERS) == ["a", "PHPSESSID"]
    assert cookie_names((("Set-Cookie", "garbage"),)) == []


def test_header_features() -> None:
    feats = set(header_features((*HEADERS, ("X-Powered-By", "PHP/7.4.33"))))
    assert ("server", "gws") in feats
    assert ("powered_by", "php/7.4.33") in feats
    assert ("cookie", "PHPSESSID") in feats
    assert header_features(()) == []
