"""Permutations of a known domain and of brand words: the names a seized platform is
likely to come back under (typos, look-alikes, affixes, every public suffix).

Every label of the name is permuted (the subdomains', the registrable label, and the
labels of a multi-label suffix such as `gouv.fr`), and dots become hyphens or vanish
and hyphens become dots. Names an outsider can register come first; the others (under
the original's own registrable domain, or under a suffix reserved to a state, an army
or a university) follow them, last.

Generates a superset of dnstwist's fuzzers for the same input, faster, as a stream.
Every name yielded is a valid IDNA 2008 hostname in ASCII (A-label) form, at most 253
characters; the original domain itself is never yielded. Pure: no DNS, no I/O except
reading the shipped affix list and the bundled public suffix list.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from functools import cache, lru_cache, partial
from importlib import resources
from itertools import repeat
from typing import NamedTuple

from revenant import hostnames as idn
from revenant.discover.fuzzers import LABEL_FUZZERS, homoglyph
from revenant.errors import UsageError
from revenant.hostnames import public_suffixes, split

DEFAULT_AFFIX_TLDS: tuple[str, ...] = (
    "com", "net", "org", "fr", "app", "live", "chat", "io", "me", "co", "cc", "to", "gg",
)  # fmt: skip
"""Suffixes that affix and brand variants are tried under, besides the domain's own."""


class Permutation(NamedTuple):
    """One generated name (ASCII, A-label form) and the fuzzer that made it."""

    name: str
    fuzzer: str

    @property
    def unicode(self) -> str:
        """The name for display (U-labels)."""
        return idn.to_unicode(self.name)


@cache
def default_affixes() -> tuple[str, ...]:
    """The shipped affix list (src/revenant/data/affixes.txt)."""
    text = resources.files("revenant").joinpath("data/affixes.txt").read_text("utf-8")
    words = (line.split("#", 1)[0].strip().lower() for line in text.splitlines())
    return tuple(w for w in words if w)


FUZZERS: tuple[str, ...] = (
    *LABEL_FUZZERS,
    "dictionary",
    "tld-swap",
    "various",
    "separator",
    "brand",
)
"""Every fuzzer name a Permutation can carry."""

RESTRICTED_TLDS = frozenset({"gov", "mil", "edu", "int"})
RESTRICTED_LABELS = frozenset(
    {"gov", "gouv", "govt", "gob", "gv", "mil", "edu", "ac", "police", "nhs", "sch"}
)
"""An assumption, not registry data (the public suffix list says nothing of who may
register): a top-level suffix in RESTRICTED_TLDS, or a multi-label suffix whose first
label is in RESTRICTED_LABELS (gouv.fr, gov.uk, ac.jp, police.uk), takes registrations
from a state, an army or a school only, so names under it rank last."""

MAX_SEPARATORS = 6
"""Up to this many dots and hyphens, every mix of dot, hyphen and nothing between the
labels is tried (3^6 = 729 names at most); above it, one separator at a time."""


# ------------------------------------------------------------ assembly

_permutation = partial(tuple.__new__, Permutation)
"""Permutation((name, fuzzer)), made as the NamedTuple's own __new__ makes it but without
that Python-level call, which costs more than everything else a tld-swap name needs."""


class _Sink:
    """Turns generated (Unicode) labels into unique, valid ASCII names."""

    def __init__(self, original: str) -> None:
        self.seen: set[str] = {original}

    def names(self, heads: Sequence[str], labels: Iterable[str], tails: Sequence[str]) -> list[str]:
        """`head + label + tail` for each label (in turn), head and tail, where the label
        is valid IDNA (A-label form) and the name new and at most 253 characters. Heads
        end with a dot and tails start with one, or are empty."""
        seen, add = self.seen, self.seen.add
        to_ascii = idn.label_to_ascii
        out: list[str] = []
        for label in labels:
            a = _dotted(label) if "." in label else to_ascii(label)
            if a is None:
                continue
            for head in heads:
                for tail in tails:
                    full = head + a + tail
                    if full not in seen and len(full) <= idn.MAX_NAME:
                        add(full)
                        out.append(full)
        return out

    def name(self, sub: str, label: str, suffix: str) -> str | None:
        """`sub.label.suffix` (either end may be empty) if valid and new, else None."""
        found = self.names((_head(sub),), (label,), (_tail(suffix),))
        return found[0] if found else None


def _head(sub: str) -> str:
    return f"{sub}." if sub else ""


def _tail(suffix: str) -> str:
    return f".{suffix}" if suffix else ""


def _dotted(label: str) -> str | None:
    parts = [idn.label_to_ascii(p) for p in label.split(".")]
    return None if None in parts else ".".join(parts)  # type: ignore[arg-type]


def _affixed(label: str, words: Iterable[str]) -> Iterator[str]:
    parts = label.split("-")
    for w in words:
        yield label + w
        yield label + "-" + w
        yield w + label
        yield w + "-" + label
        if len(parts) > 1:
            yield "-".join([*parts[:-1], w])
            yield "-".join([w, *parts[1:]])


def _various(sub: str, label: str, suffix: str) -> Iterator[tuple[str, str, str]]:
    flat = suffix.replace(".", "")
    if "." in suffix:
        yield sub, label, suffix.rsplit(".", 1)[1]
        yield sub, label + suffix.split(".", 1)[0], suffix.split(".", 1)[1]
    else:
        yield sub, label + suffix, suffix
    if suffix != "com":
        yield sub, label + "-" + flat, "com"
        yield sub, label + flat, "com"
    if sub:
        yield "", sub + label, suffix
        yield "", sub.replace(".", "") + label, suffix
        yield "", sub + "-" + label, suffix
        yield "", sub.replace(".", "-") + "-" + label, suffix


def permutations(
    domain: str,
    *,
    brands: Sequence[str] = (),
    affixes: Sequence[str] | None = None,
    tlds: Iterable[str] | None = None,
    affix_tlds: Sequence[str] = DEFAULT_AFFIX_TLDS,
    fuzzers: Iterable[str] | None = None,
) -> Iterator[Permutation]:
    """Every permutation of `domain` and of each brand word, each name once.

    `affixes` defaults to the shipped list, `tlds` to the whole public suffix list
    (ICANN and private sections), `fuzzers` to all of FUZZERS.
    """
    original = idn.to_ascii(domain.strip().lower().rstrip("."))
    if original is None or "." not in original:
        raise UsageError(f"domain {domain!r} is not a valid hostname with a suffix")
    chosen = set(FUZZERS if fuzzers is None else fuzzers)
    unknown = chosen - set(FUZZERS)
    if unknown:
        raise UsageError(f"unknown fuzzer(s): {', '.join(sorted(unknown))}")
    words = default_affixes() if affixes is None else tuple(a.lower() for a in affixes)
    suffixes = _all_suffixes() if tlds is None else sorted(_ascii_all(tlds))
    brand_words = [_brand_word(b) for b in brands]
    return _generate(original, words, suffixes, brand_words, affix_tlds, chosen)


def _brand_word(raw: str) -> str:
    brand = raw.strip().lower()
    if idn.label_to_ascii(brand) is None:
        raise UsageError(f"brand word {raw!r} is not a valid DNS label")
    return brand


def restricted(suffix: str) -> bool:
    """Whether names under `suffix` are assumed closed to outsiders (RESTRICTED_LABELS)."""
    if "." not in suffix:
        return suffix in RESTRICTED_TLDS
    return suffix.split(".", 1)[0] in RESTRICTED_LABELS


def _generate(
    original: str,
    words: Sequence[str],
    suffixes: Sequence[str],
    brands: Sequence[str],
    affix_tlds: Sequence[str],
    chosen: set[str],
) -> Iterator[Permutation]:
    """Names an outsider can register as they come; the others held back, then last."""
    later: list[Permutation] = []
    yield from _candidates(original, words, suffixes, brands, affix_tlds, chosen, later)
    yield from later


def _candidates(
    original: str,
    words: Sequence[str],
    suffixes: Sequence[str],
    brands: Sequence[str],
    affix_tlds: Sequence[str],
    chosen: set[str],
    later: list[Permutation],
) -> Iterator[Permutation]:
    """Every permutation an outsider can register; the others go to `later`."""
    labels = original.split(".")
    sub, alabel, suffix = split(original)
    mine = f"{alabel}.{suffix}"  # the original's registrable domain
    at = sub.count(".") + 1 if sub else 0  # index of the registrable label
    sink = _Sink(original)
    names = sink.names

    def tagged(found: list[str], fuzzer: str) -> Iterator[Permutation]:
        return map(_permutation, zip(found, repeat(fuzzer)))

    def route(found: list[str], fuzzer: str) -> Iterator[Permutation]:
        """Open names out now, the others to `later`, by where each name falls."""
        for n in found:
            parts = split(n)
            if parts.registrable != mine and not restricted(parts.suffix):
                yield _permutation((n, fuzzer))
            else:
                later.append(_permutation((n, fuzzer)))

    # every label but the last (tld-swap changes that one), the registrable label first:
    # a changed subdomain label stays under the original's own domain (closed), a
    # changed suffix label ("gouv" -> "zgouv") makes a new domain under the rest
    for i in [at, *(j for j in range(len(labels) - 1) if j != at)]:
        head, tail = _head(".".join(labels[:i])), _tail(".".join(labels[i + 1 :]))
        # a changed suffix label also gives the new domain itself: "zgouv.fr" beside
        # "interieur.zgouv.fr"
        heads = (head, "") if i > at else (head,)
        open_ = i > at or (i == at and not restricted(suffix))
        label = idn.to_unicode(labels[i])
        for fname, fuzz in LABEL_FUZZERS.items():
            if fname in chosen:
                made = homoglyph(label, tail[1:]) if fuzz is homoglyph else fuzz(label)
                found = tagged(names(heads, made, (tail,)), fname)
                if open_:
                    yield from found
                else:
                    later.extend(found)
    if "dictionary" in chosen:
        affixed = list(_affixed(idn.to_unicode(alabel), words))
        targets = (suffix, *affix_tlds)
        opened = [_tail(s) for s in targets if not restricted(s)]
        yield from tagged(names((_head(sub),), affixed, opened), "dictionary")
        closed = [_tail(s) for s in targets if restricted(s)]
        later.extend(tagged(names((_head(sub),), affixed, closed), "dictionary"))
    if "tld-swap" in chosen:
        seen = sink.seen
        open_suffixes, closed_suffixes = _open_and_closed(tuple(suffixes))
        for j in range(at, len(labels) - 1):  # the registrable label, and each right of it
            stem = ".".join(labels[: j + 1]) + "."
            for group, out in ((open_suffixes, True), (closed_suffixes, False)):
                swapped = [stem + s for s in group]
                new = [n for n in swapped if n not in seen and len(n) <= idn.MAX_NAME]
                seen.update(new)
                if out:
                    yield from tagged(new, "tld-swap")
                else:
                    later.extend(tagged(new, "tld-swap"))
    if "various" in chosen:
        for i in range(len(labels) - 1):  # wherever a tool would cut the name
            label = idn.to_unicode(labels[i])
            before, after = ".".join(labels[:i]), ".".join(labels[i + 1 :])
            cut = [sink.name(*parts) for parts in _various(before, label, after)]
            yield from route([n for n in cut if n], "various")
    if "separator" in chosen:
        joined = _separators(labels[:-1])
        yield from route(names(("",), joined, (_tail(labels[-1]),)), "separator")
    if "brand" in chosen:
        yield from route(_brand_names(brands, words, suffix, affix_tlds, chosen, sink), "brand")


def _separators(labels: Sequence[str]) -> Iterator[str]:
    """The labels (and the parts of hyphenated ones) joined again by every mix of dot,
    hyphen and nothing: "gendarmerie.interieur.gouv" -> "gendarmerie-interieur-gouv",
    "coco-chat" -> "coco.chat", "cocochat"."""
    parts: list[str] = []
    for k, label in enumerate(labels):
        for m, piece in enumerate(label.split("-")):
            parts.append(("." if k else "") if m == 0 else "-")
            parts.append(piece)
    words = parts[1::2]
    if len(words) < 2:
        return
    joints = [parts[2 * k] for k in range(1, len(words))]
    if len(joints) <= MAX_SEPARATORS:
        choices: Iterable[tuple[str, ...]] = itertools.product((".", "-", ""), repeat=len(joints))
    else:
        choices = (
            tuple(c if k == at else j for k, j in enumerate(joints))
            for at in range(len(joints))
            for c in (".", "-", "")
        )
    for mix in choices:
        yield "".join(w + j for w, j in zip(words, (*mix, ""), strict=True))


def _brand_names(
    brands: Sequence[str],
    words: Sequence[str],
    suffix: str,
    affix_tlds: Sequence[str],
    chosen: set[str],
    sink: _Sink,
) -> list[str]:
    tails = [_tail(s) for s in (suffix, *affix_tlds)]
    out: list[str] = []
    for brand in brands:
        out += sink.names(("",), (brand,), tails)
        for fname, fuzz in LABEL_FUZZERS.items():
            if fname in chosen and fname != "homoglyph":
                out += sink.names(("",), fuzz(brand), tails[:1])
        out += sink.names(("",), _affixed(brand, words), tails)
    return out


@cache
def _all_suffixes() -> tuple[str, ...]:
    return tuple(sorted(public_suffixes().all))


@lru_cache(maxsize=8)
def _open_and_closed(suffixes: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """The suffixes open to outsiders and those `restricted`, each in the given order."""
    return [s for s in suffixes if not restricted(s)], [s for s in suffixes if restricted(s)]


def _ascii_all(names: Iterable[str]) -> set[str]:
    out = set()
    for raw in names:
        a = idn.to_ascii(raw.strip().lower().lstrip("."))
        if a is None:
            raise UsageError(f"suffix {raw!r} is not a valid hostname suffix")
        out.add(a)
    return out
