"""The testnet's authoritative DNS: every declared name, nothing else.

Answers A, AAAA, CNAME, NS, MX and TXT over UDP and TCP on a loopback port, NXDOMAIN
for any undeclared name. Queries are parsed with dnspython; a query that does not
parse is dropped (UDP) or closes the connection (TCP), never raises into the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import select
import socket
import struct
import threading
from collections.abc import Iterable, Mapping

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

from revenant.testnet.sites import SiteSpec

Zone = dict[str, dict[str, list[tuple[str, int]]]]
"""name (lower case, no trailing dot) -> rtype -> [(value, ttl)]."""

_MAX_CHASE = 8
_TCP_MAX = 65535


def _key(name: str) -> str:
    return name.lower().rstrip(".")


def build_zone(sites: Iterable[SiteSpec], addresses: Mapping[str, str]) -> Zone:
    """The records of every site: an A record per name (its address) unless the spec
    declares that name's A or CNAME itself, plus every declared record."""
    zone: Zone = {}
    for site in sites:
        declared: dict[str, set[str]] = {}
        for record in site.dns:
            declared.setdefault(_key(record.name or site.name), set()).add(record.rtype)
        for name in site.names:
            entry = zone.setdefault(_key(name), {})
            if not declared.get(_key(name), set()) & {"A", "CNAME"}:
                entry.setdefault("A", []).append((addresses[site.name], 300))
        for record in site.dns:
            entry = zone.setdefault(_key(record.name or site.name), {})
            entry.setdefault(record.rtype, []).append((record.value, record.ttl))
    return zone


def _rrset(name: str, rtype: str, values: list[tuple[str, int]]) -> dns.rrset.RRset:
    texts = []
    for value, _ in values:
        if rtype == "TXT":
            value = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        elif rtype in ("CNAME", "NS"):
            value = value.rstrip(".") + "."
        elif rtype == "MX":
            pref, _, host = value.partition(" ")
            value = f"{pref} {host.rstrip('.')}."
        texts.append(value)
    ttl = min(t for _, t in values)
    return dns.rrset.from_text_list(name + ".", ttl, dns.rdataclass.IN, rtype, texts)


def answer(zone: Zone, query: dns.message.Message) -> dns.message.Message:
    """The authoritative response to one query."""
    response = dns.message.make_response(query)
    response.flags |= dns.flags.AA
    if not query.question:
        response.set_rcode(dns.rcode.FORMERR)
        return response
    question = query.question[0]
    name = question.name.to_text(omit_final_dot=True).lower()
    rtype = dns.rdatatype.to_text(question.rdtype)
    if name not in zone:
        response.set_rcode(dns.rcode.NXDOMAIN)
        return response
    for _ in range(_MAX_CHASE):
        records = zone.get(name)
        if records is None:
            break
        if "CNAME" in records and rtype != "CNAME":
            response.answer.append(_rrset(name, "CNAME", records["CNAME"]))
            name = _key(records["CNAME"][0][0])
            continue
        wanted = list(records) if rtype == "ANY" else [rtype]
        for kind in wanted:
            if records.get(kind):
                response.answer.append(_rrset(name, kind, records[kind]))
        break
    return response


def _respond(zone: Zone, wire: bytes, limit: int) -> bytes | None:
    try:
        query = dns.message.from_wire(wire)
    except (dns.exception.DNSException, ValueError, struct.error):
        return None
    response = answer(zone, query)
    if query.edns >= 0:
        limit = max(limit, min(query.payload, 4096))
    try:
        return response.to_wire(max_size=limit)
    except dns.exception.TooBig:
        truncated = dns.message.make_response(query)
        truncated.flags |= dns.flags.AA | dns.flags.TC
        return truncated.to_wire()


class DnsUdpThread(threading.Thread):
    """DNS over UDP in a thread of its own, as a real server would be a process of its
    own: the HTTPS sites' event loop never delays an answer (in that loop, asyncio reads
    one datagram per turn, and thousands of probes wait on it)."""

    def __init__(self, zone: Zone, sock: socket.socket) -> None:
        super().__init__(name="testnet-dns-udp", daemon=True)
        self._zone = zone
        self._sock = sock
        self._halt = threading.Event()

    def run(self) -> None:
        self._sock.setblocking(False)
        poller = select.poll()  # not select(): the testnet's descriptors go past 1024
        poller.register(self._sock.fileno(), select.POLLIN)
        while not self._halt.is_set():
            if not poller.poll(200):
                continue
            while True:  # drain every waiting datagram before waiting again
                try:
                    data, addr = self._sock.recvfrom(65535)
                except (BlockingIOError, InterruptedError):
                    break
                except OSError:
                    return  # socket closed
                wire = _respond(self._zone, data, 512)
                if wire is not None:
                    with contextlib.suppress(OSError):
                        self._sock.sendto(wire, addr)

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=5)


class DnsTcp(asyncio.Protocol):
    """DNS over TCP: two-byte length-prefixed messages, several per connection."""

    def __init__(self, zone: Zone, connections: set[asyncio.Transport]) -> None:
        self._zone = zone
        self._buffer = b""
        self._connections = connections
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        self._connections.add(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._transport is not None:
            self._connections.discard(self._transport)

    def data_received(self, data: bytes) -> None:
        assert self._transport is not None
        self._buffer += data
        while len(self._buffer) >= 2:
            (size,) = struct.unpack("!H", self._buffer[:2])
            if len(self._buffer) < 2 + size:
                return
            message, self._buffer = self._buffer[2 : 2 + size], self._buffer[2 + size :]
            wire = _respond(self._zone, message, _TCP_MAX)
            if wire is None:
                self._transport.close()
                return
            self._transport.write(struct.pack("!H", len(wire)) + wire)
