"""The zone file: contents, serial, what leaves it, and named-checkzone's verdict."""

from __future__ import annotations

import json
import subprocess
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from revenant.act.decisions import decide
from revenant.act.orders import add_order, approve, extend, lift
from revenant.act.push import parse_server, read_tsig
from revenant.act.rpz import export_zone
from revenant.cli import app
from revenant.errors import UsageError
from tests.act.conftest import World
from tests.components import need_binary


def _order(world: World, domains: list[str], **extra: object) -> int:
    return add_order(
        world.store,
        world.data,
        "coco",
        authority="TJ Paris",
        reference=f"RG {domains[0]}",
        basis="LCEN",
        issued=date(2026, 10, 1),
        expires=extra.pop("expires", None),
        domains=domains,
        covers_mirrors=True,
        actor="clerk",
        clock=world.clock,
        **extra,  # type: ignore[arg-type]
    ).order.id


def _checkzone(zone: str, path: Path) -> str:
    done = subprocess.run(
        [need_binary("named-checkzone"), zone, str(path)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_zone_lists_each_blocked_name_with_why_and_named_checkzone_accepts_it(
    world: World, tmp_path: Path
) -> None:
    first = _order(world, ["coco.gg", "xn--cco-2na.gg"])
    _order(world, ["coco.gg", "coco-chat.fr"], policy="cname:notice.police.example")
    two = _order(world, ["coco.to"], two_person=True)
    alert_id = world.alert("coco2.fr")
    decide(world.store, world.data, alert_id, "confirm", actor="alice", clock=world.clock)
    extend(world.store, world.data, first, alert_id, actor="alice", clock=world.clock)
    other = world.alert("coco3.fr")
    decide(world.store, world.data, other, "confirm", actor="alice", clock=world.clock)
    extend(world.store, world.data, two, other, actor="alice", clock=world.clock)  # awaiting
    out = tmp_path / "rpz.zone"
    written = export_zone(world.store, out, zone="rpz.example", now=world.clock())
    text = out.read_text()
    assert written.names == 5 and written.serial == 1
    assert "coco.gg CNAME .\n*.coco.gg CNAME .\n" in text  # the oldest order's policy
    assert "coco-chat.fr CNAME notice.police.example.\n" in text
    assert (
        "; coco.gg: order #1 RG coco.gg (TJ Paris, issued 2026-10-01): named in the order" in text
    )
    assert "; coco.gg: order #2" in text
    assert (
        "; coco2.fr: order #1 RG coco.gg (TJ Paris, issued 2026-10-01): mirror extension by alice"
        in text
    )
    assert "coco3.fr" not in text  # awaiting a second person's approval
    _checkzone("rpz.example", out)
    approve(world.store, world.data, two, "coco3.fr", actor="bob", clock=world.clock)
    assert export_zone(world.store, out, zone="rpz.example", now=world.clock()).serial == 2
    assert "*.coco3.fr CNAME ." in out.read_text()
    _checkzone("rpz.example", out)


def test_serial_rises_only_on_change_and_names_leave_when_lifted_or_expired(
    world: World, tmp_path: Path
) -> None:
    lasting = _order(world, ["coco.gg"])
    _order(world, ["coco.to"], expires=date(2026, 11, 3))
    out = tmp_path / "z"
    assert export_zone(world.store, out, now=world.clock()).serial == 1
    assert export_zone(world.store, out, now=world.clock()).serial == 1
    world.clock.advance(days=3)
    after = export_zone(world.store, out, now=world.clock())
    assert (after.serial, after.names) == (2, 1) and "coco.to" not in out.read_text()
    lift(world.store, world.data, lasting, reason="appeal", actor="carol", clock=world.clock)
    empty = export_zone(world.store, out, now=world.clock())
    assert (empty.serial, empty.names) == (3, 0)
    _checkzone("rpz.revenant", out)


def test_export_rpz_cli_and_order_filter(world: World, tmp_path: Path) -> None:
    one = _order(world, ["coco.gg"])
    _order(world, ["coco.to"])
    out = tmp_path / "only-one.zone"
    run = CliRunner().invoke(
        app,
        [
            "--data-dir",
            str(world.data),
            "export",
            "rpz",
            "--order",
            str(one),
            "-o",
            str(out),
            "--json",
        ],
    )
    assert run.exit_code == 0, run.output
    assert json.loads(run.stdout)["names"] == 1
    assert "coco.to" not in out.read_text()
    bad = CliRunner().invoke(
        app, ["--data-dir", str(world.data), "export", "rpz", "--order", "9", "-o", str(out)]
    )
    assert bad.exit_code == 2 and "--order 9: no such order" in bad.stderr


def test_tsig_file_and_server_are_checked(tmp_path: Path) -> None:
    good = tmp_path / "k"
    good.write_text('key "rpz-key" {\n\talgorithm hmac-sha256;\n\tsecret "c2VjcmV0c2VjcmV0";\n};\n')
    assert read_tsig(good).name == "rpz-key"
    bad = tmp_path / "bad"
    bad.write_text("secret=abc")
    with pytest.raises(UsageError, match="expected a BIND key file"):
        read_tsig(bad)
    with pytest.raises(UsageError, match="cannot read"):
        read_tsig(tmp_path / "none")
    assert parse_server("127.0.0.1:5353") == ("127.0.0.1", 5353)
    assert parse_server("[::1]:53") == ("::1", 53)
    for wrong in ("ns1.example:53", "127.0.0.1:0", "127.0.0.1:x"):
        with pytest.raises(UsageError, match="--server"):
            parse_server(wrong)


def test_delta_follows_policy_changes_lifts_and_what_was_acknowledged(world: World) -> None:
    from revenant.store.zone import acknowledge, pending_delta

    first = _order(world, ["coco.gg", "coco.to"])
    _order(world, ["coco.gg"], policy="cname:notice.example")
    delta = pending_delta(world.store, "t", today=world.clock().date())
    assert delta.put == {"coco.gg": "nxdomain", "coco.to": "nxdomain"} and delta.removed == []
    acknowledge(world.store, "t", put=delta.put, removed=[], now=world.clock())
    assert pending_delta(world.store, "t", today=world.clock().date()).put == {}
    lift(world.store, world.data, first, reason="appeal", actor="carol", clock=world.clock)
    after = pending_delta(world.store, "t", today=world.clock().date())
    # coco.gg stays blocked under the second order, now with its policy; coco.to leaves.
    assert (after.put, after.removed, after.blocked) == (
        {"coco.gg": "cname:notice.example"},
        ["coco.to"],
        1,
    )
    assert pending_delta(world.store, "other", today=world.clock().date()).put == {
        "coco.gg": "cname:notice.example"
    }


def test_large_deltas_split_into_messages_that_keep_each_name_whole() -> None:
    from revenant.act.push import _MESSAGE_BUDGET, _chunks

    put = {f"mirror-{i:05d}.blocked.example": "." for i in range(5000)}
    removed = [f"gone-{i:05d}.blocked.example" for i in range(500)]
    chunks = list(_chunks(put, removed))
    assert len(chunks) > 3
    assert [n for p, _ in chunks for n in p] == list(put)
    assert [n for _, r in chunks for n in r] == removed
    for names_put, names_removed in chunks:
        size = sum(2 * (len(n) + 1) for n in names_put) + sum(2 * len(n) for n in names_removed)
        assert size <= _MESSAGE_BUDGET
