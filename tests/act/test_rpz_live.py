"""`rpz push` against a real BIND 9 primary, enforced by a real Unbound that transfers
the zone from it and forwards everything else to the testnet's DNS."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import dns.rcode
import pytest
from sqlalchemy import select

from revenant.act.decisions import decide
from revenant.act.orders import add_order, extend, lift
from revenant.act.push import push, read_tsig
from revenant.errors import PushFailed, UsageError
from revenant.store.schema import OrderNameRow
from revenant.store.zone import pushed_names
from revenant.testnet import Page, SiteSpec, Testnet
from tests.act.conftest import World
from tests.act.dnsservers import (
    ZONE,
    Server,
    ask,
    bind_primary,
    free_port,
    make_key,
    unbound_resolver,
    wait_for,
)

pytestmark = pytest.mark.slow

SITES = [
    SiteSpec(names=("mirror.test", "www.mirror.test"), pages=(Page("/", b"<p>chat</p>"),)),
    SiteSpec(names=("innocent.test",), pages=(Page("/", b"<p>hello</p>"),)),
]


@pytest.fixture(scope="module")
def net() -> Iterator[Testnet]:
    with Testnet(SITES, seed=3) as running:
        yield running


@pytest.fixture
def servers(tmp_path: Path, net: Testnet) -> Iterator[tuple[Server, Server, Path]]:
    key = make_key(tmp_path)
    resolver_port = free_port()
    with (
        bind_primary(tmp_path / "bind", key, notify_port=resolver_port) as primary,
        unbound_resolver(
            tmp_path / "unbound",
            port=resolver_port,
            primary_port=primary.port,
            forward=net.resolver,
        ) as resolver,
    ):
        yield primary, resolver, key


def _blocking_order(world: World, **extra: object) -> int:
    change = add_order(
        world.store,
        world.data,
        "coco",
        authority="TJ Paris",
        reference="RG 24/1",
        basis="LCEN",
        issued=date(2026, 10, 1),
        expires=None,
        domains=["coco.gg"],
        covers_mirrors=True,
        actor="clerk",
        clock=world.clock,
        **extra,  # type: ignore[arg-type]
    )
    return change.order.id


def _extend(world: World, order_id: int, host: str) -> None:
    alert_id = world.alert(host)
    decide(world.store, world.data, alert_id, "confirm", actor="alice", clock=world.clock)
    extend(world.store, world.data, order_id, alert_id, actor="alice", clock=world.clock)


def test_pushed_names_are_enforced_by_unbound_and_released_when_lifted(
    world: World, servers: tuple[Server, Server, Path], net: Testnet
) -> None:
    primary, resolver, key = servers
    server = f"127.0.0.1:{primary.port}"
    # Before any order, the mirror resolves through the resolver like any name.
    wait_for(resolver.port, "mirror.test", "NOERROR")
    order_id = _blocking_order(world)
    _extend(world, order_id, "mirror.test")
    first = push(world.store, server, ZONE, read_tsig(key), now=world.clock())
    assert (first.put, first.removed, first.messages) == (4, 0, 1)  # 2 names, each and *.
    wait_for(resolver.port, "mirror.test", "NXDOMAIN")
    wait_for(resolver.port, "www.mirror.test", "NXDOMAIN")
    wait_for(resolver.port, "deep.sub.coco.gg", "NXDOMAIN")
    innocent = ask(resolver.port, "innocent.test")
    assert innocent.rcode() == dns.rcode.NOERROR
    assert innocent.answer[0][0].address == net.address_of("innocent.test")
    # Nothing changed: nothing sent.
    again = push(world.store, server, ZONE, read_tsig(key), now=world.clock())
    assert (again.put, again.removed, again.bytes_sent) == (0, 0, 0)
    lift(world.store, world.data, order_id, reason="appeal", actor="carol", clock=world.clock)
    released = push(world.store, server, ZONE, read_tsig(key), now=world.clock())
    assert (released.put, released.removed) == (0, 4)
    wait_for(resolver.port, "mirror.test", "NOERROR")
    wait_for(resolver.port, "www.mirror.test", "NOERROR")
    log = primary.log.read_text()
    assert "IXFR ended" in log  # the resolver took the changes as deltas


def test_cname_policy_answers_with_the_notice_host(
    world: World, servers: tuple[Server, Server, Path]
) -> None:
    primary, resolver, key = servers
    order_id = _blocking_order(world, policy="cname:innocent.test")
    _extend(world, order_id, "mirror.test")
    push(world.store, f"127.0.0.1:{primary.port}", ZONE, read_tsig(key), now=world.clock())
    wait_for(resolver.port, "www.mirror.test", "NOERROR")
    reply = ask(resolver.port, "www.mirror.test")
    cnames = [r.target.to_text() for rrset in reply.answer for r in rrset if rrset.rdtype == 5]
    assert cnames == ["innocent.test."]


def test_wrong_key_down_primary_or_bad_name_push_nothing_and_the_next_push_sends_all(
    world: World, servers: tuple[Server, Server, Path], tmp_path: Path
) -> None:
    primary, resolver, key = servers
    server = f"127.0.0.1:{primary.port}"
    order_id = _blocking_order(world)
    _extend(world, order_id, "mirror.test")
    (tmp_path / "other").mkdir()
    wrong = make_key(tmp_path / "other", name="revenant-rpz")  # same name, other secret
    with pytest.raises(PushFailed, match=r"refused TSIG key 'revenant-rpz'.*nothing pushed"):
        push(world.store, server, ZONE, read_tsig(wrong), now=world.clock())
    with pytest.raises(PushFailed, match=r"127\.0\.0\.1:1/rpz\.revenant: .*nothing pushed"):
        push(world.store, "127.0.0.1:1", ZONE, read_tsig(key), now=world.clock())
    with world.store.session() as session:  # as if stored by an older Revenant
        row = session.scalar(select(OrderNameRow).where(OrderNameRow.name == "mirror.test"))
        assert row is not None
        row.name = "mirror_.test"
    with pytest.raises(UsageError, match=r"blocked name 'mirror_\.test'"):
        push(world.store, server, ZONE, read_tsig(key), now=world.clock())
    assert pushed_names(world.store, f"{server}/{ZONE}") == {}
    for owner in ("coco.gg", "mirror.test"):  # the primary holds none of it
        assert ask(primary.port, f"{owner}.{ZONE}", "CNAME").rcode() == dns.rcode.NXDOMAIN
    with world.store.session() as session:
        row = session.scalar(select(OrderNameRow).where(OrderNameRow.name == "mirror_.test"))
        assert row is not None
        row.name = "mirror.test"
    done = push(world.store, server, ZONE, read_tsig(key), now=world.clock())
    assert done.put == 4
    wait_for(resolver.port, "coco.gg", "NXDOMAIN")
    wait_for(resolver.port, "mirror.test", "NXDOMAIN")
