"""How many attributes the parser is given: markup is cut before the tag that would
make Lexbor's attribute handling quadratic.

Lexbor checks each attribute of a start tag against every attribute the element already
has (a linked list), so a tag with 200,000 distinct attributes takes minutes; a repeated
<html> or <body> tag adds its attributes to the first one the same way. `bound_attributes`
cuts the markup before the first start tag with more than MAX_ATTRIBUTES attributes, or
before the <html>/<body> tag that takes their total past MAX_MERGED (the way nesting.py
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

from revenant.html.scan import DELIMITER, Scan, scan

MAX_ATTRIBUTES = 256  # of one start tag (the most on 91 real pages: 70)
MAX_MERGED = 256  # of all <html> and <body> start tags together
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


def attribute_cut(
    data: bytes,
    found: Scan | None = None,
    max_attributes: int = MAX_ATTRIBUTES,
    max_merged: int = MAX_MERGED,
) -> int | None:
    """Offset of the "<" to cut `data` at (see the module docstring), or None, which is
    the rule. `found` is `scan(data)` when the caller has it."""
    found = scan(data) if found is None else found
    long, merging = _suspects(found, max_attributes, max_merged)
    if not long and not merging:
        return None
    budget = _WORK * len(data)
    merged = 0
    most = _up_to(max_attributes)
    for start in sorted({*long, *merging}):
        if start in merging:
            n, read = _count(data, start, max_merged - merged)
            merged += n
            if merged > max_merged:
                return start
        else:
            m = most.match(data, start)
            read = (m.end() if m else start) - start
            if m and _ATTRIBUTE.match(data, m.end()):
                return start
        budget -= read
        if budget < 0:  # only a page made to be slow gets here
            return start
    return None


def _up_to(most: int) -> re.Pattern[bytes]:
    """A start tag's name and up to `most` attributes."""
    if most == MAX_ATTRIBUTES:
        return _UP_TO_MAX
    return re.compile(_HEAD + rb"(?:" + _ONE + rb"){0,%d}+" % most)


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


def _suspects(found: Scan, max_attributes: int, max_merged: int) -> tuple[list[int], list[int]]:
    """Start tags that may hold more than `max_attributes` attributes (their upper bound
    says so), and the <html>/<body> start tags when together they may hold more than
    `max_merged`."""
    starts = found.starts
    if starts.size == 0:
        return [], []
    octets = found.octets
    ends = np.append(found.closing, len(octets))
    spans = ends[np.searchsorted(ends, starts)] - starts
    long = starts[spans >= 2 * max_attributes + 2].tolist()  # a tag of n attributes spans 2n
    merging = [int(s) for s in starts[_merging(octets, starts)]]
    if sum(int(spans[np.searchsorted(starts, s)]) for s in merging) // 2 <= max_merged:
        merging = []
    return long, merging


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
        hit[maybe] = known & DELIMITER[name[:, 4]]
    return hit
