"""Similarity sketches: 64-bit SimHash and MinHash (datasketch) of word shingles,
SimHash of DOM tag-path shingles, and title normalization.

Text is normalized the same way for every language (NFKC, case-folded, accents kept,
runs of non-word characters as separators), so French and English pages sketch alike.
All hashes are deterministic across processes and machines (mmh3 with fixed seeds,
never Python's salted `hash`).
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import operator
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import cast

import mmh3
import numpy as np
from datasketch import MinHash

NUM_PERM = 64
SHINGLE = 3
_MINHASH_SEED = 1
_TOKEN_SEED = 0x5EED
_PATH_SEED = 0xD0E
_WORD = re.compile(r"\w+")
_ASCII = bytes(range(128))
_SPACE = re.compile(r"\s+")
_TEMPLATE = MinHash(num_perm=NUM_PERM, seed=_MINHASH_SEED)
_MASK32 = np.uint64(0xFFFFFFFF)
if _TEMPLATE.scheme != "affine32":  # the scheme `minhash` computes
    raise ImportError(f"datasketch MinHash scheme {_TEMPLATE.scheme!r}; minhash() needs affine32")
_PERM_A, _PERM_B = (np.asarray(p, dtype=np.uint32)[:, None] for p in _TEMPLATE.permutations)


# Characters NFKC maps that pages use often. Replacing a character with its
# compatibility equivalent never changes the NFKC of the whole text, so once these are
# replaced most pages are already normalized and skip the (slow) normalization pass.
_COMPAT = (("\xa0", " "), ("\u2026", "..."))
NFKC_PIECE = 4096  # characters normalized at a time, cut after a line break


def fold(text: str) -> str:
    """NFKC and case-folded (whitespace kept as it is)."""
    if text.isascii():
        return text.lower()
    for ch, equivalent in _COMPAT:
        if ch in text:
            text = text.replace(ch, equivalent)
    text = _nfkc(text)
    # lower() is twice as fast and agrees with casefold() on most characters
    if any(map(_folds_apart, set(_non_ascii(text)))):
        return text.casefold()
    return text.lower()


def _nfkc(text: str) -> str:
    """NFKC of `text`, a piece at a time. is_normalized() normalizes a whole text to
    answer when it holds a combining mark; pieces confine that to where marks are.
    "\n" never combines with a neighbour, so pieces cut after one normalize apart."""
    pieces = []
    start = 0
    while start < len(text):
        cut = text.find("\n", start + NFKC_PIECE)
        end = len(text) if cut < 0 else cut + 1
        piece = text[start:end]
        if not unicodedata.is_normalized("NFKC", piece):
            piece = unicodedata.normalize("NFKC", _stream_safe(piece))
        pieces.append(piece)
        start = end
    return "".join(pieces)


MAX_NON_STARTERS = 30  # in a row: Unicode's Stream-Safe Text Format (UAX #15, section 13)


def _stream_safe(text: str) -> str:
    """`text` with U+034F (combining grapheme joiner) after every 30 combining marks in
    a row, as the Stream-Safe Text Format prescribes: normalization sorts each run of
    marks, in time quadratic in its length (a page of 1,000,000 marks took minutes).
    Real text never holds such runs and is left as it is."""
    return _long_mark_runs().sub(_joined, text)


def _joined(run: re.Match[str]) -> str:
    marks = run.group()
    step = MAX_NON_STARTERS
    return "\u034f".join(marks[i : i + step] for i in range(0, len(marks), step))


LAST_NON_STARTER = 0x1FFFF  # none above it in Unicode 15 (tests/fingerprint/test_text.py)


@functools.cache
def _long_mark_runs() -> re.Pattern[str]:
    """Runs of more than MAX_NON_STARTERS characters of non-zero combining class, from
    this Python's Unicode tables (built on first use: a scan of 130,000 code points that
    every import would otherwise pay for)."""
    ranges: list[list[int]] = []
    for code in range(0x300, LAST_NON_STARTER + 1):
        if unicodedata.combining(chr(code)):
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1][1] = code
            else:
                ranges.append([code, code])
    members = "".join(f"{chr(a)}-{chr(b)}" if a < b else chr(a) for a, b in ranges)
    return re.compile(f"[{members}]{{{MAX_NON_STARTERS + 1},}}")


@functools.lru_cache(maxsize=65536)
def _folds_apart(ch: str) -> bool:
    """True when casefold() and lower() may differ on a text holding `ch` (a capital
    sigma lower-cases by context)."""
    return ch == "\u03a3" or ch.casefold() != ch.lower()


def _non_ascii(text: str) -> str:
    """The non-ASCII characters of `text`, in order (C-level bytes operations)."""
    return _non_ascii_of(text.encode("utf-8", "surrogatepass"))


def _non_ascii_of(data: bytes) -> str:
    return data.translate(None, _ASCII).decode("utf-8", "surrogatepass")


def normalize(text: str) -> str:
    """NFKC, case-folded, whitespace collapsed."""
    return _SPACE.sub(" ", fold(text)).strip()


def normalize_title(title: str) -> str:
    """A title as compared: normalized, at most 300 characters."""
    return normalize(title)[:300]


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
    try:
        ids = token_hashes(cast(Sequence[bytes], tokens), _TOKEN_SEED)
    except TypeError:  # some tokens are text, which mmh3 digests refuse
        ids = token_hashes([t if isinstance(t, bytes) else _utf8(t) for t in tokens], _TOKEN_SEED)
    if len(ids) < k:
        k = len(ids)
    combined = np.zeros(len(ids) - k + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(k):
            combined = combined * np.uint64(0x9E3779B97F4A7C15) + ids[j : len(ids) - k + 1 + j]
    return _distinct(_mix64(combined))


def token_hashes(tokens: Iterable[bytes], seed: int) -> np.ndarray:
    """`mmh3.hash64(t, seed, signed=False)[0]` of every token, as a uint64 array.

    That value is the low half of the 128-bit digest: one C-level `map` over the
    tokens costs a fraction of a Python call per token (repeats are hashed again,
    still cheaper than looking them up)."""
    digests = b"".join(map(mmh3.mmh3_x64_128_digest, tokens, itertools.repeat(seed)))
    return np.frombuffer(digests, dtype="<u8")[::2].astype(np.uint64)


_utf8 = operator.methodcaller("encode", "utf-8", "surrogatepass")


def _distinct(h: np.ndarray) -> np.ndarray:
    """Sorted distinct values (np.unique, but several times faster on small arrays)."""
    h = np.sort(h)
    if h.size < 2:
        return h
    keep = np.empty(h.size, dtype=bool)
    keep[0] = True
    np.not_equal(h[1:], h[:-1], out=keep[1:])
    return h[keep]


# bit j of every byte value, and each of a uint64's 8 bytes numbered apart for one bincount
_BYTE_BITS = np.unpackbits(np.arange(256, dtype=np.uint8)[:, None], axis=1, bitorder="little")
_BYTE_BITS = _BYTE_BITS.astype(np.int64)
_BYTE_SLOT = np.arange(8, dtype=np.intp) * 256


def simhash(hashes: np.ndarray) -> int | None:
    """Charikar SimHash (64-bit, unsigned) of a set of 64-bit feature hashes."""
    if hashes.size == 0:
        return None
    # How many hashes set each bit, from a histogram of each byte position (byte k of
    # the little-endian value holds bits 8k..8k+7): faster than summing a bit matrix.
    by_byte = hashes.astype("<u8", copy=False).view(np.uint8).reshape(-1, 8)
    histogram = np.bincount((by_byte + _BYTE_SLOT).ravel(), minlength=2048).reshape(8, 256)
    counts = (histogram @ _BYTE_BITS).ravel()
    majority = np.packbits(2 * counts > hashes.size, bitorder="little")
    return int.from_bytes(majority.tobytes(), "little")


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
        phv = _PERM_A * hv + _PERM_B  # one row per permutation: min along rows is fastest
    return tuple(phv.min(axis=1).tolist())


def hamming(a: int, b: int) -> int:
    """Number of differing bits between two 64-bit sketches."""
    return (a ^ b).bit_count()


def jaccard(a: Sequence[int], b: Sequence[int]) -> float:
    """Estimated Jaccard similarity of two MinHash signatures (0 when either is empty)."""
    if not a or not b or len(a) != len(b):
        return 0.0
    return sum(1 for x, y in zip(a, b, strict=True) if x == y) / len(a)


# ASCII word characters kept, every other ASCII byte a separator; bytes of multi-byte
# UTF-8 characters are kept (the non-word ones are blanked first).
_WORD_BYTES = bytes(b if b >= 128 or chr(b).isalnum() or b == 95 else 32 for b in range(256))


@functools.lru_cache(maxsize=65536)
def _is_word(ch: str) -> bool:
    return _WORD.fullmatch(ch) is not None


def word_tokens(folded: str) -> list[bytes]:
    """`_WORD.findall(folded)`, UTF-8 encoded, found with C-level bytes operations:
    the few non-ASCII characters that are not word characters ("’", "—", "«") are
    blanked, then `bytes.translate` turns ASCII separators into spaces."""
    data = folded.encode("utf-8", "surrogatepass")
    if not data.isascii():
        separators = [ord(ch) for ch in set(_non_ascii_of(data)) if not _is_word(ch)]
        if separators:
            data = _blank(data, separators)
    return data.translate(_WORD_BYTES).split()


def _blank(data: bytes, code_points: list[int]) -> bytes:
    """`data` (UTF-8) with every character in `code_points` turned into spaces."""
    if len(code_points) <= 2:
        for cp in code_points:
            data = data.replace(chr(cp).encode("utf-8", "surrogatepass"), b" ")
        return data
    # decode the code point at every lead byte at once (three bytes of padding: a
    # lead byte's continuation bytes are read whatever its length)
    buf = np.frombuffer(data + b"\0\0\0", dtype=np.uint8).copy()
    lead = np.flatnonzero(buf >= 0xC0)
    b0 = buf[lead].astype(np.int32)
    b1, b2, b3 = ((buf[lead + i] & 0x3F).astype(np.int32) for i in (1, 2, 3))
    size = 2 + (b0 >= 0xE0) + (b0 >= 0xF0)
    points = np.where(
        size == 2,
        ((b0 & 0x1F) << 6) | b1,
        np.where(
            size == 3,
            ((b0 & 0x0F) << 12) | (b1 << 6) | b2,
            ((b0 & 0x07) << 18) | (b1 << 12) | (b2 << 6) | b3,
        ),
    )
    hit = np.isin(points, code_points)
    start, size = lead[hit], size[hit]
    for i in range(4):
        buf[start[size > i] + i] = 32
    return buf[:-3].tobytes()


@dataclass(frozen=True)
class TextSketch:
    """Everything read from a page's visible text, computed from one normalization."""

    simhash: int | None
    minhash: tuple[int, ...]
    words: int
    blocks: list[str]


MAX_TEXT = 1 << 20  # characters of visible text sketched (the most on 91 real pages: 160,000)


def sketch_text(chunks: Sequence[str]) -> TextSketch:
    """SimHash, MinHash, word count and text blocks of visible text chunks (of the
    first MAX_TEXT characters: every step is linear, but 4 MiB of words took seconds)."""
    folded = fold("\n".join(chunks)[:MAX_TEXT])
    tokens = word_tokens(folded)
    hashes = shingle_hashes(tokens)
    return TextSketch(simhash(hashes), minhash(hashes), len(tokens), _blocks(folded))


def path_simhash(paths: Iterable[str]) -> int | None:
    """SimHash of DOM tag-path shingles (each distinct path counted once)."""
    return simhash(_distinct(token_hashes(map(_utf8, paths), _PATH_SEED)))


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


MINHASH_FORMAT = 1
"""Our own version of how a MinHash is made from text (normalization, tokens, shingles,
bottom-k sample); raise it by hand whenever that code changes."""


def _scheme() -> str:
    """Everything a stored MinHash depends on, named: our format version, the
    parameters, a digest of datasketch's permutations, and a digest of the sketch of a
    fixed sentence (which moves if the normalization, the token hash or the kernel do).
    Two sketches may be compared only under the same scheme."""
    perms = hashlib.sha256(_PERM_A.tobytes() + _PERM_B.tobytes()).hexdigest()[:16]
    probe = sketch_text(["Nouvelle adresse : le tchat préféré, ouvert jour et nuit ! 1 2 3"])
    sample = hashlib.sha256(repr(probe.minhash).encode()).hexdigest()[:16]
    return (
        f"minhash-v{MINHASH_FORMAT} datasketch-affine32 num_perm={NUM_PERM} "
        f"seed={_MINHASH_SEED} shingle={SHINGLE} bottom_k={MINHASH_SAMPLE} "
        f"perms={perms} sample={sample}"
    )


MINHASH_SCHEME = _scheme()
"""The scheme of every MinHash this code computes; stored beside each sketch."""
