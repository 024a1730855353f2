"""Permutations of a known domain and of brand words: the names a seized platform is
likely to come back under (typos, look-alikes, affixes, every public suffix).

Generates a superset of dnstwist's fuzzers for the same input, faster, as a stream.
Every name yielded is a valid IDNA 2008 hostname in ASCII (A-label) form, at most 253
characters; the original domain itself is never yielded. Pure: no DNS, no I/O except
reading the shipped affix list and the bundled public suffix snapshot.
"""

from __future__ import annotations

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
FUZZERS: tuple[str, ...] = (*LABEL_FUZZERS, "dictionary", "tld-swap", "various", "brand")
"""Every fuzzer name a Permutation can carry."""


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


def _generate(
    original: str,
    words: Sequence[str],
    suffixes: Sequence[str],
    brands: Sequence[str],
    affix_tlds: Sequence[str],
    chosen: set[str],
) -> Iterator[Permutation]:
    sub, alabel, suffix = split(original)
    label = idn.to_unicode(alabel)
    sink = _Sink(original)
    name = sink.name

    for fname, fuzz in LABEL_FUZZERS.items():
        if fname in chosen:
            made = _homoglyph(label, suffix) if fuzz is _homoglyph else fuzz(label)
            for new in made:
                n = name(sub, new, suffix)
                if n:
                    yield Permutation(n, fname)
    if "dictionary" in chosen:
        for new in _affixed(label, words):
            for s in (suffix, *affix_tlds):
                n = name(sub, new, s)
                if n:
                    yield Permutation(n, "dictionary")
    if "tld-swap" in chosen:
        seen = sink.seen
        stem = f"{sub}.{alabel}." if sub else f"{alabel}."
        for s in suffixes:
            n = stem + s
            if n not in seen and len(n) <= idn.MAX_NAME:
                seen.add(n)
                yield Permutation(n, "tld-swap")
    if "various" in chosen:
        for parts in _various(sub, label, suffix):
            n = name(*parts)
            if n:
                yield Permutation(n, "various")
    if "brand" in chosen:
        yield from _brand_permutations(brands, words, suffix, affix_tlds, chosen, sink)


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
