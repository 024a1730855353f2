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


def test_one_timeline_holds_the_seized_site_and_each_alert_and_a_page_asks_for_a_subset(
    world: World,
) -> None:
    """The rows the CLI prints, the report plots and the case page draws: the seized
    site from its reference captures, each alerted name from its first sighting to its
    last capture or first "down" re-check."""
    from dataclasses import replace

    from revenant.act.timeline import duration

    t0 = world.clock()
    seized = world.pipe.record(
        replace(make_capture(0), target="https://coco.gg/", host="coco.gg", started=t0),
        case="coco",
        background=False,
    )
    world.pipe.fingerprint_case("coco", [seized.capture_id])
    queue.enqueue(world.store, [Candidate("coco2.fr", Source.NRD, t0, "nrd list")])
    world.clock.advance(minutes=5)
    mirror = world.alert("coco2.fr")
    other = world.alert("coco9.fr")
    later = t0 + timedelta(hours=3)
    world.pipe.record(
        replace(make_capture(1), target="https://coco2.fr/", host="coco2.fr", started=later),
        case=None,
    )
    decide(world.store, world.data, mirror, "confirm", actor="alice", clock=world.clock)
    with world.store.session() as session:
        add_recheck(
            session,
            mirror,
            capture_id=None,
            state="down",
            detail="dns",
            bits=None,
            at=t0 + timedelta(hours=5),
        )
    whole = case_timeline(world.store, "coco")
    (site,) = whole.seized
    assert (site.name, site.state, site.alert_id, site.captures) == ("coco.gg", "seized", None, 1)
    assert site.start == site.end == t0
    assert [n.name for n in whole.names] == ["coco2.fr", "coco9.fr"]
    row = whole.names[0]
    assert row.seen_by == "nrd" and row.start == t0 and row.captures == 2
    assert row.events["last_capture"] == later
    assert row.end == t0 + timedelta(hours=5)  # found down: the bar ends there
    assert [h.name for h in whole.hops] == ["coco.gg", "coco2.fr", "coco9.fr"]
    assert whole.medians["time_to_down"].names == 1
    assert duration(whole.medians["time_to_detect"].seconds) == "5.0 min"
    only = case_timeline(world.store, "coco", alert_ids=[other])
    assert [n.alert_id for n in only.names] == [other] and only.seized == whole.seized
    assert only.medians["time_to_down"].names == 0
    doc = whole.as_json()
    assert doc["seized"][0]["name"] == "coco.gg"  # type: ignore[index]
    assert doc["names"][0]["last_capture"] == later.isoformat()  # type: ignore[index]
