"""What the prober may fetch: which addresses it may connect to, which URLs it may
follow, and which bodies it may keep.

It must never let a private, reserved, loopback, link-local, multicast or CGNAT
address through unless an explicit `allow` network covers it, and it judges the address
actually connected to (callers pass resolved addresses, never names), so DNS
rebinding cannot pass. It must never keep the body of an image (favicons excepted),
video, audio, archive, font or octet-stream, whatever the declared type says, and it
lets a rendering browser have nothing but documents, scripts, styles and GET data
requests fetched for it.
Pure functions, no I/O.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable

from yarl import URL

from revenant.errors import UsageError
from revenant.probe.config import IPNetwork

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Ranges refused even though some are "global" by the registry's reckoning; the
# `is_*` properties of ipaddress catch the rest (private, loopback, link-local...).
_DENY: tuple[tuple[IPNetwork, str], ...] = tuple(
    (ipaddress.ip_network(net), why)
    for net, why in (
        ("0.0.0.0/8", "this-network"),
        ("10.0.0.0/8", "private"),
        ("100.64.0.0/10", "CGNAT"),
        ("127.0.0.0/8", "loopback"),
        ("169.254.0.0/16", "link-local"),
        ("172.16.0.0/12", "private"),
        ("192.0.0.0/24", "IETF protocol assignments"),
        ("192.0.2.0/24", "documentation"),
        ("192.88.99.0/24", "6to4 relay"),
        ("192.168.0.0/16", "private"),
        ("198.18.0.0/15", "benchmarking"),
        ("198.51.100.0/24", "documentation"),
        ("203.0.113.0/24", "documentation"),
        ("224.0.0.0/4", "multicast"),
        ("240.0.0.0/4", "reserved"),
        ("255.255.255.255/32", "broadcast"),
        ("::/128", "unspecified"),
        ("::1/128", "loopback"),
        ("100::/64", "discard"),
        ("2001:db8::/32", "documentation"),
        ("fc00::/7", "unique-local"),
        ("fe80::/10", "link-local"),
        ("fec0::/10", "site-local"),
        ("ff00::/8", "multicast"),
    )
)

# Body signatures that make a body refused whatever its Content-Type says.
_SIGNATURES: tuple[tuple[bytes, int, str, str], ...] = (
    # (magic, offset, name, kind) ; kind "image" is allowed for favicons only
    (b"\x89PNG\r\n\x1a\n", 0, "PNG", "image"),
    (b"\xff\xd8\xff", 0, "JPEG", "image"),
    (b"GIF87a", 0, "GIF", "image"),
    (b"GIF89a", 0, "GIF", "image"),
    (b"\x00\x00\x01\x00", 0, "ICO", "image"),
    (b"BM", 0, "BMP", "image"),
    (b"WEBP", 8, "WebP", "image"),
    (b"ftypavif", 4, "AVIF", "image"),
    (b"ftyp", 4, "MP4/QuickTime", "video"),
    (b"\x1aE\xdf\xa3", 0, "Matroska/WebM", "video"),
    (b"OggS", 0, "Ogg", "video"),
    (b"ID3", 0, "MP3", "audio"),
    (b"fLaC", 0, "FLAC", "audio"),
    (b"WAVE", 8, "WAV", "audio"),
    (b"AVI ", 8, "AVI", "video"),
    (b"PK\x03\x04", 0, "ZIP", "archive"),
    (b"Rar!\x1a\x07", 0, "RAR", "archive"),
    (b"7z\xbc\xaf\x27\x1c", 0, "7-Zip", "archive"),
    (b"\xfd7zXZ\x00", 0, "XZ", "archive"),
    (b"BZh", 0, "bzip2", "archive"),
    (b"\x28\xb5\x2f\xfd", 0, "Zstandard", "archive"),
    (b"ustar", 257, "tar", "archive"),
    (b"%PDF-", 0, "PDF", "archive"),
    (b"\x7fELF", 0, "ELF", "archive"),
    (b"MZ", 0, "PE executable", "archive"),
    (b"wOFF", 0, "WOFF", "font"),
    (b"wOF2", 0, "WOFF2", "font"),
    (b"\x00\x01\x00\x00\x00", 0, "TrueType", "font"),
    (b"OTTO", 0, "OpenType", "font"),
)
SNIFF_BYTES = 264
"""How many leading bytes `body_refusal` needs to see (tar's magic is at 257)."""

_REFUSED_TYPES = ("image/", "video/", "audio/", "font/")
_REFUSED_EXACT = frozenset(
    {
        "application/octet-stream",
        "application/zip",
        "application/gzip",
        "application/x-gzip",
        "application/x-tar",
        "application/x-7z-compressed",
        "application/x-rar-compressed",
        "application/vnd.rar",
        "application/x-bzip2",
        "application/x-xz",
        "application/zstd",
        "application/pdf",
        "application/x-msdownload",
        "application/vnd.android.package-archive",
        "application/font-woff",
        "application/x-font-ttf",
        "application/vnd.ms-fontobject",
    }
)


def parse_allow(cidrs: Iterable[str]) -> tuple[IPNetwork, ...]:
    """Parse `--allow` values ("127.0.0.1/32", "::1") into networks; UsageError if bad."""
    nets: list[IPNetwork] = []
    for text in cidrs:
        try:
            nets.append(ipaddress.ip_network(text.strip(), strict=False))
        except ValueError as exc:
            raise UsageError(f"--allow {text!r}: not an IP network ({exc})") from None
    return tuple(nets)


def _embedded_v4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one smuggles (mapped, NAT64, 6to4, Teredo), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    return None


_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _allowed(ip: IPAddress, allow: tuple[IPNetwork, ...]) -> bool:
    return any(ip.version == net.version and ip in net for net in allow)


def address_refusal(address: str | IPAddress, allow: tuple[IPNetwork, ...] = ()) -> str | None:
    """Why connecting to `address` is refused, or None if it may be connected to.

    An address inside an `allow` network is accepted; otherwise anything that is not a
    plain global unicast address is refused, including IPv6 forms embedding one.
    """
    if isinstance(address, str):
        return _refusal_of_text(address, allow)
    return _refusal(address, allow)


@functools.lru_cache(maxsize=65536)
def _refusal_of_text(address: str, allow: tuple[IPNetwork, ...]) -> str | None:
    # Every exchange checks its peer, and a site's exchanges share one: the answer is a
    # pure function of its arguments, so it is kept (the bound keeps memory flat).
    return _refusal(address, allow)


def _refusal(address: str | IPAddress, allow: tuple[IPNetwork, ...]) -> str | None:
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0] if isinstance(address, str) else address)
    except ValueError:
        return f"{address!r} is not an IP address"
    if _allowed(ip, allow):
        return None
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_v4(ip)
        if inner is not None:
            why = _refusal(inner, allow)
            return f"{ip} embeds {inner}: {why}" if why else None
    for net, why in _DENY:
        if ip.version == net.version and ip in net:
            return f"{ip} is {why} ({net})"
    if not ip.is_global or ip.is_multicast or ip.is_reserved:
        return f"{ip} is not a global unicast address"
    return None


def url_refusal(url: str | URL) -> str | None:
    """Why a URL may not be fetched at all (scheme, missing host, credentials), or None."""
    try:
        parsed = url if isinstance(url, URL) else URL(url)
    except (ValueError, TypeError) as exc:
        return f"unparseable URL ({exc})"
    if parsed.scheme not in ("http", "https"):
        return f"scheme {parsed.scheme or '(none)'!r} is not http or https"
    if not parsed.raw_host:
        return "URL has no host"
    if parsed.raw_user or parsed.raw_password:
        return "URL carries credentials"
    try:
        port = parsed.port
    except ValueError:
        return "URL has an invalid port"
    if port is not None and not 0 < port < 65536:
        return f"port {port} is out of range"
    return None


def type_refusal(content_type: str | None, role: str) -> str | None:
    """Why a body of that declared type is not read for that role, or None."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if role == "favicon" and (
        media.startswith("image/") or media in ("", "application/octet-stream")
    ):
        return None
    if media.startswith(_REFUSED_TYPES) or media in _REFUSED_EXACT:
        return f"content type {media} is never downloaded"
    return None


def signature_refusal(head: bytes, role: str) -> str | None:
    """Why a body starting with `head` is not kept (its bytes say image/video/archive)."""
    for magic, offset, name, kind in _SIGNATURES:
        if head[offset : offset + len(magic)] == magic:
            if kind == "image" and role == "favicon":
                return None
            return f"body starts with a {name} signature ({kind})"
    return None


FULFILLED_KINDS = frozenset({"document", "script", "stylesheet", "xhr", "fetch"})
"""Resource types a rendering browser may have fetched (by the prober, under every rule
above); every other type is refused before any request is made."""

_REFUSED_KINDS = {
    "image": "images are never downloaded",
    "media": "video and audio are never downloaded",
    "font": "fonts are never downloaded",
    "texttrack": "subtitle tracks belong to video, which is never downloaded",
    "websocket": "WebSockets are refused (an open channel the prober cannot bound or record)",
    "eventsource": "event streams are refused (an open channel the prober cannot bound or record)",
    "ping": "pings and beacons are never sent",
    "manifest": "web app manifests are not fetched",
    "cspviolationreport": "reports to the site are never sent",
    "prefetch": "prefetches are not fetched (only what the page loads)",
}


def browser_refusal(kind: str, method: str) -> str | None:
    """Why a rendering browser's request of that resource type and method is refused
    before it is made, or None if the prober may fetch it (and judge it like any URL)."""
    if kind not in FULFILLED_KINDS:
        return _REFUSED_KINDS.get(kind, f"{kind} requests are not fetched for rendering")
    if method != "GET":
        return f"{method} is never sent (the prober only reads: GET)"
    return None


WEBSOCKET_REFUSAL = _REFUSED_KINDS["websocket"]
