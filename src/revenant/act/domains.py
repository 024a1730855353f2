"""What may go into a blocking zone: a fully qualified host name in its IDNA A-label
form (LDH labels of 1-63 characters, at most 253 in all, at least two labels).

A resolver applies a zone's names to every query under them, so a name here must never
be a wildcard, an address or a top-level domain alone.
"""

from __future__ import annotations

import re

import idna

from revenant.errors import UsageError

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_MAX = 253
_PLAIN = re.compile(
    r"^(?=.{1,253}$)(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))+$", re.A
)


def check_domain(text: str, *, where: str = "domain") -> str:
    """The A-label form of a host name fit for a blocking zone; UsageError naming `where`
    and why otherwise."""
    raw = text.strip().rstrip(".")
    if _PLAIN.match(raw) and not raw.rsplit(".", 1)[-1].isdigit():
        return raw.lower()  # already an A-label name: no IDNA round trip (zones of 100,000)
    if "://" in raw or "/" in raw or "*" in raw or not raw:
        raise UsageError(
            f"{where} {text!r} is not a domain name (give a bare name like mirror.example)"
        )
    try:
        name = idna.encode(raw, uts46=True).decode("ascii").lower()
    except (idna.IDNAError, UnicodeError) as exc:
        raise UsageError(f"{where} {text!r} is not a domain name ({exc})") from None
    labels = name.split(".")
    if len(labels) < 2:
        raise UsageError(f"{where} {text!r}: a top-level name alone cannot be blocked")
    if len(name) > _MAX:
        raise UsageError(f"{where} {text!r}: {len(name)} characters (max {_MAX})")
    bad = next((label for label in labels if not _LABEL.match(label)), None)
    if bad is not None:
        raise UsageError(f"{where} {text!r}: label {bad!r} is not letters, digits and hyphens")
    if labels[-1].isdigit():
        raise UsageError(f"{where} {text!r} is an address, not a domain name")
    return name
