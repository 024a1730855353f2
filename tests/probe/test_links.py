"""probe/links.py: what the prober fetches next, read in the page's declared charset."""

from __future__ import annotations

from revenant.probe.decode import charset
from revenant.probe.links import page_links

PAGE = (
    '<html><head><meta charset="utf-16"><link rel="icon" href="/favicon.ico">'
    '<script src="/app.js"></script><script src="https://cdn.example.net/x.js"></script>'
    '<link rel="stylesheet" href="https://static.shop.github.io/s.css"></head></html>'
)


def test_a_utf16_page_gives_its_favicon_and_same_site_scripts() -> None:
    body = PAGE.encode("utf-16")
    icon, assets = page_links(body, "https://shop.github.io/", 10, "text/html; charset=utf-16")
    assert icon == "https://shop.github.io/favicon.ico"
    # static.shop.github.io is shop.github.io's: github.io is a public suffix
    assert assets == [
        ("script", "https://shop.github.io/app.js"),
        ("style", "https://static.shop.github.io/s.css"),
    ]


def test_another_github_io_site_is_another_site() -> None:
    page = b'<script src="https://other.github.io/x.js"></script>'
    assert page_links(page, "https://shop.github.io/", 10) == (None, [])


def test_an_unknown_or_binary_charset_reads_as_utf8() -> None:
    assert charset(b"", "text/html; charset=nonsense") == "utf-8"
    assert charset(b"", "text/html; charset=base64") == "utf-8"
    assert charset(b'<meta charset="windows-1252">', None) == "windows-1252"
