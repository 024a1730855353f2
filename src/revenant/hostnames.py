"""Host names, in one place for every stage: IP literals, IDNA (A-label) form, and the
split of a name at its public suffix (registrable domain).

- `to_ascii` turns a Unicode hostname into its A-label form and returns None for
  anything that is not a valid IDNA 2008 hostname (RFC 5890-5893): it never guesses or
  repairs; it is fast enough for millions of generated names (labels whose characters
  are known valid anywhere are encoded by ICU, in C; the rest are checked by `idna`). `ascii_host` is for what
  a person typed (UTS 46 mapping first) and raises `UsageError`.
- The public suffix list is the copy bundled with `publicsuffixlist` (never fetched:
  an air-gapped deployment behaves the same). Suffixes of its private section
  (`github.io`, `blogspot.com`) count like any other: under them anyone can register a
  name, so `a.github.io` and `b.github.io` are two sites, for the prober's same-site
  rule, for the fingerprint and for the permutations alike.
"""

from __future__ import annotations

import re
import socket
import unicodedata
from functools import cache, lru_cache
from typing import Any, NamedTuple

import idna
from idna import idnadata, intranges
from publicsuffixlist import PSLFILE, PublicSuffixList

from revenant.errors import UsageError

MAX_NAME = 253
MAX_LABEL = 63

_LDH = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\Z")
_ASCII_NAME = re.compile(
    r"(?=.{1,253}\Z)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\Z"
)
_PVALID = idnadata.codepoint_classes["PVALID"]


@lru_cache(maxsize=65536)
def safe_char(ch: str) -> bool:
    """True when `ch` may appear anywhere in a label with no context, bidi or NFC rule."""
    if ch.isascii():
        return ch in "abcdefghijklmnopqrstuvwxyz0123456789-"
    cp = ord(ch)
    return (
        intranges.intranges_contain(cp, _PVALID)
        and unicodedata.bidirectional(ch) == "L"
        and not unicodedata.category(ch).startswith("M")
        and unicodedata.normalize("NFC", ch) == ch
        and not 0x1100 <= cp <= 0x11FF  # Hangul jamo compose with neighbours under NFC
        and not 0xAC00 <= cp <= 0xD7A3
        and not 0x3130 <= cp <= 0x318F
    )


_SAFE: set[str] = set("abcdefghijklmnopqrstuvwxyz0123456789-")


def _learn_safe(label: str) -> bool:
    if all(safe_char(c) for c in label):
        _SAFE.update(label)
        return True
    return False


# -------------------------------------------------------------------- names


def label_to_ascii(label: str) -> str | None:
    """The A-label of one Unicode or ASCII label, or None if it is not valid IDNA."""
    if label.isascii():
        if _LDH.match(label) and (label[2:4] != "--" or _valid_alabel(label)):
            return label
        return None
    if not label or label[0] == "-" or label[-1] == "-" or label[2:4] == "--":
        return None
    alabel = _encode_valid(label) if _SAFE.issuperset(label) or _learn_safe(label) else None
    if alabel is None:
        try:
            alabel = idna.alabel(label).decode("ascii")
        except (idna.IDNAError, UnicodeError, ValueError):
            return None
    return alabel if len(alabel) <= MAX_LABEL else None


@cache
def _uts46() -> tuple[Any, Any]:
    """ICU's IDNA (UTS 46, nontransitional; immutable, shared by threads) and its result
    class, loaded on first use: PyICU takes tens of milliseconds to import."""
    import icu

    options = (
        icu.IDNA.CHECK_NONTRANSITIONAL_TO_ASCII
        | icu.IDNA.USE_STD3_RULES
        | icu.IDNA.CHECK_BIDI
        | icu.IDNA.CHECK_CONTEXTJ
        | icu.IDNA.CHECK_CONTEXT0
    )
    return icu.IDNA(options), icu.IDNAInfo


def _encode_valid(label: str) -> str | None:
    """The A-label of a label whose every character is PVALID, left-to-right,
    precomposed and context-free: valid as it is, it only needs RFC 3492, which ICU
    does in C (the codec `idna` uses is pure Python, nine times slower). UTS 46 maps
    none of these characters (tests/test_hostnames.py checks every one); should ICU
    ever object, None sends the label to `idna`."""
    uts46, result = _uts46()
    info = result()  # per call: it holds this call's errors
    alabel: str = uts46.labelToASCII(label, info)
    return None if info.errors() else alabel


def to_ascii(name: str) -> str | None:
    """The ASCII (A-label) form of a hostname, or None if it is not a valid one."""
    if name.isascii():
        if _ASCII_NAME.match(name):
            for label in name.split("."):
                if label[2:4] == "--" and not _valid_alabel(label):
                    return None
            return name
        return None
    parts = []
    for label in name.split("."):
        a = label_to_ascii(label)
        if a is None:
            return None
        parts.append(a)
    out = ".".join(parts)
    return out if len(out) <= MAX_NAME else None


@lru_cache(maxsize=4096)
def _valid_alabel(label: str) -> bool:
    try:
        idna.decode(label)
    except (idna.IDNAError, UnicodeError, ValueError):
        return False
    return True


def to_unicode(name: str) -> str:
    """The Unicode (U-label) form of an ASCII hostname, for display; unchanged if not IDN."""
    if "xn--" not in name:
        return name
    try:
        return idna.decode(name)
    except (idna.IDNAError, UnicodeError, ValueError):
        return name


def why_invalid(name: str) -> str | None:
    """A short reason a feed name cannot be a hostname, or None if it is fine."""
    if len(name) > MAX_NAME:
        return f"name has {len(name)} characters (max {MAX_NAME})"
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        return "name contains control characters"
    if not name:
        return "empty name"
    if to_ascii(name) is None:
        return "name is not a valid IDNA hostname"
    return None


def ascii_host(host: str) -> str:
    """The A-label form of a hostname a person typed (UTS 46 mapping, then IDNA 2008);
    UsageError if it cannot be one."""
    host = host.strip().rstrip(".").lower()
    if not host:
        raise UsageError("empty hostname")
    if host.isascii():
        return host
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError as exc:
        raise UsageError(f"hostname {host!r} is not a valid IDN ({exc})") from None


def is_ip(host: str) -> bool:
    """Whether `host` is an IP address literal (IPv6 with or without brackets)."""
    try:
        socket.inet_pton(socket.AF_INET6 if ":" in host else socket.AF_INET, host.strip("[]"))
    except OSError:
        return False
    return True


# ------------------------------------------------------------ public suffixes


class Suffixes(NamedTuple):
    """Rules of the list, in A-label form: plain suffixes of each section, wildcard
    parents ("*.ck" -> "ck"), exceptions ("!www.ck" -> "www.ck")."""

    icann: frozenset[str]
    private: frozenset[str]
    wildcards: frozenset[str]
    exceptions: frozenset[str]

    @property
    def all(self) -> frozenset[str]:
        return self.icann | self.private


@cache
def public_suffixes() -> Suffixes:
    """The bundled list's rules, read once."""
    icann: set[str] = set()
    private: set[str] = set()
    wild: set[str] = set()
    exc: set[str] = set()
    section = icann
    with open(PSLFILE, encoding="utf-8") as lines:
        for line in lines:
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


class HostParts(NamedTuple):
    """A name cut at its public suffix: `www` + `coco` + `co.uk`."""

    subdomain: str
    label: str
    suffix: str

    @property
    def registrable(self) -> str:
        return f"{self.label}.{self.suffix}" if self.suffix else self.label


@cache
def _psl() -> PublicSuffixList:
    # an unknown TLD (.test, .internal) counts as a public suffix of one label
    return PublicSuffixList(accept_unknown=True)


@lru_cache(maxsize=65536)
def split(name: str) -> HostParts:
    """(subdomain, label, suffix) of a hostname, longest public suffix winning. An IP
    literal or a single label is all label; a name that is itself a suffix splits at its
    last dot."""
    host = name.strip().lower().rstrip(".")
    if not host or is_ip(host) or "." not in host:
        return HostParts("", host, "")
    suffix = _psl().publicsuffix(host)
    if suffix is None or suffix == host:
        label, _, last = host.rpartition(".")
        return HostParts("", label, last)
    head = host[: -len(suffix) - 1]
    sub, _, label = head.rpartition(".")
    return HostParts(sub, label, suffix)


def registrable(host: str) -> str:
    """'chat.coco.co.uk' -> 'coco.co.uk', 'a.github.io' -> 'a.github.io'; the host
    itself when it is an IP literal, one label or a public suffix."""
    return split(host).registrable
