"""One vectorised pass over markup bytes: where the "<" and ">" are and what follows
each "<". The attribute bound (attributes.py) and the nesting bound (nesting.py) both
read it, so a page's bytes are scanned once before it is parsed.

Positions only; nothing here decides what to cut.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class Scan(NamedTuple):
    """Positions (ascending int64 arrays) in one byte string."""

    octets: np.ndarray  # the bytes, as uint8
    starts: np.ndarray  # "<" followed by an ASCII letter: a start tag may begin
    ends: np.ndarray  # "</" followed by an ASCII letter: an end tag may begin
    openers: (
        np.ndarray
    )  # "<" followed by a letter, "!", "?" or "/": anything the tokenizer reads to a ">"
    gt: np.ndarray  # every ">"
    closing: np.ndarray  # the ">" that cannot be inside a quoted attribute value


def scan(data: bytes) -> Scan:
    """Every position the bounds read, in one pass over `data`."""
    octets = np.frombuffer(data, dtype=np.uint8)
    angle = np.flatnonzero((octets | 2) == 62)  # "<" (60) and ">" (62): nothing else
    is_lt = octets[angle] == 60
    lt = angle[is_lt]
    lt = lt[lt + 1 < len(data)]  # a last "<" opens nothing
    nxt = octets[lt + 1]
    letter = _LETTER[nxt]
    starts = lt[letter]
    slash = lt[nxt == 47]
    slash = slash[slash + 2 < len(data)]
    ends = slash[_LETTER[octets[slash + 2]]]
    openers = lt[letter | _OPENER[nxt]]
    gt = angle[~is_lt]
    return Scan(octets, starts, ends, openers, gt, gt[~quoted(octets, gt)])


def quoted(octets: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """Which of the ">" at `gt` may be inside a quoted attribute value: those whose last
    quote of a kind before them opens a value (follows "=", or white space after "=";
    three or more bytes of white space are taken to, whatever precedes them). A value
    holds no quote of its own kind, so a ">" inside one has that value's opening quote
    as the last quote of that kind before it."""
    out = np.zeros(gt.size, dtype=bool)
    for quote in (34, 39):
        where = np.flatnonzero(octets == quote)
        if not where.size:
            continue
        last = np.searchsorted(where, gt) - 1
        seen = last >= 0
        q = where[last[seen]]  # the quote each ">" may be inside (only those are read)
        b1, b2, b3 = (octets[np.maximum(q - k, 0)] for k in (1, 2, 3))
        s1, s2 = SPACE[b1], SPACE[b2]
        opens = (b1 == 61) | s1 & ((b2 == 61) | s2 & ((b3 == 61) | SPACE[b3]))
        out[seen] |= opens
    return out


SPACE = np.zeros(256, dtype=bool)
SPACE[list(b"\t\n\f\r ")] = True
DELIMITER = np.zeros(256, dtype=bool)  # what ends a tag name
DELIMITER[list(b"\t\n\f\r />")] = True
_LETTER = np.zeros(256, dtype=bool)
_LETTER[list(range(65, 91)) + list(range(97, 123))] = True
_OPENER = np.zeros(256, dtype=bool)
_OPENER[list(b"!?/")] = True
