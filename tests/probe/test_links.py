"""probe/links.py: what the prober fetches next, read from the page's one parse (in
the page's declared charset)."""

from __future__ import annotations

from revenant.html import default_pool
from revenant.probe.decode import charset
from revenant.probe.links import page_links


def _links(
    body: bytes, base: str, most: int, content_type: str | None = None
) -> tuple[str | None, list[tuple[str, str]]]:
    summary = default_pool().parse(body, charset(body, content_type)).summary
    return page_links(summary, base, most)


PAGE = (
    '<html><head><meta charset="utf-16"><link rel="icon" href="/favicon.ico">'
    '<script src="/app.js"></script><script src="https://cdn.example.net/x.js"></script>'
    '<link rel="stylesheet" href="https://static.shop.github.io/s.css"></head></html>'
)


def test_a_utf16_page_gives_its_favicon_and_same_site_scripts() -> None:
    body = PAGE.encode("utf-16")
    icon, assets = _links(body, "https://shop.github.io/", 10, "text/html; charset=utf-16")
    assert icon == "https://shop.github.io/favicon.ico"
    # static.shop.github.io is shop.github.io's: github.io is a public suffix
    assert assets == [
        ("script", "https://shop.github.io/app.js"),
        ("style", "https://static.shop.github.io/s.css"),
    ]


def test_another_github_io_site_is_another_site() -> None:
    page = b'<script src="https://other.github.io/x.js"></script>'
    assert _links(page, "https://shop.github.io/", 10) == (None, [])


def test_an_unknown_or_binary_charset_reads_as_utf8() -> None:
    assert charset(b"", "text/html; charset=nonsense") == "utf-8"
    assert charset(b"", "text/html; charset=base64") == "utf-8"
    assert charset(b'<meta charset="windows-1252">', None) == "windows-1252"


def test_the_base_href_and_the_first_usable_icon_are_followed() -> None:
    page = (
        b'<base href="https://shop.example/v2/"><link rel="icon" href="javascript:x">'
        b'<link rel="shortcut icon" href="i.ico"><script src="a.js"></script>'
        b'<script src="a.js#again"></script><link rel="stylesheet" href="//cdn.other.net/s.css">'
    )
    icon, assets = _links(page, "https://shop.example/", 10)
    assert icon == "https://shop.example/v2/i.ico"
    assert assets == [("script", "https://shop.example/v2/a.js")]


def test_no_more_assets_than_asked() -> None:
    page = b"".join(b'<script src="/s%d.js"></script>' % i for i in range(50))
    assert len(_links(page, "https://a.example/", 20)[1]) == 20
