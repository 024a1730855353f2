"""Asset references and endpoints: the shortcuts give what the plain computation gives."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from hypothesis import given, settings
from hypothesis import strategies as st

from revenant.fingerprint.assets import (
    _API,
    _API_LITERALS,
    _ENDPOINTS,
    _WS,
    _WS_LITERALS,
    _matches,
    _resolve,
    endpoints,
)

_BASES = [
    "https://coco.gg/chat/index.html",
    "http://coco.gg",
    "https://U:p@Coco.GG:8443/a;b?c#d",
    "",
    "ftp://files.example/",
    "data:text/html,x",
    "https:///no-host",
]
_REF_PARTS = st.sampled_from(
    [
        *("http://", "https://", "HTTPS://", "//", "/", "./", "../", ".", "a", "b.js", "?q"),
        *("#f", ";p", ":", "@", "[", "]", " ", "\t", "\n", "%2e", "javascript:", "x.com"),
        *("\u00e9", "\\"),
    ]
)


def _joined(base: str, ref: str) -> tuple[str, str] | None:
    try:
        parts = urlsplit(urljoin(base, ref.strip()))
    except ValueError:
        return None
    if parts.scheme not in ("http", "https", "") or not parts.path:
        return None
    return (parts.hostname or "").lower(), parts.path


@settings(max_examples=500, deadline=None)
@given(st.sampled_from(_BASES), st.lists(_REF_PARTS, max_size=8).map("".join))
def test_resolve_gives_what_urljoin_gives(base: str, ref: str) -> None:
    assert _resolve(base, ref) == _joined(base, ref)


def test_resolve_common_references() -> None:
    base = "https://coco.gg/chat/"
    assert _resolve(base, "https://cdn.net/app.js") == ("cdn.net", "/app.js")
    assert _resolve(base, "//cdn.net/app.js") == ("cdn.net", "/app.js")
    assert _resolve(base, "/js/app.js?v=2") == ("coco.gg", "/js/app.js")
    assert _resolve(base, "js/../app.js") == ("coco.gg", "/chat/app.js")


_CODE = st.lists(
    st.sampled_from(
        [
            *("/api", "/ws", "/wss", "/socket.io", "/graphql", "/rest", "/events", "ws://"),
            *("wss://", "/", "'", '"', "`", "?", "#", "x", "1", ".", "-", "a.com", " ", ")"),
            "\u00e9",
        ]
    ),
    max_size=40,
).map("".join)


@settings(max_examples=500, deadline=None)
@given(_CODE, st.sampled_from(["", "~" * 5000, "\u00e9" * 5000]))
def test_endpoint_matches_are_those_of_finditer(code: str, pad: str) -> None:
    text = pad + code
    found = _ENDPOINTS.find(text)
    for pattern, literals in ((_API, _API_LITERALS), (_WS, _WS_LITERALS)):
        spans = [m.span() for m in _matches(pattern, text, found, literals)]
        assert spans == [m.span() for m in pattern.finditer(text)]


def test_endpoints_fold_numbers_and_same_site_hosts() -> None:
    code = 'fetch("/api/v2/user/123"); new WebSocket("wss://chat.coco.gg/ws/42")'
    assert set(endpoints("coco.gg", code)) == {
        ("endpoint", "/api/v0/user/0"),
        ("endpoint", "wss:/ws/0"),
    }
