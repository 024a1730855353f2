"""`revenant demo --no-serve --json`: the scenario end to end, ranked as the issue asks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from revenant.cli import app

pytestmark = pytest.mark.slow


def test_demo_ranks_every_reemergence_above_every_decoy_and_background(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["--data-dir", str(tmp_path / "demo"), "demo", "--no-serve", "--json", "--seed", "7"]
    )
    assert result.exit_code == 0, result.output
    ranking = json.loads(result.stdout)["ranking"]
    assert {r["truth"] for r in ranking} == {"re-emergence", "decoy", "background"}
    lowest_mirror = min(r["bits"] for r in ranking if r["truth"] == "re-emergence")
    highest_other = max(r["bits"] for r in ranking if r["truth"] != "re-emergence")
    assert lowest_mirror > highest_other
    flagged = {r["target"] for r in ranking if r["verdict"] != "unrelated"}
    mirrors = {r["target"] for r in ranking if r["truth"] == "re-emergence"}
    assert flagged == mirrors
    alerts = CliRunner().invoke(app, ["--data-dir", str(tmp_path / "demo"), "alerts", "--json"])
    assert len(json.loads(alerts.stdout)) == len(mirrors)


def test_demo_refuses_to_wipe_a_directory_it_did_not_make(tmp_path: Path) -> None:
    precious = tmp_path / "evidence-of-a-real-case"
    precious.mkdir()
    (precious / "revenant.db").write_bytes(b"real data")
    result = CliRunner().invoke(app, ["--data-dir", str(precious), "demo", "--no-serve"])
    assert result.exit_code == 2
    assert "not a previous demo's" in result.stderr
    assert (precious / "revenant.db").read_bytes() == b"real data"
