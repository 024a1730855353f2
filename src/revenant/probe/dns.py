"""DNS for the prober: the answers recorded as evidence (A, AAAA, CNAME, NS, MX) and the
resolver aiohttp connects through, which hands out only addresses the policy allows.
Queries go through `dnsclient.DnsClient` (one shared UDP socket, TCP on truncation).

It must never return an address the policy refuses: the address aiohttp connects to
comes from here (or is re-checked after connecting), so a rebinding answer cannot
slip through between the check and the connection. No answer is cached past its TTL
or beyond the LRU's bound.
"""

from __future__ import annotations

import asyncio
import socket
import time
from dataclasses import dataclass

import dns.message
import dns.rcode
import dns.rdatatype
import dns.resolver
from aiohttp.abc import AbstractResolver, ResolveResult

from revenant.errors import UsageError
from revenant.hostnames import is_ip
from revenant.model import DnsRecord
from revenant.probe.config import IPNetwork
from revenant.probe.dnsclient import DnsClient, QueryFailed, QueryTimeout
from revenant.probe.policy import address_refusal

RECORD_TYPES = ("A", "AAAA", "NS", "MX")
"""Queried for evidence. CNAME is not asked separately: a CNAME chain comes in the
answer to A and AAAA and is recorded from there."""


class AddressRefused(OSError):
    """Every address of a name is refused by the policy (carries the reasons)."""


class NameNotResolved(OSError):
    """The name does not resolve (NXDOMAIN, no address, resolver failure)."""


@dataclass(frozen=True)
class Answers:
    """What the resolver said about one name: records, or why there are none."""

    records: tuple[DnsRecord, ...]
    error: str = ""

    @property
    def addresses(self) -> tuple[str, ...]:
        return tuple(r.value for r in self.records if r.rtype in ("A", "AAAA"))


def make_client(resolver: str | None, timeout: float, in_flight: int = 100) -> DnsClient:
    """A DNS client asking "IP:PORT" (None: the system's first configured name server)."""
    if resolver is None:
        servers = dns.resolver.Resolver().nameservers
        if not servers:
            raise UsageError("no name server configured; pass a resolver IP:PORT")
        ip, port = str(servers[0]), 53
    else:
        ip, sep, text = resolver.rpartition(":")
        if not sep or not text.isdigit():
            raise UsageError(f"resolver {resolver!r}: expected IP:PORT")
        ip, port = ip.strip("[]"), int(text)
    # Several tries within the lifetime: a busy resolver drops UDP queries.
    return DnsClient(ip, port, timeout=timeout, attempt=max(0.5, timeout / 4), in_flight=in_flight)


class _NxDomain(Exception):
    pass


async def _query(client: DnsClient, name: str, rtype: str) -> list[DnsRecord]:
    reply = await client.query(name, rtype)
    rcode = reply.rcode()
    if rcode == dns.rcode.NXDOMAIN:
        raise _NxDomain(name)
    if rcode != dns.rcode.NOERROR:
        raise QueryFailed(f"server answered {dns.rcode.to_text(rcode)}")
    return _records(reply, rtype)


def _records(reply: dns.message.Message, rtype: str) -> list[DnsRecord]:
    out: list[DnsRecord] = []
    for rrset in reply.answer:
        rt = dns.rdatatype.to_text(rrset.rdtype)
        if rt != rtype and rt != "CNAME":  # a CNAME chain is recorded with any type
            continue
        rname = rrset.name.to_text(omit_final_dot=True)
        for rdata in rrset:
            value = rdata.to_text()
            if rt in ("CNAME", "NS", "MX"):
                value = value.rstrip(".")
            out.append(DnsRecord(rname, rt, value, rrset.ttl))
    return out


async def lookup(client: DnsClient, host: str, types: tuple[str, ...] = RECORD_TYPES) -> Answers:
    """Every record of `types` for `host` (asked at once), deduplicated, in a stable
    order."""
    results = await asyncio.gather(
        *(_query(client, host, t) for t in types), return_exceptions=True
    )
    records: list[DnsRecord] = []
    errors: list[str] = []
    for rtype, res in zip(types, results, strict=True):
        if isinstance(res, _NxDomain):
            return Answers((), f"{host}: NXDOMAIN")
        if isinstance(res, QueryTimeout):
            errors.append(f"{rtype} timed out")
        elif isinstance(res, QueryFailed):
            errors.append(f"{rtype}: {res}")
        elif isinstance(res, BaseException):
            if not isinstance(res, Exception):
                raise res
            errors.append(f"{rtype}: {type(res).__name__}: {res}")
        else:
            records.extend(res)
    unique = tuple(dict.fromkeys(records))
    if not unique and errors:
        return Answers((), f"{host}: " + "; ".join(errors))
    return Answers(unique)


class PolicyResolver(AbstractResolver):
    """The resolver aiohttp connects through: DNS answers filtered by the policy.

    It keeps each name's addresses for at most `hold` seconds (bounded by their TTL and
    by `size` names), so the addresses checked are the addresses connected to.
    """

    def __init__(
        self,
        client: DnsClient,
        allow: tuple[IPNetwork, ...],
        *,
        hold: float = 30.0,
        size: int = 20000,
    ) -> None:
        self._client = client
        self._allow = allow
        self._hold = hold
        self._size = size
        self._held: dict[str, tuple[float, tuple[str, ...]]] = {}

    async def records(self, host: str, types: tuple[str, ...] = RECORD_TYPES) -> Answers:
        """The records of `types` for `host` (a CNAME chain comes with A/AAAA); any
        addresses among them are held for the connections that follow."""
        answers = await lookup(self._client, host, types)
        self._remember(host, answers)
        return answers

    def _remember(self, host: str, answers: Answers) -> None:
        if answers.error or not answers.addresses:
            return
        ttl = min((r.ttl for r in answers.records if r.rtype in ("A", "AAAA")), default=0)
        if ttl <= 0:
            return
        if len(self._held) >= self._size:
            self._held.pop(next(iter(self._held)))
        self._held[host] = (time.monotonic() + min(ttl, self._hold), answers.addresses)

    async def addresses(self, host: str) -> list[str]:
        """Allowed addresses of `host`; AddressRefused / NameNotResolved otherwise."""
        known = self.known_addresses(host)
        if known is not None:
            return known
        answers = await lookup(self._client, host, ("A", "AAAA"))
        if answers.error:
            raise NameNotResolved(answers.error)
        self._remember(host, answers)
        if not answers.addresses:
            raise NameNotResolved(f"{host}: no A or AAAA record")
        return self._allowed(host, list(answers.addresses))

    def known_addresses(self, host: str) -> list[str] | None:
        """`addresses(host)` without asking anyone: for an IP literal or a name whose
        addresses are held; None when the name must be looked up."""
        held = self._held.get(host)
        if held is not None and held[0] > time.monotonic():
            return self._allowed(host, list(held[1]))
        if is_ip(host):
            return self._allowed(host, [host])
        return None

    def _allowed(self, host: str, found: list[str]) -> list[str]:
        allowed = [a for a in found if address_refusal(a, self._allow) is None]
        if not allowed:
            reasons = "; ".join(filter(None, (address_refusal(a, self._allow) for a in found)))
            raise AddressRefused(f"{host}: {reasons}")
        return allowed

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_UNSPEC
    ) -> list[ResolveResult]:
        out: list[ResolveResult] = []
        for address in await self.addresses(host):
            fam = socket.AF_INET6 if ":" in address else socket.AF_INET
            if family in (socket.AF_INET, socket.AF_INET6) and family != fam:
                continue
            out.append(
                ResolveResult(hostname=host, host=address, port=port, family=fam, proto=0, flags=0)
            )
        return out

    async def close(self) -> None:
        await self._client.close()
