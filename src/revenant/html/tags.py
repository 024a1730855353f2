"""The start and end tags of a page as the HTML tokenizer would read them, found
vectorised from the scan (scan.py), for the nesting estimate (nesting.py): each tag's
position, its lower-cased name and the raw-text region it is in.

Where a tag may be text, this errs on the side of the estimate: a start tag is kept
wherever it is (an element counted that is not there only makes the estimate higher),
an end tag is dropped where it may be text (inside another tag's quoted attribute value
or a bogus comment), and the content of a raw-text element or comment is a region of
its own, whose end tags close only what opened inside it.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

import numpy as np

from revenant.html.scan import DELIMITER, Scan

NAME = 16  # bytes of a tag name told apart; a longer name (or one with NUL) matches nothing
MAX_REGIONS = 10_000
"""Raw-text elements and comments read apart in one page; markup is cut at the next
(the most on a real page is a few hundred)."""
MAX_ESCAPES = 10_000
"""Steps of the escaped-script reading (`<script><!--<script>` ...) in one page."""

VOID = ("area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "img",
        "input", "keygen", "link", "meta", "param", "source", "track", "wbr")  # fmt: skip
RAW_TEXT = ("script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes",
            "noscript")  # fmt: skip
"""Elements whose content the tokenizer reads as text up to their own end tag (and
<plaintext>, to the end)."""


class Tags:
    """The tags of one page in document order (void start tags and end tags that may be
    text left out). `cut` is where markup must be cut because it holds too many regions
    to read apart, or None."""

    def __init__(self, data: bytes, found: Scan, known: Vocabulary) -> None:
        self.size = len(data)
        self.cut: int | None = None
        self.known = known
        pos = np.concatenate([found.starts, found.ends])
        is_end = np.concatenate([np.zeros(found.starts.size, bool), np.ones(found.ends.size, bool)])
        order = np.argsort(pos, kind="stable")
        pos, is_end = pos[order], is_end[order]
        k0, k1, plain = _names(data, pos + 1 + is_end)
        name = known.ids(k0, k1, plain)
        keep = ~(~is_end & known.mask(VOID)[name])  # void elements open nothing
        keep &= ~(is_end & _inside_a_tag(found, pos))
        self.pos, self.is_end, self.name = pos[keep], is_end[keep], name[keep]
        self.k0, self.k1, self.plain = k0[keep], k1[keep], plain[keep]
        region = self._regions(found)
        # a name not told apart matches nothing: a region (a group) of its own
        self.region = np.where(self.plain, region, -1 - np.arange(self.pos.size))

    def named(self, names: tuple[str, ...]) -> np.ndarray:
        """Which tags bear one of `names` (all in the vocabulary)."""
        return self.known.mask(names)[self.name]

    def _regions(self, found: Scan) -> np.ndarray:
        """Each tag's region: 0 in markup, n inside the n-th raw-text element or
        comment (its own start and end tags are in markup)."""
        octets, pos, is_end, last = found.octets, self.pos, self.is_end, self.size - 1
        lt = found.openers
        comments = lt[(octets[np.minimum(lt + 1, last)] == 33)
                      & (octets[np.minimum(lt + 2, last)] == 45)
                      & (octets[np.minimum(lt + 3, last)] == 45)]  # fmt: skip
        gt = found.gt
        dash = (gt >= 2) & (octets[gt - 2] == 45) & (octets[gt - 1] == 45)  # "-->"
        bang = (gt >= 3) & (octets[gt - 3] == 45) & (octets[gt - 2] == 45) & (octets[gt - 1] == 33)
        comment_ends = gt[dash | bang].tolist()
        starting = ~is_end
        candidates = [(int(p), "!") for p in comments]
        ends_of: dict[str, list[int]] = {}
        for name in (*RAW_TEXT, "plaintext"):
            named = self.named((name,))
            at = pos[starting & named]
            if at.size:
                candidates += [(int(p), name) for p in at]
                ends_of[name] = pos[is_end & named].tolist()
        if not candidates:
            return np.zeros(pos.size, dtype=np.int64)
        candidates.sort()
        scripts = pos[starting & self.named(("script",))].tolist()
        escapes = _Escapes(comments.tolist(), gt[dash].tolist(), scripts, ends_of.get("script", []),
                           self.size)  # fmt: skip
        spans: list[tuple[int, int]] = []
        reached = -1
        for start, kind in candidates:
            if start < reached:  # text of the region before
                continue
            if len(spans) >= MAX_REGIONS:
                self.cut = start
                break
            if kind == "!":  # "<!-->" and "<!--->" end at once; "--!>" ends one too
                i = bisect_left(comment_ends, start + 4)
                end = comment_ends[i] if i < len(comment_ends) else self.size
            elif kind == "plaintext":
                end = self.size
            elif kind == "script" and escapes.escaped(start):
                end = escapes.end(start)
                if end < 0:
                    self.cut = start
                    break
            else:
                closers = ends_of[kind]
                i = bisect_right(closers, start)
                end = closers[i] if i < len(closers) else self.size
            spans.append((start, end))
            reached = end
        if not spans:
            return np.zeros(pos.size, dtype=np.int64)
        first = np.array([s for s, _ in spans])
        after = np.array([e for _, e in spans])
        at = np.searchsorted(first, pos, side="right") - 1
        seen = at >= 0
        inside = np.zeros(pos.size, dtype=bool)
        inside[seen] = (pos[seen] > first[at[seen]]) & (pos[seen] < after[at[seen]])
        return np.where(inside, at + 1, 0)


class _Escapes:
    """Where a script whose text holds "<!--" ends: the tokenizer's escaped and
    double-escaped script states, stepped through on the page's "<!--", "-->",
    "<script" and "</script" (at most MAX_ESCAPES steps per page)."""

    def __init__(
        self, opens: list[int], closes: list[int], starts: list[int], ends: list[int], size: int
    ) -> None:
        self.events = (opens, closes, starts, ends)
        self.size = size
        self.budget = MAX_ESCAPES

    def escaped(self, start: int) -> bool:
        """Whether the script starting at `start` holds "<!--" before its first end tag."""
        opens, _, _, ends = self.events
        i = bisect_right(ends, start)
        end = ends[i] if i < len(ends) else self.size
        j = bisect_right(opens, start)
        return j < len(opens) and opens[j] < end

    def end(self, start: int) -> int:
        """Where the script starting at `start` ends (the page's length if it does not),
        or -1 when the budget is spent."""
        at = [bisect_right(items, start) for items in self.events]
        state = 0  # 0 script data, 1 escaped, 2 double-escaped
        while self.budget > 0:
            self.budget -= 1
            heads = [items[i] if i < len(items) else self.size
                     for items, i in zip(self.events, at, strict=True)]  # fmt: skip
            event = min(range(4), key=heads.__getitem__)
            if heads[event] >= self.size:
                return self.size
            at[event] += 1
            if event == 3:  # </script
                if state != 2:
                    return heads[event]
                state = 1
            elif event == 0 and state == 0:  # <!--
                state = 1
            elif event == 1:  # -->
                state = 0
            elif event == 2 and state == 1:  # <script
                state = 2
        return -1


def _names(data: bytes, at: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The lower-cased tag names starting at `at` as two 8-byte words (zero-padded),
    and whether each is told apart exactly (at most NAME bytes, no NUL)."""
    padded = data + b">" * (NAME + 8)
    # each position's next 8 bytes as one word (unaligned reads): 24 bytes per name
    words = np.ndarray((len(data) + NAME + 1,), dtype="<u8", buffer=padded, strides=(1,))
    head = np.stack([words[at], words[at + 8], words[at + 16]], axis=1).view(np.uint8)
    head = head.reshape(at.size, NAME + 8)[:, : NAME + 1]
    name = np.logical_and.accumulate(~DELIMITER[head], axis=1)
    plain = ~name[:, NAME] & ~(name[:, :NAME] & (head[:, :NAME] == 0)).any(axis=1)
    lower = np.where(name[:, :NAME], _LOWER[head[:, :NAME]], np.uint8(0))
    key = np.ascontiguousarray(lower).view("<u8")
    return key[:, 0].copy(), key[:, 1].copy(), plain


_LOWER = np.arange(256, dtype=np.uint8)
_LOWER[65:91] += 32


class Vocabulary:
    """Tag names told apart by number: `ids` gives each tag the index of its name in
    `names` (the last index, len(names), for any other name)."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = tuple(sorted(set(names) | set(VOID) | set(RAW_TEXT) | {"plaintext", "script"}))
        keys = [_key(n) for n in self.names]
        by = sorted(range(len(keys)), key=lambda i: keys[i])
        self._k0 = np.array([keys[i][0] for i in by], dtype=np.uint64)
        self._k1 = np.array([keys[i][1] for i in by], dtype=np.uint64)
        self._id = np.array(by, dtype=np.int64)
        if len(set(self._k0.tolist())) != len(keys):
            raise ValueError("names sharing their first 8 bytes")
        self._masks: dict[tuple[str, ...], np.ndarray] = {}

    def ids(self, k0: np.ndarray, k1: np.ndarray, plain: np.ndarray) -> np.ndarray:
        """The index of each tag's name (len(names) when it is none of them)."""
        at = np.minimum(np.searchsorted(self._k0, k0), self._k0.size - 1)
        hit = (self._k0[at] == k0) & (self._k1[at] == k1) & plain
        return np.where(hit, self._id[at], len(self.names))

    def mask(self, names: tuple[str, ...]) -> np.ndarray:
        """A lookup by name index: True for `names`."""
        out = self._masks.get(names)
        if out is None:
            out = np.zeros(len(self.names) + 1, dtype=bool)
            out[[self.names.index(n) for n in names]] = True
            self._masks[names] = out
        return out


def _key(name: str) -> tuple[int, int]:
    raw = name.encode().ljust(NAME, b"\0")
    return int.from_bytes(raw[:8], "little"), int.from_bytes(raw[8:], "little")


def _inside_a_tag(found: Scan, pos: np.ndarray) -> np.ndarray:
    """Which tags at `pos` may be inside another tag (a quoted attribute value) or a
    bogus comment: no ">" outside a quoted value comes between the "<" before them and
    them."""
    openers, closing = found.openers, found.closing
    before = np.searchsorted(openers, pos) - 1
    has = before >= 0
    out = np.zeros(pos.size, dtype=bool)
    nxt = np.searchsorted(closing, openers[before[has]])
    ended = nxt < closing.size
    ended[ended] = closing[nxt[ended]] < pos[has][ended]
    out[has] = ~ended
    return out
