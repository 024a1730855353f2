"""discover/idn.py: the fast IDNA path agrees with the idna package."""

from __future__ import annotations

import idna
from hypothesis import given, settings
from hypothesis import strategies as st

from revenant.discover.idn import label_to_ascii, punycode, to_ascii, why_invalid


@settings(max_examples=300)
@given(st.text(min_size=1, max_size=30))
def test_punycode_matches_the_standard_codec(text: str) -> None:
    assert punycode(text) == text.encode("punycode").decode("ascii")


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


def test_to_ascii_rejects_what_is_not_a_hostname() -> None:
    assert to_ascii("bücher.de") == "xn--bcher-kva.de"
    assert to_ascii("a" * 64 + ".com") is None
    assert to_ascii("ab--c.com") is None
    assert to_ascii("-a.com") is None
    assert to_ascii("x" * 250 + ".com") is None
    assert why_invalid("a\x00b.com") == "name contains control characters"
    assert why_invalid("a" * 300) == "name has 300 characters (max 253)"
