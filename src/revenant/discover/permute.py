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
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import cache
from importlib import resources
from typing import NamedTuple

from revenant import hostnames as idn
from revenant.discover.glyphs import CYRILLIC, homoglyphs_for, keyboard_neighbours
from revenant.errors import UsageError
from revenant.hostnames import public_suffixes, split

_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"
_BITS = frozenset(_ALNUM + "-")
_VOWELS = "aeiouy"

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


# ------------------------------------------------------------ label fuzzers
# Each takes the registrable label (Unicode) and yields new labels; a yielded label may
# contain a dot (the subdomain fuzzer) and may be invalid: validity is checked once, later.


def _addition(label: str) -> Iterator[str]:
    for ch in _ALNUM:
        yield label + ch
        yield ch + label
    for i, c in enumerate(label):
        if c == "-":
            for ch in _ALNUM:
                yield label[:i] + ch + label[i:]
                yield label[: i + 1] + ch + label[i + 1 :]


def _bitsquatting(label: str) -> Iterator[str]:
    for i, c in enumerate(label):
        code = ord(c)
        for bit in (1, 2, 4, 8, 16, 32, 64, 128):
            b = chr(code ^ bit)
            if b in _BITS:
                yield label[:i] + b + label[i + 1 :]


def _cyrillic(label: str) -> Iterator[str]:
    swapped = "".join(CYRILLIC.get(c, c) for c in label)
    if all(a != b for a, b in zip(swapped, label, strict=True)):
        yield swapped


def _mix(label: str, glyphs: dict[str, tuple[str, ...]]) -> Iterator[str]:
    for i, c in enumerate(label):
        for g in glyphs.get(c, ()):
            yield label[:i] + g + label[i + 1 :]
    for i in range(len(label) - 1):
        pair = label[i : i + 2]
        for g in glyphs.get(pair, ()):
            yield label[:i] + g + label[i + 2 :]
        if pair[0] == pair[1]:
            for g in glyphs.get(pair[0], ()):
                yield label[:i] + g + g + label[i + 2 :]


def _homoglyph(label: str, suffix: str = "") -> Iterator[str]:
    glyphs = homoglyphs_for(suffix)
    first = set(_mix(label, glyphs))
    second = set(first)
    for once in first:
        second.update(_mix(once, glyphs))
    yield from second


def _hyphenation(label: str) -> Iterator[str]:
    for i in range(1, len(label)):
        yield label[:i] + "-" + label[i:]


def _insertion(label: str) -> Iterator[str]:
    near = keyboard_neighbours()
    for i, c in enumerate(label):
        for k in near.get(c, ""):
            yield label[:i] + k + label[i:]
            yield label[: i + 1] + k + label[i + 1 :]


def _omission(label: str) -> Iterator[str]:
    for i in range(len(label)):
        yield label[:i] + label[i + 1 :]


def _plural(label: str) -> Iterator[str]:
    for i in range(2, len(label) - 2):
        yield label[: i + 1] + ("es" if label[i] in "sxz" else "s") + label[i + 1 :]
    yield label + ("es" if label[-1:] in ("s", "x", "z") else "s")


def _repetition(label: str) -> Iterator[str]:
    for i, c in enumerate(label):
        yield label[:i] + c + label[i:]


def _replacement(label: str) -> Iterator[str]:
    near = keyboard_neighbours()
    for i, c in enumerate(label):
        for k in near.get(c, ""):
            yield label[:i] + k + label[i + 1 :]


def _subdomain(label: str) -> Iterator[str]:
    for i in range(1, len(label)):
        if label[i] not in "-." and label[i - 1] not in "-.":
            yield label[:i] + "." + label[i:]


def _transposition(label: str) -> Iterator[str]:
    for i in range(len(label) - 1):
        yield label[:i] + label[i + 1] + label[i] + label[i + 2 :]


def _vowel_swap(label: str) -> Iterator[str]:
    for i, c in enumerate(label):
        if c in _VOWELS:
            for v in _VOWELS:
                yield label[:i] + v + label[i + 1 :]


LABEL_FUZZERS: dict[str, Callable[[str], Iterable[str]]] = {
    "addition": _addition,
    "bitsquatting": _bitsquatting,
    "cyrillic": _cyrillic,
    "homoglyph": _homoglyph,
    "hyphenation": _hyphenation,
    "insertion": _insertion,
    "omission": _omission,
    "plural": _plural,
    "repetition": _repetition,
    "replacement": _replacement,
    "subdomain": _subdomain,
    "transposition": _transposition,
    "vowel-swap": _vowel_swap,
}
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


class _Sink:
    """Turns generated (Unicode) labels into unique, valid ASCII names."""

    def __init__(self, original: str) -> None:
        self.seen: set[str] = {original}
        self.ascii_label = idn.label_to_ascii

    def name(self, sub: str, label: str, suffix: str) -> str | None:
        if "." in label:
            parts = [self.ascii_label(p) for p in label.split(".")]
            if None in parts:
                return None
            a: str | None = ".".join(parts)  # type: ignore[arg-type]
        else:
            a = self.ascii_label(label)
        if a is None:
            return None
        full = f"{sub}.{a}.{suffix}" if sub else f"{a}.{suffix}" if suffix else a
        if len(full) > idn.MAX_NAME or full in self.seen:
            return None
        self.seen.add(full)
        return full


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
    for found, open_ in _candidates(original, words, suffixes, brands, affix_tlds, chosen):
        if open_:
            yield found
        else:
            later.append(found)
    yield from later


def _candidates(
    original: str,
    words: Sequence[str],
    suffixes: Sequence[str],
    brands: Sequence[str],
    affix_tlds: Sequence[str],
    chosen: set[str],
) -> Iterator[tuple[Permutation, bool]]:
    """Every permutation, with whether an outsider can register it."""
    labels = original.split(".")
    sub, alabel, suffix = split(original)
    mine = f"{alabel}.{suffix}"  # the original's registrable domain
    at = sub.count(".") + 1 if sub else 0  # index of the registrable label
    closed = restricted(suffix)
    sink = _Sink(original)
    name = sink.name

    def outsider(n: str) -> bool:
        parts = split(n)
        return parts.registrable != mine and not restricted(parts.suffix)

    # every label but the last (tld-swap changes that one), the registrable label first:
    # a changed subdomain label stays under the original's own domain (closed), a
    # changed suffix label ("gouv" -> "zgouv") makes a new domain under the rest
    for i in [at, *(j for j in range(len(labels) - 1) if j != at)]:
        before, after = ".".join(labels[:i]), ".".join(labels[i + 1 :])
        open_ = i > at or (i == at and not closed)
        label = idn.to_unicode(labels[i])
        for fname, fuzz in LABEL_FUZZERS.items():
            if fname in chosen:
                made = _homoglyph(label, after) if fuzz is _homoglyph else fuzz(label)
                for new in made:
                    n = name(before, new, after)
                    if n:
                        yield Permutation(n, fname), open_
                    if i > at:  # the new domain itself: "zgouv.fr" beside "interieur.zgouv.fr"
                        n = name("", new, after)
                        if n:
                            yield Permutation(n, fname), True
    if "dictionary" in chosen:
        label = idn.to_unicode(alabel)
        for new in _affixed(label, words):
            for s in (suffix, *affix_tlds):
                n = name(sub, new, s)
                if n:
                    yield Permutation(n, "dictionary"), not restricted(s)
    if "tld-swap" in chosen:
        seen = sink.seen
        for j in range(at, len(labels) - 1):  # the registrable label, and each right of it
            stem = ".".join(labels[: j + 1]) + "."
            for s in suffixes:
                n = stem + s
                if n not in seen and len(n) <= idn.MAX_NAME:
                    seen.add(n)
                    yield Permutation(n, "tld-swap"), not restricted(s)
    if "various" in chosen:
        for i in range(len(labels) - 1):  # wherever a tool would cut the name
            label = idn.to_unicode(labels[i])
            before, after = ".".join(labels[:i]), ".".join(labels[i + 1 :])
            for parts in _various(before, label, after):
                n = name(*parts)
                if n:
                    yield Permutation(n, "various"), outsider(n)
    if "separator" in chosen:
        for joined in _separators(labels[:-1]):
            n = name("", joined, labels[-1])
            if n:
                yield Permutation(n, "separator"), outsider(n)
    if "brand" in chosen:
        for found in _brand_permutations(brands, words, suffix, affix_tlds, chosen, sink):
            yield found, outsider(found.name)


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


def _brand_permutations(
    brands: Sequence[str],
    words: Sequence[str],
    suffix: str,
    affix_tlds: Sequence[str],
    chosen: set[str],
    sink: _Sink,
) -> Iterator[Permutation]:
    targets = (suffix, *affix_tlds)
    for brand in brands:
        for s in targets:
            n = sink.name("", brand, s)
            if n:
                yield Permutation(n, "brand")
        for fname, fuzz in LABEL_FUZZERS.items():
            if fname in chosen and fname != "homoglyph":
                for new in fuzz(brand):
                    n = sink.name("", new, suffix)
                    if n:
                        yield Permutation(n, "brand")
        for new in _affixed(brand, words):
            for s in targets:
                n = sink.name("", new, s)
                if n:
                    yield Permutation(n, "brand")


@cache
def _all_suffixes() -> tuple[str, ...]:
    return tuple(sorted(public_suffixes().all))


def _ascii_all(names: Iterable[str]) -> set[str]:
    out = set()
    for raw in names:
        a = idn.to_ascii(raw.strip().lower().lstrip("."))
        if a is None:
            raise UsageError(f"suffix {raw!r} is not a valid hostname suffix")
        out.add(a)
    return out
