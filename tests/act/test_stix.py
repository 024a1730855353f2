"""STIX 2.1 export: a bundle the real stix2-validator accepts without errors or warnings,
with infrastructure, indicators, relationships, confidence and TLP 2.0 markings, and TLP
enforced (an export at a level carries nothing above it)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from stix2validator import ValidationOptions, validate_string

from revenant.act.casefile import read_case_file
from revenant.act.stix import build_bundle, confidence
from revenant.act.tlp import LEVELS
from revenant.errors import UsageError
from revenant.model import Feature, Tlp
from revenant.store.cases import set_case_tlp, set_feature_tlp
from revenant.testnet import Testnet
from tests.act.sharing import World, build_world, running_net
from tests.conftest import FakeClock


@pytest.fixture(scope="module")
def net() -> Iterator[Testnet]:
    yield from running_net()


@pytest.fixture(scope="module")
def world(net: Testnet, tmp_path_factory: pytest.TempPathFactory) -> World:
    return build_world(net, tmp_path_factory.mktemp("stix"), FakeClock())


def _bundle(world: World, limit: Tlp = Tlp.AMBER) -> dict[str, object]:
    casefile = read_case_file(world.pipe.store, "coco")
    return build_bundle(casefile, limit=limit, now=world.pipe.clock()).bundle


def _validate(bundle: dict[str, object]) -> tuple[list[str], list[str]]:
    result = validate_string(json.dumps(bundle), ValidationOptions(version="2.1", strict=False))
    warnings = [getattr(w, "message", str(w)) for w in (result.warnings or [])]
    return [e.message for e in result.errors], warnings


def test_the_bundle_passes_stix2_validator_without_errors_or_warnings(world: World) -> None:
    errors, warnings = _validate(_bundle(world))
    assert errors == []
    assert warnings == []


def test_the_bundle_holds_infrastructure_indicators_relationships_and_markings(
    world: World,
) -> None:
    bundle = _bundle(world)
    objects = bundle["objects"]
    assert isinstance(objects, list)
    by_type: dict[str, list[dict[str, object]]] = {}
    for obj in objects:
        by_type.setdefault(obj["type"], []).append(obj)
    names = {o["name"] for o in by_type["infrastructure"]}
    assert names == {"coco: seized platform", "coco: re-emergence at bavard0.net"}
    patterns = {o["pattern"] for o in by_type["indicator"]}
    mirror_ip = world.net.address_of("bavard0.net")
    assert "[domain-name:value = 'bavard0.net']" in patterns
    assert "[domain-name:value = 'bavardo.net']" in patterns
    assert f"[ipv4-addr:value = '{mirror_ip}']" in patterns
    assert any(p.startswith("[url:value = 'https://bavard0.net") for p in patterns)
    assert any(p.startswith("[file:hashes.'SHA-256' = ") for p in patterns)
    assert any(p.startswith("[x509-certificate:x_revenant_spki_sha256 = ") for p in patterns)
    rels = {(o["relationship_type"]) for o in by_type["relationship"]}
    assert rels == {"indicates", "related-to"}
    amber = LEVELS[Tlp.AMBER].stix_id
    assert {m["id"] for m in by_type["marking-definition"]} >= {amber}
    assert all(amber in o["object_marking_refs"] for o in by_type["indicator"])


def test_confidence_follows_the_reported_lr_band() -> None:
    assert confidence({"value": 2.0e7, "favours": "same-operator"}) == 95
    assert confidence({"value": 5000.0, "favours": "same-operator"}) == 70
    assert confidence({"value": 3.0}) == 15
    assert confidence({"value": 0.01, "favours": "different-operator"}) is None
    assert confidence(None) is None


def test_a_case_above_the_export_level_is_refused(world: World) -> None:
    with pytest.raises(
        UsageError, match="is TLP:AMBER: nothing in it may be exported at TLP:GREEN"
    ):
        _bundle(world, Tlp.GREEN)


# ---------------------------------------------------------------- TLP enforced


@pytest.fixture(scope="module")
def layered(net: Testnet, tmp_path_factory: pytest.TempPathFactory) -> World:
    """A case at CLEAR whose favicon is AMBER and whose TLS key is RED."""
    w = build_world(net, tmp_path_factory.mktemp("layered"), FakeClock())
    store = w.pipe.store
    set_case_tlp(store, "coco", Tlp.CLEAR)
    casefile = read_case_file(store, "coco")
    for cf in casefile.features:
        if cf.feature.kind == "favicon_sha256":
            set_feature_tlp(store, "coco", cf.feature, Tlp.AMBER)
    spki = casefile.mirrors[0].sighting.values("spki")[0]  # type: ignore[union-attr]
    # The mirror's key is not in the case fingerprint: pin it, then mark it RED.
    from revenant.store.cases import edit_case_feature

    edit_case_feature(store, "coco", Feature("spki", spki), pinned=True, excluded=None)
    set_feature_tlp(store, "coco", Feature("spki", spki), Tlp.RED)
    return w


@pytest.mark.parametrize("limit", [Tlp.CLEAR, Tlp.GREEN, Tlp.AMBER, Tlp.AMBER_STRICT])
def test_each_export_level_leaves_out_everything_above_it(layered: World, limit: Tlp) -> None:
    casefile = read_case_file(layered.pipe.store, "coco")
    favicon = next(
        cf.feature.value for cf in casefile.features if cf.feature.kind == "favicon_sha256"
    )
    spki = casefile.mirrors[0].sighting.values("spki")[0]  # type: ignore[union-attr]
    bundle = _bundle(layered, limit)
    text = json.dumps(bundle)
    assert spki not in text  # RED: never exported
    assert (favicon in text) == (limit >= Tlp.AMBER)
    allowed = {LEVELS[t].stix_id for t in Tlp if t <= limit}
    for obj in bundle["objects"]:  # type: ignore[union-attr]
        for ref in obj.get("object_marking_refs", []):
            assert ref in allowed, (obj["id"], ref)
    ids = {o["id"] for o in bundle["objects"]}  # type: ignore[union-attr]
    for obj in bundle["objects"]:  # type: ignore[union-attr]
        if obj["type"] == "relationship":
            assert obj["source_ref"] in ids and obj["target_ref"] in ids
        for ref in obj.get("object_refs", []):
            assert ref in ids
    assert _validate(bundle) == ([], [])


def test_export_cli_writes_the_bundle(world: World, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from revenant.cli import app

    out = tmp_path / "coco.stix.json"
    result = CliRunner().invoke(
        app,
        [
            "--data-dir",
            str(world.data_dir),
            "export",
            "stix",
            "coco",
            "-o",
            str(out),
            "--tlp",
            "amber",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "TLP:AMBER" in result.stdout
    assert json.loads(out.read_text())["type"] == "bundle"
    red = CliRunner().invoke(
        app,
        [
            "--data-dir",
            str(world.data_dir),
            "export",
            "stix",
            "coco",
            "-o",
            str(out),
            "--tlp",
            "red",
        ],
    )
    assert red.exit_code == 2 and "never exported" in red.stderr
