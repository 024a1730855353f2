"""A DNS stub client for the prober: one shared UDP socket to one configured server,
query ids mapped to waiting futures, TCP when an answer is truncated, and a small
TTL-bound cache. dnspython only builds and parses the messages.

dnspython's own async resolver opens, binds and closes a socket per query, and the
prober asks four per capture; here every query shares one connected UDP socket,
so a query costs one `send` and one parse, and a late reply to an earlier try of the
same query still counts (a busy server is not asked the same thing over and over).

It must never accept a reply that does not answer the question asked: a datagram is
taken only if it comes from the server, carries an id we are waiting on, and echoes
that query's question (anything else is dropped and the wait goes on). It must never
keep an answer past its TTL, past `max_ttl`, or beyond the cache's bound, and never
wait longer than its lifetime per query.
"""

from __future__ import annotations

import asyncio
import contextlib
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
import dns.rcode
import dns.rdatatype

_TC = 0x0200  # the truncation bit of the header's flags
_EDNS_PAYLOAD = 1232  # the DNS flag day 2020 size: no IP fragmentation
_RCVBUF = 1 << 20  # replies to a burst of queries must not overflow the socket
_BATCH = 256  # datagrams read per wake-up, so DNS cannot starve the other sockets
_OPCODE = 0x7800  # the opcode bits of the header's flags (0: QUERY)
# A query is built by hand (dnspython's make_query and to_wire cost ten times more, and
# the prober asks four per capture): flags RD, one question, one EDNS0 OPT record
# advertising a 1232-byte payload. dnspython parses every reply.
_HEADER = b"\x01\x00\x00\x01\x00\x00\x00\x00\x00\x01"
_OPT = b"\x00\x00\x29" + _EDNS_PAYLOAD.to_bytes(2, "big") + b"\x00\x00\x00\x00\x00\x00"


class QueryTimeout(OSError):
    """No acceptable reply within the query's lifetime (after every retry)."""


class QueryFailed(OSError):
    """The server could not be asked (socket error, unusable TCP answer)."""


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
        self._cache: OrderedDict[tuple[bytes, int], tuple[float, dns.message.Message]] = (
            OrderedDict()
        )
        self._pending: dict[int, tuple[bytes, asyncio.Future[dns.message.Message | None]]] = {}
        self._sock: socket.socket | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._peer: tuple[str, int] | None = None

    async def query(self, name: str, rtype: str) -> dns.message.Message:
        """The server's reply to `name` `rtype` (any rcode: the caller reads it);
        QueryTimeout or QueryFailed when there is none."""
        rdtype = dns.rdatatype.from_text(rtype)
        question = _question(name, int(rdtype))
        key = (question[:-4].lower(), int(rdtype))
        cached = self._cached(key)
        if cached is not None:
            return cached
        async with self._gate:  # the lifetime starts when the query may be sent
            reply = await self._ask(question, self._clock() + self.timeout)
        self._store(key, reply)
        return reply

    async def close(self) -> None:
        """Close the socket; queries still waiting fail."""
        sock, loop = self._sock, self._loop
        self._sock = self._loop = None
        if sock is not None:
            if loop is not None and not loop.is_closed():
                loop.remove_reader(sock.fileno())
            sock.close()
        self._fail_pending(QueryFailed(f"DNS client for {self.server}:{self.port} closed"))

    # --- one query, UDP tries then TCP ---

    async def _ask(self, question: bytes, deadline: float) -> dns.message.Message:
        sock = self._open()
        future: asyncio.Future[dns.message.Message | None]
        future = asyncio.get_running_loop().create_future()
        sent: list[int] = []
        wait = self._attempt
        try:
            while not future.done():
                left = deadline - self._clock()
                if left <= 0:
                    raise QueryTimeout(f"{_describe(question)}: no reply within {self.timeout} s")
                # A fresh id per try; a late reply to an earlier try still counts.
                qid = self._new_id()
                self._pending[qid] = (question, future)
                sent.append(qid)
                with contextlib.suppress(OSError):  # full buffer, ICMP error: try again
                    sock.send(qid.to_bytes(2, "big") + _HEADER + question + _OPT)
                await asyncio.wait((future,), timeout=min(wait, left))
                wait *= 2
        finally:
            for qid in sent:
                self._pending.pop(qid, None)
            future.cancel()  # no-op once it has a result
        reply = future.result()
        if reply is None:  # truncated: the whole answer over TCP
            return await self._tcp(question, sent[-1], deadline)
        return reply

    async def _tcp(self, question: bytes, qid: int, deadline: float) -> dns.message.Message:
        left = deadline - self._clock()
        if left <= 0:
            raise QueryTimeout(f"{_describe(question)}: truncated, no time left for TCP")
        query = dns.message.from_wire(qid.to_bytes(2, "big") + _HEADER + question + _OPT)
        try:
            return await dns.asyncquery.tcp(query, self.server, timeout=left, port=self.port)
        except dns.exception.Timeout:
            raise QueryTimeout(
                f"{_describe(question)}: TCP reply not within {left:.1f} s"
            ) from None
        except (OSError, dns.exception.DNSException, EOFError) as exc:
            raise QueryFailed(f"{_describe(question)}: TCP: {type(exc).__name__}: {exc}") from None

    def _new_id(self) -> int:
        while True:
            qid = self._rng.getrandbits(16)
            if qid not in self._pending:
                return qid

    # --- the shared socket ---

    def _open(self) -> socket.socket:
        if self._sock is not None:
            return self._sock
        family = socket.AF_INET6 if ":" in self.server else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_DGRAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, _RCVBUF)
            sock.setblocking(False)
            sock.bind(("::" if family == socket.AF_INET6 else "0.0.0.0", 0))
            # Connected: the kernel drops datagrams from any other address or port.
            sock.connect((self.server, self.port))
            self._peer = cast(tuple[str, int], sock.getpeername()[:2])
            loop = asyncio.get_running_loop()
            # Not a datagram transport: that reads one datagram per turn of the event
            # loop, and a loop busy with hundreds of connections turns slowly.
            loop.add_reader(sock.fileno(), self._readable)
        except OSError as exc:
            sock.close()
            raise QueryFailed(f"DNS server {self.server}:{self.port}: {exc}") from None
        self._sock, self._loop = sock, loop
        return sock

    def _readable(self) -> None:
        """Drain the socket: every datagram waiting, up to a bound per turn."""
        sock = self._sock
        for _ in range(_BATCH):
            if sock is None:
                return
            try:
                data, addr = sock.recvfrom(65535)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:  # an ICMP error reported on the connected socket
                continue
            self._received(data, addr)

    def _received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        if len(data) < 12 or tuple(addr[:2]) != self._peer:
            return
        waiting = self._pending.get(int.from_bytes(data[:2], "big"))
        if waiting is None or waiting[1].done():
            return  # late, duplicate or spoofed
        question, future = waiting
        accepted, reply = _reply_to(question, data)
        if accepted:  # a forged or garbled datagram must not end the wait
            future.set_result(reply)

    def _fail_pending(self, exc: Exception) -> None:
        for _, future in self._pending.values():
            if not future.done():
                future.set_exception(exc)

    # --- the cache ---

    def _cached(self, key: tuple[bytes, int]) -> dns.message.Message | None:
        hit = self._cache.get(key)
        if hit is None:
            return None
        if hit[0] <= self._clock():
            del self._cache[key]
            return None
        self._cache.move_to_end(key)
        return hit[1]

    def _store(self, key: tuple[bytes, int], reply: dns.message.Message) -> None:
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


def _question(name: str, rdtype: int) -> bytes:
    """The wire form of the question (`name` `rdtype` IN); QueryFailed for a name that
    cannot be asked (non-ASCII, empty or over-long label, over 255 bytes)."""
    labels = name.rstrip(".").split(".") if name not in ("", ".") else []
    wire = bytearray()
    for label in labels:
        raw = label.encode("ascii", "replace")
        if not raw or len(raw) > 63 or not label.isascii():
            raise QueryFailed(f"{name!r}: not a name that can be asked (label {label!r})")
        wire += len(raw).to_bytes(1, "big") + raw
    wire += b"\0"
    if len(wire) > 255:
        raise QueryFailed(f"{name!r}: longer than 255 bytes on the wire")
    return bytes(wire) + rdtype.to_bytes(2, "big") + b"\0\1"


def _describe(question: bytes) -> str:
    """`name TYPE` of a wire question, for messages."""
    labels, i = [], 0
    while i < len(question) and question[i]:
        labels.append(question[i + 1 : i + 1 + question[i]].decode("ascii", "replace"))
        i += 1 + question[i]
    rdtype = int.from_bytes(question[-4:-2], "big")
    return f"{'.'.join(labels)} {dns.rdatatype.to_text(dns.rdatatype.RdataType.make(rdtype))}"


def _reply_to(question: bytes, wire: bytes) -> tuple[bool, dns.message.Message | None]:
    """(is `wire` the reply to our `question`: QR bit, opcode QUERY, one question equal
    to ours but for letter case; the parsed reply, or None if it is truncated and must
    be asked again over TCP). The id was matched by the caller."""
    flags = int.from_bytes(wire[2:4], "big")
    if not flags & dns.flags.QR or flags & _OPCODE:
        return False, None
    truncated = bool(flags & _TC)
    qdcount = int.from_bytes(wire[4:6], "big")
    if truncated and qdcount == 0:
        return True, None  # some servers drop the question too; TCP checks the real answer
    echoed = wire[12 : 12 + len(question)]
    if qdcount != 1 or echoed.lower() != question.lower():
        return False, None
    if truncated:
        return True, None
    try:
        reply = dns.message.from_wire(wire)
    except (dns.exception.DNSException, ValueError, IndexError):
        return False, None
    return True, reply
