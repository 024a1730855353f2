"""Near-duplicate index: SimHash permuted tables."""

from __future__ import annotations

import random

import pytest

from revenant.match import NearDuplicateIndex, SimHashIndex
from revenant.model import Fingerprint


def _flip(x: int, bits: list[int]) -> int:
    for b in bits:
        x ^= 1 << b
    return x


def test_finds_everything_within_three_bits_and_nothing_beyond() -> None:
    rng = random.Random(5)
    base = [rng.getrandbits(64) for _ in range(5000)]
    idx = SimHashIndex(3)
    idx.rebuild(enumerate(base))
    for _ in range(200):
        i = rng.randrange(len(base))
        d = rng.randrange(4)
        hits = dict(idx.query(_flip(base[i], rng.sample(range(64), d))))
        assert hits.get(i) == d
    far = _flip(base[0], list(range(0, 64, 9)))  # 8 bits away
    assert 0 not in dict(idx.query(far))


def test_add_is_visible_before_and_after_rebuild() -> None:
    idx = SimHashIndex(3, buffer_limit=10)
    idx.add("a", 0xFFFF)
    assert idx.query(0xFFFE) == [("a", 1)]
    for i in range(20):  # crosses the buffer limit: folded into the tables
        idx.add(i, i << 40)
    assert ("a", 0) in idx.query(0xFFFF)
    assert len(idx) == 21


def test_bad_distance_rejected() -> None:
    with pytest.raises(ValueError):
        SimHashIndex(9)


def test_near_duplicate_index_over_fingerprints() -> None:
    idx = NearDuplicateIndex()
    idx.rebuild([(1, Fingerprint("a", frozenset(), text_simhash=0b1011, dom_simhash=7))])
    idx.add(2, Fingerprint("b", frozenset(), text_simhash=0xF << 60))
    found = idx.query(Fingerprint("q", frozenset(), text_simhash=0b1010, dom_simhash=7))
    assert [(m.key, m.distance, m.sketch) for m in found] == [(1, 0, "dom"), (1, 1, "text")]
