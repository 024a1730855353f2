"""Finding fixed strings in one pass: the same offsets as searching for each."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from revenant.fingerprint.literals import (
    MAX_HITS,
    MAX_TRIED,
    MIN_INDEXED,
    LiteralSet,
    find_all,
    matches_at,
)

LITERALS = LiteralSet(["UA-", "G-", "t.me/", "0x", "_paq", "@", "aaa", "BEGIN PGP", "q"])


def _searched(text: str) -> dict[str, list[int]]:
    return {lit: find_all(text, lit) for lit in LITERALS.literals if lit in text}


def test_find_all_includes_overlapping_occurrences() -> None:
    assert find_all("aaaa", "aa") == [0, 1, 2]
    assert find_all("abc", "x") == []


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet="aUAG-0x.t/me_pq@\u00e9\U0001f600\ud800 ", max_size=300),
    st.sampled_from(["", "~", "\u00e9", "\U0001f600"]),
)
def test_offsets_are_those_of_a_search_for_each(tail: str, pad: str) -> None:
    for text in (tail, pad * MIN_INDEXED + tail, tail + pad * MIN_INDEXED + tail):
        assert LITERALS.find(text) == _searched(text)


def test_literal_at_the_very_start_and_end() -> None:
    text = "UA-" + "~" * MIN_INDEXED + "0x"
    assert LITERALS.find(text) == {"UA-": [0], "0x": [MIN_INDEXED + 3]}


def test_a_text_made_of_literals_is_searched_literal_by_literal() -> None:
    text = "UA-" * (MAX_HITS + 5) + "@" * (MAX_HITS + 5)
    found = LITERALS.find(text)
    assert found["UA-"] == list(range(0, 3 * (MAX_HITS + 1), 3))  # enough for re to take over
    assert found["@"] == list(range(3 * (MAX_HITS + 5), len(text)))  # every one


def test_matches_at_many_offsets_is_finditer_up_to_max_tried() -> None:
    text = "UA-12345-1 " * (MAX_HITS + 5)
    offsets = find_all(text, "UA-", MAX_HITS + 1)
    pattern = re.compile(r"UA-\d{4,10}-\d{1,4}")
    assert [m.span() for m in matches_at(pattern, text, offsets)] == [
        m.span() for m in pattern.finditer(text)
    ][:MAX_TRIED]


def test_only_ascii_literals() -> None:
    try:
        LiteralSet(["caf\u00e9"])
    except UnicodeEncodeError:
        return
    raise AssertionError("a non-ASCII literal was accepted")
