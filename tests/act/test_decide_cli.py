"""`revenant decide` through the CLI runner: actor, comment, JSON, errors."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from revenant.cli import app
from tests.act.conftest import World


def _run(world: World, *args: str):
    return CliRunner().invoke(app, ["--data-dir", str(world.data), *args])


def test_decide_names_its_actor_and_its_ledger_entry(world: World) -> None:
    alert_id = world.alert("coco2.fr")
    done = _run(world, "decide", str(alert_id), "confirm", "--actor", "alice", "--json")
    assert done.exit_code == 0, done.output
    doc = json.loads(done.stdout)
    assert (doc["actor"], doc["action"], doc["state"]) == ("alice", "confirm", "confirmed")
    text = _run(world, "decide", str(alert_id), "needs-more", "--comment", "login page")
    assert text.exit_code == 0, text.output
    assert f"alert #{alert_id} coco2.fr: needs-more by " in text.stdout
    assert "ledger entry 1 of case coco" in text.stdout


def test_decide_errors_are_one_line_with_their_exit_code(world: World) -> None:
    alert_id = world.alert("coco2.fr")
    bad = _run(world, "decide", str(alert_id), "maybe")
    assert bad.exit_code == 2 and bad.stderr.startswith("revenant: decision 'maybe'")
    assert _run(world, "decide", str(alert_id), "dismiss").exit_code == 0
    again = _run(world, "decide", str(alert_id), "dismissed")
    assert again.exit_code == 1 and "already dismissed" in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1
