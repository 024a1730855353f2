"""`capture --render`, `score --render` and `watch --render` through the CLI, against a
testnet holding a single-page-app re-emergence, in the real Chromium."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner
from warcio.archiveiterator import ArchiveIterator

from revenant.cli import app
from revenant.testnet import Testnet
from revenant.testnet.scenario import Scenario, generate
from tests.components import need_binary

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return generate(5, reemergences=1, decoys=2, background=10, spa=1)


@pytest.fixture(scope="module")
def net(scenario: Scenario) -> Iterator[Testnet]:
    with Testnet(scenario.sites, seed=5) as running:
        yield running


@pytest.fixture
def run(tmp_path: Path, net: Testnet):
    need_binary("chromium-headless-shell")
    runner = CliRunner()
    opts = ["--resolver", net.resolver, "--allow", net.allow, "--ca-file", str(net.ca_pem)]

    def invoke(*args: str, network: bool = False):
        return runner.invoke(
            app, ["--data-dir", str(tmp_path / "data"), *args, *(opts if network else [])]
        )

    return invoke


def test_capture_render_prints_what_the_browser_did(run, scenario: Scenario, net: Testnet) -> None:
    (spa,) = scenario.spa
    result = run("capture", net.url(spa), "--render", network=True)
    assert result.exit_code == 0, result.output
    line = result.stdout.splitlines()[1]
    assert line.startswith("  rendered in Chromium ") and "fetched by the prober" in line
    doc = json.loads(run("capture", net.url(spa), "--render", "--json", network=True).stdout)
    rendered = doc["rendered"]
    assert rendered["outcome"] == "ok" and rendered["fetched"] >= 1 and rendered["refused"] >= 1
    types = []
    with open(doc["warc"], "rb") as fh:
        for record in ArchiveIterator(fh):
            types.append((record.rec_type, record.rec_headers.get_header("WARC-Target-URI")))
    resources = [uri for rtype, uri in types if rtype == "resource"]
    assert any(u.startswith("urn:revenant:rendered-dom:https://") for u in resources)
    assert any(u.startswith("urn:revenant:screenshot:https://") for u in resources)
    verified = run("verify")
    assert verified.exit_code == 0, verified.output


def test_a_spa_re_emergence_needs_the_browser_to_be_found(
    run, scenario: Scenario, net: Testnet
) -> None:
    domains = [x for d in scenario.case_domains for x in ("--domain", d)]
    assert run("case", "create", "coco", *domains).exit_code == 0
    cap = run("capture", net.url(scenario.seized.name), "--case", "coco", "--json", network=True)
    made = run("fingerprint", "coco", "--capture", str(json.loads(cap.stdout)["id"]))
    assert made.exit_code == 0, made.output
    (spa,) = scenario.spa
    raw = json.loads(run("score", "coco", net.url(spa), "--json", network=True).stdout)
    rendered = json.loads(
        run("score", "coco", net.url(spa), "--render", "--json", network=True).stdout
    )
    assert raw["verdict"] != "re-emergence"
    assert rendered["verdict"] == "re-emergence", rendered
    shown = {c["feature"].split(":", 1)[0] for c in rendered["contributions"]}
    assert {"telegram", "btc"} <= shown


def test_watch_render_refuses_an_unknown_mode(run) -> None:
    result = run("watch", "--once", "--render", "sometimes")
    assert result.exit_code == 2
    assert "--render sometimes" in result.output


def test_watch_render_auto_renders_the_app_shell_only(
    run, scenario: Scenario, net: Testnet, tmp_path: Path
) -> None:
    domains = [x for d in scenario.case_domains for x in ("--domain", d)]
    assert run("case", "create", "coco", *domains).exit_code == 0
    cap = run("capture", net.url(scenario.seized.name), "--case", "coco", "--json", network=True)
    assert run("fingerprint", "coco", "--capture", str(json.loads(cap.stdout)["id"])).exit_code == 0
    (spa,) = scenario.spa
    classic = next(  # a server-rendered chat site: its raw page has plenty of words
        s.name
        for s in scenario.sites
        if s.label == "decoy" and b"<main" in s.page("/").body  # type: ignore[union-attr]
    )
    names = tmp_path / "nrd.txt"
    names.write_text(f"{spa}\n{classic}\n")
    ports = ["--http-port", str(net.http_port), "--https-port", str(net.https_port)]
    result = run(
        *("watch", "--once", "--no-permutations", "--nrd", str(names), "--render", "auto"),
        *ports,
        network=True,
    )
    assert result.exit_code == 0, result.output
    alerts = json.loads(run("alerts", "--json").stdout)
    assert spa in {a["host"] for a in alerts if a["verdict"] == "re-emergence"}
    rendered = set()
    for warc in (tmp_path / "data" / "evidence" / "_unassigned").glob("*.warc.gz"):
        with open(warc, "rb") as fh:
            for record in ArchiveIterator(fh):
                uri = record.rec_headers.get_header("WARC-Target-URI") or ""
                if record.rec_type == "resource" and "rendered-dom" in uri:
                    rendered.add(uri.split("://", 1)[1].split(":", 1)[0])
    assert spa in rendered and classic not in rendered


def test_render_without_chromium_is_one_line_and_exit_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REVENANT_CHROMIUM", str(tmp_path / "no-chromium"))
    result = CliRunner().invoke(
        app, ["--data-dir", str(tmp_path / "d"), "capture", "https://x.invalid/", "--render"]
    )
    assert result.exit_code == 1
    assert "rendering needs Chromium at" in result.output and "no-chromium" in result.output
