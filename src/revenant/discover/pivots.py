"""Pivots: new candidate names from what an earlier capture revealed - where it
redirected, which hosts it links to, "our new address is ..." announcements in its
text (French and English, defanged forms too), the names on its certificate - and from
infrastructure it shares with other names (same IP address, same name servers).

Pure functions over model.Capture, model.Fingerprint and plain mappings: the store
feeds them, nothing here fetches or parses. What a page links to and says comes from
the fingerprint's one parse of it (`Fingerprint.revealed`, with its charset handling).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from urllib.parse import urljoin, urlsplit

from revenant import hostnames as idn
from revenant.discover.feed import check_name
from revenant.hostnames import public_suffixes
from revenant.model import Candidate, Capture, Clock, Fingerprint, Source, utcnow

MAX_SHARED = 50  # an IP or name server shared by more names than this is a host, not a lead

ANNOUNCE = 1.0  # priority hints, highest first: the site itself says where it went
REDIRECT = 0.9
CERTIFICATE = 0.8
SHARED = 0.5
LINK = 0.3

_PHRASES = re.compile(
    r"nouvel(?:le)?s?\s+(?:adresses?|domaines?|liens?|url|sites?)|nouveau\s+(?:domaine|lien|site)"
    r"|(?:nous\s+avons|on\s+a)\s+d[ée]m[ée]nag[ée]|d[ée]m[ée]nag[ée]\s+(?:sur|vers|[àa])"
    r"|retrouvez[- ]nous|rendez[- ]vous\s+sur|rejoignez[- ]nous|notre\s+(?:miroir|adresse)"
    r"|adresse\s+de\s+secours|new\s+(?:address|domain|url|link|site|home|mirror)"
    r"|(?:we\s*(?:'ve|\s+have)?|has|have)\s+moved|moved\s+to|find\s+us\s+(?:at|on)"
    r"|(?:our|the)\s+(?:mirror|backup\s+(?:site|domain))|now\s+(?:at|on|available\s+at)",
    re.IGNORECASE,
)
_DEFANG = (
    (
        re.compile(
            r"\s*(?:\[\s*(?:\.|dot|point)\s*\]|\(\s*(?:\.|dot|point)\s*\)|\{\s*\.\s*\})\s*",
            re.IGNORECASE,
        ),
        ".",
    ),
    (re.compile(r"\s+(?:dot|point)\s+", re.IGNORECASE), "."),
    (re.compile(r"hxxp", re.IGNORECASE), "http"),
)
_HOST = re.compile(
    r"(?<![\w@.-])((?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+[^\W\d_]{2,63}|(?:[a-z0-9-]+\.)+xn--[a-z0-9-]+)"
    r"(?![\w-])",
    re.IGNORECASE,
)
_WINDOW = 300
_FILE_SUFFIXES = frozenset(
    [
        "html",
        "htm",
        "php",
        "js",
        "css",
        "png",
        "jpg",
        "jpeg",
        "gif",
        "svg",
        "txt",
        "json",
        "xml",
        "pdf",
    ]
)


def _candidate(
    raw: str, origin: str, detail: str, priority: float, clock: Clock
) -> Candidate | None:
    name, _reason = check_name(raw.strip().rstrip("."))
    if name is None or name == origin or "." not in name:
        return None
    if name.rsplit(".", 1)[1] in _FILE_SUFFIXES:
        return None
    return Candidate(name, Source.PIVOT, clock(), detail, priority=priority)


def _host(url: str) -> str | None:
    try:
        return urlsplit(url.strip()).hostname
    except ValueError:
        return None


def redirects(capture: Capture, *, clock: Clock = utcnow) -> list[Candidate]:
    """Hosts the capture was redirected to (Location headers, later exchanges' URLs)."""
    out: dict[str, Candidate] = {}
    for ex in capture.exchanges:
        targets = [ex.url] if ex.role in ("page", "redirect") else []
        location = ex.header("location")
        if location:
            targets.append(urljoin(ex.url, location))
        for url in targets:
            host = _host(url)
            c = host and _candidate(
                host, capture.host, f"redirect from {capture.host}", REDIRECT, clock
            )
            if c and c.name not in out:
                out[c.name] = c
    return list(out.values())


def links(capture: Capture, fingerprint: Fingerprint, *, clock: Clock = utcnow) -> list[Candidate]:
    """Hosts of outbound links, forms, frames, style and icon links and meta refreshes
    on the captured page."""
    out: dict[str, Candidate] = {}
    for host in fingerprint.revealed.hosts:
        c = _candidate(host, capture.host, f"linked from {capture.host}", LINK, clock)
        if c and c.name not in out:
            out[c.name] = c
    return list(out.values())


def announced(text: str) -> list[tuple[str, str]]:
    """(host, quoted phrase) for each host named shortly after a "new address" phrase."""
    found: list[tuple[str, str]] = []
    for m in _PHRASES.finditer(text):
        window = text[m.start() : m.end() + _WINDOW]
        for pattern, repl in _DEFANG:
            window = pattern.sub(repl, window)
        quote = " ".join(text[max(0, m.start() - 40) : m.end() + 80].split())
        for h in _HOST.finditer(window):
            host = h.group(1)
            if idn.label_to_ascii(host.rsplit(".", 1)[1].lower()) in _tlds():
                found.append((host, quote))
    return found


@cache
def _tlds() -> frozenset[str]:
    return frozenset(s.rsplit(".", 1)[-1] for s in public_suffixes().all)


def announcements(
    capture: Capture, fingerprint: Fingerprint, *, clock: Clock = utcnow
) -> list[Candidate]:
    """Hosts the page announces as its new address ("nouvelle adresse : coco[.]fr")."""
    out: dict[str, Candidate] = {}
    for host, quote in announced(fingerprint.revealed.text):
        c = _candidate(
            host, capture.host, f'announced on {capture.host}: "{quote}"', ANNOUNCE, clock
        )
        if c and c.name not in out:
            out[c.name] = c
    return list(out.values())


def certificate_names(capture: Capture, *, clock: Clock = utcnow) -> list[Candidate]:
    """The other names on the capture's leaf certificate."""
    if capture.tls is None or not capture.tls.chain:
        return []
    out: dict[str, Candidate] = {}
    for san in capture.tls.chain[0].sans:
        c = _candidate(
            san, capture.host, f"on the certificate of {capture.host}", CERTIFICATE, clock
        )
        if c and c.name not in out:
            out[c.name] = c
    return list(out.values())


def from_capture(
    capture: Capture, fingerprint: Fingerprint, *, clock: Clock = utcnow
) -> list[Candidate]:
    """Every pivot a capture (and its fingerprint) gives, each name once, strongest
    provenance kept."""
    best: dict[str, Candidate] = {}
    found = (
        announcements(capture, fingerprint, clock=clock),
        redirects(capture, clock=clock),
        certificate_names(capture, clock=clock),
        links(capture, fingerprint, clock=clock),
    )
    for candidates in found:
        for c in candidates:
            if c.name not in best:
                best[c.name] = c
    return list(best.values())


# ------------------------------------------------------------------ infrastructure


def addresses(capture: Capture) -> set[str]:
    """IP addresses the capture resolved to or connected to."""
    out = {r.value for r in capture.dns if r.rtype in ("A", "AAAA")}
    if capture.peer:
        out.add(capture.peer.rsplit(":", 1)[0] if capture.peer.count(":") == 1 else capture.peer)
    return out


def nameservers(capture: Capture) -> set[str]:
    """Name servers of the captured host, lower-case, without the trailing dot."""
    return {r.value.lower().rstrip(".") for r in capture.dns if r.rtype == "NS"}


def _shared(
    keys: Iterable[str],
    names_by_key: Mapping[str, Iterable[str]],
    exclude: Iterable[str],
    what: str,
    clock: Clock,
    max_shared: int,
) -> Iterator[Candidate]:
    skip = {e.lower() for e in exclude}
    seen: set[str] = set()
    for key in sorted(set(keys)):
        names = sorted(set(names_by_key.get(key, ())))
        if len(names) > max_shared:
            continue  # shared hosting or a big DNS provider: says nothing about the case
        for raw in names:
            c = _candidate(raw, "", f"shares {what} {key}", SHARED, clock)
            if c and c.name not in skip and c.name not in seen:
                seen.add(c.name)
                yield c


def same_ip(
    ips: Iterable[str],
    names_by_ip: Mapping[str, Iterable[str]],
    *,
    exclude: Iterable[str] = (),
    clock: Clock = utcnow,
    max_shared: int = MAX_SHARED,
) -> list[Candidate]:
    """Other names seen on any of `ips` (from passive DNS or the store)."""
    return list(_shared(ips, names_by_ip, exclude, "IP address", clock, max_shared))


def same_ns(
    servers: Iterable[str],
    names_by_ns: Mapping[str, Iterable[str]],
    *,
    exclude: Iterable[str] = (),
    clock: Clock = utcnow,
    max_shared: int = MAX_SHARED,
) -> list[Candidate]:
    """Other names delegated to any of `servers`."""
    norm = {s.lower().rstrip("."): v for s, v in names_by_ns.items()}
    return list(
        _shared(
            (s.lower().rstrip(".") for s in servers),
            norm,
            exclude,
            "name server",
            clock,
            max_shared,
        )
    )
