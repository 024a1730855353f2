"""MISP export: an event file PyMISP loads back with the same content, TLP enforced as
tags and by leaving out, and a push checked by a loopback HTTP server that answers the
MISP REST calls PyMISP makes and checks the event it is sent.

The MISP server itself is not run (a PHP application with MySQL and Redis); the loopback
server answers the four calls a push makes, as MISP documents them, and checks them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from revenant.act.casefile import read_case_file
from revenant.act.misp import build_event, load_event, push, read_key
from revenant.cli import app
from revenant.errors import FetchFailed, UsageError
from revenant.model import Feature, Tlp
from revenant.store.cases import set_case_tlp, set_feature_tlp
from revenant.testnet import Testnet
from tests.act.mispserver import KEY, FakeMisp, misp_stand_in
from tests.act.sharing import World, build_world, running_net
from tests.conftest import FakeClock


@pytest.fixture(scope="module")
def net() -> Iterator[Testnet]:
    yield from running_net()


@pytest.fixture(scope="module")
def world(net: Testnet, tmp_path_factory: pytest.TempPathFactory) -> World:
    return build_world(net, tmp_path_factory.mktemp("misp"), FakeClock())


def _event(world: World, limit: Tlp = Tlp.AMBER):  # type: ignore[no-untyped-def]
    return build_event(
        read_case_file(world.pipe.store, "coco"), limit=limit, now=world.pipe.clock()
    )


def _content(event: Any) -> dict[str, Any]:
    """What an event says, without the fields a load may add (ids, timestamps)."""
    return {
        "info": event.info,
        "tags": sorted(t.name for t in event.tags),
        "attributes": sorted(
            (a.type, a.value, a.category, tuple(sorted(t.name for t in a.tags)))
            for a in event.attributes
        ),
        "objects": sorted(
            (
                o.name,
                tuple(
                    sorted(
                        (a.object_relation, str(a.value), tuple(t.name for t in a.tags))
                        for a in o.attributes
                    )
                ),
            )
            for o in event.objects
        ),
    }


def test_the_event_file_loads_back_in_pymisp_with_the_same_content(
    world: World, tmp_path: Path
) -> None:
    export = _event(world)
    path = tmp_path / "coco.misp.json"
    path.write_text(export.to_json())
    loaded = load_event(path)
    assert _content(loaded) == _content(export.event)
    objects = {o.name for o in loaded.objects}
    assert objects >= {"domain-ip", "url", "x509", "favicon"}
    mirror_ip = world.net.address_of("bavard0.net")
    dom = next(o for o in loaded.objects if o.name == "domain-ip")
    assert {(a.object_relation, a.value) for a in dom.attributes} == {
        ("domain", "bavard0.net"),
        ("ip", mirror_ip),
    }
    values = {a.value for a in loaded.attributes}
    assert "bavardo.net" in values  # the seized platform's domain
    assert "bc1qjeg92p5fpvyancqjlw6e9xtvt6w35y2ahmwnqa" in values  # a shared wallet
    assert "tlp:amber" in {t.name for t in loaded.tags}
    assert not any(t.name.startswith("misp-galaxy") for t in loaded.tags)


@pytest.fixture(scope="module")
def layered(net: Testnet, tmp_path_factory: pytest.TempPathFactory) -> World:
    """The case CLEAR, its favicon hash GREEN, its analytics id AMBER+STRICT, the wallet RED."""
    w = build_world(net, tmp_path_factory.mktemp("misp-layered"), FakeClock())
    store = w.pipe.store
    set_case_tlp(store, "coco", Tlp.CLEAR)
    for cf in read_case_file(store, "coco").features:
        if cf.feature.kind == "favicon_mmh3":
            set_feature_tlp(store, "coco", cf.feature, Tlp.GREEN)
        if cf.feature.kind == "ga":
            set_feature_tlp(store, "coco", cf.feature, Tlp.AMBER_STRICT)
    set_feature_tlp(
        store, "coco", Feature("btc", "bc1qjeg92p5fpvyancqjlw6e9xtvt6w35y2ahmwnqa"), Tlp.RED
    )
    return w


@pytest.mark.parametrize("limit", [Tlp.CLEAR, Tlp.GREEN, Tlp.AMBER, Tlp.AMBER_STRICT])
def test_each_export_level_leaves_out_everything_above_it(
    layered: World, limit: Tlp, tmp_path: Path
) -> None:
    casefile = read_case_file(layered.pipe.store, "coco")
    mmh3 = next(cf.feature.value for cf in casefile.features if cf.feature.kind == "favicon_mmh3")
    analytics = next(cf.feature.value for cf in casefile.features if cf.feature.kind == "ga")
    export = _event(layered, limit)
    path = tmp_path / "e.json"
    path.write_text(export.to_json())
    text = path.read_text()
    assert "bc1qjeg92p5fpvyancqjlw6e9xtvt6w35y2ahmwnqa" not in text  # RED
    assert (mmh3 in text) == (limit >= Tlp.GREEN)
    assert (analytics in text) == (limit >= Tlp.AMBER_STRICT)
    loaded = load_event(path)
    allowed = {f"tlp:{t.value.lower()}" for t in Tlp if t <= limit}
    tags = [t.name for a in loaded.attributes for t in a.tags]
    tags += [t.name for o in loaded.objects for a in o.attributes for t in a.tags]
    assert tags and set(tags) <= allowed


def test_a_case_above_the_export_level_is_refused(world: World) -> None:
    with pytest.raises(UsageError, match="nothing in it may be exported at TLP:CLEAR"):
        _event(world, Tlp.CLEAR)


# ------------------------------------------------------------------------- push


@pytest.fixture
def fake_misp() -> Iterator[str]:
    with misp_stand_in() as url:
        yield url


def test_push_sends_the_event_as_pymisp_does(world: World, fake_misp: str) -> None:
    export = _event(world)
    assert push(export, fake_misp, KEY) == "42"
    (sent,) = FakeMisp.received
    assert sent["uuid"] == export.event.uuid
    assert sent["info"] == export.event.info
    assert {t["name"] for t in sent["Tag"]} == {"tlp:amber"}
    assert {o["name"] for o in sent["Object"]} >= {"domain-ip", "url", "x509", "favicon"}


def test_push_with_a_refused_key_is_a_clear_failure(world: World, fake_misp: str) -> None:
    FakeMisp.refuse_key = True
    with pytest.raises(FetchFailed, match=f"MISP {fake_misp}"):
        push(_event(world), fake_misp, KEY)
    assert FakeMisp.received == []


def test_push_to_nothing_listening_is_a_clear_failure(world: World) -> None:
    with pytest.raises(FetchFailed, match=r"MISP http://127\.0\.0\.1:9"):
        push(_event(world), "http://127.0.0.1:9", KEY)


def test_key_file_must_hold_a_misp_key(tmp_path: Path) -> None:
    good = tmp_path / "key"
    good.write_text(KEY + "\n")
    assert read_key(good) == KEY
    bad = tmp_path / "bad"
    bad.write_text("not a key\n")
    with pytest.raises(UsageError, match="40 letters and digits"):
        read_key(bad)
    with pytest.raises(UsageError, match="--key-file"):
        read_key(tmp_path / "absent")


def test_cli_exports_and_pushes(world: World, fake_misp: str, tmp_path: Path) -> None:
    runner = CliRunner()
    data = ["--data-dir", str(world.data_dir)]
    out = tmp_path / "coco.misp.json"
    done = runner.invoke(app, [*data, "export", "misp", "coco", "-o", str(out)])
    assert done.exit_code == 0, done.output
    assert load_event(out).info.startswith("Revenant case coco")
    key = tmp_path / "misp.key"
    key.write_text(KEY)
    pushed = runner.invoke(
        app, [*data, "misp", "push", "coco", "--url", fake_misp, "--key-file", str(key)]
    )
    assert pushed.exit_code == 0, pushed.output
    assert "event 42" in pushed.stdout
