"""Background: document frequencies, the seed, and similarity calibration."""

from __future__ import annotations

import random

import pytest

from revenant.errors import BadInput
from revenant.fingerprint.kinds import DEFAULT_PRIOR_N, IDENTIFIER_PRIOR_N
from revenant.match.background import Background, Calibration, Prevalence
from revenant.model import Feature, Fingerprint

JQ = Feature("asset_url", "code.jquery.com/jquery-3.6.0.min.js")


def test_counts_from_mapping_iterable_and_strings() -> None:
    a = Background(
        {Feature("cookie", "sid"): 3, "server:nginx/9": 2, ("ip", "1.2.3.4"): 1},
        10,
        with_seed=False,
    )
    b = Background(
        [("cookie:sid", 3), ("server:nginx/9", 2), ("ip:1.2.3.4", 1)], 10, with_seed=False
    )
    for bg in (a, b):
        assert bg.evidence(Feature("cookie", "sid")) == Prevalence(
            (3 + 1) / (10 + 2), 3, 10, "store"
        )


def test_bad_counts_rejected() -> None:
    with pytest.raises(BadInput):
        Background({"no-colon": 1}, 1)
    with pytest.raises(BadInput):
        Background({"cookie:x": -1}, 1)


def test_seed_knows_common_web_features_and_is_never_counted_as_observed() -> None:
    bg = Background({}, 30)
    prev = bg.evidence(JQ)
    assert prev.basis == "seed" and prev.p > 0.01 and prev.seed_share > 0.01
    assert (prev.df, prev.n) == (0, 30)  # the seed's nominal sites are not sites seen


def test_unseen_identifier_and_other_features_use_their_priors() -> None:
    bg = Background({}, 100)
    assert bg.evidence(Feature("ga", "UA-999999-1")) == Prevalence(
        1 / (IDENTIFIER_PRIOR_N + 2), 0, 100, "prior"
    )
    prev = bg.evidence(Feature("asset_url", "/x/y.js"))
    assert prev.basis == "prior" and prev.one_in == DEFAULT_PRIOR_N + 2 and prev.n == 100


def test_a_store_larger_than_the_prior_speaks_for_itself() -> None:
    bg = Background({}, 100_000)
    assert bg.evidence(Feature("ga", "UA-999999-1")) == Prevalence(1 / 100_002, 0, 100_000, "store")


def test_observed_commonness_beats_the_seed() -> None:
    bg = Background({JQ: 90}, 100)
    assert bg.prevalence(JQ) == pytest.approx(91 / 102)


def test_excluding_removes_counts() -> None:
    bg = Background({"cookie:sid": 5}, 50, with_seed=False)
    view = bg.excluding({Feature("cookie", "sid"): 5}, 5)
    assert view.observed == 45
    assert view.evidence(Feature("cookie", "sid")).df == 0
    assert bg.evidence(Feature("cookie", "sid")).df == 5


def test_calibration_prior_and_empirical_tails() -> None:
    cal = Calibration()
    prior = cal.hamming_tail("text_hamming", 3)
    assert prior.m == 0 and prior.p < 1e-6 and prior.by_prior
    cal.add("text_hamming", [float(random.Random(i).randrange(20, 40)) for i in range(1000)])
    tail = cal.hamming_tail("text_hamming", 3)
    assert tail.m == 1000 and tail.k == 0 and tail.p >= 1 / 1002 and not tail.by_prior
    assert cal.hamming_tail("text_hamming", 40).p == pytest.approx(1.0, abs=0.01)
    assert cal.jaccard_tail("text_jaccard", 0.95).p <= 1e-3


def test_from_fingerprints_counts_and_calibrates() -> None:
    rng = random.Random(3)
    fps = [
        Fingerprint(
            f"https://s{i}.fr/",
            frozenset({Feature("cookie", "PHPSESSID")}),
            text_simhash=rng.getrandbits(64),
            dom_simhash=rng.getrandbits(64),
            text_minhash=tuple(rng.getrandbits(32) for _ in range(64)),
            text_words=100,
            registrable=f"s{i}.fr",
        )
        for i in range(60)
    ]
    bg = Background.from_fingerprints(fps, with_seed=False)
    assert bg.evidence(Feature("cookie", "PHPSESSID")).df == 60
    assert len(bg.calibration.samples["dom_hamming"]) > 200
