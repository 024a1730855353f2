"""probe/dnsclient.py against real loopback servers: the testnet's DNS, and small
dnspython servers that stay silent, drop, forge, or truncate on purpose."""

from __future__ import annotations

import asyncio
import random
import socket
import time
from collections.abc import Awaitable, Callable
from typing import Any

import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdatatype
import dns.rrset
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from revenant.probe.dnsclient import DnsClient, QueryFailed, QueryTimeout
from revenant.testnet import Testnet

GOOD = "127.0.9.10"
FORGED = "127.0.9.66"

Behaviour = Callable[["_Server", dns.message.Message, tuple[str, int]], None]


class _Server(asyncio.DatagramProtocol):
    """A UDP DNS server on 127.0.0.1 (and a TCP one on the same port) whose answer to
    each query is decided by `behave`; it counts the queries it saw."""

    def __init__(self, behave: Behaviour) -> None:
        self.behave = behave
        self.queries: list[dns.message.Message] = []
        self.tcp_queries = 0
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        query = dns.message.from_wire(data)
        self.queries.append(query)
        self.behave(self, query, addr)

    def send(self, reply: dns.message.Message, addr: tuple[str, int]) -> None:
        assert self.transport is not None
        self.transport.sendto(reply.to_wire(), addr)


def _answer(query: dns.message.Message, address: str = GOOD, ttl: int = 60) -> dns.message.Message:
    reply = dns.message.make_response(query)
    q = query.question[0]
    reply.answer.append(dns.rrset.from_text(q.name, ttl, "IN", "A", address))
    return reply


def _tcp_answer(
    server: _Server,
) -> Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        size = int.from_bytes(await reader.readexactly(2), "big")
        query = dns.message.from_wire(await reader.readexactly(size))
        server.tcp_queries += 1
        wire = _answer(query).to_wire()
        writer.write(len(wire).to_bytes(2, "big") + wire)
        await writer.drain()
        writer.close()

    return handle


async def _serving(
    behave: Behaviour, test: Callable[[_Server, int], Awaitable[None]], *, tcp: bool = False
) -> None:
    loop = asyncio.get_running_loop()
    server = _Server(behave)
    for _ in range(20):  # a free UDP port whose TCP twin is free too
        transport, _ = await loop.create_datagram_endpoint(
            lambda: server, local_addr=("127.0.0.1", 0)
        )
        port = transport.get_extra_info("sockname")[1]
        if not tcp:
            tcp_server = None
            break
        try:
            tcp_server = await asyncio.start_server(_tcp_answer(server), "127.0.0.1", port)
        except OSError:
            transport.close()
            continue
        break
    else:
        pytest.skip("no UDP port with a free TCP twin on 127.0.0.1")
    try:
        await test(server, port)
    finally:
        transport.close()
        if tcp_server is not None:
            tcp_server.close()
            await tcp_server.wait_closed()


def _run(behave: Behaviour, test: Callable[[_Server, int], Awaitable[None]], **kw: Any) -> None:
    asyncio.run(_serving(behave, test, **kw))


def _addresses(reply: dns.message.Message) -> list[str]:
    return [r.to_text() for rrset in reply.answer for r in rrset]


def test_testnet_name_resolves_to_its_address(net: Testnet) -> None:
    ip, port = net.resolver.rsplit(":", 1)

    async def run() -> None:
        client = DnsClient(ip, int(port), timeout=2)
        try:
            replies = await asyncio.gather(
                *(client.query("coco.test", t) for t in ("A", "AAAA", "NS", "MX"))
            )
        finally:
            await client.close()
        a, aaaa, ns, mx = replies
        assert _addresses(a) == [net.address_of("coco.test")]
        assert aaaa.answer == [] and aaaa.rcode() == dns.rcode.NOERROR
        assert _addresses(ns) == ["ns1.coco.test."]
        assert _addresses(mx) == ["10 mail.coco.test."]

    asyncio.run(run())


def test_unknown_testnet_name_is_nxdomain(net: Testnet) -> None:
    ip, port = net.resolver.rsplit(":", 1)

    async def run() -> None:
        client = DnsClient(ip, int(port), timeout=2)
        try:
            reply = await client.query("nowhere.invalid", "A")
        finally:
            await client.close()
        assert reply.rcode() == dns.rcode.NXDOMAIN

    asyncio.run(run())


def test_silent_server_times_out_within_the_lifetime_after_retries() -> None:
    async def test(server: _Server, port: int) -> None:
        client = DnsClient("127.0.0.1", port, timeout=0.6, attempt=0.2)
        t0 = time.monotonic()
        with pytest.raises(QueryTimeout):
            await client.query("quiet.test", "A")
        took = time.monotonic() - t0
        await client.close()
        assert 0.5 <= took < 1.0
        assert len(server.queries) >= 2  # asked again before giving up
        assert len({q.id for q in server.queries}) == len(server.queries)  # fresh id per try

    _run(lambda server, query, addr: None, test)


def test_dropped_query_is_asked_again() -> None:
    def drop_first(server: _Server, query: dns.message.Message, addr: tuple[str, int]) -> None:
        if len(server.queries) > 1:
            server.send(_answer(query), addr)

    async def test(server: _Server, port: int) -> None:
        client = DnsClient("127.0.0.1", port, timeout=2, attempt=0.2)
        reply = await client.query("lossy.test", "A")
        await client.close()
        assert _addresses(reply) == [GOOD] and len(server.queries) == 2

    _run(drop_first, test)


def _forged_reply_first_is_ignored(
    forge: Callable[[dns.message.Message], dns.message.Message], name: str
) -> None:
    """The server sends `forge(query)` (answering FORGED), then the true answer: the
    client must keep only the true one."""

    def forged_first(server: _Server, query: dns.message.Message, addr: tuple[str, int]) -> None:
        server.send(forge(query), addr)
        server.send(_answer(query), addr)

    async def test(server: _Server, port: int) -> None:
        client = DnsClient("127.0.0.1", port, timeout=2)
        reply = await client.query(name, "A")
        await client.close()
        assert _addresses(reply) == [GOOD]

    _run(forged_first, test)


def test_reply_with_another_id_is_ignored() -> None:
    def another_id(query: dns.message.Message) -> dns.message.Message:
        forged = _answer(query, FORGED)
        forged.id = (query.id + 1) % 65536
        return forged

    _forged_reply_first_is_ignored(another_id, "spoofed.test")


def test_reply_to_another_question_is_ignored() -> None:
    def other_question(query: dns.message.Message) -> dns.message.Message:
        other = dns.message.make_query("elsewhere.test", "A")
        other.id = query.id
        return _answer(other, FORGED)

    _forged_reply_first_is_ignored(other_question, "asked.test")


def test_reply_from_another_port_is_ignored() -> None:
    spoofer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    spoofer.bind(("127.0.0.1", 0))

    def spoof_then_answer(
        server: _Server, query: dns.message.Message, addr: tuple[str, int]
    ) -> None:
        spoofer.sendto(_answer(query, FORGED).to_wire(), addr)  # right id, wrong source
        asyncio.get_running_loop().call_later(0.1, server.send, _answer(query), addr)

    async def test(server: _Server, port: int) -> None:
        client = DnsClient("127.0.0.1", port, timeout=2)
        reply = await client.query("offpath.test", "A")
        await client.close()
        assert _addresses(reply) == [GOOD]

    try:
        _run(spoof_then_answer, test)
    finally:
        spoofer.close()


def test_truncated_reply_is_asked_again_over_tcp() -> None:
    def truncate(server: _Server, query: dns.message.Message, addr: tuple[str, int]) -> None:
        reply = dns.message.make_response(query)
        reply.flags |= dns.flags.TC
        server.send(reply, addr)

    async def test(server: _Server, port: int) -> None:
        client = DnsClient("127.0.0.1", port, timeout=2)
        reply = await client.query("big.test", "A")
        await client.close()
        assert _addresses(reply) == [GOOD] and server.tcp_queries == 1

    _run(truncate, test, tcp=True)


def test_answer_is_cached_for_its_ttl_only() -> None:
    now = [1000.0]

    def answer(server: _Server, query: dns.message.Message, addr: tuple[str, int]) -> None:
        server.send(_answer(query, ttl=30), addr)

    async def test(server: _Server, port: int) -> None:
        client = DnsClient("127.0.0.1", port, timeout=2, clock=lambda: now[0])
        await client.query("cached.test", "A")
        await client.query("CACHED.test.", "A")
        asked_within_ttl = len(server.queries)
        now[0] += 31
        await client.query("cached.test", "A")
        await client.close()
        assert asked_within_ttl == 1 and len(server.queries) == 2

    _run(answer, test)


def test_nxdomain_is_not_cached() -> None:
    def nx(server: _Server, query: dns.message.Message, addr: tuple[str, int]) -> None:
        reply = dns.message.make_response(query)
        reply.set_rcode(dns.rcode.NXDOMAIN)
        server.send(reply, addr)

    async def test(server: _Server, port: int) -> None:
        client = DnsClient("127.0.0.1", port, timeout=2)
        first = await client.query("gone.test", "A")
        await client.query("gone.test", "A")
        await client.close()
        assert first.rcode() == dns.rcode.NXDOMAIN and len(server.queries) == 2

    _run(nx, test)


def test_many_concurrent_queries_share_one_socket() -> None:
    sources: set[tuple[str, int]] = set()

    def answer(server: _Server, query: dns.message.Message, addr: tuple[str, int]) -> None:
        sources.add(addr)
        server.send(_answer(query), addr)

    async def test(server: _Server, port: int) -> None:
        client = DnsClient("127.0.0.1", port, timeout=5, in_flight=50, rng=random.Random(1))
        replies = await asyncio.gather(*(client.query(f"n{i}.test", "A") for i in range(300)))
        await client.close()
        assert all(_addresses(r) == [GOOD] for r in replies)
        assert len(sources) == 1

    _run(answer, test)


def test_query_on_the_wire_is_one_question_with_edns() -> None:
    def answer(server: _Server, query: dns.message.Message, addr: tuple[str, int]) -> None:
        server.send(_answer(query), addr)

    async def test(server: _Server, port: int) -> None:
        client = DnsClient("127.0.0.1", port, timeout=2)
        await client.query("Wire.Test.", "MX")
        await client.close()
        (query,) = server.queries
        (q,) = query.question
        assert q.name == dns.name.from_text("wire.test") and q.rdtype == dns.rdatatype.MX
        assert query.flags & dns.flags.RD and query.edns == 0 and query.payload == 1232

    _run(answer, test)


def test_reply_echoing_the_question_in_another_case_is_accepted() -> None:
    def shout(server: _Server, query: dns.message.Message, addr: tuple[str, int]) -> None:
        reply = _answer(query)
        wire = bytearray(reply.to_wire())
        end = 12 + len(query.question[0].name.to_wire())
        wire[12:end] = bytes(wire[12:end]).upper()  # as a server using 0x20 might
        assert server.transport is not None
        server.transport.sendto(bytes(wire), addr)

    async def test(server: _Server, port: int) -> None:
        client = DnsClient("127.0.0.1", port, timeout=2)
        reply = await client.query("mixed.test", "A")
        await client.close()
        assert reply.rcode() == dns.rcode.NOERROR

    _run(shout, test)


def test_reply_with_another_opcode_is_ignored() -> None:
    def notify(query: dns.message.Message) -> dns.message.Message:
        odd = _answer(query, FORGED)
        odd.set_opcode(dns.opcode.NOTIFY)
        return odd

    _forged_reply_first_is_ignored(notify, "opcode.test")


@pytest.mark.parametrize(
    "name", ["a" * 64 + ".test", "a..test", ".".join(["abcdefghi"] * 30), "caf\u00e9.test"]
)
def test_name_that_cannot_be_asked_fails_without_sending(name: str) -> None:
    def answer(server: _Server, query: dns.message.Message, addr: tuple[str, int]) -> None:
        server.send(_answer(query), addr)

    async def test(server: _Server, port: int) -> None:
        client = DnsClient("127.0.0.1", port, timeout=2)
        with pytest.raises(QueryFailed, match=r"not a name that can be asked|255 bytes"):
            await client.query(name, "A")
        await client.close()
        assert server.queries == []

    _run(answer, test)


@given(st.binary(max_size=600))
@settings(max_examples=300, deadline=None)
def test_any_datagram_is_judged_without_raising(wire: bytes) -> None:
    from revenant.probe.dnsclient import _question, _reply_to

    question = _question("asked.test", 1)
    accepted, reply = _reply_to(question, b"\x12\x34" + wire)
    assert reply is None or accepted


@given(st.text(max_size=300))
@settings(max_examples=300, deadline=None)
def test_any_name_is_either_asked_or_refused_as_unaskable(name: str) -> None:
    from revenant.probe.dnsclient import _question

    try:
        wire = _question(name, 28)
    except QueryFailed:
        return
    assert len(wire) <= 255 + 4 and wire.endswith(b"\x00\x00\x1c\x00\x01")


@given(st.lists(st.tuples(st.integers(0, 200), st.integers(0, 255)), max_size=8))
@settings(max_examples=300, deadline=None)
def test_damaged_reply_is_refused_or_still_answers_the_question(
    flips: list[tuple[int, int]],
) -> None:
    from revenant.probe.dnsclient import _question, _reply_to

    query = dns.message.make_query("asked.test", "A")
    wire = bytearray(_answer(query).to_wire())
    for at, value in flips:
        wire[at % len(wire)] = value
    accepted, reply = _reply_to(_question("asked.test", 1), bytes(wire))
    if reply is not None:
        assert accepted
        (q,) = reply.question
        assert q.name == dns.name.from_text("asked.test") and q.rdtype == dns.rdatatype.A
