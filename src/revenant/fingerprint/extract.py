"""Capture -> Fingerprint: the one feature extractor used by the monitor, the sweep
and the tests.

One HTML parse per page: the summary the prober attached to the capture (it parsed
the page to find what to fetch next), or, for a capture without one (read from a WARC),
a parse through the same bounded pool (revenant.html). Hostile input is expected: any
byte string, an empty or failed capture, absurd sizes, markup made to be slow.
`extract` never raises on content; it returns whatever features could be read
(possibly none: a page the parser could not read within its bounds gives the features
of its headers, TLS, network and favicon only).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple
from urllib.parse import urlsplit

from revenant.fingerprint.assets import (
    ENDPOINT_LITERALS,
    asset_features,
    body_hash,
    endpoints,
    form_features,
    inline_script_features,
)
from revenant.fingerprint.favicon import favicon_features
from revenant.fingerprint.headers import header_features
from revenant.fingerprint.identifiers import LITERALS, find_identifiers
from revenant.fingerprint.literals import LiteralSet
from revenant.fingerprint.names import brand_tokens, registrable
from revenant.fingerprint.network import AsnTable, network_features
from revenant.fingerprint.screenshot import screenshot_phash
from revenant.fingerprint.text import (
    TextSketch,
    normalize_title,
    path_simhash,
    sketch_text,
    text_blocks,
)
from revenant.html import DEFAULT_LIMITS, ParseLimits, ParsePool, default_pool
from revenant.model import (
    Capture,
    Exchange,
    Feature,
    Fingerprint,
    Outcome,
    PageSummary,
    Parsed,
    Revealed,
)
from revenant.probe.decode import charset
from revenant.probe.decode import text as decode

MAX_SCRIPT = 1024 * 1024  # characters of each same-site script scanned
MAX_VALUE = 300
MAX_LINK_HOSTS = 100
MAX_REVEALED = 1000  # hosts a page may reveal to the pivots
# what identifiers and endpoints start from, found in one pass over each text of code
_CODE_LITERALS = LiteralSet([*LITERALS.literals, *ENDPOINT_LITERALS])


def _ok(e: Exchange | None) -> bool:
    return e is not None and e.outcome is Outcome.OK and bool(e.content)


def extract(
    capture: Capture,
    *,
    asn_table: AsnTable | None = None,
    parser: ParsePool | None = None,
    limits: ParseLimits = DEFAULT_LIMITS,
) -> Fingerprint:
    """Every feature and sketch of one capture (see docs/scoring.md for the list).

    The page (and the rendered DOM) are read from the summaries attached to the capture
    when they are those of its bytes, else parsed by `parser` (default: the process's
    pool) within `limits`."""
    host = (capture.host or urlsplit(capture.target).hostname or "").lower().rstrip(".")
    site = registrable(host) if host else ""
    feats: set[tuple[str, str]] = set(network_features(capture, asn_table))
    title = ""
    text_sh: int | None = None
    dom_sh: int | None = None
    text_mh: tuple[int, ...] = ()
    words = 0
    revealed = Revealed()
    page_ex = capture.page
    if page_ex is not None:
        feats.update(header_features(page_ex.headers))
    favicon = capture.favicon
    if favicon is not None:
        feats.update(favicon_features(favicon.content))
    scripts = [e for e in capture.assets if _ok(e)]
    for e in scripts:
        feats.add(("asset_sha256", body_hash(e.content)))
    script_texts = [
        decode(e.content[:MAX_SCRIPT], e.header("content-type"))
        for e in scripts
        if e.role == "script"
    ]
    if page_ex is not None and _ok(page_ex):
        base = page_ex.url or capture.target
        ctype = page_ex.header("content-type")
        parsed = _parsed(capture.parsed, page_ex.content, ctype, parser, limits)
        if parsed.read:
            raw = _page_features(parsed.summary, base, site, feats)
            title, dom_sh, revealed = raw.title, raw.dom, raw.revealed
            text_sh, text_mh, words = raw.sketch.simhash, raw.sketch.minhash, raw.sketch.words
    for text in script_texts:
        feats.update(_code_features(site, text))
    rendering = capture.rendering
    shot: int | None = None
    if rendering is not None:
        shot = screenshot_phash(rendering.screenshot) if rendering.screenshot else None
        feats.update(_browser_features(capture, site))
        seen = None
        if rendering.dom:
            utf8 = "text/html; charset=utf-8"
            seen = _parsed(rendering.parsed, rendering.dom, utf8, parser, limits)
        if seen is not None and seen.read:
            shown = _page_features(seen.summary, rendering.url, site, feats)
            title = title or shown.title
            r_sketch = shown.sketch
            if r_sketch.words >= words:  # the sketches of what a visitor saw, when richer
                text_sh, text_mh, words = r_sketch.simhash, r_sketch.minhash, r_sketch.words
                dom_sh = shown.dom
            revealed = Revealed(
                tuple(dict.fromkeys((*revealed.hosts, *shown.revealed.hosts)))[:MAX_REVEALED],
                "\n".join(t for t in (revealed.text, shown.revealed.text) if t),
            )
    return Fingerprint(
        target=capture.target,
        features=frozenset(Feature(k, v[:MAX_VALUE]) for k, v in feats if v),
        title=title,
        text_simhash=text_sh,
        dom_simhash=dom_sh,
        text_minhash=text_mh,
        text_words=words,
        host=host,
        registrable=site,
        brand_tokens=brand_tokens(host) if host else (),
        capture_id=capture.id,
        revealed=revealed,
        shot_phash=shot,
    )


def _parsed(
    attached: Parsed | None,
    content: bytes,
    content_type: str | None,
    parser: ParsePool | None,
    limits: ParseLimits,
) -> Parsed:
    """The parse of `content`: the one attached to the capture when it is of these very
    bytes, else a new one through the pool."""
    if attached is not None and attached.of(content):
        return attached
    pool = parser if parser is not None else default_pool()
    return pool.parse(content, charset(content, content_type), limits)


class _PageRead(NamedTuple):
    """What one parsed page (raw or rendered) gives besides its discrete features."""

    title: str
    sketch: TextSketch
    dom: int | None  # DOM SimHash
    revealed: Revealed  # for the pivots


def _page_features(
    page: PageSummary, base: str, site: str, feats: set[tuple[str, str]]
) -> _PageRead:
    """Add the discrete features of one parsed page (raw or rendered) to `feats`."""
    title = normalize_title(page.title)
    if title:
        feats.add(("title", title))
    if page.generator:
        feats.add(("generator", page.generator.lower()[:MAX_VALUE]))
    feats.update(asset_features(base, site, page.scripts, page.styles))
    feats.update(inline_script_features(page.inline_scripts))
    feats.update(form_features(base, site, page.forms))
    feats.update(_link_hosts(base, site, page.links))
    # Identifiers and endpoints live in code and attributes, not in style sheets
    # or markup: searching only there keeps the scan to a fraction of the page.
    code = "\n".join(
        [
            *page.inline_scripts,
            *page.data_scripts,
            *page.attr_text,
            *page.scripts,
            *page.styles,
            *page.icons,
            *(f.action for f in page.forms),
        ]
    )
    visible = "\n".join(page.text)
    feats.update(_code_features(site, code, visible))
    sketch = sketch_text(page.text)
    others = _other_sites_words(site, page.link_texts, sketch.blocks)
    feats.update(("text", block) for block in sketch.blocks if block not in others)
    outbound = [
        *page.links,
        *page.frames,
        *page.refreshes,
        *(f.action for f in page.forms),
        *page.styles,
        *page.icons,
    ]
    revealed = Revealed(_absolute_hosts(outbound), visible)
    return _PageRead(title, sketch, path_simhash(page.paths), revealed)


MAX_BROWSER_BODIES = 20
"""Bodies of the browser's same-site script and data requests scanned like scripts."""


def _browser_features(capture: Capture, site: str) -> set[tuple[str, str]]:
    """Endpoints and identifiers in what the rendering browser asked for: the URLs of
    its requests (fulfilled or refused: a refused WebSocket still names its endpoint)
    and the bodies of its same-site scripts and data requests."""
    assert capture.rendering is not None
    browser = [e for e in capture.exchanges if e.role.startswith("render:")]
    urls = [e.url for e in browser] + [r.url for r in capture.rendering.refused]
    feats = _code_features(site, "\n".join(u[:MAX_VALUE] for u in urls))
    scanned = 0
    for e in browser:
        if scanned >= MAX_BROWSER_BODIES:
            break
        if e.role in ("render:script", "render:xhr", "render:fetch") and _ok(e):
            if registrable(urlsplit(e.url).hostname or "") != site:
                continue
            feats |= _code_features(site, decode(e.content[:MAX_SCRIPT], e.header("content-type")))
            scanned += 1
    return feats


def _code_features(site: str, code: str, visible: str = "") -> set[tuple[str, str]]:
    """Identifiers and endpoints of one text of code (and of the visible text beside
    it), the literals they start from found in one pass."""
    found = _CODE_LITERALS.find(code)
    return {*find_identifiers(code, visible, found=found), *endpoints(site, code, found)}


def _other_sites_words(
    site: str, link_texts: Iterable[tuple[str, str]], blocks: Iterable[str]
) -> set[str]:
    """Text blocks that are the words of a link to another site: an ad's or a
    recommendation widget's headline, a syndicated title. They are that site's words,
    shown alike on every page the widget runs on, not the operator's."""
    wanted = set(blocks)
    found: set[str] = set()
    hosts: dict[str, bool] = {}
    for href, words in link_texts:
        lines = [b for b in text_blocks([words]) if b in wanted]
        if not lines:
            continue
        m = _ABS_HOST.match(href)
        if not m:
            continue
        host = m.group(1).lower().rstrip(".")
        if host not in hosts:
            hosts[host] = registrable(host) != site
        if hosts[host]:
            found.update(lines)
    return found


_ABS_HOST = re.compile(r"(?:https?:)?//([A-Za-z0-9.-]{1,253})(?:[:/?#]|$)")
# any host, IDN included (the pivots check it is a name); user info skipped
_URL_HOST = re.compile(
    r"(?:https?:)?//(?:[^/?#@\s]*@)?([^\s/?#:@\[\]\\'\"<>]{1,253})(?:[:/?#]|$)", re.IGNORECASE
)


def _absolute_hosts(refs: Iterable[str]) -> tuple[str, ...]:
    """Hosts of the absolute (or scheme-relative) URLs among `refs`, in page order, at
    most MAX_REVEALED (relative ones point at the page's own host)."""
    hosts: dict[str, None] = {}
    for ref in refs:
        m = _URL_HOST.match(ref.strip())
        if m:
            hosts[m.group(1).lower().rstrip(".")] = None
            if len(hosts) >= MAX_REVEALED:
                break
    return tuple(hosts)


def _link_hosts(base: str, site: str, links: Iterable[str]) -> set[tuple[str, str]]:
    """Registrable domains an operator links to (its channels, partners, old domains),
    the first MAX_LINK_HOSTS in page order (a set's order would change from run to run
    with Python's string hashing)."""
    out: set[tuple[str, str]] = set()
    hosts: dict[str, None] = {}
    for href in links:
        m = _ABS_HOST.match(href)
        if m:
            hosts[m.group(1).lower().rstrip(".")] = None
    for host in hosts:
        reg = registrable(host)
        if reg and reg != site:
            out.add(("link_host", reg))
            if len(out) >= MAX_LINK_HOSTS:
                break
    return out


def visible_text(capture: Capture, *, parser: ParsePool | None = None) -> list[str]:
    """The page's visible text, one line per text node, as the text sketches read it
    (scripts, styles and hidden elements left out), from the page's one bounded parse;
    empty without a page or when the page could not be read within the parse's bounds."""
    page_ex = capture.page
    if page_ex is None or not _ok(page_ex):
        return []
    ctype = page_ex.header("content-type")
    parsed = _parsed(capture.parsed, page_ex.content, ctype, parser, DEFAULT_LIMITS)
    if not parsed.read:
        return []
    return [
        line.strip() for chunk in parsed.summary.text for line in chunk.split("\n") if line.strip()
    ]
