"""Feature weights: the scorer's own bits for a page showing one feature alone."""

from __future__ import annotations

from revenant.fingerprint.kinds import kind
from revenant.match.background import Background
from revenant.match.weights import feature_weights
from revenant.model import CaseFeature, CaseFingerprint, Feature


def test_each_feature_weighs_what_the_scorer_gives_it_alone() -> None:
    ga = Feature("ga", "UA-1234567-1")
    server = Feature("server", "rare-server/9.9")
    common = Feature("cookie", "seen")
    case = CaseFingerprint(
        "coco",
        (
            CaseFeature(ga),
            CaseFeature(server),
            CaseFeature(common, stability=0.5),
            CaseFeature(Feature("telegram", "coco_news"), excluded=True),
        ),
        domains=("coco.gg",),
    )
    weights = {
        str(w.feature.feature): w for w in feature_weights(case, Background({common: 500}, 1000))
    }
    assert weights["ga:UA-1234567-1"].bits == 16.0  # an unseen identifier: 1 in 65,534 assumed
    assert weights["server:rare-server/9.9"].bits <= kind("server").cap
    assert weights["telegram:coco_news"].bits == 16.0  # excluded, yet weighed as if included
    assert weights["cookie:seen"].bits < 1.0  # half the sites show it, and half-stable
    ordered = [w.bits for w in feature_weights(case, Background({common: 500}, 1000))]
    assert ordered == sorted(ordered, reverse=True)
    assert weights["ga:UA-1234567-1"].contribution is not None
