"""Label fuzzers: each takes one label (Unicode) and gives new labels, typos and
look-alikes as dnstwist makes them, with larger keyboard and look-alike tables.

A label returned may contain a dot (the subdomain fuzzer) and may be invalid: the
caller checks validity once (`permute`). Pure functions of their input and of the
tables in `glyphs`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from revenant.discover.glyphs import CYRILLIC, homoglyphs_for, keyboard_neighbours

_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"
_BITS = frozenset(_ALNUM + "-")
_VOWELS = "aeiouy"


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


def _mix(label: str, glyphs: dict[str, tuple[str, ...]]) -> list[str]:
    """Every label with one character, or one pair, replaced by a look-alike."""
    get = glyphs.get
    out = [label[:i] + g + label[i + 1 :] for i, c in enumerate(label) for g in get(c, ())]
    pairs = [(i, label[i : i + 2]) for i in range(len(label) - 1)]
    out += [label[:i] + g + label[i + 2 :] for i, pair in pairs for g in get(pair, ())]
    out += [
        label[:i] + g + g + label[i + 2 :]
        for i, pair in pairs
        if pair[0] == pair[1]
        for g in get(pair[0], ())
    ]
    return out


def homoglyph(label: str, suffix: str = "") -> list[str]:
    """One and two look-alike replacements (as dnstwist: the second pass is quadratic),
    each once, in a fixed order."""
    glyphs = homoglyphs_for(suffix)
    first = list(dict.fromkeys(_mix(label, glyphs)))
    every = list(first)
    for once in first:
        every += _mix(once, glyphs)
    return list(dict.fromkeys(every))


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
    "homoglyph": homoglyph,
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
