"""Features of a page's code: asset URLs and hashes, build-hashed file names, external
script hosts, inline-script digests, form shapes, and API/WebSocket endpoints.

These survive a move to a new domain: a re-deployed platform ships the same bundle,
posts the same form to the same path and opens the same chat socket.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from urllib.parse import SplitResult, urljoin, urlsplit

from revenant.fingerprint.literals import MAX_CHECKED, LiteralSet, matches_at
from revenant.fingerprint.names import registrable
from revenant.model import Form

# a file name carrying a build hash: app.3f9a1c7e.js (hex, webpack), index-BfT2x3xA.js
# (base64url, Vite); "pubads_impl_107.js" is a version, not a build hash
_BUILD_HASH = re.compile(
    r"[._-](?:(?=[0-9a-f]*[0-9])(?=[0-9a-f]*[a-f])[0-9a-f]{8,64}"
    r"|(?=[A-Za-z0-9_-]*[0-9])(?=[A-Za-z0-9_-]*[a-z])(?=[A-Za-z0-9_-]*[A-Z])[A-Za-z0-9_-]{8,12})"
    r"(?:\.min)?\.(?:js|mjs|css)$"
)
_WS = re.compile(r"""wss?://[^\s"'<>\\`)]{3,200}""")
# what precedes a match is checked by hand
_API = re.compile(
    r"/(?:api|ws|wss|socket\.io|graphql|rest|ajax|chat|sse|events|stream)(?=[/\"'`?#])[^\"'`\s<>?#]{0,120}"
)
# every match of _WS and of _API starts with one of these
_WS_LITERALS = ("ws://", "wss://")
_API_NAMES = "api ws socket.io graphql rest ajax chat sse events stream"  # "/ws" covers "/wss"
_API_LITERALS = tuple(f"/{name}" for name in _API_NAMES.split())
ENDPOINT_LITERALS = (*_WS_LITERALS, *_API_LITERALS)
_ENDPOINTS = LiteralSet(ENDPOINT_LITERALS)
# the host before a path, matched on the reversed text before it: one pass over at most
# 108 characters, where a search for "...$" would try each of them as a start
_HOST_BEFORE_BACK = re.compile(r"[A-Za-z0-9.-]{1,100}//(?::s?ptth)?")
_DIGITS = re.compile(r"\d+")
MIN_INLINE = 64  # shorter inline scripts are boilerplate ("dataLayer=[]")
MAX_FILE_NAME = 200  # longer asset file names are not searched for a build hash


def _resolve(base: str, ref: str) -> tuple[str, str] | None:
    """(host, path) of a reference resolved against the page URL, or None."""
    ref = ref.strip()
    try:
        parts = _absolute(base, ref) or urlsplit(urljoin(base, ref))
    except ValueError:
        return None
    if parts.scheme not in ("http", "https", "") or not parts.path:
        return None
    return (parts.hostname or "").lower(), parts.path


def _absolute(base: str, ref: str) -> SplitResult | None:
    """`urlsplit(urljoin(base, ref))` without the join when that is what it would give
    (host and path): most references are absolute URLs, scheme-relative URLs or
    absolute paths free of dot segments. None for every other reference."""
    if not ref.isprintable():  # urlsplit drops tabs and newlines, which moves parts
        return None
    if ref.startswith(("http://", "https://")):
        parts = urlsplit(ref)
        return parts if parts.netloc else None  # "http:///x" takes the page's host
    page = urlsplit(base)
    if page.scheme not in ("http", "https"):
        return None
    if ref.startswith("//"):
        parts = urlsplit(ref)
        return parts._replace(scheme=page.scheme) if parts.netloc else None
    if ref.startswith("/") and "/." not in ref:
        return urlsplit(ref)._replace(scheme=page.scheme, netloc=page.netloc)
    return None


def asset_features(
    base: str, site: str, scripts: Iterable[str], styles: Iterable[str]
) -> Iterator[tuple[str, str]]:
    """asset_url, build_asset and script_host features of script and style references.

    Same-site assets are keyed by path alone (the domain changes on re-emergence);
    third-party ones by host and path, so jQuery on a CDN is one feature everywhere.
    """
    for kind, refs in (("script", scripts), ("style", styles)):
        for ref in refs:
            resolved = _resolve(base, ref)
            if resolved is None:
                continue
            host, path = resolved
            same = not host or registrable(host) == site
            if not same:
                yield "asset_url", f"{host}{path}"
                if kind == "script":
                    yield "script_host", host
                continue
            cms = cms_path(path)
            if cms is not None:
                rerooted, shipped = cms
                if shipped:
                    yield "cms_asset", rerooted
                    continue
                path = rerooted
            yield "asset_url", path
            name = path.rsplit("/", 1)[-1]
            # (the pattern's look-aheads read to the end from each "-": bounded names)
            if len(name) <= MAX_FILE_NAME and _BUILD_HASH.search(name):
                yield "build_asset", name


_CMS_DIRS = (
    ("/wp-includes/", True),
    ("/wp-admin/", True),
    ("/wp-content/plugins/", True),
    ("/wp-content/themes/", False),
    ("/wp-content/uploads/", False),
    ("/media/system/", True),
    ("/media/jui/", True),
    ("/media/vendor/", True),
    ("/components/com_", True),
    ("/modules/mod_", True),
    ("/core/misc/", True),
    ("/core/assets/", True),
    ("/core/modules/", True),
    ("/core/themes/", True),
    ("/sites/all/modules/", True),
    ("/sites/all/libraries/", True),
    ("/sites/all/themes/", False),
    ("/modules/contrib/", True),
)
"""Directories of WordPress, Joomla and Drupal as every installation lays them out.
Files under them are keyed from the directory on, whatever prefix a site mounts the
CMS under ("/blog/wp-includes/js/jquery/jquery.js" is "/wp-includes/js/jquery/
jquery.js"). True: the CMS or a plugin ships them to every site that installs it
(`cms_asset`); False: themes and uploads may be the operator's own, so they stay
`asset_url`, only re-rooted."""


def cms_path(path: str) -> tuple[str, bool] | None:
    """(the path from its CMS directory on, whether the CMS ships the file) for a file
    under a known CMS directory, else None."""
    for marker, shipped in _CMS_DIRS:
        at = path.find(marker)
        if at >= 0:
            return path[at:], shipped
    return None


def inline_script_features(bodies: Iterable[str]) -> Iterator[tuple[str, str]]:
    """sha256 of each whitespace-normalized inline script of at least MIN_INLINE chars."""
    for body in bodies:
        norm = " ".join(body.split())
        if len(norm) >= MIN_INLINE:
            yield "inline_script", hashlib.sha256(norm.encode("utf-8", "replace")).hexdigest()


def form_features(base: str, site: str, forms: Iterable[Form]) -> Iterator[tuple[str, str]]:
    """("form", "POST /login|password,username") and ("form_fields", "password,username").

    A form that posts to another site (a widget's logging form, a newsletter service)
    is that site's: it is keyed by host and path, and its field set is not the
    operator's (no form_fields)."""
    for form in forms:
        if not form.fields:
            continue
        fields = ",".join(sorted(set(form.fields)))
        resolved = _resolve(base, form.action or base)
        path = ""
        own = True
        if resolved is not None:
            host, path = resolved
            if host and registrable(host) != site:
                path = f"{host}{path}"
                own = False
        yield "form", f"{form.method.upper()} {path}|{fields}"
        if own:
            yield "form_fields", fields


def endpoints(
    site: str, text: str, found: Mapping[str, Sequence[int]] | None = None
) -> Iterator[tuple[str, str]]:
    """WebSocket URLs and API paths in one text of markup or same-site script, numbers
    folded. `found` holds where ENDPOINT_LITERALS occur in it
    (`literals.LiteralSet.find`), when the caller has it."""
    found = _ENDPOINTS.find(text) if found is None else found
    urls = dict.fromkeys(m.group() for m in _matches(_WS, text, found, _WS_LITERALS))
    for m in _matches(_API, text, found, _API_LITERALS):
        start = m.start()
        before = text[start - 1] if start else ""
        if before in "\"'`":
            urls[m.group()] = None
        elif before.isalnum() or before in ".-":
            host = _HOST_BEFORE_BACK.match(text[max(0, start - 110) : start][::-1])
            if host and text[start - host.end() - 1 : start - host.end()] in "\"'`":
                urls[host.group()[::-1] + m.group()] = None
    # (`_matches` tries at most MAX_TRIED places of each kind; fold at most MAX_CHECKED)
    for url in itertools.islice(urls, MAX_CHECKED):
        yield "endpoint", _fold(url, site)


def _matches(
    pattern: re.Pattern[str],
    text: str,
    found: Mapping[str, Sequence[int]],
    literals: tuple[str, ...],
) -> Iterator[re.Match[str]]:
    """`pattern.finditer(text)`, given where the literals its matches start with occur."""
    offsets = sorted(itertools.chain.from_iterable(found.get(lit, ()) for lit in literals))
    return matches_at(pattern, text, offsets)


def _fold(url: str, site: str) -> str:
    """Drop the host when same-site, the query, and fold digit runs to '0'."""
    try:
        parts = urlsplit(url if "//" in url else f"//{url}" if not url.startswith("/") else url)
    except ValueError:
        return _DIGITS.sub("0", url)[:200]
    host = (parts.hostname or "").lower()
    scheme = f"{parts.scheme}:" if parts.scheme in ("ws", "wss") else ""
    path = _DIGITS.sub("0", parts.path)
    if host and registrable(host) != site:
        return f"{scheme}//{host}{path}"[:200]
    return f"{scheme}{path}"[:200]


def body_hash(body: bytes) -> str:
    """sha256 of an asset body as received (after content decoding)."""
    return hashlib.sha256(body).hexdigest()
