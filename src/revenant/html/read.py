"""One page's bytes to a `PageSummary`, in the calling process: the cuts before the
parse (attributes.py, nesting.py, over one scan), Lexbor's parse, the walk.

This is what a parsing worker runs (worker.py); anything else reads pages through the
pool (pool.py), whose time and memory limits are the bound on what this costs: the
cuts keep ordinary hostile markup (deep nesting, tags of 200,000 attributes) cheap and
readable, they do not bound the tree builder.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser

from revenant.html.attributes import MAX_ATTRIBUTES, MAX_MERGED, attribute_cut
from revenant.html.nesting import MAX_DEPTH, nesting_cut
from revenant.html.scan import scan
from revenant.html.walk import walk
from revenant.model import PageSummary

MAX_MARKUP = 4 * 1024 * 1024
"""Bytes of a page read; the rest is ignored."""
PARSE_CPU = 0.8
"""Seconds of CPU one page's parse may take: the slowest page of the hostile set the
cuts keep readable (100,000 form inputs) takes about 0.4 s here, the slowest of the 91
real pages 0.06 s; the hostile set's goal is a whole extraction within 1 s."""
PARSE_MEMORY = 192 * 1024 * 1024
"""Bytes of address space one page's parse may add to its process: the most a page of
the hostile set the cuts keep readable adds is about 100 MB (100,000 form inputs)."""
NOT_ASCII = ("utf-16", "utf16", "utf-32", "utf32", "ucs")
"""Encodings that do not keep ASCII bytes as they are (the cuts read "<" as byte 60)."""


@dataclass(frozen=True)
class ParseLimits:
    """Bounds of one page's parse: what it may cost (`cpu` seconds, `memory` bytes
    added to the parsing process) and where markup is cut before it is parsed."""

    cpu: float = PARSE_CPU
    memory: int = PARSE_MEMORY
    markup: int = MAX_MARKUP
    depth: int = MAX_DEPTH
    attributes: int = MAX_ATTRIBUTES
    merged: int = MAX_MERGED

    def cuts_lifted(self) -> ParseLimits:
        """The same time and memory, markup never cut (to show the cuts change nothing
        on a page)."""
        big = 1 << 40
        return ParseLimits(self.cpu, self.memory, big, big, big, big)


DEFAULT_LIMITS = ParseLimits()


def read_html(
    data: bytes, encoding: str, limits: ParseLimits = DEFAULT_LIMITS
) -> tuple[PageSummary, str]:
    """(the summary of `data` read in `encoding` (a Python codec name), why markup was
    cut before parsing or "")."""
    notes = []
    if len(data) > limits.markup:
        notes.append(f"markup over {limits.markup:,} bytes: the first {limits.markup:,} read")
        data = data[: limits.markup]
    if encoding.lower().startswith(NOT_ASCII):  # the cuts read UTF-8 instead
        data = data.decode(encoding, "replace").encode("utf-8", "surrogatepass")
        encoding = "utf-8"
    found = scan(data)
    cut, why = None, ""
    at = attribute_cut(data, found, limits.attributes, limits.merged)
    if at is not None:
        cut, why = (
            at,
            f"a tag with more than {limits.attributes} attributes (or <html> and <body> with {limits.merged})",
        )
    at = nesting_cut(data, found, limits.depth)
    if at is not None and (cut is None or at < cut):
        cut, why = at, f"elements nested deeper than {limits.depth:,}"
    if cut is not None:
        notes.append(f"markup cut at byte {cut:,} of {len(data):,}: {why}")
        data = data[:cut]
    if codecs.lookup(encoding).name == "utf-8":  # Lexbor's own encoding: no decode
        tree = LexborHTMLParser(data)
    else:
        tree = LexborHTMLParser(data.decode(encoding, "replace"))
    return walk(tree), "; ".join(notes)
