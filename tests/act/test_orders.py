from __future__ import annotations

import json
from datetime import date

import pytest

from revenant.act.decisions import decide
from revenant.act.orders import add_order, approve, extend, lift, name_state
from revenant.errors import DecisionRefused, UsageError
from revenant.evidence.verify import verify_case
from revenant.store.ledger import mirrored_entries
from revenant.store.orders import get_order
from tests.act.conftest import World


def _order(world: World, **options: object) -> int:
    fields: dict[str, object] = {
        "authority": "Tribunal judiciaire de Paris",
        "reference": "RG 24/01234",
        "basis": "LCEN art. 6-I-8",
        "issued": date(2026, 10, 1),
        "expires": None,
        "domains": ["coco.gg"],
        "covers_mirrors": True,
        "actor": "judge-clerk",
    }
    fields.update(options)
    change = add_order(world.store, world.data, "coco", clock=world.clock, **fields)  # type: ignore[arg-type]
    return change.order.id


def _confirmed(world: World, host: str, actor: str = "alice") -> int:
    alert_id = world.alert(host)
    decide(world.store, world.data, alert_id, "confirm", actor=actor, clock=world.clock)
    return alert_id


def test_extension_carries_score_sentence_warc_digests_and_ledger_entries(world: World) -> None:
    order_id = _order(world)
    alert_id = _confirmed(world, "coco2.fr")
    change = extend(world.store, world.data, order_id, alert_id, actor="bob", clock=world.clock)
    assert change.name == "coco2.fr"
    doc = json.loads((world.data / "evidence" / "coco" / change.decision.document).read_text())
    justification = doc["justification"]
    assert justification["score"]["bits"] == 40.0
    assert justification["score"]["sentence"].startswith("These observations are 2^40")
    assert justification["score"]["contributions"][0]["feature"] == "telegram:coco_news"
    records = justification["capture"]["records"]
    assert records and all(r["digest"].startswith("sha256:") and r["ledger_hash"] for r in records)
    # The digests are those of the capture's ledger, where the WARC records are.
    unassigned = {e.record_id: e for e in mirrored_entries(world.store, "_unassigned")}
    for r in records:
        assert unassigned[r["record_id"]].digest == r["digest"]
    assert doc["confirmed_by"] == "alice" and doc["actor"] == "bob"
    order = get_order(world.store, order_id)
    (named, extended) = order.names
    assert (named.origin, extended.origin, extended.alert_id) == ("order", "extension", alert_id)
    assert name_state(order, extended, world.clock().date()) == "blocked"
    assert verify_case(world.data, "coco", expected=list(mirrored_entries(world.store, "coco"))).ok


def test_extension_is_refused_for_an_unconfirmed_alert(world: World) -> None:
    order_id = _order(world)
    alert_id = world.alert("coco2.fr")
    with pytest.raises(DecisionRefused, match=r"is open, not confirmed: confirm it first"):
        extend(world.store, world.data, order_id, alert_id, actor="bob", clock=world.clock)
    assert len(get_order(world.store, order_id).names) == 1


def test_extension_is_refused_for_an_order_without_covers_mirrors(world: World) -> None:
    order_id = _order(world, covers_mirrors=False)
    alert_id = _confirmed(world, "coco2.fr")
    with pytest.raises(DecisionRefused, match="does not cover mirrors"):
        extend(world.store, world.data, order_id, alert_id, actor="bob", clock=world.clock)


def test_extension_is_refused_for_an_expired_or_lifted_order(world: World) -> None:
    expiring = _order(world, expires=date(2026, 11, 2))
    lifted = _order(world, reference="RG 24/09999")
    alert_id = _confirmed(world, "coco2.fr")
    lift(world.store, world.data, lifted, reason="appeal granted", actor="carol", clock=world.clock)
    with pytest.raises(DecisionRefused, match="is lifted: cannot extend"):
        extend(world.store, world.data, lifted, alert_id, actor="bob", clock=world.clock)
    world.clock.advance(days=2)
    with pytest.raises(DecisionRefused, match="is expired: cannot extend"):
        extend(world.store, world.data, expiring, alert_id, actor="bob", clock=world.clock)
    with pytest.raises(DecisionRefused, match="already lifted"):
        lift(world.store, world.data, lifted, reason="again", actor="carol", clock=world.clock)


def test_two_person_rule_needs_someone_other_than_the_confirmer(world: World) -> None:
    order_id = _order(world, two_person=True)
    alert_id = _confirmed(world, "coco2.fr", actor="alice")
    extend(world.store, world.data, order_id, alert_id, actor="alice", clock=world.clock)
    order = get_order(world.store, order_id)
    assert name_state(order, order.names[1], world.clock().date()) == "awaiting approval"
    with pytest.raises(DecisionRefused, match="two-person rule: alice"):
        approve(world.store, world.data, order_id, "coco2.fr", actor="alice", clock=world.clock)
    change = approve(world.store, world.data, order_id, "COCO2.fr.", actor="bob", clock=world.clock)
    assert change.name == "coco2.fr"
    order = get_order(world.store, order_id)
    assert name_state(order, order.names[1], world.clock().date()) == "blocked"
    assert order.names[1].approved_by == "bob"
    with pytest.raises(DecisionRefused, match="already approved"):
        approve(world.store, world.data, order_id, "coco2.fr", actor="carol", clock=world.clock)


def test_retracting_a_confirmation_withdraws_the_extension(world: World) -> None:
    order_id = _order(world)
    alert_id = _confirmed(world, "coco2.fr")
    extend(world.store, world.data, order_id, alert_id, actor="bob", clock=world.clock)
    done = decide(world.store, world.data, alert_id, "dismiss", actor="carol", clock=world.clock)
    doc = json.loads((world.data / "evidence" / "coco" / done.decision.document).read_text())
    assert doc["withdrawn_from_orders"] == [{"order": order_id, "name": "coco2.fr"}]
    order = get_order(world.store, order_id)
    assert name_state(order, order.names[1], world.clock().date()) == "withdrawn"
    # Confirmed again, it can be extended again.
    decide(world.store, world.data, alert_id, "confirm", actor="carol", clock=world.clock)
    extend(world.store, world.data, order_id, alert_id, actor="bob", clock=world.clock)
    assert (
        name_state(
            get_order(world.store, order_id),
            get_order(world.store, order_id).names[-1],
            world.clock().date(),
        )
        == "blocked"
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"issued": date(2027, 1, 1)}, "in the future"),
        ({"expires": date(2026, 9, 1)}, "before --issued"),
        ({"expires": date(2026, 10, 15)}, "already expired"),
        ({"domains": ["http://coco.gg/x"]}, "not a domain name"),
        ({"domains": ["gg"]}, "top-level name alone"),
        ({"domains": ["co_co.gg"]}, r"U\+005F"),
        ({"domains": ["-coco.gg"]}, "not a domain name"),
        ({"policy": "drop"}, "nxdomain or cname:HOST"),
        ({"policy": "cname:not a host"}, "not"),
        ({"reference": " "}, "--reference: must not be empty"),
    ],
)
def test_bad_order_arguments_are_usage_errors_naming_the_option(
    world: World, options: dict[str, object], message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        _order(world, **options)
