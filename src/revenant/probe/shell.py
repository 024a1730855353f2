"""Whether a captured page needs a browser to be seen: `--render auto` renders a page
whose raw markup shows little visible text or is an app shell (an empty mount point
such as <div id="root"></div>, filled in by JavaScript).

Pure functions of a captured exchange and its one bounded parse (revenant.html), no
I/O; hostile markup gives an answer (render when in doubt), never an exception.
"""

from __future__ import annotations

from revenant.model import Capture, Exchange, Outcome, Parsed

AUTO_MIN_WORDS = 50
"""`--render auto` renders a page showing fewer visible words than this."""


def renderable(page: Exchange | None) -> bool:
    """Whether a captured page can be rendered: an HTML answer whose body was kept."""
    if page is None or page.status is None or not page.content:
        return False
    if page.outcome not in (Outcome.OK, Outcome.TOO_LARGE):
        return False
    return is_html(page)


def is_html(page: Exchange) -> bool:
    """Whether an answer is HTML: so declared, or undeclared and starting with markup."""
    ctype = (page.header("Content-Type") or "").lower()
    return "html" in ctype or (not ctype and page.content.lstrip()[:1] == b"<")


def needs_render(parsed: Parsed | None) -> bool:
    """`--render auto`, for a renderable page: it shows little visible text, or it is
    an app shell (an empty mount point such as <div id="root"></div>), or its markup
    could not be read (in doubt, it is rendered)."""
    if parsed is None or not parsed.read:
        return True
    page = parsed.summary
    return page.words < AUTO_MIN_WORDS or bool(page.empty_mounts)


def wants_render(capture: Capture, mode: str) -> bool:
    """Whether a capture is rendered in `mode` ("never", "auto" or "always")."""
    if mode == "always":
        return renderable(capture.page)
    page, parsed = capture.page, capture.parsed
    if not renderable(page) or mode != "auto":
        return False
    assert page is not None
    return needs_render(parsed if parsed is not None and parsed.of(page.content) else None)
