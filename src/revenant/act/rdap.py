"""Who to tell about a confirmed name: the registrar and its abuse contact (domain RDAP),
the network holding the address and its abuse contact (IP RDAP), and the ASN.

RDAP servers are chosen from the IANA bootstrap files shipped in `act/data/rdap/`
(RFC 9224; never fetched at run time). Each query is fetched by Revenant's own prober,
so the address policy, the time and byte bounds and the redirect limit apply exactly as
to any capture, and the exchange is written to the case's evidence (WARC records and
custody ledger entries). `whoisit` parses the RFC 9083 answer (entities, roles,
vCards); its own HTTP and bootstrap code are not used.

It must never raise for what a server sends: a missing, redacted, broken or partial
answer is an `RdapOutcome` with a reason, "no abuse contact" included.
"""

from __future__ import annotations

import asyncio
import enum
import ipaddress
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from importlib import resources
from typing import Any

from whoisit.bootstrap import Bootstrap as _WhoisitBootstrap
from whoisit.parser import parse as _whoisit_parse

from revenant.errors import BadInput, UsageError
from revenant.evidence.warc import EvidenceLog, warc_digest
from revenant.fingerprint.names import registrable
from revenant.model import Capture, Clock, Outcome, utcnow
from revenant.probe import Prober
from revenant.store import Store
from revenant.store.alerts import Alert
from revenant.store.cases import get_case
from revenant.store.rdap import capture_address, save_answer

_EMAIL_MAX = 254


class RdapOutcome(enum.StrEnum):
    """How one RDAP lookup ended."""

    OK = "ok"  # an answer with at least one abuse e-mail address
    NO_ABUSE_CONTACT = "no-abuse-contact"  # a valid answer naming no usable abuse address
    NOT_FOUND = "not-found"  # the server says it has no such object (HTTP 404)
    NO_SERVER = "no-server"  # the bootstrap files name no RDAP server for it
    FAILED = "failed"  # refused by the policy, DNS, connection, TLS, timeout, HTTP error
    MALFORMED = "malformed"  # not JSON, not an RDAP object, or unparseable


@dataclass(frozen=True)
class RdapAnswer:
    """What one RDAP lookup found, and where its evidence is."""

    kind: str  # "domain" | "ip"
    query: str  # the registrable domain or the IP address asked about
    url: str
    outcome: RdapOutcome
    reason: str = ""
    holder: str = ""  # registrar name (domain) or network holder/name (ip)
    holder_id: str = ""  # IANA registrar id, or the network handle
    abuse_emails: tuple[str, ...] = ()
    abuse_phones: tuple[str, ...] = ()
    network: str = ""  # CIDR(s) of the network holding the address
    country: str = ""
    asns: tuple[int, ...] = ()  # origin AS numbers the answer gives (ARIN's extension)
    redacted: tuple[str, ...] = ()  # fields the server says it redacted
    status: int | None = None  # HTTP status of the final answer
    fetched_at: datetime | None = None
    warc_file: str | None = None
    payload_digest: str = ""  # WARC-Payload-Digest of the answer's body

    @property
    def found(self) -> bool:
        return self.outcome is RdapOutcome.OK

    def as_json(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "query": self.query,
            "url": self.url,
            "outcome": str(self.outcome),
            "reason": self.reason,
            "holder": self.holder,
            "holder_id": self.holder_id,
            "abuse_emails": list(self.abuse_emails),
            "abuse_phones": list(self.abuse_phones),
            "network": self.network,
            "country": self.country,
            "asns": list(self.asns),
            "redacted": list(self.redacted),
            "status": self.status,
            "fetched_at": self.fetched_at.isoformat() if self.fetched_at else None,
            "warc_file": self.warc_file,
            "payload_digest": self.payload_digest,
        }


# --------------------------------------------------------------------- bootstrap


@dataclass(frozen=True)
class Bootstrap:
    """RFC 9224 service registries: which RDAP server answers for a TLD, an address or
    an AS number. `shipped()` reads the IANA files shipped with Revenant."""

    dns: Mapping[str, tuple[str, ...]]
    networks: tuple[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, tuple[str, ...]], ...]
    asns: tuple[tuple[int, int, tuple[str, ...]], ...] = ()
    publication: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def shipped(cls) -> Bootstrap:
        """The bootstrap files in `revenant/act/data/rdap/` (see SOURCES.md there)."""
        folder = resources.files("revenant.act") / "data" / "rdap"
        docs = {
            name: json.loads((folder / f"{name}.json").read_text("utf-8"))
            for name in ("dns", "ipv4", "ipv6", "asn")
        }
        return cls.from_registries(docs)

    @classmethod
    def from_registries(cls, docs: Mapping[str, Any]) -> Bootstrap:
        """Build from RFC 9224 documents keyed "dns", "ipv4", "ipv6", "asn" (any may be
        missing); a malformed document is a BadInput naming it."""
        dns: dict[str, tuple[str, ...]] = {}
        nets: list[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, tuple[str, ...]]] = []
        asns: list[tuple[int, int, tuple[str, ...]]] = []
        published: dict[str, str] = {}
        for name, doc in docs.items():
            services = _services(name, doc)
            published[name] = str(doc.get("publication", ""))
            for entries, urls in services:
                for entry in entries:
                    try:
                        if name == "dns":
                            dns[entry.lower().rstrip(".")] = urls
                        elif name in ("ipv4", "ipv6"):
                            nets.append((ipaddress.ip_network(entry), urls))
                        elif name == "asn":
                            lo, _, hi = entry.partition("-")
                            asns.append((int(lo), int(hi or lo), urls))
                    except ValueError as exc:
                        raise BadInput(f"RDAP bootstrap {name}: entry {entry!r}: {exc}") from None
        nets.sort(key=lambda item: -item[0].prefixlen)  # most specific first
        return cls(dns, tuple(nets), tuple(asns), published)

    def domain_servers(self, domain: str) -> tuple[str, ...]:
        """Servers for a domain: the longest matching label sequence (RFC 9224 §4)."""
        labels = domain.lower().rstrip(".").split(".")
        for i in range(len(labels)):
            found = self.dns.get(".".join(labels[i:]))
            if found:
                return found
        return ()

    def ip_servers(self, address: str) -> tuple[str, ...]:
        """Servers for an address: the longest matching prefix (RFC 9224 §5)."""
        ip = ipaddress.ip_address(address)
        for net, urls in self.networks:
            if ip.version == net.version and ip in net:
                return urls
        return ()

    def asn_servers(self, asn: int) -> tuple[str, ...]:
        for lo, hi, urls in self.asns:
            if lo <= asn <= hi:
                return urls
        return ()


def _services(name: str, doc: Any) -> list[tuple[list[str], tuple[str, ...]]]:
    if not isinstance(doc, dict) or not isinstance(doc.get("services"), list):
        raise BadInput(f"RDAP bootstrap {name}: not an RFC 9224 registry (no services list)")
    out: list[tuple[list[str], tuple[str, ...]]] = []
    for i, service in enumerate(doc["services"]):
        # RFC 9224: [entries, urls]; the object-tags registry puts a contact first.
        if not isinstance(service, list) or len(service) < 2:
            raise BadInput(f"RDAP bootstrap {name}: service {i} is not [entries, urls]")
        entries, urls = service[-2], service[-1]
        if not isinstance(entries, list) or not isinstance(urls, list):
            raise BadInput(f"RDAP bootstrap {name}: service {i} is not [entries, urls]")
        if not all(isinstance(x, str) for x in [*entries, *urls]):
            raise BadInput(f"RDAP bootstrap {name}: service {i} holds a non-string")
        # HTTPS first: RFC 7481 wants RDAP over TLS; plain HTTP only where nothing else is.
        ordered = sorted(urls, key=lambda u: not u.lower().startswith("https://"))
        out.append((list(entries), tuple(ordered)))
    return out


def query_url(base: str, kind: str, value: str) -> str:
    """`<base>/domain/<name>` or `<base>/ip/<address>` (RFC 9082)."""
    return f"{base.rstrip('/')}/{kind}/{value}"


# ------------------------------------------------------------------------- lookup


async def lookup(
    prober: Prober,
    bootstrap: Bootstrap,
    kind: str,
    query: str,
    *,
    evidence: EvidenceLog | None = None,
) -> RdapAnswer:
    """Look `query` up (kind "domain" or "ip") through the prober; write the exchange to
    `evidence` when given. Never raises for what the network or the server does."""
    if kind == "domain":
        servers = bootstrap.domain_servers(query)
    elif kind == "ip":
        try:
            servers = bootstrap.ip_servers(query)
        except ValueError:
            raise UsageError(f"RDAP ip lookup: {query!r} is not an IP address") from None
    else:
        raise UsageError(f"RDAP lookup kind {kind!r}: domain or ip")
    if not servers:
        where = "TLD ." + query.rsplit(".", 1)[-1] if kind == "domain" else query
        return RdapAnswer(
            kind,
            query,
            "",
            RdapOutcome.NO_SERVER,
            f"the IANA bootstrap files name no RDAP server for {where}",
        )
    url = query_url(servers[0], kind, query)
    capture = await prober.capture(url)
    warc = evidence.write(capture) if evidence is not None else None
    answer = read_answer(kind, query, url, capture)
    return replace(answer, warc_file=str(warc) if warc is not None else None)


def read_answer(kind: str, query: str, url: str, capture: Capture) -> RdapAnswer:
    """Turn the capture of an RDAP query into an answer (pure: no I/O)."""
    page = capture.page
    base = RdapAnswer(kind, query, url, RdapOutcome.FAILED, fetched_at=capture.started)
    if page is None or page.status is None:
        return _with(base, reason=capture.reason or "no answer")
    base = replace(base, status=page.status, payload_digest=warc_digest(page.payload))
    if page.status == 404:
        return _with(base, RdapOutcome.NOT_FOUND, f"{url}: HTTP 404, the server has no such object")
    if page.status != 200:
        return _with(base, reason=f"{url}: HTTP {page.status}")
    if page.outcome is not Outcome.OK:
        return _with(base, reason=f"{url}: {page.outcome}: {page.reason}")
    try:
        doc = json.loads(page.content)
    except (ValueError, UnicodeDecodeError) as exc:
        return _with(base, RdapOutcome.MALFORMED, f"{url}: not JSON ({exc})")
    except RecursionError:
        return _with(base, RdapOutcome.MALFORMED, f"{url}: not JSON (nested too deep)")
    if not isinstance(doc, dict):
        return _with(
            base, RdapOutcome.MALFORMED, f"{url}: JSON {type(doc).__name__}, not an object"
        )
    try:
        parsed = _whoisit_parse(_WhoisitBootstrap(), kind, query, doc)
    except Exception as exc:  # whoisit raises its own and plain errors on odd answers
        return _with(base, RdapOutcome.MALFORMED, f"{url}: not an RDAP {kind} ({exc})"[:300])
    return _summarise(base, kind, parsed)


def _with(base: RdapAnswer, outcome: RdapOutcome | None = None, reason: str = "") -> RdapAnswer:
    return replace(base, outcome=outcome or base.outcome, reason=reason)


def _summarise(base: RdapAnswer, kind: str, parsed: dict[str, Any]) -> RdapAnswer:
    entities = parsed.get("entities") or {}
    emails = _emails(entities.get("abuse") or [])
    phones = tuple(
        dict.fromkeys(p for e in entities.get("abuse") or [] for p in e.get("phones", []) if p)
    )
    redacted = tuple(
        str(r.get("name") or r.get("reason") or r)[:200] if isinstance(r, dict) else str(r)[:200]
        for r in parsed.get("redacted") or []
    )
    if kind == "domain":
        registrar = (entities.get("registrar") or [{}])[0]
        holder = str(registrar.get("name", ""))
        holder_id = next(
            (
                str(p.get("identifier", ""))
                for p in registrar.get("public_ids", [])
                if "iana" in str(p.get("type", "")).lower()
            ),
            str(registrar.get("handle", "")),
        )
        network, country = "", ""
        asns: tuple[int, ...] = ()
    else:
        owner = (entities.get("registrant") or entities.get("administrative") or [{}])[0]
        holder = str(owner.get("name") or parsed.get("name") or "")
        holder_id = str(parsed.get("handle", ""))
        cidrs = parsed.get("cidrs") or ([parsed["network"]] if parsed.get("network") else [])
        network = ", ".join(str(c) for c in cidrs)
        country = str(parsed.get("country") or "")
        asns = tuple(int(a) for a in parsed.get("origin_autnums") or [] if isinstance(a, int))
    answer = replace(
        base,
        holder=holder[:200],
        holder_id=holder_id[:100],
        abuse_emails=emails,
        abuse_phones=phones,
        network=network,
        country=country[:8],
        asns=asns,
        redacted=redacted,
    )
    if not emails:
        who = f"registrar {holder!r}" if kind == "domain" else f"network {holder or network!r}"
        return _with(
            answer,
            RdapOutcome.NO_ABUSE_CONTACT,
            f"the answer names no abuse e-mail address for {who}",
        )
    return _with(answer, RdapOutcome.OK)


def _emails(abuse: Iterable[dict[str, Any]]) -> tuple[str, ...]:
    """Abuse addresses that can be written to: one '@', no spaces, not a redaction."""
    found: list[str] = []
    for entity in abuse:
        for value in entity.get("emails", []) or []:
            email = str(value).strip()
            local, at, domain = email.partition("@")
            if (
                at
                and local
                and "." in domain
                and "@" not in domain
                and len(email) <= _EMAIL_MAX
                and not any(c.isspace() or c in '<>,;"' for c in email)
                and "redacted" not in email.lower()
            ):
                found.append(email.lower())
    return tuple(dict.fromkeys(found))


# ------------------------------------------------------------------- recipients


@dataclass(frozen=True)
class Recipients:
    """Who to tell about one alert's name: its registrar and the network hosting it."""

    alert_id: int
    host: str
    registrar: RdapAnswer
    network: RdapAnswer
    asns: tuple[int, ...] = ()  # from the capture's features, else from IP RDAP

    def as_json(self) -> dict[str, object]:
        return {
            "alert": self.alert_id,
            "host": self.host,
            "registrar": self.registrar.as_json(),
            "host_network": self.network.as_json(),
            "asns": list(self.asns),
        }


async def who_to_tell(
    prober: Prober,
    bootstrap: Bootstrap,
    store: Store,
    alert: Alert,
    *,
    evidence: EvidenceLog | None,
    clock: Clock = utcnow,
) -> Recipients:
    """Look up the registrar of the alert's registrable domain and the network of the
    address its capture connected to, keep both answers with the case, and return them."""
    domain = registrable(alert.host) or alert.host
    peer, asns = capture_address(store, alert.capture_id) if alert.capture_id else (None, [])
    domain_job = lookup(prober, bootstrap, "domain", domain, evidence=evidence)
    if peer:
        registrar, network = await asyncio.gather(
            domain_job, lookup(prober, bootstrap, "ip", peer, evidence=evidence)
        )
    else:
        registrar = await domain_job
        network = RdapAnswer(
            "ip", "", "", RdapOutcome.FAILED, f"capture of {alert.host} recorded no address"
        )
    case_id = get_case(store, alert.case).id
    assert case_id is not None
    for answer in (registrar, network):
        if answer.query:
            save_answer(store, case_id, alert.id, answer.as_json(), now=clock())
    return Recipients(alert.id, alert.host, registrar, network, tuple(asns) or network.asns)
