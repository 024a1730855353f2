"""Confusable skeletons in the spirit of Unicode TR39: two names that look alike get
the same skeleton, so "cοcο" (Greek omicrons), "c0co" and "cöcö" all fold to "coco".

Differences from TR39's skeleton(), chosen for hostnames: diacritics are removed (NFKD
then combining marks dropped), letters are lower-cased, and the multi-letter look-alikes
rn/vv/cl fold to m/w/d. The table is a small shipped subset (data/confusables.txt).
"""

from __future__ import annotations

import unicodedata
from functools import cache
from importlib import resources

_MULTI = (("rn", "m"), ("vv", "w"), ("cl", "d"))


@cache
def _table() -> dict[int, str]:
    text = resources.files("revenant").joinpath("data/confusables.txt").read_text("utf-8")
    table: dict[int, str] = {}
    for line in text.splitlines():
        body = line.split("#", 1)[0].strip()
        if not body:
            continue
        src, dst = (field.strip() for field in body.split(";")[:2])
        key = "".join(chr(int(h, 16)) for h in src.split())
        if len(key) == 1:
            table[ord(key)] = "".join(chr(int(h, 16)) for h in dst.split())
    return table


@cache
def _ascii_table() -> bytes:
    upper = bytes(range(65, 91))
    src, dst = bytearray(upper), bytearray(upper.lower())
    for k, v in _table().items():
        if k < 128 and len(v) == 1 and ord(v) < 128:
            src.append(k)
            dst.append(ord(v))
    return bytes.maketrans(bytes(src), bytes(dst))


def skeleton(text: str) -> str:
    """The look-alike-folded form of a (Unicode or ASCII) string."""
    return fold_multi(fold(text))


def fold_multi(folded: str) -> str:
    """Second step of `skeleton`: rn/vv/cl to m/w/d, on an already `fold`ed string."""
    for src, dst in _MULTI:
        if src in folded:
            folded = folded.replace(src, dst)
    return folded


def fold(text: str) -> str:
    """First step of `skeleton`: character by character (case, diacritics, table), which
    keeps lengths comparable for edit distance."""
    if text.isascii():
        s = text.encode("ascii").translate(_ascii_table()).decode("ascii")
    else:
        folded = unicodedata.normalize("NFKD", text.lower().translate(_table()))
        s = "".join(c for c in folded if not unicodedata.combining(c)).translate(_table())
        s = s.lower()
    return s


def confusable(a: str, b: str) -> bool:
    """True when the two strings differ but share a skeleton."""
    return a != b and skeleton(a) == skeleton(b)
