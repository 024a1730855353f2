"""Registrable domain and brand tokens of a host name (the split itself is
revenant.hostnames', shared by every stage)."""

from __future__ import annotations

import functools
import re

from revenant.hostnames import registrable, split, to_unicode

_SPLIT = re.compile(r"[^a-z]+")
_NOISE = {"www", "com", "net", "org", "the", "new", "official", "site", "app", "web", "mirror"}

__all__ = ["brand_label", "brand_tokens", "registrable"]


@functools.lru_cache(maxsize=65536)
def brand_label(host: str) -> str:
    """The registrable label without its suffix: 'coco-chat.fr' -> 'coco-chat'."""
    return split(host).label


def brand_tokens(host: str) -> tuple[str, ...]:
    """Words of the registrable label, digits and hyphens removed: 'coco-chat2.fr' ->
    ('coco', 'chat'). Generic words ('www', 'new', 'official', …) are dropped."""
    label = brand_label(host)
    if label.startswith("xn--"):
        label = to_unicode(label)
        if label.startswith("xn--"):  # not a valid A-label
            return ()
    return tuple(t for t in _SPLIT.split(label) if len(t) >= 3 and t not in _NOISE)
