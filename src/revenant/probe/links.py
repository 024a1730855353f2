"""What a page points at that the prober may fetch next: its declared favicon and its
same-site scripts and stylesheets, read from the page's one bounded parse
(revenant.html: `PageSummary`).

It must never return a URL on another site (assets), a non-HTTP(S) URL, or more than
the asked number of URLs; hostile markup gives fewer links, never an exception.
"""

from __future__ import annotations

from yarl import URL

from revenant.hostnames import registrable
from revenant.model import PageSummary


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
    page: PageSummary, base_url: str, max_assets: int
) -> tuple[str | None, list[tuple[str, str]]]:
    """(declared favicon URL or None, [(role, url)] of same-site scripts, then
    stylesheets, in page order) of a page fetched from `base_url`."""
    try:
        base = URL(base_url)
    except (ValueError, TypeError):
        return None, []
    joined = _absolute(base, page.base)
    if joined is not None:
        base = joined
    favicon: str | None = None
    for ref in page.icon_links:
        url = _absolute(base, ref)
        if url is not None:
            favicon = str(url)
            break
    home = registrable(base.raw_host or "")
    seen: set[str] = set()
    assets: list[tuple[str, str]] = []
    candidates = [("script", ref) for ref in page.script_srcs]
    candidates += [("style", ref) for ref in page.stylesheets]
    for role, ref in candidates:
        if len(assets) >= max_assets:
            break
        url = _absolute(base, ref)
        if url is None or registrable(url.raw_host or "") != home:
            continue
        text = str(url)
        if text in seen:
            continue
        seen.add(text)
        assets.append((role, text))
    return favicon, assets
