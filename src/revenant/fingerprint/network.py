"""Where a site is hosted: TLS key and certificate names, IP, its /24, ASN, name
servers and mail exchangers.

The ASN comes from an offline table (CIDR -> AS number) when one is configured; this
module never queries a network service.
"""

from __future__ import annotations

import bisect
import ipaddress
from collections.abc import Iterable

from revenant.model import Capture


class AsnTable:
    """An offline IPv4/IPv6 prefix -> ASN table, longest match by sorted ranges."""

    def __init__(self, rows: Iterable[tuple[str, int]]) -> None:
        ranges = []
        for cidr, asn in rows:
            net = ipaddress.ip_network(cidr, strict=False)
            ranges.append((net.version, int(net.network_address), int(net.broadcast_address), asn))
        # narrower prefixes after wider ones with the same start, so the last hit wins
        ranges.sort(key=lambda r: (r[0], r[1], -r[2]))
        self._ranges = ranges
        self._keys = [(r[0], r[1]) for r in ranges]

    @classmethod
    def from_file(cls, path: str) -> AsnTable:
        """Read "CIDR ASN" lines (whitespace or comma separated; "#" comments)."""
        rows = []
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                parts = line.replace(",", " ").split()
                if len(parts) >= 2 and not parts[0].startswith("#"):
                    rows.append((parts[0], int(parts[1].upper().removeprefix("AS"))))
        return cls(rows)

    def lookup(self, ip: str) -> int | None:
        """ASN of the most specific prefix holding `ip`, or None."""
        try:
            addr = ipaddress.ip_address(ip)
        except ValueError:
            return None
        key = (addr.version, int(addr))
        i = bisect.bisect_right(self._keys, key)
        best = None
        # walk back over candidate ranges starting at or before addr (bounded)
        for j in range(i - 1, max(-1, i - 64), -1):
            version, lo, hi, asn = self._ranges[j]
            if version != addr.version:
                break
            if lo <= key[1] <= hi:
                best = asn
                break
        return best


def network_features(capture: Capture, asn_table: AsnTable | None = None) -> list[tuple[str, str]]:
    """TLS (spki, san, issuer) and network (ip, net, asn, ns, mx) features."""
    out: list[tuple[str, str]] = []
    if capture.tls and capture.tls.chain:
        leaf = capture.tls.chain[0]
        if leaf.spki_sha256:
            out.append(("spki", leaf.spki_sha256.lower()))
        out.extend(("san", s.lower().rstrip(".")) for s in leaf.sans[:100] if s)
        if leaf.issuer:
            out.append(("issuer", leaf.issuer))
    ip = capture.peer
    if ip:
        try:
            addr = ipaddress.ip_address(ip.strip("[]"))
        except ValueError:
            addr = None
        if addr is not None:
            out.append(("ip", str(addr)))
            prefix = 24 if addr.version == 4 else 48
            net = ipaddress.ip_network(f"{addr}/{prefix}", strict=False)
            out.append(("net", str(net)))
            asn = asn_table.lookup(str(addr)) if asn_table else None
            if asn is not None:
                out.append(("asn", f"AS{asn}"))
    for rec in capture.dns:
        if rec.rtype == "NS":
            out.append(("ns", rec.value.lower().rstrip(".")))
        elif rec.rtype == "MX":
            host = rec.value.split()[-1] if rec.value.split() else ""
            if host:
                out.append(("mx", host.lower().rstrip(".")))
    return out
