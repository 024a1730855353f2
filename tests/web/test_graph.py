"""The infrastructure graph and the timeline: what is drawn, and the same picture for
the same data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from revenant.act.timeline import EVENTS, NameTimeline
from revenant.store.case_views import Observed
from revenant.web.graph import MAX_NODES, infrastructure
from revenant.web.timeline import timeline

T = datetime(2026, 1, 1, tzinfo=UTC)


def _events(**at: datetime) -> dict[str, datetime | None]:
    return {**dict.fromkeys(EVENTS), **at}


HOPS = [
    NameTimeline(
        "seized.example",
        None,
        "seized",
        "reference capture",
        _events(first_seen=T, first_capture=T, last_capture=T + timedelta(days=1)),
        captures=3,
    ),
    NameTimeline(
        "mirror.example",
        7,
        "confirmed",
        "ct",
        _events(
            first_seen=T + timedelta(days=30),
            first_capture=T + timedelta(days=30, hours=1),
            last_capture=T + timedelta(days=31),
            confirmed=T + timedelta(days=30, hours=5),
            first_down=T + timedelta(days=33),
        ),
        verdict="re-emergence",
        bits=40.0,
        captures=2,
    ),
]


def test_shared_infrastructure_links_the_hosts_and_the_layout_is_deterministic() -> None:
    observed = [
        Observed("seized.example", "ip", "192.0.2.1"),
        Observed("mirror.example", "ip", "192.0.2.1"),
        Observed("mirror.example", "telegram", "chan"),
        Observed("mirror.example", "title", "ignored kind"),
        Observed("elsewhere.example", "ip", "192.0.2.9"),  # not a hop: not drawn
    ]
    graph = infrastructure(HOPS, observed)
    keys = {n.key: n for n in graph.nodes}
    assert set(keys) == {"seized.example", "mirror.example", "ip:192.0.2.1", "telegram:chan"}
    assert keys["mirror.example"].href == "/alerts/7" and keys["ip:192.0.2.1"].cls == "ip"
    assert len(graph.edges) == 3
    again = infrastructure(HOPS, observed)
    assert [(n.x, n.y) for n in again.nodes] == [(n.x, n.y) for n in graph.nodes]
    assert all(0 <= n.x <= graph.width and 0 <= n.y <= graph.height for n in graph.nodes)


def test_what_one_host_alone_showed_is_left_out_past_the_node_budget() -> None:
    observed = [Observed("mirror.example", "ip", f"192.0.2.{i}") for i in range(MAX_NODES + 50)]
    observed += [Observed(h, "asn", "AS64500") for h in ("seized.example", "mirror.example")]
    graph = infrastructure(HOPS, observed)
    assert len(graph.nodes) == MAX_NODES
    assert "asn:AS64500" in {n.key for n in graph.nodes}  # shared things always drawn
    assert graph.left_out == MAX_NODES + 50 + 1 - (MAX_NODES - 2)


def test_timeline_bars_run_from_first_seen_to_first_down_else_last_capture() -> None:
    t = timeline(HOPS)
    first, second = t.bars
    assert first.x == t.label_width and second.x > first.x + first.width
    assert second.href == "/alerts/7" and first.href == ""
    assert t.ticks[0].label == "2026-01-01"
    # the seized site was never found down: its bar ends at its last capture
    day = (second.x - first.x) / 30
    assert abs(first.width - day) < 0.01
    # the mirror's ends where a re-check found it down, past its last capture
    assert abs(second.width - 3 * day) < 0.01
    assert second.confirmed_x is not None and second.x < second.confirmed_x < second.x + day
    assert second.down_x == second.x + second.width
    assert first.confirmed_x is None and first.down_x is None
    assert "first down 2026-02-03" in second.title
    assert timeline([]).bars == []
