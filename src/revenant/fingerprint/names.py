"""Registrable domain and brand tokens of a host name.

Uses tldextract's bundled public-suffix snapshot only: this module must never fetch
the list at run time (an air-gapped deployment has to behave exactly the same).
"""

from __future__ import annotations

import functools
import re

import tldextract

_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
_SPLIT = re.compile(r"[^a-z]+")
_NOISE = {"www", "com", "net", "org", "the", "new", "official", "site", "app", "web", "mirror"}


@functools.lru_cache(maxsize=65536)
def registrable(host: str) -> str:
    """'chat.coco.gg' -> 'coco.gg'; the host itself when it has no public suffix."""
    host = host.strip().lower().rstrip(".")
    if not host:
        return ""
    ext = _EXTRACT(host)
    if ext.domain and ext.suffix:
        return f"{ext.domain}.{ext.suffix}"
    # IP addresses and private TLDs (.test, .internal): the last two labels
    return host if _is_ip(host) else ".".join(host.split(".")[-2:])


@functools.lru_cache(maxsize=65536)
def brand_label(host: str) -> str:
    """The registrable label without its suffix: 'coco-chat.fr' -> 'coco-chat'."""
    host = host.strip().lower().rstrip(".")
    if not host:
        return ""
    ext = _EXTRACT(host)
    if ext.suffix or _is_ip(host):
        return ext.domain or host
    labels = host.split(".")
    return labels[-2] if len(labels) >= 2 else labels[0]


def _is_ip(host: str) -> bool:
    return bool(re.fullmatch(r"[\d.]+|[0-9a-f:\[\]]+", host)) and any(c in host for c in ".:")


def brand_tokens(host: str) -> tuple[str, ...]:
    """Words of the registrable label, digits and hyphens removed: 'coco-chat2.fr' ->
    ('coco', 'chat'). Generic words ('www', 'new', 'official', …) are dropped."""
    label = brand_label(host)
    if label.startswith("xn--"):
        try:
            label = label.encode("ascii").decode("idna")
        except UnicodeError:
            return ()
    return tuple(t for t in _SPLIT.split(label) if len(t) >= 3 and t not in _NOISE)
