"""How deep elements may nest: markup is cut before the start tag that would take
them deeper than MAX_DEPTH, because Lexbor's parse time grows with the square of the
depth (200,000 nested <div> take minutes).

The depth is estimated from the tags (tags.py), vectorised, before parsing, and the
estimate must not be led below the depth the tree builder reaches. Every start tag that
is not void opens an element; an end tag closes one only when the tree builder would
close something with it:

- an element of its name is open (a stray `</i>` closes nothing: `<div></i>` repeated
  nests as deep as `<div>` alone), in its region (a script's text closes nothing
  outside it); it closes the last one opened;
- nothing it cannot close across was opened after that element and is still open: for
  the end tags the tree builder checks "in scope" (div, ul, section, form, p, li,
  table parts...), a scope boundary (table, td, template, object, select, button for
  </p>, ul and ol for </li>...: `<div><table></div></table>` repeated nests ever
  deeper); for
  every other end tag (span, a, b, custom elements...), any "special" element (div, p,
  li, table...: `<span><div></span></div>` repeated nests ever deeper);
- `</body>`, `</html>` and `</br>` close nothing.

What stays open for the estimate is what the tags left open, so counting too many
opens (a start tag in a script or an attribute value, an unclosed <p> or <li> the tree
builder closes by itself) can only cut markup too early, which real pages never come
near: on the 91 real pages of ../shared/data/pages the estimate reaches 1,074 at most
(tests/html/test_nesting.py checks that none is cut). What the estimate does not model
(elements the tree builder adds: <tbody> and <tr> around a <td>, formatting elements
reconstructed in each paragraph) makes the tree deeper than the estimate by a small
factor (property-tested against Lexbor, tests/html/test_nesting.py); what it builds
beyond that is bounded by the parsing process's time and memory limits (pool.py).
"""

from __future__ import annotations

import numpy as np

from revenant.html.scan import Scan, scan
from revenant.html.tags import Tags, Vocabulary

MAX_DEPTH = 2000
_AHEAD = 8  # start tags per level of the bound read first, before the whole page
_M0, _M1, _M2 = (np.uint64(m) for m in (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9))
_ROUNDS = 4  # of the end tags' validity, until it is stable

_SCOPE = ("applet", "caption", "html", "table", "td", "th", "marquee", "object", "template",
          "mi", "mo", "mn", "ms", "mtext", "annotation-xml", "foreignobject", "desc", "title")  # fmt: skip
"""The tree builder's "has an element in scope" boundaries."""
_SPECIAL = (*_SCOPE, "address", "area", "article", "aside", "base", "basefont", "bgsound",
            "blockquote", "body", "br", "button", "center", "col", "colgroup", "dd", "details",
            "dir", "div", "dl", "dt", "embed", "fieldset", "figcaption", "figure", "footer",
            "form", "frame", "frameset", "h1", "h2", "h3", "h4", "h5", "h6", "head", "header",
            "hgroup", "hr", "iframe", "img", "input", "keygen", "li", "link", "listing", "main",
            "menu", "meta", "nav", "noembed", "noframes", "noscript", "ol", "p", "param",
            "plaintext", "pre", "script", "search", "section", "select", "source", "style",
            "summary", "tbody", "textarea", "tfoot", "thead", "tr", "track", "ul", "wbr", "xmp")  # fmt: skip
"""The tree builder's "special" elements: an end tag it reads as "any other end tag"
(or a formatting element's) closes nothing across one."""
_BARRIERS: dict[str, tuple[str, ...]] = {  # inside a <select>, only its own end tags close
    "table": ("html", "table", "template", "select"),
    "scope": (*_SCOPE, "select"),
    "button": (*_SCOPE, "button", "select"),
    "list": (*_SCOPE, "ol", "ul", "select"),
    "select": (),  # select scope: every element but option and optgroup (see _barrier)
    "special": _SPECIAL,
}
_RULE = {
    **dict.fromkeys(("table", "tbody", "thead", "tfoot", "tr", "td", "th", "caption",
                     "colgroup"), "table"),
    **dict.fromkeys(("address", "article", "aside", "blockquote", "button", "center",
                     "details", "dialog", "dir", "div", "dl", "fieldset", "figcaption",
                     "figure", "footer", "header", "hgroup", "listing", "main", "menu", "nav",
                     "ol", "pre", "search", "section", "summary", "ul", "form", "dd", "dt",
                     "h1", "h2", "h3", "h4", "h5", "h6", "applet", "marquee", "object"),
                    "scope"),
    "p": "button",
    "li": "list",
    "select": "select",
}  # fmt: skip
"""Which barriers each end tag cannot close across; any other name: "special"."""
_NEVER = ("body", "html", "br")  # end tags that close nothing
_ALWAYS = ("template",)  # closes the template element whatever is open inside it
_OPTIONS = ("option", "optgroup")

_KNOWN = Vocabulary((*_SPECIAL, *_RULE, *_NEVER, *_ALWAYS, *_OPTIONS, "dialog", "search"))
_KINDS = np.full(len(_KNOWN.names) + 1, list(_BARRIERS).index("special"))  # by name index
for _name, _kind in _RULE.items():
    _KINDS[_KNOWN.names.index(_name)] = list(_BARRIERS).index(_kind)


def nesting_cut(data: bytes, found: Scan | None = None, max_depth: int = MAX_DEPTH) -> int | None:
    """Offset of the "<" of the start tag that would nest elements deeper than
    `max_depth` (see the module docstring), or None. `found` is `scan(data)` when the
    caller has it."""
    found = scan(data) if found is None else found
    if found.starts.size <= max_depth:  # fewer elements than that cannot nest deeper
        return None
    ahead = _AHEAD * max_depth
    if found.starts.size > 2 * ahead:
        # The estimate at a tag depends only on the markup before it (a region or a tag
        # still open at the end of a prefix is open there in the whole page too), so a
        # page made to nest deep is cut from a prefix, without reading the rest.
        prefix = data[: int(found.starts[ahead])]
        cut = _cut(prefix, scan(prefix), max_depth)
        if cut is not None:
            return cut
    return _cut(data, found, max_depth)


def _cut(data: bytes, found: Scan, max_depth: int) -> int | None:
    tags = Tags(data, found, _KNOWN)
    if tags.pos.size == 0:
        return tags.cut
    closes = _closes(tags)
    step = np.where(tags.is_end, 0, 1)
    step[closes] = -1
    over = np.flatnonzero(np.cumsum(step) > max_depth)
    first = int(tags.pos[over[0]]) if over.size else None
    if tags.cut is not None and (first is None or tags.cut < first):
        return tags.cut
    return first


def _closes(tags: Tags) -> np.ndarray:
    """Indices of the end tags that close an element (see the module docstring)."""
    opened, closed = _pairs(tags.is_end, tags.k0, tags.k1, tags.region)
    keep = ~tags.named(_NEVER)[closed]
    opened, closed = opened[keep], closed[keep]
    rule = _KINDS[tags.name[closed]]
    always = tags.named(_ALWAYS)[closed]
    # Whether a barrier is open depends on which end tags closed the barriers: start
    # from every matched end tag closing, and drop those that cannot until none is left.
    valid = np.ones(closed.size, dtype=bool)
    for _ in range(_ROUNDS):
        now = always.copy()
        for index, kind in enumerate(_BARRIERS):
            which = rule == index
            if which.any():
                barrier = _barrier(tags, kind)
                now[which] = _clear(tags, barrier, closed[valid], opened[which], closed[which])
        now &= valid
        if (now == valid).all():
            break
        valid = now
    else:  # still changing: keep only the end tags no barrier can stop
        valid = always
    return closed[valid]


def _barrier(tags: Tags, kind: str) -> np.ndarray:
    """Which tags are barriers of `kind`."""
    if kind == "select":
        return ~tags.named(_OPTIONS)
    return tags.named(_BARRIERS[kind])


def _clear(
    tags: Tags, barrier: np.ndarray, closes: np.ndarray, opened: np.ndarray, closed: np.ndarray
) -> np.ndarray:
    """For each (open, close) pair: whether no barrier opened after the element is still
    open at its end tag (`closes`: the end tags taken to close something). True when no
    barrier is open there, or when the innermost one open there was already open, at
    that level, when the element opened (the element itself may be a barrier)."""
    n = tags.pos.size
    step = np.zeros(n, dtype=np.int64)
    step[barrier & ~tags.is_end] = 1
    ends = closes[barrier[closes]]
    step[ends] = -1
    level = np.cumsum(step)  # barriers open after each tag
    at_close = level[closed] - step[closed]  # before the end tag itself
    ok = at_close == 0
    check = ~ok & (at_close <= level[opened])
    if not check.any():
        return ok
    opens = np.flatnonzero(barrier & ~tags.is_end)
    key = level[opens] * (n + 1) + opens
    by = np.argsort(key, kind="stable")
    key, opens = key[by], opens[by]

    def innermost(lvl: np.ndarray, upto: np.ndarray) -> np.ndarray:
        """The last barrier opened at level `lvl` at or before each index."""
        i = np.maximum(np.searchsorted(key, lvl * (n + 1) + upto, side="right") - 1, 0)
        return np.where(key[i] // (n + 1) == lvl, opens[i], -1)

    lvl = at_close[check]
    same = innermost(lvl, closed[check]) == innermost(lvl, opened[check])
    ok[np.flatnonzero(check)[same]] = True
    return ok


def _pairs(
    is_end: np.ndarray, k0: np.ndarray, k1: np.ndarray, region: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(open, close) tag indices: each end tag that finds an open element of its name
    in its region closes the last one opened; the others close nothing."""
    n = is_end.size
    # group the tags by (name, region) in document order: a stable sort on one 64-bit
    # mix of the three, checked (tags of a group must agree on all three, else a slower
    # exact sort)
    mixed = (k0 * _M0) ^ (k1 * _M1) ^ (region.astype(np.uint64) * _M2)
    mixed ^= mixed >> np.uint64(29)
    order = np.argsort(mixed, kind="stable")
    same = mixed[order][1:] == mixed[order][:-1]
    k0, k1, region, ends = k0[order], k1[order], region[order], is_end[order]
    differ = (k0[1:] != k0[:-1]) | (k1[1:] != k1[:-1]) | (region[1:] != region[:-1])
    if (same & differ).any():  # two names (or regions) mixed to one value
        order = np.lexsort((np.arange(n), k1, k0, region))
        k0, k1, region, ends = k0[order], k1[order], region[order], is_end[order]
        differ = (k0[1:] != k0[:-1]) | (k1[1:] != k1[:-1]) | (region[1:] != region[:-1])
    new = np.ones(n, dtype=bool)
    new[1:] = differ
    group = np.cumsum(new) - 1
    step = np.where(ends, -1, 1)
    total = np.cumsum(step)
    level = total - (total - step)[new][group]  # running sum within each group
    big = 2 * n + 2  # each later group below every earlier one: a running min per group
    floor = np.minimum(np.minimum.accumulate(level - group * big) + group * big, 0)
    opened = level - floor  # elements of the group open after each tag (never below 0)
    before = np.where(new, 0, np.roll(opened, 1))
    matched = ends & (before > 0)
    if not matched.any():
        return np.empty(0, np.int64), np.empty(0, np.int64)
    # a matched end tag closes the group's last element opened at the level it leaves
    starts = ~ends
    o_key = group[starts] * (n + 1) + opened[starts]
    c_key = group[matched] * (n + 1) + before[matched]
    keys = np.sort(o_key)
    keys = keys[np.append(True, keys[1:] != keys[:-1])]
    o_at, c_at = order[starts], order[matched]
    o_rank = np.searchsorted(keys, o_key) * (n + 1) + o_at
    by = np.argsort(o_rank, kind="stable")
    found = np.searchsorted(o_rank[by], np.searchsorted(keys, c_key) * (n + 1) + c_at) - 1
    return o_at[by][found], c_at
