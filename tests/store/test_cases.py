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
    made = create_case(store, "coco", ["Coco.GG", "coco.fr."], ["Coco"], clock=clock)
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


@pytest.mark.parametrize(
    ("domain", "why"),
    [
        ("", "empty"),
        ("nodot", "suffix"),
        ("a b.com", "spaces"),
        ("x" * 250 + ".com", "characters"),
        ("https://coco.gg", "scheme"),
        ("coco.gg:8443", "port"),
        ("coco.gg/chat", "path"),
        ("*.coco.gg", "wildcard"),
        ("co_co.gg", "underscore"),
        ("x" * 64 + ".gg", "max 63"),
        ("coco..gg", "empty label"),
        ("xn--zz.gg", "IDNA"),
        ("-coco.gg", "IDNA"),
    ],
)
def test_bad_domains_are_usage_errors_saying_why(store, domain: str, why: str) -> None:
    with pytest.raises(UsageError, match=why):
        create_case(store, "c", [domain])


def test_the_domains_a_case_accepts_are_the_ones_permute_accepts(store) -> None:
    from revenant.discover.permute import permutations

    made = create_case(store, "c", ["bavardö.fr", "Coco.GG."])
    for domain in made.domains:
        assert next(iter(permutations(domain, fuzzers=["omission"])))


def test_refreshing_features_keeps_analyst_pins_and_exclusions(store) -> None:
    create_case(store, "coco", ["coco.gg"])
    ga, fav = Feature("ga", "UA-1-1"), Feature("favicon.mmh3", "123")
    save_case_features(store, "coco", [CaseFeature(ga, 1.0), CaseFeature(fav, 0.5)])
    edit_case_feature(store, "coco", ga, pinned=None, excluded=True)
    edit_case_feature(store, "coco", fav, pinned=True, excluded=None)
    save_case_features(store, "coco", [CaseFeature(ga, 1.0)])
    got = {cf.feature: cf for cf in case_features(store, "coco")}
    assert got[ga].excluded
    assert got[fav].pinned  # no longer observed, kept: the analyst's word stands


@pytest.mark.parametrize(("pinned", "excluded"), [(None, True), (True, None)])
def test_editing_a_feature_the_case_does_not_have_is_a_usage_error(
    store, pinned: bool | None, excluded: bool | None
) -> None:
    create_case(store, "coco", ["coco.gg"])
    with pytest.raises(UsageError, match="no feature ga:UA-9"):
        edit_case_feature(store, "coco", Feature("ga", "UA-9"), pinned=pinned, excluded=excluded)
