"""Whether a captured page needs a browser to be seen: `--render auto` renders a page
whose raw markup shows little visible text or is an app shell (an empty mount point
such as <div id="root"></div>, filled in by JavaScript).

Pure functions of a captured exchange, no I/O; hostile markup gives an answer (render
when in doubt), never an exception.
"""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser

from revenant.model import Capture, Exchange, Outcome

AUTO_MIN_WORDS = 50
"""`--render auto` renders a page showing fewer visible words than this."""

_SHELL_IDS = ("root", "app", "__next", "__nuxt", "svelte", "main-app", "application")

_MAX_SNIFF = 2 * 1024 * 1024


def renderable(page: Exchange | None) -> bool:
    """Whether a captured page can be rendered: an HTML answer whose body was kept."""
    if page is None or page.status is None or not page.content:
        return False
    if page.outcome not in (Outcome.OK, Outcome.TOO_LARGE):
        return False
    ctype = (page.header("Content-Type") or "").lower()
    return "html" in ctype or (not ctype and page.content.lstrip()[:1] == b"<")


def needs_render(page: Exchange | None) -> bool:
    """`--render auto`: a renderable page with little visible text, or an app shell
    (an empty mount point such as <div id="root"></div>)."""
    if not renderable(page):
        return False
    assert page is not None
    try:
        tree = LexborHTMLParser(page.content[:_MAX_SNIFF].decode("utf-8", "replace"))
        body = tree.body
        if body is None:
            return True
        for hidden in tree.css("script, style, noscript, template"):
            hidden.decompose()
        if len((body.text(separator=" ") or "").split()) < AUTO_MIN_WORDS:
            return True
        for shell in _SHELL_IDS:
            mount = tree.css_first(f"#{shell}")
            if mount is not None and not (mount.text(strip=True) or "").strip():
                return True
    except (ValueError, RuntimeError, MemoryError):
        return True
    return False


def wants_render(capture: Capture, mode: str) -> bool:
    """Whether a capture is rendered in `mode` ("never", "auto" or "always")."""
    if mode == "always":
        return renderable(capture.page)
    return mode == "auto" and needs_render(capture.page)
