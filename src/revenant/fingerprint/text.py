"""Similarity sketches: 64-bit SimHash and MinHash (datasketch) of word shingles,
SimHash of DOM tag-path shingles, and title normalization.

Text is normalized the same way for every language (NFKC, case-folded, accents kept,
runs of non-word characters as separators), so French and English pages sketch alike.
All hashes are deterministic across processes and machines (mmh3 with fixed seeds,
never Python's salted `hash`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import mmh3
import numpy as np
from datasketch import MinHash

NUM_PERM = 64
SHINGLE = 3
_MINHASH_SEED = 1
_WORD = re.compile(r"\w+")
_SPACE = re.compile(r"\s+")
_TEMPLATE = MinHash(num_perm=NUM_PERM, seed=_MINHASH_SEED)
_MASK32 = np.uint64(0xFFFFFFFF)
if _TEMPLATE.scheme != "affine32":  # the scheme `minhash` computes
    raise ImportError(f"datasketch MinHash scheme {_TEMPLATE.scheme!r}; minhash() needs affine32")
_PERM_A, _PERM_B = (np.asarray(p, dtype=np.uint32) for p in _TEMPLATE.permutations)


def fold(text: str) -> str:
    """NFKC and case-folded (whitespace kept as it is)."""
    if not unicodedata.is_normalized("NFKC", text):
        # a no-break space is the usual reason, and NFKC maps it to a space anyway
        text = text.replace("\xa0", " ")
        if not unicodedata.is_normalized("NFKC", text):
            text = unicodedata.normalize("NFKC", text)
    return text.casefold()


def normalize(text: str) -> str:
    """NFKC, case-folded, whitespace collapsed."""
    return _SPACE.sub(" ", fold(text)).strip()


def normalize_title(title: str) -> str:
    """A title as compared: normalized, at most 300 characters."""
    return normalize(title)[:300]


def words(text: str) -> list[str]:
    """Word tokens of normalized text (letters and digits of any script)."""
    return _WORD.findall(normalize(text))


def _mix64(h: np.ndarray) -> np.ndarray:
    """splitmix64 finalizer: spreads combined word hashes over all 64 bits."""
    with np.errstate(over="ignore"):
        h = (h ^ (h >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        h = (h ^ (h >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return h ^ (h >> np.uint64(31))


def shingle_hashes(tokens: Sequence[str | bytes], k: int = SHINGLE) -> np.ndarray:
    """Distinct 64-bit hashes of the k-token shingles (one shingle when fewer tokens).

    A token hashes the same as text or as its UTF-8 bytes (mmh3 hashes the UTF-8)."""
    if not tokens:
        return np.zeros(0, dtype=np.uint64)
    table = {t: mmh3.hash64(t, 0x5EED, signed=False)[0] for t in set(tokens)}
    ids = np.fromiter(map(table.__getitem__, tokens), dtype=np.uint64, count=len(tokens))
    if len(ids) < k:
        k = len(ids)
    combined = np.zeros(len(ids) - k + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(k):
            combined = combined * np.uint64(0x9E3779B97F4A7C15) + ids[j : len(ids) - k + 1 + j]
    return _distinct(_mix64(combined))


def _distinct(h: np.ndarray) -> np.ndarray:
    """Sorted distinct values (np.unique, but several times faster on small arrays)."""
    h = np.sort(h)
    if h.size < 2:
        return h
    keep = np.empty(h.size, dtype=bool)
    keep[0] = True
    np.not_equal(h[1:], h[:-1], out=keep[1:])
    return h[keep]


def simhash(hashes: np.ndarray) -> int | None:
    """Charikar SimHash (64-bit, unsigned) of a set of 64-bit feature hashes."""
    if hashes.size == 0:
        return None
    # bit i of the little-endian uint64 is bit (i % 8) of byte i // 8
    bits = np.unpackbits(
        hashes.astype("<u8").view(np.uint8).reshape(-1, 8), axis=1, bitorder="little"
    )
    counts = bits.sum(axis=0, dtype=np.int64)
    out = 0
    for i, c in enumerate(counts.tolist()):
        if 2 * c > hashes.size:
            out |= 1 << i
    return out


MINHASH_SAMPLE = 1024


def minhash(hashes: np.ndarray) -> tuple[int, ...]:
    """MinHash signature (datasketch, NUM_PERM permutations) of a set of feature hashes.

    Long texts are first reduced to their MINHASH_SAMPLE smallest shingle hashes (a
    bottom-k sample, consistent across documents), which bounds the cost per page.
    The values are datasketch's (`MinHash.update_batch` of the low 32 bits, "affine32"
    scheme: MurmurHash3 finalizer, then `a * h + b` modulo 2**32), computed here in
    one vectorised step instead of a Python call per value (a test checks the two
    agree)."""
    if hashes.size == 0:
        return ()
    if hashes.size > MINHASH_SAMPLE:
        hashes = np.partition(hashes, MINHASH_SAMPLE - 1)[:MINHASH_SAMPLE]
    hv = (hashes & _MASK32).astype(np.uint32)
    with np.errstate(over="ignore"):
        hv ^= hv >> np.uint32(16)
        hv *= np.uint32(0x85EBCA6B)
        hv ^= hv >> np.uint32(13)
        hv *= np.uint32(0xC2B2AE35)
        hv ^= hv >> np.uint32(16)
        phv = hv[:, None] * _PERM_A + _PERM_B
    return tuple(phv.min(axis=0).tolist())


def hamming(a: int, b: int) -> int:
    """Number of differing bits between two 64-bit sketches."""
    return (a ^ b).bit_count()


def jaccard(a: Sequence[int], b: Sequence[int]) -> float:
    """Estimated Jaccard similarity of two MinHash signatures (0 when either is empty)."""
    if not a or not b or len(a) != len(b):
        return 0.0
    return sum(1 for x, y in zip(a, b, strict=True) if x == y) / len(a)


# ASCII word characters kept, every other ASCII byte a separator; bytes of multi-byte
# UTF-8 characters are kept and sorted out by `_WORD` afterwards.
_WORD_BYTES = bytes(b if b >= 128 or chr(b).isalnum() or b == 95 else 32 for b in range(256))


# common non-ASCII separators (quotes, dashes, ellipsis, bullets), replaced by a space
# first so that "don’t" or "—" do not send a run through the regex
_SEPARATORS = [
    ch.encode("utf-8")
    for ch in "\u2019\u2018\u201c\u201d\u2013\u2014\u2026\u00ab\u00bb\u2022\u00a9"
    if not _WORD.fullmatch(ch)
]


def word_tokens(folded: str) -> list[bytes]:
    """`_WORD.findall(folded)`, UTF-8 encoded, found with C-level bytes operations.

    Runs between ASCII separators are split by `bytes.split`; only the runs holding
    non-ASCII characters (which may contain non-word symbols such as "–" or a
    no-break space) go through the regex."""
    data = folded.encode("utf-8", "surrogatepass")
    if not data.isascii():
        for sep in _SEPARATORS:
            data = data.replace(sep, b" ")
    runs = data.translate(_WORD_BYTES).split()
    if data.isascii():
        return runs
    ascii_runs = np.fromiter(map(bytes.isascii, runs), dtype=bool, count=len(runs))
    out: list[bytes] = []
    start = 0
    for i in np.flatnonzero(~ascii_runs).tolist():
        out += runs[start:i]
        words = _WORD.findall(runs[i].decode("utf-8", "surrogatepass"))
        out += [w.encode("utf-8", "surrogatepass") for w in words]
        start = i + 1
    out += runs[start:]
    return out


def _fold_fast(text: str) -> str:
    return text.lower() if text.isascii() else fold(text)


def text_sketches(chunks: Iterable[str]) -> tuple[int | None, tuple[int, ...], int]:
    """(SimHash, MinHash, word count) of visible text given as chunks."""
    tokens = word_tokens(_fold_fast(" ".join(chunks)))
    hashes = shingle_hashes(tokens)
    return simhash(hashes), minhash(hashes), len(tokens)


@dataclass(frozen=True)
class TextSketch:
    """Everything read from a page's visible text, computed from one normalization."""

    simhash: int | None
    minhash: tuple[int, ...]
    words: int
    blocks: list[str]


def sketch_text(chunks: Sequence[str]) -> TextSketch:
    """SimHash, MinHash, word count and text blocks of visible text chunks."""
    folded = _fold_fast("\n".join(chunks))
    tokens = word_tokens(folded)
    hashes = shingle_hashes(tokens)
    return TextSketch(simhash(hashes), minhash(hashes), len(tokens), _blocks(folded))


def path_simhash(paths: Iterable[str]) -> int | None:
    """SimHash of DOM tag-path shingles (each distinct path counted once)."""
    hs = np.array(sorted({mmh3.hash64(p, 0xD0E, signed=False)[0] for p in paths}), dtype=np.uint64)
    return simhash(hs)


BLOCK_WORDS = (4, 40)
MAX_BLOCKS = 120


def text_blocks(chunks: Sequence[str]) -> list[str]:
    """Distinct visible sentences and lines of 4 to 40 words, normalized, in page order:
    taglines, footers, rules — the words an operator carries over even when the markup
    is rebuilt. At most MAX_BLOCKS, taken from the start and the end of the page
    (where headers and footers are)."""
    return _blocks(fold("\n".join(chunks)))


def _blocks(folded: str) -> list[str]:
    seen: dict[str, None] = {}
    lo, hi = BLOCK_WORDS
    for line in folded.split("\n"):
        if len(line) < 7:
            continue
        parts = line.split()
        if lo <= len(parts) <= hi:
            seen[" ".join(parts)[:200]] = None
    blocks = list(seen)
    if len(blocks) > MAX_BLOCKS:
        half = MAX_BLOCKS // 2
        blocks = blocks[:half] + blocks[-half:]
    return blocks
