"""MISP export: an event file PyMISP loads back with the same content, TLP enforced as
tags and by leaving out, and a push checked by a loopback HTTP server that answers the
MISP REST calls PyMISP makes and checks the event it is sent.

The MISP server itself is not run (a PHP application with MySQL and Redis); the loopback
server answers the four calls a push makes, as MISP documents them, and checks them."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from typer.testing import CliRunner

from revenant.act.casefile import read_case_file
from revenant.act.misp import build_event, load_event, push, read_key
from revenant.cli import app
from revenant.errors import FetchFailed, UsageError
from revenant.model import Feature, Tlp
from revenant.store.cases import set_case_tlp, set_feature_tlp
from revenant.testnet import Testnet
from tests.act.sharing import World, build_world, running_net
from tests.conftest import FakeClock

KEY = "A" * 20 + "b" * 20


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


class FakeMisp(BaseHTTPRequestHandler):
    """Answers PyMISP's connection checks and `events/add` the way MISP documents them,
    and refuses anything else or any request without the key."""

    received: ClassVar[list[dict[str, Any]]] = []
    refuse_key: ClassVar[bool] = False

    def log_message(self, *args: object) -> None:
        pass

    def _send(self, status: int, doc: object) -> None:
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _authorised(self) -> bool:
        ok = self.headers.get("Authorization") == KEY and not self.refuse_key
        ok = ok and self.headers.get("Accept") == "application/json"
        if not ok:
            self._send(
                403,
                {
                    "name": "Authentication failed.",
                    "message": "Authentication failed.",
                    "url": self.path,
                },
            )
        return ok

    def do_GET(self) -> None:
        if not self._authorised():
            return
        if self.path == "/servers/getPyMISPVersion.json" or self.path == "/servers/getVersion":
            self._send(200, {"version": "2.5.34"})
        elif self.path == "/users/view/me":
            self._send(
                200,
                {
                    "User": {
                        "id": "3",
                        "email": "partner@police.test",
                        "org_id": "1",
                        "role_id": "3",
                    },
                    "Role": {"id": "3", "name": "User", "perm_add": True},
                    "UserSetting": [],
                },
            )
        elif self.path == "/attributes/describeTypes.json":
            self._send(404, {"name": "Not Found", "message": "Not Found", "url": self.path})
        else:
            self._send(404, {"name": "Not Found", "message": "Not Found", "url": self.path})

    def do_POST(self) -> None:
        if not self._authorised():
            return
        if self.path != "/events/add" or self.headers.get("Content-Type") != "application/json":
            self._send(404, {"errors": [f"unexpected POST {self.path}"]})
            return
        length = int(self.headers.get("Content-Length", "0"))
        doc = json.loads(self.rfile.read(length))
        event = doc.get("Event", doc)
        type(self).received.append(event)
        if not event.get("info") or not event.get("Attribute"):
            self._send(403, {"errors": ["event without info or attributes"]})
            return
        self._send(200, {"Event": {"id": "42", "uuid": event.get("uuid"), "info": event["info"]}})


@pytest.fixture
def fake_misp() -> Iterator[str]:
    FakeMisp.received = []
    FakeMisp.refuse_key = False
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeMisp)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


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
