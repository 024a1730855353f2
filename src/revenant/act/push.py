"""`rpz push`: the zone's changes since the last acknowledged push, sent to the DNS
primary as RFC 2136 dynamic updates signed with TSIG (RFC 8945), so the primary serves
them to the ISPs' resolvers by IXFR. Only the delta is sent.

Nothing is recorded as pushed until the primary acknowledges it: a refused key, a
primary that is down or a name that is not a domain stops the push with a clear error
before or without any change, and the next push sends the whole pending delta. A delta
too large for one DNS message goes as several, each atomic at the primary and recorded
as it is acknowledged.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import dns.exception
import dns.name
import dns.query
import dns.rcode
import dns.rdatatype
import dns.tsig
import dns.update

from revenant.act.rpz import TTL, policy_records, zone_origin
from revenant.errors import PushFailed, UsageError
from revenant.store import Store
from revenant.store.zone import acknowledge, pending_delta

_KEY = re.compile(r'key\s+"?([A-Za-z0-9._-]+)"?\s*\{(.*?)\}\s*;', re.S)
_ALGORITHM = re.compile(r"algorithm\s+\"?([A-Za-z0-9-]+)\"?\s*;")
_SECRET = re.compile(r'secret\s+"([A-Za-z0-9+/=]+)"\s*;')
_MESSAGE_BUDGET = 48_000
"""Bytes of owner and target names per update message: well under the 65,535 bytes a
DNS message over TCP can carry, with room for TSIG and the per-record overhead."""
_KEY_FILE_MAX = 65536


@dataclass(frozen=True)
class TsigKey:
    name: str
    algorithm: str
    secret: str  # base64

    def key(self) -> dns.tsig.Key:
        return dns.tsig.Key(self.name, self.secret, self.algorithm)


def read_tsig(path: Path) -> TsigKey:
    """The first key of a BIND key file, as `tsig-keygen NAME` writes it."""
    try:
        if path.stat().st_size > _KEY_FILE_MAX:
            raise UsageError(f"--tsig {path}: too large for a key file")
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeError) as exc:
        raise UsageError(f"--tsig {path}: cannot read ({exc})") from None
    match = _KEY.search(text)
    algorithm = _ALGORITHM.search(match.group(2)) if match else None
    secret = _SECRET.search(match.group(2)) if match else None
    if match is None or algorithm is None or secret is None:
        raise UsageError(
            f'--tsig {path}: expected a BIND key file (key "NAME" {{ algorithm ...; secret "..."; }};)'
        )
    key = TsigKey(match.group(1), algorithm.group(1).lower(), secret.group(1))
    try:
        key.key()
    except (ValueError, dns.exception.DNSException) as exc:
        raise UsageError(f"--tsig {path}: key {key.name!r} unusable ({exc})") from None
    return key


def parse_server(text: str) -> tuple[str, int]:
    """IP:PORT (IPv6 as [ADDR]:PORT); port 53 if omitted."""
    import ipaddress

    value = text.strip()
    host, port = value, "53"
    if value.startswith("["):
        host, _, rest = value[1:].partition("]")
        port = rest.removeprefix(":") or "53"
    elif value.count(":") == 1:
        host, port = value.split(":")
    try:
        ipaddress.ip_address(host)
        number = int(port)
    except ValueError:
        raise UsageError(f"--server {text!r}: expected IP:PORT") from None
    if not 0 < number < 65536:
        raise UsageError(f"--server {text!r}: port must be 1 to 65535")
    return host, number


@dataclass(frozen=True)
class PushResult:
    """What one push sent: records put and removed, messages, bytes on the wire."""

    target: str
    put: int
    removed: int
    messages: int
    bytes_sent: int
    names: int  # blocked names in the zone after the push

    def as_json(self) -> dict[str, object]:
        return {
            "target": self.target,
            "put": self.put,
            "removed": self.removed,
            "messages": self.messages,
            "bytes_sent": self.bytes_sent,
            "names": self.names,
        }


def _chunks(put: dict[str, str], removed: list[str]) -> Iterator[tuple[list[str], list[str]]]:
    """Names to put and to remove, in groups that fit one update message; a name's two
    records (the name and `*.name`) always travel together."""
    size, chunk_put, chunk_removed = 0, list[str](), list[str]()
    for name in removed:
        if size + 2 * len(name) > _MESSAGE_BUDGET:
            yield chunk_put, chunk_removed
            size, chunk_put, chunk_removed = 0, [], []
        chunk_removed.append(name)
        size += 2 * len(name) + 32
    for name, rdata in put.items():
        if size + 2 * (len(name) + len(rdata)) > _MESSAGE_BUDGET:
            yield chunk_put, chunk_removed
            size, chunk_put, chunk_removed = 0, [], []
        chunk_put.append(name)
        size += 2 * (len(name) + len(rdata)) + 48
    if chunk_put or chunk_removed:
        yield chunk_put, chunk_removed


def push_target(server: str, zone: str) -> str:
    """How pushes to a primary's zone are recorded and looked up: `IP:PORT/zone.`"""
    host, port = parse_server(server)
    return f"{host}:{port}/{zone_origin(zone)}"


def push(
    store: Store,
    server: str,
    zone: str,
    tsig: TsigKey,
    *,
    now: datetime,
    timeout: float = 10.0,
) -> PushResult:
    """Send the zone's pending changes to the primary; PushFailed if it did not take them."""
    host, port = parse_server(server)
    origin = zone_origin(zone)
    target = push_target(server, zone)
    delta = pending_delta(store, target, today=now.date())
    # Every name sent is checked before anything is sent (one that is not a domain name
    # stops the push here, with nothing sent).
    records = policy_records(delta.put)
    messages = sent = 0
    zone_name = dns.name.from_text(origin)
    for names_put, names_removed in _chunks(delta.put, delta.removed):
        update = dns.update.UpdateMessage(zone_name)
        update.use_tsig(tsig.key())
        for name in names_removed:
            for owner in (name, f"*.{name}"):
                update.delete(dns.name.from_text(owner, zone_name), dns.rdatatype.CNAME)
        for name in names_put:
            for owner in (name, f"*.{name}"):
                update.replace(dns.name.from_text(owner, zone_name), TTL, "CNAME", records[owner])
        sent += _send(update, host, port, timeout, target, tsig.name, done=messages)
        messages += 1
        acknowledge(
            store,
            target,
            put={n: delta.put[n] for n in names_put},
            removed=names_removed,
            now=now,
        )
    return PushResult(
        target, 2 * len(delta.put), 2 * len(delta.removed), messages, sent, delta.blocked
    )


def _send(
    update: dns.update.UpdateMessage,
    host: str,
    port: int,
    timeout: float,
    target: str,
    key: str,
    *,
    done: int,
) -> int:
    after = (
        "nothing pushed"
        if done == 0
        else f"{done} earlier message(s) of this push were acknowledged and recorded"
    )
    tail = f"{after}; the next push sends the whole pending delta"
    wire = len(update.to_wire())
    try:
        reply = dns.query.tcp(update, host, port=port, timeout=timeout)
    except (dns.tsig.PeerBadKey, dns.tsig.PeerBadSignature, dns.tsig.BadSignature) as exc:
        raise PushFailed(f"primary {target} refused TSIG key {key!r} ({exc}); {tail}") from None
    except dns.exception.Timeout:
        raise PushFailed(f"primary {target}: no answer within {timeout:g} s; {tail}") from None
    except (OSError, EOFError, dns.exception.DNSException) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise PushFailed(f"primary {target}: {reason}; {tail}") from None
    rcode = reply.rcode()
    if rcode != dns.rcode.NOERROR:
        raise PushFailed(
            f"primary {target} answered {dns.rcode.to_text(rcode)} to the update; {tail}"
        )
    return wire
