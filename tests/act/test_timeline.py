"""The case timeline from recorded timestamps only (clock injected)."""

from __future__ import annotations

from datetime import date, timedelta

from revenant.act.decisions import decide
from revenant.act.orders import add_order, extend
from revenant.act.recheck import Finding, State, classify
from revenant.act.timeline import case_timeline
from revenant.model import Candidate, Source
from revenant.store import queue
from revenant.store.rechecks import add_recheck
from revenant.store.zone import acknowledge
from tests.act.conftest import World
from tests.evidence.conftest import make_capture


def test_medians_of_detect_block_and_down_come_from_recorded_times(world: World) -> None:
    t0 = world.clock()
    order_id = add_order(
        world.store,
        world.data,
        "coco",
        authority="TJ",
        reference="RG 1",
        basis="LCEN",
        issued=date(2026, 10, 1),
        expires=None,
        domains=["coco.gg"],
        covers_mirrors=True,
        actor="clerk",
        clock=world.clock,
    ).order.id
    alerts = {}
    for i, host in enumerate(["coco2.fr", "coco3.fr", "coco4.fr"]):
        queue.enqueue(world.store, [Candidate(host, Source.CT, t0, "ct log x")])
        world.clock.advance(minutes=10 * (i + 1))  # detect: 10, 30, 60 min after t0 (cumulative)
        alerts[host] = world.alert(host)
    world.clock.advance(hours=1)
    for alert_id in alerts.values():
        decide(world.store, world.data, alert_id, "confirm", actor="alice", clock=world.clock)
        extend(world.store, world.data, order_id, alert_id, actor="alice", clock=world.clock)
    confirmed = world.clock()
    world.clock.advance(seconds=4)
    acknowledge(
        world.store,
        "127.0.0.1:53/rpz",
        put={"coco2.fr": "nxdomain", "coco3.fr": "nxdomain"},
        removed=[],
        now=world.clock(),
    )
    world.clock.advance(seconds=4)
    acknowledge(
        world.store,
        "127.0.0.1:53/rpz",
        put={"coco4.fr": "nxdomain"},
        removed=[],
        now=world.clock(),
    )
    with world.store.session() as session:
        add_recheck(
            session,
            alerts["coco2.fr"],
            capture_id=None,
            state="down",
            detail="dns",
            bits=None,
            at=confirmed + timedelta(hours=2),
        )
    result = case_timeline(world.store, "coco")
    assert [n.name for n in result.names] == ["coco2.fr", "coco3.fr", "coco4.fr"]
    first = result.names[0]
    assert first.seen_by == "ct" and first.events["first_seen"] == t0
    assert result.medians["time_to_detect"].seconds == 30 * 60
    assert result.medians["time_to_block"].seconds == 4.0
    assert result.medians["time_to_block"].names == 3
    assert (result.medians["time_to_down"].seconds, result.medians["time_to_down"].names) == (
        7200.0,
        1,
    )


def test_classify_states_from_what_the_capture_shows() -> None:
    from dataclasses import replace

    from revenant.model import DnsRecord, Outcome, Score, Verdict

    capture = make_capture(1)
    up = Score(capture.target, "coco", 30.0, Verdict.REEMERGENCE)
    low = Score(capture.target, "coco", 2.0, Verdict.UNRELATED)
    assert classify(capture, up).state is State.UP
    assert classify(capture, low) == Finding(
        State.CHANGED, "status 200, now scores 2.0 bits, unrelated"
    )
    gone = replace(capture, outcome=Outcome.DNS_ERROR, reason="NXDOMAIN", exchanges=())
    assert classify(gone, None) == Finding(State.DOWN, "dns_error: NXDOMAIN")
    parked = replace(
        capture,
        dns=(
            *capture.dns,
            DnsRecord(capture.host, "NS", "ns1.sedoparking.com.", 300),
        ),
    )
    assert classify(parked, up).state is State.PARKED
