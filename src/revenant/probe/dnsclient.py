"""A DNS stub client for the prober: one shared UDP socket to one configured server,
query ids mapped to waiting futures, TCP when an answer is truncated, and a small
TTL-bound cache. dnspython only builds and parses the messages.

dnspython's own async resolver opens a socket per query; with hundreds of captures in
flight that, not the network, was the prober's bottleneck. Here every query shares one
connected datagram endpoint, so a query costs one `sendto` and one parse.

It must never accept a reply that does not answer the question asked: a datagram is
taken only if it comes from the server, carries an id we are waiting on, and echoes
that query's question (anything else is dropped and the wait goes on). It must never
keep an answer past its TTL, past `max_ttl`, or beyond the cache's bound, and never
wait longer than its lifetime per query.
"""

from __future__ import annotations

import asyncio
import random
import socket
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import cast

import dns.asyncquery
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype

_TC = 0x0200  # the truncation bit of the header's flags
_EDNS_PAYLOAD = 1232  # the DNS flag day 2020 size: no IP fragmentation
_RCVBUF = 1 << 20  # replies to a burst of queries must not overflow the socket


class QueryTimeout(OSError):
    """No acceptable reply within the query's lifetime (after every retry)."""


class QueryFailed(OSError):
    """The server could not be asked (socket error, unusable TCP answer)."""


class _Endpoint(asyncio.DatagramProtocol):
    def __init__(self, client: DnsClient) -> None:
        self._client = client

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        self._client._received(data, addr)

    def error_received(self, exc: Exception) -> None:
        # ICMP port unreachable and the like: the waiting queries time out and retry.
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self._client._lost()


class DnsClient:
    """Asks one DNS server ("IP", port) over a shared UDP socket, TCP on truncation.

    `timeout` bounds one query with all its tries; a try waits `attempt` seconds (doubled
    each time, never past the lifetime). `in_flight` bounds the queries outstanding.
    `rng` draws query ids (a `random.SystemRandom` unless a test injects a seeded one).
    """

    def __init__(
        self,
        server: str,
        port: int = 53,
        *,
        timeout: float = 5.0,
        attempt: float = 1.0,
        in_flight: int = 100,
        cache_size: int = 4096,
        max_ttl: float = 300.0,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.server = server
        self.port = port
        self.timeout = timeout
        self._attempt = min(attempt, timeout)
        self._gate = asyncio.Semaphore(in_flight)
        self._cache_size = cache_size
        self._max_ttl = max_ttl
        self._rng = rng if rng is not None else random.SystemRandom()
        self._clock = clock
        self._cache: OrderedDict[tuple[str, int], tuple[float, dns.message.Message]] = OrderedDict()
        self._pending: dict[
            int, tuple[dns.message.Message, asyncio.Future[dns.message.Message | None]]
        ] = {}
        self._transport: asyncio.DatagramTransport | None = None
        self._opening: asyncio.Lock | None = None
        self._peer: tuple[str, int] | None = None

    async def query(self, name: str, rtype: str) -> dns.message.Message:
        """The server's reply to `name` `rtype` (any rcode: the caller reads it);
        QueryTimeout or QueryFailed when there is none."""
        qname = dns.name.from_text(name)
        rdtype = dns.rdatatype.from_text(rtype)
        key = (qname.to_text().lower(), int(rdtype))
        cached = self._cached(key)
        if cached is not None:
            return cached
        async with self._gate:  # the lifetime starts when the query may be sent
            reply = await self._ask(qname, rdtype, self._clock() + self.timeout)
        self._store(key, reply)
        return reply

    async def close(self) -> None:
        """Close the socket; queries still waiting fail."""
        if self._transport is not None:
            self._transport.close()
            self._transport = None
        self._fail_pending(QueryFailed(f"DNS client for {self.server}:{self.port} closed"))

    # --- one query, UDP tries then TCP ---

    async def _ask(
        self, qname: dns.name.Name, rdtype: dns.rdatatype.RdataType, deadline: float
    ) -> dns.message.Message:
        transport = await self._open()
        wait = self._attempt
        while True:
            left = deadline - self._clock()
            if left <= 0:
                raise QueryTimeout(
                    f"{qname.to_text(omit_final_dot=True)} "
                    f"{dns.rdatatype.to_text(rdtype)}: no reply within {self.timeout} s"
                )
            query = dns.message.make_query(qname, rdtype, use_edns=0, payload=_EDNS_PAYLOAD)
            query.id = self._new_id()
            future: asyncio.Future[dns.message.Message | None]
            future = asyncio.get_running_loop().create_future()
            self._pending[query.id] = (query, future)
            try:
                transport.sendto(query.to_wire())
                async with asyncio.timeout(min(wait, left)):
                    reply = await future
            except TimeoutError:
                wait *= 2
                continue
            finally:
                self._pending.pop(query.id, None)
            if reply is None:  # truncated: the whole answer over TCP
                return await self._tcp(query, deadline)
            return reply

    async def _tcp(self, query: dns.message.Message, deadline: float) -> dns.message.Message:
        left = deadline - self._clock()
        if left <= 0:
            raise QueryTimeout(f"{query.question[0].name}: truncated, no time left for TCP")
        try:
            return await dns.asyncquery.tcp(query, self.server, timeout=left, port=self.port)
        except dns.exception.Timeout:
            raise QueryTimeout(
                f"{query.question[0].name}: TCP reply not within {left:.1f} s"
            ) from None
        except (OSError, dns.exception.DNSException, EOFError) as exc:
            raise QueryFailed(
                f"{query.question[0].name}: TCP: {type(exc).__name__}: {exc}"
            ) from None

    def _new_id(self) -> int:
        while True:
            qid = self._rng.getrandbits(16)
            if qid not in self._pending:
                return qid

    # --- the shared socket ---

    async def _open(self) -> asyncio.DatagramTransport:
        if self._transport is not None:
            return self._transport
        if self._opening is None:
            self._opening = asyncio.Lock()
        async with self._opening:
            if self._transport is None:
                self._transport = await self._connect()
        return self._transport

    async def _connect(self) -> asyncio.DatagramTransport:
        family = socket.AF_INET6 if ":" in self.server else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_DGRAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, _RCVBUF)
            sock.setblocking(False)
            sock.bind(("::" if family == socket.AF_INET6 else "0.0.0.0", 0))
            # Connected: the kernel drops datagrams from any other address or port.
            sock.connect((self.server, self.port))
            self._peer = cast(tuple[str, int], sock.getpeername()[:2])
            transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(
                lambda: _Endpoint(self), sock=sock
            )
        except OSError as exc:
            sock.close()
            raise QueryFailed(f"DNS server {self.server}:{self.port}: {exc}") from None
        return transport

    def _received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        if len(data) < 12 or tuple(addr[:2]) != self._peer:
            return
        waiting = self._pending.get(int.from_bytes(data[:2], "big"))
        if waiting is None or waiting[1].done():
            return  # late, duplicate or spoofed
        query, future = waiting
        accepted, reply = _reply_to(query, data)
        if accepted:  # a forged or garbled datagram must not end the wait
            future.set_result(reply)

    def _lost(self) -> None:
        self._transport = None
        self._fail_pending(QueryFailed(f"DNS socket to {self.server}:{self.port} closed"))

    def _fail_pending(self, exc: Exception) -> None:
        for _, future in self._pending.values():
            if not future.done():
                future.set_exception(exc)

    # --- the cache ---

    def _cached(self, key: tuple[str, int]) -> dns.message.Message | None:
        hit = self._cache.get(key)
        if hit is None:
            return None
        if hit[0] <= self._clock():
            del self._cache[key]
            return None
        self._cache.move_to_end(key)
        return hit[1]

    def _store(self, key: tuple[str, int], reply: dns.message.Message) -> None:
        """Positive answers only, for their smallest TTL (capped by `max_ttl`)."""
        if reply.rcode() != dns.rcode.NOERROR or not reply.answer or self._cache_size <= 0:
            return
        ttl = min(min(rrset.ttl for rrset in reply.answer), self._max_ttl)
        if ttl <= 0:
            return
        self._cache[key] = (self._clock() + ttl, reply)
        self._cache.move_to_end(key)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)


def _reply_to(query: dns.message.Message, wire: bytes) -> tuple[bool, dns.message.Message | None]:
    """(is `wire` the reply to `query`: id, QR bit, opcode and question checked; the
    parsed reply, or None if it is truncated and must be asked again over TCP)."""
    flags = int.from_bytes(wire[2:4], "big")
    if not flags & dns.flags.QR:
        return False, None
    truncated = bool(flags & _TC)
    try:
        reply = dns.message.from_wire(wire, question_only=truncated)
    except (dns.exception.DNSException, ValueError, IndexError):
        return False, None
    if truncated and not reply.question:
        return True, None  # some servers drop the question too; TCP checks the real answer
    if not query.is_response(reply):
        return False, None
    return True, None if truncated else reply
