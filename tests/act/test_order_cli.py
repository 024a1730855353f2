"""`revenant order ...` through the CLI runner."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from revenant.cli import app
from tests.act.conftest import World


def _run(world: World, *args: str):
    return CliRunner().invoke(app, ["--data-dir", str(world.data), *args])


def _add(world: World, *extra: str):
    return _run(
        world,
        "order",
        "add",
        "coco",
        "--authority",
        "TJ Paris",
        "--reference",
        "RG 24/1",
        "--basis",
        "LCEN 6-I-8",
        "--issued",
        "2026-01-05",
        "--domain",
        "coco.gg",
        *extra,
    )


def test_order_lifecycle_through_the_cli(world: World) -> None:
    added = _add(world, "--covers-mirrors", "--two-person", "--actor", "clerk", "--json")
    assert added.exit_code == 0, added.output
    order_id = json.loads(added.stdout)["order"]["id"]
    alert_id = world.alert("coco2.fr")
    assert _run(world, "decide", str(alert_id), "confirm", "--actor", "alice").exit_code == 0
    ext = _run(world, "order", "extend", str(order_id), str(alert_id), "--actor", "alice")
    assert ext.exit_code == 0, ext.output
    assert "extended to coco2.fr (awaiting a second person's approval) by alice" in ext.stdout
    own = _run(world, "order", "approve", str(order_id), "coco2.fr", "--actor", "alice")
    assert own.exit_code == 1 and "two-person rule" in own.stderr
    ok = _run(world, "order", "approve", str(order_id), "coco2.fr", "--actor", "bob")
    assert ok.exit_code == 0, ok.output
    shown = _run(world, "order", "show", str(order_id))
    assert "coco2.fr" in shown.stdout and "mirror extension by alice" in shown.stdout
    assert "approved by bob" in shown.stdout and "extend coco2.fr by alice" in shown.stdout
    doc = json.loads(_run(world, "order", "show", str(order_id), "--json").stdout)
    assert [n["state"] for n in doc["names"]] == ["blocked", "blocked"]
    assert [d["action"] for d in doc["decisions"]] == ["order", "extend", "approve"]
    listed = json.loads(_run(world, "order", "list", "coco", "--json").stdout)
    assert [o["id"] for o in listed] == [order_id]
    lifted = _run(world, "order", "lift", str(order_id), "--reason", "appeal", "--actor", "carol")
    assert lifted.exit_code == 0, lifted.output
    assert "lifted" in _run(world, "order", "list").stdout


def test_order_errors_are_one_line(world: World) -> None:
    bad = _add(world, "--issued", "05/01/2026")
    assert bad.exit_code == 2 and bad.stderr.startswith("revenant: --issued '05/01/2026'")
    added = _add(world, "--json")
    order_id = json.loads(added.stdout)["order"]["id"]
    alert_id = world.alert("coco2.fr")
    refused = _run(world, "order", "extend", str(order_id), str(alert_id))
    assert refused.exit_code == 1
    assert refused.stderr.strip().endswith("a new order is needed for coco2.fr")
    missing = _run(world, "order", "show", "42")
    assert missing.exit_code == 2 and "no order with id 42" in missing.stderr
