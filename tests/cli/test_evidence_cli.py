"""verify / export / timestamp through the CLI, with the database mirror of the ledger."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from revenant.cli import app
from revenant.testnet import Testnet
from revenant.testnet.scenario import Scenario, generate
from tests.evidence.test_timestamp import tsa  # noqa: F401  (a real `openssl ts` TSA)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return generate(9, reemergences=1, decoys=1, background=5)


@pytest.fixture(scope="module")
def net(scenario: Scenario) -> Iterator[Testnet]:
    with Testnet(scenario.sites, seed=9) as running:
        yield running


@pytest.fixture
def data(tmp_path: Path, scenario: Scenario, net: Testnet) -> Path:
    root = tmp_path / "data"
    runner = CliRunner()
    assert (
        runner.invoke(
            app,
            [
                "--data-dir",
                str(root),
                "case",
                "create",
                "coco",
                "--domain",
                scenario.case_domains[0],
            ],
        ).exit_code
        == 0
    )
    result = runner.invoke(
        app,
        [
            "--data-dir",
            str(root),
            "capture",
            net.url(scenario.seized.name),
            "--case",
            "coco",
            "--resolver",
            net.resolver,
            "--allow",
            net.allow,
            "--ca-file",
            str(net.ca_pem),
        ],
    )
    assert result.exit_code == 0, result.output
    return root


def _run(data: Path, *args: str):
    return CliRunner().invoke(app, ["--data-dir", str(data), *args])


def test_verify_passes_then_catches_a_rewritten_ledger_through_the_db_mirror(data: Path) -> None:
    assert _run(data, "verify", "coco").exit_code == 0
    ledger = data / "evidence" / "coco" / "ledger.jsonl"
    lines = ledger.read_bytes().splitlines(keepends=True)
    # Drop the last entry: the file alone is still a valid chain, only the mirror knows.
    ledger.write_bytes(b"".join(lines[:-1]))
    result = _run(data, "verify", "coco", "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["ok"] is False


def test_export_entry_is_mirrored_so_verify_still_passes(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "coco.wacz"
    assert _run(data, "export", "wacz", "coco", "-o", str(out)).exit_code == 0
    assert _run(data, "verify", "coco").exit_code == 0
    assert _run(data, "verify", "--wacz", str(out)).exit_code == 0


def test_timestamp_from_a_local_tsa_is_recorded_and_mirrored(
    data: Path,
    tsa: tuple[str, Path],  # noqa: F811
) -> None:
    url, _ca = tsa
    result = _run(data, "timestamp", "coco", "--tsa", url)
    assert result.exit_code == 0, result.output
    assert list((data / "evidence" / "coco" / "timestamps").iterdir())
    assert _run(data, "verify", "coco").exit_code == 0


def test_timestamp_of_a_case_without_evidence_is_a_usage_error(data: Path) -> None:
    result = _run(data, "timestamp", "nope", "--tsa", "http://127.0.0.1:9/")
    assert result.exit_code == 2


def test_four_captures_started_at_once_leave_one_chain_that_verifies(
    data: Path, scenario: Scenario, net: Testnet, tmp_path: Path
) -> None:
    import subprocess
    import sys

    hosts = [h for h in scenario.truth if h not in scenario.seized.names][:4]
    options = ["--resolver", net.resolver, "--allow", net.allow, "--ca-file", str(net.ca_pem)]
    cli = [sys.executable, "-m", "revenant", "--data-dir", str(data), "capture"]
    procs = [
        subprocess.Popen(
            [*cli, net.url(host), "--case", "coco", *options],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for host in hosts
    ]
    for proc in procs:
        _out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        assert "Traceback" not in err
    done = _run(data, "verify", "coco", "--json")
    assert done.exit_code == 0, done.stdout
    assert json.loads(done.stdout)["files"] == 5  # one WARC file per process
    assert _run(data, "export", "wacz", "coco", "-o", str(tmp_path / "c.wacz")).exit_code == 0
