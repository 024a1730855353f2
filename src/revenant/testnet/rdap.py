"""RDAP servers for the testnet: a domain registry and a regional internet registry
answering in the RFC 9083 format as real ones do (entities with roles and jCards, the
registrar's abuse contact nested under the registrar, redacted registrant data as RFC
9537 describes it, notices, events), served as ordinary testnet sites.

Pure data: `registry_site` and `rir_site` return `SiteSpec`s; the `Testnet` serves them.
`bootstrap` gives the RFC 9224 registries that point a client at them.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from revenant.testnet.sites import Page, SiteSpec

RDAP_JSON = "application/rdap+json"
_CONFORMANCE = ["rdap_level_0", "icann_rdap_response_profile_1", "redacted"]


@dataclass(frozen=True)
class Registration:
    """What the registry knows of one domain name."""

    name: str
    registrar: str
    iana_id: str
    abuse_email: str | None  # None: the registrar entity has no abuse contact
    abuse_phone: str = "+33.100000000"
    created: str = "2026-03-02T08:14:00Z"


@dataclass(frozen=True)
class Allocation:
    """What the RIR knows of the network holding an address."""

    cidr: str
    name: str
    holder: str
    country: str
    abuse_email: str | None
    origin_as: int | None = None


def _vcard(*props: list[object]) -> list[object]:
    return ["vcard", [["version", {}, "text", "4.0"], *props]]


def domain_answer(reg: Registration, base: str) -> dict[str, object]:
    """An RFC 9083 domain object the way a gTLD registry sends it."""
    abuse: list[dict[str, object]] = []
    if reg.abuse_email is not None:
        abuse.append(
            {
                "objectClassName": "entity",
                "roles": ["abuse"],
                "vcardArray": _vcard(
                    ["fn", {}, "text", ""],
                    ["tel", {"type": "voice"}, "uri", f"tel:{reg.abuse_phone}"],
                    ["email", {}, "text", reg.abuse_email],
                ),
            }
        )
    return {
        "rdapConformance": _CONFORMANCE,
        "objectClassName": "domain",
        "handle": f"{reg.name.upper().replace('.', '_')}-REG",
        "ldhName": reg.name,
        "links": [
            {
                "value": f"{base}domain/{reg.name}",
                "rel": "self",
                "href": f"{base}domain/{reg.name}",
                "type": RDAP_JSON,
            }
        ],
        "status": ["client transfer prohibited"],
        "entities": [
            {
                "objectClassName": "entity",
                "handle": reg.iana_id,
                "roles": ["registrar"],
                "publicIds": [{"type": "IANA Registrar ID", "identifier": reg.iana_id}],
                "vcardArray": _vcard(["fn", {}, "text", reg.registrar]),
                "entities": abuse,
            },
            {
                # Registrant data withheld, as registries do under the GDPR (RFC 9537).
                "objectClassName": "entity",
                "roles": ["registrant"],
                "vcardArray": _vcard(
                    ["fn", {}, "text", ""],
                    ["adr", {"cc": "FR"}, "text", ["", "", "", "", "", "", ""]],
                ),
                "remarks": [
                    {
                        "title": "REDACTED FOR PRIVACY",
                        "type": "object truncated due to authorization",
                        "description": ["Some of the data in this object has been removed."],
                    }
                ],
            },
        ],
        "events": [
            {"eventAction": "registration", "eventDate": reg.created},
            {"eventAction": "last update of RDAP database", "eventDate": "2026-11-01T00:00:00Z"},
        ],
        "nameservers": [
            {"objectClassName": "nameserver", "ldhName": f"ns1.{reg.name}"},
        ],
        "secureDNS": {"delegationSigned": False},
        "redacted": [
            {
                "name": {"type": "Registrant Name"},
                "prePath": "$.entities[?(@.roles[0]=='registrant')].vcardArray[1][?(@[0]=='fn')][3]",
                "method": "emptyValue",
                "reason": {"type": "Server policy"},
            },
            {
                "name": {"type": "Registrant Email"},
                "method": "removal",
                "reason": {"type": "Server policy"},
            },
        ],
        "notices": [
            {
                "title": "Terms of Use",
                "description": ["Service subject to the registry's terms of use."],
                "links": [
                    {
                        "href": f"{base}terms",
                        "rel": "alternate",
                        "type": "text/html",
                        "value": f"{base}terms",
                    }
                ],
            }
        ],
    }


def ip_answer(alloc: Allocation, base: str) -> dict[str, object]:
    """An RFC 9083 ip network object the way a RIR sends it (with RIPE-style nested
    abuse role and ARIN's origin-AS extension when `origin_as` is set)."""
    net = ipaddress.ip_network(alloc.cidr)
    abuse: list[dict[str, object]] = []
    if alloc.abuse_email is not None:
        abuse.append(
            {
                "objectClassName": "entity",
                "handle": f"ABUSE-{alloc.name}",
                "roles": ["abuse"],
                "vcardArray": _vcard(
                    ["fn", {}, "text", "Abuse contact"],
                    ["kind", {}, "text", "group"],
                    ["email", {}, "text", alloc.abuse_email],
                ),
            }
        )
    doc: dict[str, object] = {
        "rdapConformance": ["rdap_level_0", "cidr0", "arin_originas0"],
        "objectClassName": "ip network",
        "handle": f"NET-{alloc.name}",
        "startAddress": str(net.network_address),
        "endAddress": str(net.broadcast_address),
        "ipVersion": f"v{net.version}",
        "name": alloc.name,
        "type": "ASSIGNED PA",
        "country": alloc.country,
        "cidr0_cidrs": [
            {f"v{net.version}prefix": str(net.network_address), "length": net.prefixlen}
        ],
        "entities": [
            {
                "objectClassName": "entity",
                "handle": f"ORG-{alloc.name}",
                "roles": ["registrant"],
                "vcardArray": _vcard(["fn", {}, "text", alloc.holder], ["kind", {}, "text", "org"]),
                "entities": abuse,
            }
        ],
        "links": [{"value": f"{base}ip/{net}", "rel": "self", "href": f"{base}ip/{net}"}],
    }
    if alloc.origin_as is not None:
        doc["arin_originas0_originautnums"] = [alloc.origin_as]
    return doc


def _page(path: str, doc: object) -> Page:
    return Page(path, json.dumps(doc, indent=1).encode(), content_type=RDAP_JSON)


def registry_site(host: str, base: str, registrations: Iterable[Registration]) -> SiteSpec:
    """A registry's RDAP server at `host` (`base` is its URL, as clients will ask it)."""
    pages = [_page(f"/domain/{r.name}", domain_answer(r, base)) for r in registrations]
    return SiteSpec(names=(host,), pages=tuple(pages), label="background", http=False)


def rir_site(
    host: str, base: str, addresses: Mapping[str, Allocation], extra: Iterable[Page] = ()
) -> SiteSpec:
    """A RIR's RDAP server at `host`, answering `/ip/<address>` for each address."""
    pages = [_page(f"/ip/{ip}", ip_answer(a, base)) for ip, a in addresses.items()]
    return SiteSpec(names=(host,), pages=(*pages, *extra), label="background", http=False)


def bootstrap(tlds: Mapping[str, str], networks: Mapping[str, str]) -> dict[str, dict[str, object]]:
    """RFC 9224 registries ("dns", "ipv4", "ipv6") mapping each TLD and network to a
    server base URL."""
    docs: dict[str, dict[str, object]] = {}
    docs["dns"] = {
        "version": "1.0",
        "publication": "2026-11-01T00:00:00Z",
        "services": [[[tld], [url]] for tld, url in tlds.items()],
    }
    for version in (4, 6):
        services = [
            [[cidr], [url]]
            for cidr, url in networks.items()
            if ipaddress.ip_network(cidr).version == version
        ]
        docs[f"ipv{version}"] = {
            "version": "1.0",
            "publication": "2026-11-01T00:00:00Z",
            "services": services,
        }
    return docs
