"""What a page points at that the prober may fetch next: its declared favicon and its
same-site scripts and stylesheets.

It must never return a URL on another site (assets), a non-HTTP(S) URL, or more than
the asked number of URLs; hostile markup gives fewer links, never an exception.
"""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser as HTMLParser
from yarl import URL

from revenant.hostnames import registrable
from revenant.probe.decode import text as decode_text

_MAX_HTML = 2 * 1024 * 1024


def _absolute(base: URL, ref: str | None) -> URL | None:
    if not ref:
        return None
    ref = ref.strip()
    if not ref or ref.startswith(("data:", "javascript:", "mailto:", "blob:")):
        return None
    try:
        url = base.join(URL(ref))
    except (ValueError, TypeError):
        return None
    if url.scheme not in ("http", "https") or not url.raw_host:
        return None
    return url.with_fragment(None)


def page_links(
    html: bytes, base_url: str, max_assets: int, content_type: str | None = None
) -> tuple[str | None, list[tuple[str, str]]]:
    """(declared favicon URL or None, [(role, url)] of same-site scripts and styles),
    the page read in its declared charset."""
    try:
        base = URL(base_url)
        tree = HTMLParser(decode_text(html[:_MAX_HTML], content_type))
    except (ValueError, TypeError):
        return None, []
    base_tag = tree.css_first("base[href]")
    if base_tag is not None:
        joined = _absolute(base, base_tag.attributes.get("href"))
        if joined is not None:
            base = joined
    favicon: str | None = None
    for node in tree.css("link[rel][href]"):
        rels = (node.attributes.get("rel") or "").lower().split()
        if "icon" in rels:
            url = _absolute(base, node.attributes.get("href"))
            if url is not None:
                favicon = str(url)
                break
    home = registrable(base.raw_host or "")
    seen: set[str] = set()
    assets: list[tuple[str, str]] = []
    candidates: list[tuple[str, str | None]] = [
        ("script", n.attributes.get("src")) for n in tree.css("script[src]")
    ]
    for node in tree.css("link[rel][href]"):
        if "stylesheet" in (node.attributes.get("rel") or "").lower().split():
            candidates.append(("style", node.attributes.get("href")))
    for role, ref in candidates:
        url = _absolute(base, ref)
        if url is None or registrable(url.raw_host or "") != home:
            continue
        text = str(url)
        if text in seen:
            continue
        seen.add(text)
        assets.append((role, text))
        if len(assets) >= max_assets:
            break
    return favicon, assets
