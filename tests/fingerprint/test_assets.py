"""Asset references and endpoints: the shortcuts give what the plain computation gives."""

from __future__ import annotations

import itertools
import re
import string
from urllib.parse import urljoin, urlsplit

from hypothesis import given, settings
from hypothesis import strategies as st

from revenant.fingerprint.assets import (
    _API,
    _API_LITERALS,
    _ENDPOINTS,
    _WS,
    _WS_LITERALS,
    _fold,
    _matches,
    _resolve,
    asset_features,
    endpoints,
    form_features,
)
from revenant.fingerprint.literals import MAX_CHECKED
from revenant.model import Form

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


def test_cms_files_are_keyed_from_their_cms_directory_whatever_the_prefix() -> None:
    scripts = [
        "/blog/wp-includes/js/jquery/jquery.min.js?ver=3.7",
        "/news/wp-content/plugins/some-plugin/js/front.3f9a1c7e.js",
        "/blog/wp-content/themes/papoti-theme/app.js",
        "/static/app.3f9a1c7e.js",
    ]
    found = set(asset_features("https://papoti.fr/", "papoti.fr", scripts, []))
    assert ("cms_asset", "/wp-includes/js/jquery/jquery.min.js") in found
    assert ("cms_asset", "/wp-content/plugins/some-plugin/js/front.3f9a1c7e.js") in found
    # a plugin's build hash is the plugin's, not the operator's
    assert ("build_asset", "front.3f9a1c7e.js") not in found
    # a theme may be the operator's own: kept as an asset path, re-rooted
    assert ("asset_url", "/wp-content/themes/papoti-theme/app.js") in found
    assert ("asset_url", "/static/app.3f9a1c7e.js") in found
    assert ("build_asset", "app.3f9a1c7e.js") in found


def test_a_form_posting_to_another_site_has_no_field_set_of_the_operators() -> None:
    forms = [
        Form("https://trc.widget.example/log", "post", ["cpb", "cv", "ui"]),
        Form("/login", "post", ["pseudo", "password"]),
    ]
    found = set(form_features("https://papoti.fr/", "papoti.fr", forms))
    assert ("form", "POST trc.widget.example/log|cpb,cv,ui") in found
    assert ("form_fields", "cpb,cv,ui") not in found
    assert ("form_fields", "password,pseudo") in found


_OLD_HOST_BEFORE = re.compile(r"(?:https?:)?//[A-Za-z0-9.-]{1,100}\Z")


def _old_endpoints(site: str, text: str) -> set[tuple[str, str]]:
    """endpoints() as it read the host before an API path before (a search ending there)."""
    out = {("endpoint", _fold(m.group(), site)) for m in _WS.finditer(text)}
    for m in _API.finditer(text):
        start = m.start()
        before = text[start - 1] if start else ""
        if before in "\"'`":
            out.add(("endpoint", _fold(m.group(), site)))
        elif before.isalnum() or before in ".-":
            host = _OLD_HOST_BEFORE.search(text, max(0, start - 110), start)
            if host and text[host.start() - 1 : host.start()] in "\"'`":
                out.add(("endpoint", _fold(host.group() + m.group(), site)))
    return out


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(["'", '"', "https:", "//", "cdn.x.fr", "a" * 60, "/api/v2", "/ws", " "]),
        max_size=10,
    )
)
def test_hosts_read_backwards_are_what_the_search_found(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert set(endpoints("x.fr", text)) == _old_endpoints("x.fr", text)


def test_a_flood_of_api_paths_gives_at_most_max_checked_endpoints() -> None:
    words = ("".join(w) for w in itertools.product(string.ascii_lowercase, repeat=4))
    text = " ".join(f"'/api/{w}' a/api/" for w in itertools.islice(words, 30_000))
    assert len(set(endpoints("x.fr", text))) == MAX_CHECKED


def test_a_long_path_is_not_searched_for_a_build_hash() -> None:
    refs = ["/" + "-a" * 50_000 + ".js", "/app.3f9a1c7e.js"]
    feats = set(asset_features("https://x.fr/", "x.fr", refs, []))
    assert {v for k, v in feats if k == "build_asset"} == {"app.3f9a1c7e.js"}
