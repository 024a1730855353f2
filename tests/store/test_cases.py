from __future__ import annotations

import pytest

from revenant.errors import CaseExists, UnknownCase, UsageError
from revenant.model import CaseFeature, Feature
from revenant.store.cases import (
    case_features,
    create_case,
    edit_case_feature,
    get_case,
    list_cases,
    save_case_features,
)


def test_create_and_read_back_a_case(store, clock) -> None:
    made = create_case(store, "coco", ["Coco.GG", "https://coco.fr/x"], ["Coco"], clock=clock)
    assert made.domains == ("coco.gg", "coco.fr")
    assert made.brands == ("coco",)
    assert get_case(store, "coco") == made
    assert [c.name for c in list_cases(store)] == ["coco"]


def test_duplicate_case_is_refused(store) -> None:
    create_case(store, "coco", ["coco.gg"])
    with pytest.raises(CaseExists, match="coco"):
        create_case(store, "coco", ["other.gg"])


def test_unknown_case_names_itself(store) -> None:
    with pytest.raises(UnknownCase, match="'nope'"):
        get_case(store, "nope")


@pytest.mark.parametrize("domain", ["", "nodot", "a b.com", "x" * 250 + ".com"])
def test_bad_domains_are_usage_errors(store, domain: str) -> None:
    with pytest.raises(UsageError):
        create_case(store, "c", [domain])


def test_refreshing_features_keeps_analyst_pins_and_exclusions(store) -> None:
    create_case(store, "coco", ["coco.gg"])
    ga, fav = Feature("ga", "UA-1-1"), Feature("favicon.mmh3", "123")
    save_case_features(store, "coco", [CaseFeature(ga, 1.0), CaseFeature(fav, 0.5)])
    edit_case_feature(store, "coco", ga, pinned=None, excluded=True)
    edit_case_feature(store, "coco", Feature("ws", "/ws/chat"), pinned=True, excluded=None)
    save_case_features(store, "coco", [CaseFeature(ga, 1.0)])
    got = {cf.feature: cf for cf in case_features(store, "coco")}
    assert got[ga].excluded
    assert got[Feature("ws", "/ws/chat")].pinned
    assert fav not in got


def test_editing_a_missing_feature_without_pin_is_a_usage_error(store) -> None:
    create_case(store, "coco", ["coco.gg"])
    with pytest.raises(UsageError, match="no feature"):
        edit_case_feature(store, "coco", Feature("ga", "UA-9"), pinned=None, excluded=True)
