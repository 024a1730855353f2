"""The testnet's authoritative DNS: every declared name, nothing else.

Answers A, AAAA, CNAME, NS, MX and TXT over UDP and TCP on a loopback port, NXDOMAIN
for any undeclared name. Queries are parsed with dnspython; a query that does not
parse is dropped (UDP) or closes the connection (TCP), never raises into the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
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


def answer(
    zone: Zone,
    query: dns.message.Message,
    rrsets: dict[tuple[str, str], dns.rrset.RRset] | None = None,
) -> dns.message.Message:
    """The authoritative response to one query. `rrsets` memoises the record sets built
    from the zone's text (the zone never changes while it is served)."""
    memo = {} if rrsets is None else rrsets

    def rrset(name: str, rtype: str) -> dns.rrset.RRset:
        found = memo.get((name, rtype))
        if found is None:
            found = memo[(name, rtype)] = _rrset(name, rtype, zone[name][rtype])
        return found

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
            response.answer.append(rrset(name, "CNAME"))
            name = _key(records["CNAME"][0][0])
            continue
        wanted = list(records) if rtype == "ANY" else [rtype]
        for kind in wanted:
            if records.get(kind):
                response.answer.append(rrset(name, kind))
        break
    return response


def _respond(
    zone: Zone,
    wire: bytes,
    limit: int,
    rrsets: dict[tuple[str, str], dns.rrset.RRset] | None = None,
) -> bytes | None:
    try:
        query = dns.message.from_wire(wire)
    except (dns.exception.DNSException, ValueError, struct.error):
        return None
    response = answer(zone, query, rrsets)
    if query.edns >= 0:
        limit = max(limit, min(query.payload, 4096))
    try:
        return response.to_wire(max_size=limit)
    except dns.exception.TooBig:
        truncated = dns.message.make_response(query)
        truncated.flags |= dns.flags.AA | dns.flags.TC
        return truncated.to_wire()


class DnsUdp:
    """DNS over UDP, read by the testnet's event loop: each time the socket is readable,
    every waiting datagram is answered (up to a bound), not one per turn as a datagram
    transport would, so thousands of probes are not queued behind the HTTPS sites.

    Not a thread: a thread's every socket call hands the GIL back and waits up to the
    switch interval to retake it from the busy loop, which made answers take 150 ms.
    """

    _BATCH = 1024  # datagrams answered per wake-up, so DNS cannot starve the sites

    def __init__(self, zone: Zone, sock: socket.socket) -> None:
        self._zone = zone
        self._sock = sock
        self._sock.setblocking(False)
        self._rrsets: dict[tuple[str, str], dns.rrset.RRset] = {}

    def readable(self) -> None:
        for _ in range(self._BATCH):
            try:
                data, addr = self._sock.recvfrom(65535)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return  # socket closed, or an ICMP error on it
            wire = _respond(self._zone, data, 512, self._rrsets)
            if wire is not None:
                with contextlib.suppress(OSError):
                    self._sock.sendto(wire, addr)


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
