"""TLP 2.0 levels: their order, how they are typed, stored, kept across re-fingerprinting,
and the rule every partner export applies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from revenant.act.tlp import LEVELS, effective, export_limit, parse_level, shareable, stix_marking
from revenant.cli import app
from revenant.errors import UsageError
from revenant.model import CaseFeature, Feature, Tlp
from revenant.store import Store
from revenant.store.cases import (
    case_features,
    create_case,
    get_case,
    save_case_features,
    set_case_tlp,
    set_feature_tlp,
)


def test_levels_are_ordered_from_clear_to_red() -> None:
    assert sorted(Tlp, key=lambda t: t.rank) == [
        Tlp.CLEAR,
        Tlp.GREEN,
        Tlp.AMBER,
        Tlp.AMBER_STRICT,
        Tlp.RED,
    ]
    assert Tlp.CLEAR < Tlp.GREEN < Tlp.AMBER < Tlp.AMBER_STRICT < Tlp.RED
    assert Tlp.RED >= Tlp.AMBER and not Tlp.AMBER > Tlp.AMBER_STRICT


@pytest.mark.parametrize(
    ("typed", "level"),
    [
        ("amber", Tlp.AMBER),
        ("TLP:AMBER+STRICT", Tlp.AMBER_STRICT),
        ("amber-strict", Tlp.AMBER_STRICT),
        (" clear ", Tlp.CLEAR),
        ("Red", Tlp.RED),
    ],
)
def test_levels_parse_as_people_type_them(typed: str, level: Tlp) -> None:
    assert parse_level(typed) is level


def test_unknown_level_is_a_usage_error_naming_the_choices() -> None:
    with pytest.raises(UsageError, match="one of CLEAR, GREEN, AMBER, AMBER\\+STRICT, RED"):
        parse_level("WHITE")


def test_red_is_never_an_export_level() -> None:
    with pytest.raises(UsageError, match="never exported"):
        export_limit("red")
    assert export_limit("amber+strict") is Tlp.AMBER_STRICT


def test_a_derived_object_takes_the_most_restricted_level() -> None:
    assert effective(Tlp.GREEN, Tlp.AMBER) is Tlp.AMBER
    assert effective(Tlp.RED, Tlp.CLEAR) is Tlp.RED
    assert shareable(Tlp.GREEN, Tlp.AMBER) and not shareable(Tlp.AMBER, Tlp.GREEN)


def test_each_level_has_the_oasis_marking_definition() -> None:
    ids = {LEVELS[t].stix_id for t in Tlp}
    assert len(ids) == 5
    marking = stix_marking(Tlp.AMBER_STRICT)
    assert marking["name"] == "TLP:AMBER+STRICT"
    ext = marking["extensions"]
    assert isinstance(ext, dict)
    assert next(iter(ext.values()))["tlp_2_0"] == "amber+strict"


def test_cases_and_features_default_to_amber_and_keep_their_level(store: Store) -> None:
    create_case(store, "coco", ["bavardo.net"])
    assert get_case(store, "coco").tlp is Tlp.AMBER
    fav = Feature("favicon", "-495846046")
    save_case_features(store, "coco", [CaseFeature(fav), CaseFeature(Feature("ga", "UA-1-1"))])
    assert {cf.tlp for cf in case_features(store, "coco")} == {Tlp.AMBER}
    set_case_tlp(store, "coco", Tlp.GREEN)
    set_feature_tlp(store, "coco", fav, Tlp.RED)
    # Re-fingerprinting replaces the features; the analyst's level stays.
    save_case_features(store, "coco", [CaseFeature(fav, stability=0.5)])
    levels = {str(cf.feature): cf.tlp for cf in case_features(store, "coco")}
    assert levels == {"favicon:-495846046": Tlp.RED}
    assert get_case(store, "coco").tlp is Tlp.GREEN


def test_setting_the_level_of_an_absent_feature_is_refused(store: Store) -> None:
    create_case(store, "coco", ["bavardo.net"])
    with pytest.raises(UsageError, match="has no feature ga:UA-9"):
        set_feature_tlp(store, "coco", Feature("ga", "UA-9"), Tlp.RED)


def test_case_tlp_cli_sets_case_and_feature_levels(tmp_path: Path, store_factory) -> None:
    runner = CliRunner()
    data = ["--data-dir", str(tmp_path / "d")]
    assert (
        runner.invoke(app, [*data, "case", "create", "coco", "--domain", "bavardo.net"]).exit_code
        == 0
    )
    out = runner.invoke(app, [*data, "case", "tlp", "coco", "green", "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout) == {"case": "coco", "tlp": "GREEN"}
    bad = runner.invoke(app, [*data, "case", "tlp", "coco", "purple"])
    assert bad.exit_code == 2
    assert bad.stderr.strip() == (
        "revenant: TLP level 'purple': one of CLEAR, GREEN, AMBER, AMBER+STRICT, RED"
    )
    missing = runner.invoke(app, [*data, "case", "tlp", "coco", "red", "--feature", "ga:UA-1"])
    assert missing.exit_code == 2 and "has no feature ga:UA-1" in missing.stderr
    shown = runner.invoke(app, [*data, "case", "show", "coco"])
    assert "tlp:     GREEN" in shown.stdout
