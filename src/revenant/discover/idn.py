"""Hostname validity and IDNA encoding, fast enough for millions of generated names.

`to_ascii` turns a Unicode hostname into its A-label form and returns None for anything
that is not a valid IDNA 2008 hostname (RFC 5890-5893): it never guesses or repairs.
Labels made of characters known to be safe (ASCII letters, digits, hyphen, and
precomposed PVALID letters without bidi or contextual rules) take a fast path with a
local RFC 3492 Punycode encoder; anything else goes through the `idna` package.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import idna
from idna import idnadata, intranges

MAX_NAME = 253
MAX_LABEL = 63

_LDH = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\Z")
_ASCII_NAME = re.compile(
    r"(?=.{1,253}\Z)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\Z"
)
_PVALID = idnadata.codepoint_classes["PVALID"]


@lru_cache(maxsize=65536)
def safe_char(ch: str) -> bool:
    """True when `ch` may appear anywhere in a label with no context, bidi or NFC rule."""
    if ch.isascii():
        return ch in "abcdefghijklmnopqrstuvwxyz0123456789-"
    cp = ord(ch)
    return (
        intranges.intranges_contain(cp, _PVALID)
        and unicodedata.bidirectional(ch) == "L"
        and not unicodedata.category(ch).startswith("M")
        and unicodedata.normalize("NFC", ch) == ch
        and not 0x1100 <= cp <= 0x11FF  # Hangul jamo compose with neighbours under NFC
        and not 0xAC00 <= cp <= 0xD7A3
        and not 0x3130 <= cp <= 0x318F
    )


_SAFE: set[str] = set("abcdefghijklmnopqrstuvwxyz0123456789-")


def _learn_safe(label: str) -> bool:
    if all(safe_char(c) for c in label):
        _SAFE.update(label)
        return True
    return False


# -------------------------------------------------------------------- punycode


_DIGITS = "abcdefghijklmnopqrstuvwxyz0123456789"
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_ENC: dict[tuple[int, int], str] = {}  # (delta, bias) -> digits; small, bounded below
_ADAPT: dict[tuple[int, int, bool], int] = {}
_CACHE_MAX = 200_000


def _encode_int(q: int, bias: int) -> str:
    out: list[str] = []
    k = 36
    while True:
        t = 1 if k <= bias else 26 if k >= bias + 26 else k - bias
        if q < t:
            break
        out.append(_DIGITS[t + (q - t) % (36 - t)])
        q = (q - t) // (36 - t)
        k += 36
    out.append(_DIGITS[q])
    return "".join(out)


def _adapt(delta: int, numpoints: int, first: bool) -> int:
    delta = delta // 700 if first else delta // 2
    delta += delta // numpoints
    k = 0
    while delta > 455:
        delta //= 35
        k += 36
    return k + (36 * delta) // (delta + 38)


def punycode(label: str) -> str:
    """RFC 3492 encoding of one label (without the "xn--" prefix).

    Works on the list of non-ASCII code points only, and memoises the variable-length
    integers and bias adaptations, which repeat across the permutations of one name.
    """
    if len(_ENC) > _CACHE_MAX or len(_ADAPT) > _CACHE_MAX:
        _ENC.clear()
        _ADAPT.clear()
    nb = [(m.start(), ord(m.group())) for m in _NON_ASCII.finditer(label)]
    size = len(label)
    b = h = size - len(nb)
    out = label.encode("ascii", "ignore").decode("ascii") + "-" if b else ""
    n, delta, bias = 128, 0, 72
    enc, adapt = _ENC, _ADAPT
    if not nb:
        return label + "-"
    for m in sorted({cp for _, cp in nb}) if len(nb) > 1 else (nb[0][1],):
        delta += (m - n) * (h + 1)
        n = m
        pos = 0
        for j, cp in nb:
            delta += j - pos
            pos = j + 1
            if cp < m:
                delta += 1
            elif cp == m:
                key = (delta, bias)
                s = enc.get(key)
                if s is None:
                    s = enc[key] = _encode_int(delta, bias)
                out += s
                akey = (delta, h + 1, h == b)
                nbias = adapt.get(akey)
                if nbias is None:
                    nbias = adapt[akey] = _adapt(delta, h + 1, h == b)
                bias = nbias
                h += 1
                delta = 0
        delta += size - pos + 1
        n += 1
    return out


# -------------------------------------------------------------------- names


def label_to_ascii(label: str) -> str | None:
    """The A-label of one Unicode or ASCII label, or None if it is not valid IDNA."""
    if label.isascii():
        if _LDH.match(label) and (label[2:4] != "--" or _valid_alabel(label)):
            return label
        return None
    if not label or label[0] == "-" or label[-1] == "-" or label[2:4] == "--":
        return None
    if _SAFE.issuperset(label) or _learn_safe(label):
        alabel = "xn--" + punycode(label)
    else:
        try:
            alabel = idna.alabel(label).decode("ascii")
        except (idna.IDNAError, UnicodeError, ValueError):
            return None
    return alabel if len(alabel) <= MAX_LABEL else None


def to_ascii(name: str) -> str | None:
    """The ASCII (A-label) form of a hostname, or None if it is not a valid one."""
    if name.isascii():
        if _ASCII_NAME.match(name):
            for label in name.split("."):
                if label[2:4] == "--" and not _valid_alabel(label):
                    return None
            return name
        return None
    parts = []
    for label in name.split("."):
        a = label_to_ascii(label)
        if a is None:
            return None
        parts.append(a)
    out = ".".join(parts)
    return out if len(out) <= MAX_NAME else None


@lru_cache(maxsize=4096)
def _valid_alabel(label: str) -> bool:
    try:
        idna.decode(label)
    except (idna.IDNAError, UnicodeError, ValueError):
        return False
    return True


def to_unicode(name: str) -> str:
    """The Unicode (U-label) form of an ASCII hostname, for display; unchanged if not IDN."""
    if "xn--" not in name:
        return name
    try:
        return idna.decode(name)
    except (idna.IDNAError, UnicodeError, ValueError):
        return name


def why_invalid(name: str) -> str | None:
    """A short reason a feed name cannot be a hostname, or None if it is fine."""
    if len(name) > MAX_NAME:
        return f"name has {len(name)} characters (max {MAX_NAME})"
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        return "name contains control characters"
    if not name:
        return "empty name"
    if to_ascii(name) is None:
        return "name is not a valid IDNA hostname"
    return None
