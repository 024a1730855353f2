"""Request parsing and response rendering of the testnet's HTTP server."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from revenant.testnet import Page, SiteSpec
from revenant.testnet.behaviours import Request
from revenant.testnet.httpd import BadRequest, parse_head, render

SITE = SiteSpec(
    names=("a.test",),
    pages=(Page("/", b"home"),),
    headers=(("Server", "nginx"), ("X-Extra", "1")),
    cookies=(("sid", "v"),),
)


def _clock() -> datetime:
    return datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


@given(st.binary(max_size=512))
def test_parse_head_accepts_or_raises_bad_request_only(head: bytes) -> None:
    try:
        request = parse_head(head)
    except BadRequest:
        return
    assert request.version.startswith("HTTP/1.")


def test_parse_head_lowercases_header_names() -> None:
    request = parse_head(b"GET /x?q=1 HTTP/1.1\r\nHost: a.test\r\nAccept-Encoding: gzip")
    assert request.path == "/x"
    assert request.header("accept-encoding") == "gzip"


@pytest.mark.parametrize(
    ("target", "path"),
    [("/", "/"), ("/a?b#c", "/a"), ("http://a.test/p?q", "/p"), ("https://a.test", "/"), ("", "/")],
)
def test_request_path(target: str, path: str) -> None:
    assert Request("GET", target, "HTTP/1.1", ()).path == path


def test_render_orders_headers_like_nginx_and_uses_the_clock() -> None:
    response = render(SITE, parse_head(b"GET / HTTP/1.1\r\nHost: a.test"), _clock, True)
    head, body = response.split(b"\r\n\r\n", 1)
    lines = head.decode().split("\r\n")
    assert lines[:3] == ["HTTP/1.1 200 OK", "Server: nginx", "Date: Sun, 01 Nov 2026 12:00:00 GMT"]
    assert lines[3:] == [
        "Content-Type: text/html; charset=utf-8",
        "Content-Length: 4",
        "Connection: keep-alive",
        "X-Extra: 1",
        "Set-Cookie: sid=v; path=/; HttpOnly",
    ]
    assert body == b"home"


def test_render_is_deterministic_for_a_fixed_clock() -> None:
    request = parse_head(b"GET / HTTP/1.1\r\nHost: a.test")
    assert render(SITE, request, _clock, False) == render(SITE, request, _clock, False)
