"""The public suffix list, read from tldextract's bundled snapshot (never fetched), and
the split of a hostname into (subdomain, registrable label, public suffix)."""

from __future__ import annotations

import pkgutil
from functools import cache
from typing import NamedTuple

from revenant.discover.idn import to_ascii


class Suffixes(NamedTuple):
    """Rules of the list: plain suffixes, wildcard parents ("*.ck" -> "ck"), exceptions."""

    icann: frozenset[str]
    private: frozenset[str]
    wildcards: frozenset[str]
    exceptions: frozenset[str]

    @property
    def all(self) -> frozenset[str]:
        return self.icann | self.private


@cache
def public_suffixes() -> Suffixes:
    """Parse the snapshot once; suffixes are returned in ASCII (A-label) form."""
    raw = pkgutil.get_data("tldextract", ".tld_set_snapshot")
    if raw is None:  # pragma: no cover - the snapshot ships with tldextract
        raise RuntimeError("tldextract's bundled public suffix snapshot is missing")
    icann: set[str] = set()
    private: set[str] = set()
    wild: set[str] = set()
    exc: set[str] = set()
    section = icann
    for line in raw.decode("utf-8").splitlines():
        line = line.strip()
        if line.startswith("// ===BEGIN PRIVATE"):
            section = private
        if not line or line.startswith("//"):
            continue
        rule = line.split()[0].lower()
        if rule.startswith("!"):
            exc.add(to_ascii(rule[1:]) or rule[1:])
        elif rule.startswith("*."):
            wild.add(to_ascii(rule[2:]) or rule[2:])
        else:
            ascii_rule = to_ascii(rule)
            if ascii_rule:
                section.add(ascii_rule)
    return Suffixes(frozenset(icann), frozenset(private), frozenset(wild), frozenset(exc))


def split(name: str, *, private: bool = True) -> tuple[str, str, str]:
    """(subdomain, label, suffix) of an ASCII hostname, longest public suffix winning.

    A name that is itself a suffix, or has no known suffix, splits on its last dot.
    """
    rules = public_suffixes()
    plain = rules.all if private else rules.icann
    labels = name.split(".")
    suffix_at = len(labels) - 1
    for i in range(len(labels) - 1, 0, -1):
        candidate = ".".join(labels[i:])
        parent = ".".join(labels[i + 1 :])
        if candidate in rules.exceptions:
            break
        if candidate in plain or parent in rules.wildcards:
            suffix_at = i
    if len(labels) < 2:
        return "", name, ""
    return ".".join(labels[: suffix_at - 1]), labels[suffix_at - 1], ".".join(labels[suffix_at:])
