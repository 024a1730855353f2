"""capture / fingerprint / score / alerts through the CLI runner, against the testnet."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from revenant.cli import app
from revenant.testnet import Testnet
from revenant.testnet.scenario import Scenario, generate

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return generate(5, reemergences=2, decoys=4, background=30)


@pytest.fixture(scope="module")
def net(scenario: Scenario) -> Iterator[Testnet]:
    with Testnet(scenario.sites, seed=5) as running:
        yield running


@pytest.fixture
def run(tmp_path: Path, net: Testnet):
    runner = CliRunner()
    opts = ["--resolver", net.resolver, "--allow", net.allow, "--ca-file", str(net.ca_pem)]

    def invoke(*args: str, network: bool = False, allow: bool = True):
        extra = (opts if allow else opts[:2]) if network else []
        return runner.invoke(app, ["--data-dir", str(tmp_path / "data"), *args, *extra])

    return invoke


def _case(run, scenario: Scenario, net: Testnet) -> None:
    domains = [x for d in scenario.case_domains for x in ("--domain", d)]
    assert run("case", "create", "coco", *domains).exit_code == 0
    cap = run("capture", net.url(scenario.seized.name), "--case", "coco", "--json", network=True)
    assert cap.exit_code == 0, cap.output
    doc = json.loads(cap.stdout)
    assert doc["outcome"] == "ok" and doc["status"] == 200
    assert Path(doc["warc"]).exists()
    made = run("fingerprint", "coco", "--capture", str(doc["id"]), "--json")
    assert made.exit_code == 0, made.output
    assert json.loads(made.stdout)["features"]


def test_capture_fingerprint_score_json_shape(run, scenario: Scenario, net: Testnet) -> None:
    _case(run, scenario, net)
    (mirror,) = scenario.hosts("re-emergence")[:1]
    result = run("score", "coco", net.url(mirror), "--json", network=True)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert {"target", "bits", "verdict", "contributions"} <= set(doc)
    assert doc["bits"] > 0
    keys = {"feature", "bits", "why", "observed", "prior", "seed", "cap"}
    assert all(keys == set(c) for c in doc["contributions"])
    assert doc["contributions"] == sorted(doc["contributions"], key=lambda c: -c["bits"])
    # what a report quotes: the calibrated, bounded ratio and its ENFSI words
    assert doc["reported_lr"]["favours"] == "same-operator"
    assert doc["reported_lr"]["verbal"] in doc["sentence"]
    assert "validation pairs" in doc["sentence"] and "ELUB" in doc["sentence"]


def test_score_from_a_warc_matches_score_from_the_live_site(
    run, scenario: Scenario, net: Testnet, tmp_path: Path
) -> None:
    _case(run, scenario, net)
    (mirror,) = scenario.hosts("re-emergence")[:1]
    cap = json.loads(run("capture", net.url(mirror), "--json", network=True).stdout)
    from_warc = run("score", "coco", "--warc", cap["warc"], "--json")
    assert from_warc.exit_code == 0, from_warc.output
    docs = json.loads(from_warc.stdout)
    docs = docs if isinstance(docs, list) else [docs]
    assert any(d["target"].startswith(net.url(mirror)) and d["bits"] > 0 for d in docs)


def test_unreachable_host_is_one_line_exit_1(run, scenario: Scenario, net: Testnet) -> None:
    result = run("capture", "https://no-such-site.invalid/", network=True)
    assert result.exit_code == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert "no-such-site.invalid" in result.stderr


def test_loopback_is_refused_without_allow(run, scenario: Scenario, net: Testnet) -> None:
    result = run("capture", net.url(scenario.seized.name), network=True, allow=False)
    assert result.exit_code == 1
    assert "refused" in result.stderr


def test_bad_url_and_bad_cidr_are_usage_errors(run) -> None:
    assert run("capture", "ftp://example.test/").exit_code == 2
    assert run("capture", "https://x.test/", "--allow", "not-a-cidr").exit_code == 2


def test_unreadable_warc_is_one_line_exit_1(
    run, scenario: Scenario, net: Testnet, tmp_path: Path
) -> None:
    _case(run, scenario, net)
    junk = tmp_path / "junk.warc.gz"
    junk.write_bytes(b"\x1f\x8b" + b"garbage" * 50)
    result = run("score", "coco", "--warc", str(junk))
    assert result.exit_code == 1
    assert "junk.warc.gz" in result.stderr
    assert "Traceback" not in result.output


def test_score_without_fingerprint_says_what_to_do(run) -> None:
    assert run("case", "create", "coco", "--domain", "coco.gg").exit_code == 0
    result = run("score", "coco", "--warc", "whatever.warc.gz")
    assert result.exit_code == 2
    assert "revenant fingerprint coco" in result.stderr


def test_similar_finds_the_mirror_and_says_why(run, scenario: Scenario, net: Testnet) -> None:
    _case(run, scenario, net)
    (mirror,) = scenario.hosts("re-emergence")[:1]
    assert run("capture", net.url(mirror), network=True).exit_code == 0
    background = scenario.hosts("background")[0]
    assert run("capture", net.url(background), network=True).exit_code == 0
    result = run("similar", "1", "--json")
    assert result.exit_code == 0, result.output
    found = {s["host"]: s["why"] for s in json.loads(result.stdout)}
    assert found.get(mirror)
    assert background not in found


def test_missing_ca_file_is_a_usage_error(run, tmp_path: Path) -> None:
    result = run("capture", "https://x.test/", "--ca-file", str(tmp_path / "nope.pem"))
    assert result.exit_code == 2
    assert "nope.pem: no such file" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["capture", "https://x.test/", "--proxy", "ftp://127.0.0.1:21"],
        ["capture", "https://x.test/", "--proxy", "socks5://127.0.0.1"],
        ["capture", "https://x.test/", "--user-agent", ""],
        ["watch", "--once", "--inflight", "0"],
    ],
)
def test_bad_proxy_user_agent_or_inflight_is_a_usage_error(run, args: list[str]) -> None:
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert args[-2] in result.stderr


def test_capture_through_a_socks_proxy_from_the_cli(
    run, net: Testnet, scenario: Scenario, socks: str
) -> None:
    address = net.address_of(scenario.seized.name)
    url = f"http://{address}:{net.http_port}/"
    result = run("capture", url, "--proxy", socks, "--json", network=True)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["outcome"] == "ok"
