"""hostnames.py: one place for IP literals, IDNA form and the public suffix split; the
fast IDNA path agrees with the idna package, and every stage cuts names alike."""

from __future__ import annotations

from functools import cache

import idna
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from idna import idnadata

from revenant.errors import UsageError
from revenant.hostnames import (
    _encode_valid,
    ascii_host,
    is_ip,
    label_to_ascii,
    public_suffixes,
    registrable,
    safe_char,
    split,
    to_ascii,
    why_invalid,
)


@settings(max_examples=300)
@given(st.text(alphabet="abcz09-éöçñıʒɑаеοσ😀\u200d\u0301ß", min_size=1, max_size=20))
def test_label_to_ascii_agrees_with_idna(label: str) -> None:
    expected: str | None
    try:
        encoded = idna.alabel(label).decode("ascii")
        expected = encoded if len(encoded) <= 63 else None
    except (idna.IDNAError, UnicodeError):
        expected = None
    assert label_to_ascii(label) == expected


@cache
def _safe_characters() -> tuple[str, ...]:
    """Every non-ASCII character `label_to_ascii` encodes without asking `idna`."""
    pvalid = idnadata.codepoint_classes["PVALID"]
    ranges = ((r >> 32, r & 0xFFFFFFFF) for r in pvalid)
    return tuple(c for lo, hi in ranges for c in map(chr, range(max(lo, 128), hi)) if safe_char(c))


def test_icu_encodes_every_safe_character_as_rfc_3492_does() -> None:
    safe = _safe_characters()
    assert len(safe) > 100_000  # the whole fast path, not a sample
    wrong = [
        c
        for c in safe
        for label in (c, f"a{c}", f"{c}9-{c}")
        if _encode_valid(label) != "xn--" + label.encode("punycode").decode("ascii")
    ]
    assert wrong == []


@settings(max_examples=300)
@given(st.data())
def test_labels_of_safe_characters_encode_as_the_idna_package_does(data: st.DataObject) -> None:
    alphabet = st.sampled_from([*_safe_characters()[::97], *"abz09-"])
    label = data.draw(st.text(alphabet=alphabet, min_size=1, max_size=20))
    try:
        expected: str | None = idna.alabel(label).decode("ascii")
    except idna.IDNAError:
        expected = None  # a leading or trailing hyphen, "--" at 3-4, or too long
    assert label_to_ascii(label) == (expected if expected and len(expected) <= 63 else None)


def test_a_label_icu_objects_to_is_left_to_idna() -> None:
    assert _encode_valid("a\u200db") is None  # ZERO WIDTH JOINER outside its context
    assert label_to_ascii("a\u200db") is None


def test_to_ascii_rejects_what_is_not_a_hostname() -> None:
    assert to_ascii("bücher.de") == "xn--bcher-kva.de"
    assert to_ascii("a" * 64 + ".com") is None
    assert to_ascii("ab--c.com") is None
    assert to_ascii("-a.com") is None
    assert to_ascii("x" * 250 + ".com") is None
    assert why_invalid("a\x00b.com") == "name contains control characters"
    assert why_invalid("a" * 300) == "name has 300 characters (max 253)"


def test_typed_hosts_are_mapped_then_encoded_or_refused() -> None:
    assert ascii_host(" Bücher.DE. ") == "xn--bcher-kva.de"
    with pytest.raises(UsageError, match="not a valid IDN"):
        ascii_host("a\u200db.com")
    with pytest.raises(UsageError):
        ascii_host("  ")


def test_ip_literals() -> None:
    assert is_ip("127.0.0.1") and is_ip("::1") and is_ip("[2001:db8::1]")
    assert not is_ip("1.2.3") and not is_ip("coco.fr") and not is_ip("cafe")


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("chat.coco.co.uk", "coco.co.uk"),
        ("www.interieur.gouv.fr", "interieur.gouv.fr"),
        ("a.b.github.io", "b.github.io"),  # a private-section suffix is a suffix
        ("x.blogspot.com", "x.blogspot.com"),
        ("github.io", "github.io"),
        ("co.uk", "co.uk"),
        ("www.x.test", "x.test"),  # an unknown TLD is a one-label suffix
        ("127.0.0.1", "127.0.0.1"),
        ("localhost", "localhost"),
        ("WWW.Coco.FR.", "coco.fr"),
    ],
)
def test_registrable_domain(host: str, expected: str) -> None:
    assert registrable(host) == expected


def test_split_names_the_three_parts() -> None:
    assert split("www.gendarmerie.interieur.gouv.fr") == (
        "www.gendarmerie",
        "interieur",
        "gouv.fr",
    )
    assert split("github.io") == ("", "github", "io")
    assert split("::1") == ("", "::1", "")


def test_every_stage_uses_the_same_split() -> None:
    from revenant.fingerprint.names import brand_label
    from revenant.fingerprint.names import registrable as fingerprint_registrable
    from revenant.probe import links

    assert fingerprint_registrable is registrable
    assert links.registrable is registrable
    assert brand_label("shop.coco.github.io") == "coco"


def test_suffix_rules_come_from_the_bundled_list() -> None:
    rules = public_suffixes()
    assert {"fr", "gouv.fr", "co.uk"} <= rules.icann
    assert "github.io" in rules.private and "github.io" not in rules.icann
    assert "ck" in rules.wildcards and "www.ck" in rules.exceptions
