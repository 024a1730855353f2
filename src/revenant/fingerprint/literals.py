"""Where fixed ASCII strings occur in a text: the anchors the identifier and endpoint
scanners start from (a tracker id starts with "UA-", an address with "bc1" or "0x").

A substring search reads the whole text once per literal (about 0.5 ms per MB), and
some fifty literals are looked for in up to megabytes of inline code. `LiteralSet.find`
reads the text once instead: each literal is indexed by three bytes of it in a row,
every pair of bytes of the text is looked up in a table of the indexed pairs (one
vectorised gather), the byte after each hit is checked against the third, and only
there is the literal itself compared. The work stays linear in the text, whatever it
holds.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import TypeVar

import numpy as np

MIN_INDEXED = 4096  # characters; shorter texts are searched literal by literal
# More candidates than this (a text built of literals) and comparing each in Python
# would cost more than searching for each literal: the text is searched literal by
# literal. More occurrences of a literal than this and its pattern is left to re.
MAX_HITS = 20_000
# Bounds every identifier scanner keeps to in one text, whatever the text holds: places a
# pattern is tried at, and distinct candidates whose checksum is verified (or values
# kept). A real page comes nowhere near (tests/fingerprint/test_bounds.py checks the 91
# pages of ../shared/data/pages); a page written to hold millions stops there.
_T = TypeVar("_T")

MAX_TRIED = 20_000
MAX_CHECKED = 1_000


def distinct(values: Iterable[_T]) -> Iterator[_T]:
    """The first MAX_CHECKED distinct values, in order."""
    return itertools.islice(dict.fromkeys(values), MAX_CHECKED)


# A literal is indexed by its three bytes in a row least likely in web code (HTML,
# JavaScript, JSON): the fewest of their two pairs among the pairs that make half of
# it, then the rarest bytes. Both counted on real pages.
_RARITY = b"`^~@*<>#!$K?|+HqJVXG][QZUWPBzYDO'&RESjLMCIAN%x;}{()FTkv=67_598b3yf4w\\1-gh/.:2,upmd0clsrona\"tie "
_RANK = {byte: rank for rank, byte in enumerate(_RARITY)}
# the 120 most frequent byte pairs, concatenated
_COMMON = (
    b'  ":\n onener,"", "intitemerent00\\"arco:"'
    b'at: lee"esorgesealidhtneedanamthpeioagst'
    b"02omma,\nttitndra,4.cde\\uetu0naty2Ftarila"
    b'ditp20liicd"toeae he},yp//trll%2ngroas t'
    b'"tisadimctlo, :/psn ueurww"iwiusrtuts.s/'
    b'veho{" ava47acou01 {iacas:s unel/wcee,il'
)
_COMMON_PAIRS = frozenset(_COMMON[i : i + 2] for i in range(0, len(_COMMON), 2))


def matches_at(
    pattern: re.Pattern[str], text: str, offsets: Sequence[int]
) -> Iterator[re.Match[str]]:
    """`pattern.finditer(text)` for a pattern whose every match starts at one of the
    ascending `offsets` (where its leading literal occurs): each offset is tried and,
    like finditer, none inside the previous match."""
    if len(offsets) > MAX_HITS:  # a text made of the literal: re tries each in C
        yield from itertools.islice(pattern.finditer(text, offsets[0]), MAX_TRIED)
        return
    end = 0
    for at in offsets[:MAX_TRIED]:
        if at >= end:
            m = pattern.match(text, at)
            if m:
                end = m.end()
                yield m


def find_all(text: str, literal: str, limit: int | None = None) -> list[int]:
    """Every offset where `literal` starts in `text`, overlapping ones included (the
    first `limit` of them, when given)."""
    out: list[int] = []
    i = text.find(literal)
    while i >= 0 and len(out) != limit:
        out.append(i)
        i = text.find(literal, i + 1)
    return out


class LiteralSet:
    """A fixed set of ASCII literals, found together in one pass over a text."""

    def __init__(self, literals: Iterable[str]) -> None:
        self.literals = tuple(dict.fromkeys(literals))
        self._pairs = np.zeros(1 << 16, dtype=bool)
        self._by_pair: dict[bytes, list[tuple[str, bytes, int]]] = {}
        self._single: list[tuple[str, int]] = []
        triples: set[int] = set()  # a literal's pair and the byte after it, as one key
        for literal in self.literals:
            raw = literal.encode("ascii")  # UnicodeEncodeError: only ASCII literals
            if len(raw) == 1:
                self._single.append((literal, raw[0]))
                continue
            k = min(range(max(1, len(raw) - 2)), key=lambda i: _rank(raw[i : i + 3]))
            pair = raw[k : k + 2]
            self._pairs[int.from_bytes(pair, "little")] = True
            self._by_pair.setdefault(pair, []).append((literal, raw, k))
            following = raw[k + 2 : k + 3]
            nexts = following if following else bytes(range(256))  # a two-byte literal
            triples.update(int.from_bytes(pair + bytes([b]), "little") for b in nexts)
        self._triples = np.array(sorted(triples), dtype=np.uint32)

    def find(self, text: str) -> dict[str, list[int]]:
        """{literal: offsets in `text` where it starts} for the literals present (of
        a literal longer than a character, only the first MAX_HITS + 1 when more)."""
        if len(text) < MIN_INDEXED:
            return self._search(text)
        data = text.encode("utf-8", "surrogatepass")
        octets = np.frombuffer(data, dtype=np.uint8)
        # pair i is bytes i and i+1 read as one little-endian uint16 (an unaligned view,
        # copied: a contiguous index array is faster to gather with)
        pairs = np.ndarray((len(data) - 1,), dtype="<u2", buffer=data, strides=(1,)).copy()
        hits = np.flatnonzero(np.take(self._pairs, pairs))
        # then the byte after each pair hit (the last byte again at the very end: a
        # false hit at worst, which the comparison below drops)
        after = octets[np.minimum(hits + 2, len(data) - 1)].astype(np.uint32)
        keys = pairs[hits].astype(np.uint32) | (after << np.uint32(16))
        slot = np.minimum(np.searchsorted(self._triples, keys), len(self._triples) - 1)
        hits = hits[self._triples[slot] == keys]
        if hits.size > MAX_HITS:
            return self._search(text)
        found: dict[str, list[int]] = {}
        by_pair = self._by_pair
        for p in hits.tolist():
            for literal, raw, k in by_pair[data[p : p + 2]]:
                if p >= k and data.startswith(raw, p - k):
                    found.setdefault(literal, []).append(p - k)
        for literal, byte in self._single:
            where = _byte_offsets(data, octets, byte)
            if where:
                found[literal] = where
        if len(data) != len(text) and found:
            found = _to_characters(octets, found)
        return found

    def _search(self, text: str) -> dict[str, list[int]]:
        # more than MAX_HITS offsets of a literal are not needed (`matches_at` then lets
        # re scan), except of a single character, which callers read one by one
        return {
            lit: find_all(text, lit, None if len(lit) == 1 else MAX_HITS + 1)
            for lit in self.literals
            if lit in text
        }


def _rank(chunk: bytes) -> tuple[int, int]:
    """How common a few bytes in a row are in web code: lower is rarer."""
    pairs = sum(chunk[i : i + 2] in _COMMON_PAIRS for i in range(len(chunk) - 1))
    return pairs, sum(_RANK.get(b, 0) for b in chunk)


def _byte_offsets(data: bytes, octets: np.ndarray, byte: int) -> list[int]:
    """Offsets of `byte` in `data`: a memchr loop while it is rare, else vectorised."""
    out: list[int] = []
    i = data.find(byte)
    while i >= 0:
        if len(out) == MAX_HITS:
            return np.flatnonzero(octets == byte).tolist()
        out.append(i)
        i = data.find(byte, i + 1)
    return out


def _to_characters(octets: np.ndarray, found: dict[str, list[int]]) -> dict[str, list[int]]:
    """Byte offsets in UTF-8 `octets` as character offsets: each continuation byte
    (10xxxxxx) before an offset belongs to a character counted already."""
    high = np.flatnonzero(octets >= 0x80)  # usually few: filter those, not every byte
    continuation = high[octets[high] < 0xC0]
    out = {}
    for literal, offsets in found.items():
        at = np.asarray(offsets, dtype=np.intp)
        out[literal] = (at - np.searchsorted(continuation, at)).tolist()
    return out
