"""Capture -> Fingerprint: the one feature extractor used by the monitor, the sweep
and the tests.

One Lexbor parse per page. Hostile input is expected: any byte string, an empty or
failed capture, absurd sizes. `extract` never raises on content; it returns whatever
features could be read (possibly none).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

import numpy as np
from selectolax.lexbor import LexborHTMLParser

from revenant.fingerprint.assets import (
    ENDPOINT_LITERALS,
    asset_features,
    body_hash,
    endpoints,
    form_features,
    inline_script_features,
)
from revenant.fingerprint.dom import Page, walk
from revenant.fingerprint.favicon import favicon_features
from revenant.fingerprint.headers import header_features
from revenant.fingerprint.identifiers import LITERALS, find_identifiers
from revenant.fingerprint.literals import LiteralSet
from revenant.fingerprint.names import brand_tokens, registrable
from revenant.fingerprint.network import AsnTable, network_features
from revenant.fingerprint.text import normalize_title, path_simhash, sketch_text, text_blocks
from revenant.model import Capture, Exchange, Feature, Fingerprint, Outcome

MAX_HTML = 4 * 1024 * 1024  # characters of markup read; the rest is ignored
MAX_SCRIPT = 1024 * 1024  # characters of each same-site script scanned
MAX_VALUE = 300
MAX_LINK_HOSTS = 100
_CHARSET = re.compile(rb"""charset\s*=\s*["']?([A-Za-z0-9_.:-]{1,40})""", re.IGNORECASE)
# what identifiers and endpoints start from, found in one pass over each text of code
_CODE_LITERALS = LiteralSet([*LITERALS.literals, *ENDPOINT_LITERALS])


def decode(body: bytes, content_type: str | None) -> str:
    """Bytes to text: charset from Content-Type, else a <meta> charset, else UTF-8;
    undecodable bytes are replaced, never fatal."""
    return decode_page(body, content_type)[0]


def decode_page(body: bytes, content_type: str | None) -> tuple[str, bool]:
    """(text, whether the encoding keeps ASCII bytes as they are) of at most MAX_HTML
    bytes of a page."""
    body = body[:MAX_HTML]
    name = _charset(body, content_type)
    return body.decode(name, "replace"), not name.startswith(_NOT_ASCII)


_NOT_ASCII = ("utf-16", "utf16", "utf-32", "utf32", "ucs")


def _charset(body: bytes, content_type: str | None) -> str:
    """The page's declared encoding if Python knows it, else "utf-8"."""
    for source in (content_type.encode("latin-1", "replace") if content_type else b"", body[:2048]):
        m = _CHARSET.search(source)
        if m:
            name = m.group(1).decode("ascii").lower()
            try:
                b"x".decode(name, "replace")  # LookupError: unknown or not a text codec
            except LookupError:
                break
            return name
    return "utf-8"


def _ok(e: Exchange | None) -> bool:
    return e is not None and e.outcome is Outcome.OK and bool(e.content)


def extract(capture: Capture, *, asn_table: AsnTable | None = None) -> Fingerprint:
    """Every feature and sketch of one capture (see docs/scoring.md for the list)."""
    host = (capture.host or urlsplit(capture.target).hostname or "").lower().rstrip(".")
    site = registrable(host) if host else ""
    feats: set[tuple[str, str]] = set(network_features(capture, asn_table))
    title = ""
    text_sh: int | None = None
    dom_sh: int | None = None
    text_mh: tuple[int, ...] = ()
    words = 0
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
        page = _parse_page(page_ex.content[:MAX_HTML], page_ex.header("content-type"))
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
        text_sh, text_mh, words = sketch.simhash, sketch.minhash, sketch.words
        others = _other_sites_words(site, page.link_texts, sketch.blocks)
        feats.update(("text", block) for block in sketch.blocks if block not in others)
        dom_sh = path_simhash(page.paths)
    for text in script_texts:
        feats.update(_code_features(site, text))
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
    )


def _code_features(site: str, code: str, visible: str = "") -> set[tuple[str, str]]:
    """Identifiers and endpoints of one text of code (and of the visible text beside
    it), the literals they start from found in one pass."""
    found = _CODE_LITERALS.find(code)
    return {*find_identifiers(code, visible, found=found), *endpoints(site, code, found)}


MAX_DEPTH = 2000
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]{0,15})")
_VOID = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    ]
)


def bound_nesting(html: str, raw: bytes | None = None, max_depth: int = MAX_DEPTH) -> str:
    """Cut the markup where elements would nest deeper than `max_depth`.

    Lexbor's parse time grows with the square of the nesting depth (200,000 nested
    <div> take minutes), so a hostile page is cut before it is parsed. A vectorized
    upper bound over the raw bytes (every "<x" opens, every "</" closes) clears
    ordinary pages in a fraction of a millisecond; only pages over it get the exact
    scan, which knows void tags. `raw` is the page as received when its encoding is
    ASCII-compatible (saves re-encoding `html`).
    """
    if _shallow(raw if raw is not None else html.encode("utf-8", "ignore"), max_depth):
        return html
    depth = 0
    for m in _TAG.finditer(html):
        if m.group(1):
            depth = max(0, depth - 1)
        elif m.group(2).lower() not in _VOID:
            depth += 1
            if depth > max_depth:
                return html[: m.start()]
    return html


def _shallow(raw: bytes, max_depth: int) -> bool:
    """True when elements in `raw` cannot nest deeper than `max_depth` (an upper bound
    that knows no void tags: every "<x" opens, every "</" closes)."""
    data = np.frombuffer(raw, dtype=np.uint8)
    lt = np.flatnonzero(data[:-1] == 60)  # "<" (a last byte opens nothing)
    if lt.size <= max_depth:
        return True
    nxt = data[lt + 1] | 32
    steps = ((nxt >= 97) & (nxt <= 122)).astype(np.int32) - (data[lt + 1] == 47).astype(np.int32)
    return int(np.cumsum(steps).max()) <= max_depth


def _parse_page(raw: bytes, content_type: str | None) -> Page:
    """Parse at most MAX_HTML bytes of a page. UTF-8 (and undeclared) pages go to
    Lexbor as bytes, its own encoding, saving a decode and a re-encode; others are
    decoded first."""
    name = _charset(raw, content_type)
    if codecs.lookup(name).name == "utf-8" and _shallow(raw, MAX_DEPTH):
        try:
            return walk(LexborHTMLParser(raw))
        except (ValueError, RuntimeError, MemoryError):
            return Page()
    html = raw.decode(name, "replace")
    return _parse(html, None if name.startswith(_NOT_ASCII) else raw)


def _parse(html: str, raw: bytes | None) -> Page:
    try:
        return walk(LexborHTMLParser(bound_nesting(html, raw)))
    except (ValueError, RuntimeError, MemoryError):
        return Page()


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


def visible_text(capture: Capture) -> list[str]:
    """The page's visible text, one line per text node, as the text sketches read it
    (scripts, styles and hidden elements left out); empty without a page."""
    page_ex = capture.page
    if page_ex is None or not _ok(page_ex):
        return []
    page = _parse_page(page_ex.content[:MAX_HTML], page_ex.header("content-type"))
    return [line.strip() for chunk in page.text for line in chunk.split("\n") if line.strip()]
