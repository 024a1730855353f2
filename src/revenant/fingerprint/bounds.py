"""How many attributes the parser is given: markup is cut before the tag that would
make Lexbor's attribute handling quadratic.

Lexbor checks each attribute of a start tag against every attribute the element already
has (a linked list), so a tag with 200,000 distinct attributes takes minutes; a repeated
<html> or <body> tag adds its attributes to the first one the same way. `bound_attributes`
cuts the markup before the first start tag with more than MAX_ATTRIBUTES attributes, or
before the <html>/<body> tag that takes their total past MAX_MERGED (the way extract.py
cuts markup nested deeper than 2,000 elements).

It must stay cheap on ordinary pages and never be fooled on hostile ones. A vectorised
upper bound clears ordinary pages: a tag with n attributes spans at least 2n bytes, and
it ends at the first ">" outside a quoted value. A value opens only at a quote after
"=" (and white space), and holds no quote of its kind, so a ">" is inside one only if
the last quote of some kind before it follows "="; the first ">" after a tag's "<" that
no such quote precedes is past its end. Only the tags that bound leaves long are counted
exactly, with a regex that reads attributes as the HTML tokenizer does (names, "=",
quoted and unquoted values, "/" as a separator), at most a few times the page in all.
The count is made wherever a "<" and a letter are, scripts and comments included: a
count never skips a real tag, and real pages have no run of hundreds of attribute-like
words after a "<" (tests/fingerprint/test_bounds.py checks the 91 pages of
../shared/data/pages are left as they are).
"""

from __future__ import annotations

import re

import numpy as np

MAX_ATTRIBUTES = 256  # of one start tag (the most on 91 real pages: 70)
MAX_MERGED = 256  # of all <html> and <body> start tags together
_SPAN = 2 * MAX_ATTRIBUTES + 2  # bytes a tag with more attributes spans at least
_WORK = 8  # exact counting reads at most this many times the page (then cuts)

_WS = rb"\t\n\f\r "
# One attribute as the tokenizer reads it: separators ("/" is one), a name (may start
# with "="), then "=" and a quoted or unquoted value. Possessive: never backtracks.
_ONE = (
    rb"[\t\n\f\r /]*+[^\t\n\f\r />][^\t\n\f\r />=]*+"
    rb"(?:[\t\n\f\r ]*+=[\t\n\f\r ]*+(?:\"[^\"]*+\"?+|'[^']*+'?+|[^\t\n\f\r >]*+))?+"
)
_HEAD = rb"<[A-Za-z][^\t\n\f\r />]*+"
_UP_TO_MAX = re.compile(_HEAD + rb"(?:" + _ONE + rb"){0,%d}+" % MAX_ATTRIBUTES)
_ATTRIBUTE = re.compile(_ONE)
_HEAD_ONLY = re.compile(_HEAD)
_MERGING = (b"html", b"body")


def bound_attributes(data: bytes) -> bytes:
    """`data` cut before the first start tag with too many attributes (see the module
    docstring); `data` itself when there is none, which is the rule."""
    cut = attribute_cut(data)
    return data if cut is None else data[:cut]


def bound_attributes_text(html: str) -> str:
    """`bound_attributes` for decoded markup (pages whose encoding is not ASCII-based)."""
    data = html.encode("utf-8", "surrogatepass")
    cut = attribute_cut(data)
    return html if cut is None else data[:cut].decode("utf-8", "surrogatepass")


def attribute_cut(data: bytes) -> int | None:
    """Offset of the "<" to cut at, or None."""
    long, merging = _suspects(data)
    if not long and not merging:
        return None
    budget = _WORK * len(data)
    merged = 0
    for start in sorted({*long, *merging}):
        if start in merging:
            n, read = _count(data, start, MAX_MERGED - merged)
            merged += n
            if merged > MAX_MERGED:
                return start
        else:
            m = _UP_TO_MAX.match(data, start)
            read = (m.end() if m else start) - start
            if m and _ATTRIBUTE.match(data, m.end()):
                return start
        budget -= read
        if budget < 0:  # only a page made to be slow gets here
            return start
    return None


def _count(data: bytes, start: int, most: int) -> tuple[int, int]:
    """(attributes of the tag at `start`, up to `most` + 1; bytes read)."""
    m = _HEAD_ONLY.match(data, start)
    if m is None:
        return 0, 0
    at, n = m.end(), 0
    while n <= most:
        a = _ATTRIBUTE.match(data, at)
        if a is None:
            break
        at, n = a.end(), n + 1
    return n, at - start


def _suspects(data: bytes) -> tuple[list[int], list[int]]:
    """Start tags that may hold more than MAX_ATTRIBUTES attributes (their upper bound
    says so), and the <html>/<body> start tags when together they may hold more than
    MAX_MERGED."""
    octets = np.frombuffer(data, dtype=np.uint8)
    angle = np.flatnonzero((octets | 2) == 62)  # "<" (60) and ">" (62): nothing else
    is_lt = octets[angle] == 60
    lt = angle[is_lt]
    lt = lt[lt + 1 < len(data)]
    after = octets[lt + 1] | 32
    starts = lt[(after >= 97) & (after <= 122)]
    if starts.size == 0:
        return [], []
    gt = angle[~is_lt]
    ends = np.append(gt[~_quoted(octets, gt)], len(data))
    spans = ends[np.searchsorted(ends, starts)] - starts
    long = starts[spans >= _SPAN].tolist()
    merging = [int(s) for s in starts[_merging(octets, starts)]]
    if sum(int(spans[np.searchsorted(starts, s)]) for s in merging) // 2 <= MAX_MERGED:
        merging = []
    return long, merging


def _quoted(octets: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """Which of the ">" at `gt` may be inside a quoted attribute value: those whose last
    quote of a kind before them opens a value (follows "=", or white space after "=";
    three or more bytes of white space are taken to, whatever precedes them)."""
    out = np.zeros(gt.size, dtype=bool)
    for quote in (34, 39):
        where = np.flatnonzero(octets == quote)
        if not where.size:
            continue
        last = np.searchsorted(where, gt) - 1
        seen = last >= 0
        q = where[last[seen]]  # the quote each ">" may be inside (only those are read)
        b1, b2, b3 = (octets[np.maximum(q - k, 0)] for k in (1, 2, 3))
        s1, s2 = _SPACE[b1], _SPACE[b2]
        opens = (b1 == 61) | s1 & ((b2 == 61) | s2 & ((b3 == 61) | _SPACE[b3]))
        out[seen] |= opens
    return out


_SPACE = np.zeros(256, dtype=bool)
_SPACE[list(b"\t\n\f\r ")] = True


def _merging(octets: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Which of `starts` open an <html> or <body> tag (any case)."""
    hit = np.zeros(len(starts), dtype=bool)
    first = octets[starts + 1] | 32
    maybe = np.flatnonzero(((first == 104) | (first == 98)) & (starts + 6 <= len(octets)))
    if maybe.size:  # "h" or "b": read the name and the byte after it
        name = octets[starts[maybe][:, None] + np.arange(1, 6)]
        lower = name[:, :4] | 32
        known = np.zeros(maybe.size, dtype=bool)
        for word in _MERGING:
            known |= (lower == np.frombuffer(word, dtype=np.uint8)).all(axis=1)
        hit[maybe] = known & _DELIMITER[name[:, 4]]
    return hit


_DELIMITER = np.zeros(256, dtype=bool)
_DELIMITER[list(b"\t\n\f\r />")] = True
