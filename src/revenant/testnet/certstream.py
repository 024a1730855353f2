"""A certstream-compatible WebSocket server on loopback and the replay files the demo
and tests read: JSON lines of certstream "certificate_update" messages.

`write_replay` makes a file with N unrelated entries (seeded, fast: no certificate is
built for them) plus chosen real certificates at seeded positions.
"""

from __future__ import annotations

import base64
import gzip
import json
import random
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from websockets.asyncio.server import ServerConnection, serve

from revenant.discover.ct import certificate_names

SOURCE = {"name": "Revenant testnet log", "url": "http://127.0.0.1/ct/"}


def certificate_message(
    cert: x509.Certificate,
    *,
    index: int,
    seen: datetime,
    precert: bool = False,
    source: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The certstream message for a real certificate."""
    names = list(certificate_names(cert))
    cn = next((str(a.value) for a in cert.subject if a.oid == x509.oid.NameOID.COMMON_NAME), None)
    san = ", ".join(f"DNS:{n}" for n in names)
    der = cert.public_bytes(serialization.Encoding.DER)
    return {
        "message_type": "certificate_update",
        "data": {
            "update_type": "PrecertLogEntry" if precert else "X509LogEntry",
            "leaf_cert": {
                "subject": {"aggregated": f"/CN={cn}", "CN": cn},
                "issuer": {"aggregated": cert.issuer.rfc4514_string()},
                "extensions": {"subjectAltName": san},
                "not_before": int(cert.not_valid_before_utc.timestamp()),
                "not_after": int(cert.not_valid_after_utc.timestamp()),
                "serial_number": format(cert.serial_number, "X"),
                "fingerprint": cert.fingerprint(hashes.SHA1()).hex(":").upper(),
                "as_der": base64.b64encode(der).decode(),
                "all_domains": names,
            },
            "chain": [],
            "cert_index": index,
            "cert_link": f"{SOURCE['url']}ct/v1/get-entries?start={index}&end={index}",
            "seen": seen.timestamp(),
            "source": source or SOURCE,
        },
    }


_SYLLABLES = [
    "ka",
    "ri",
    "to",
    "mo",
    "na",
    "lu",
    "be",
    "sa",
    "vi",
    "po",
    "de",
    "la",
    "mi",
    "ro",
    "ne",
    "ta",
    "fu",
    "gi",
    "ha",
    "jo",
    "ze",
    "ly",
    "qu",
    "wa",
    "xe",
    "bor",
    "tan",
    "mel",
    "vis",
    "dor",
    "pel",
    "sun",
    "ark",
    "lin",
    "gar",
    "fen",
    "mon",
    "tra",
    "ster",
    "cal",
    "ver",
    "nix",
    "hol",
]
_TLDS = ("com",) * 8 + ("net", "org", "de", "io", "co.uk", "fr", "nl", "xyz", "info", "app")
_PREFIX = ("", "", "", "www.", "mail.", "api.", "shop.", "cdn.")


def unrelated_names(rng: random.Random, avoid: Sequence[str] = ()) -> list[str]:
    """One to three plausible, unrelated names (first is the registrable name)."""
    while True:
        label = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4)))
        if not any(a in label for a in avoid):
            break
    base = f"{label}.{rng.choice(_TLDS)}"
    return [base, *(p + base for p in {rng.choice(_PREFIX) for _ in range(rng.randint(0, 2))} if p)]


_TEMPLATE = (
    '{"message_type":"certificate_update","data":{"update_type":"X509LogEntry",'
    '"leaf_cert":{"subject":{"aggregated":"/CN=%(cn)s","CN":"%(cn)s"},'
    '"extensions":{"subjectAltName":"%(san)s"},"serial_number":"%(serial)X",'
    '"fingerprint":"%(fp)s","all_domains":%(names)s},"chain":[],"cert_index":%(index)d,'
    '"seen":%(seen).3f,"source":%(source)s}}'
)
_SOURCE_JSON = json.dumps(SOURCE, separators=(",", ":"))


def _unrelated_message(rng: random.Random, index: int, seen: float, avoid: Sequence[str]) -> str:
    # A format string, not json.dumps: the names are plain ASCII made here, and this
    # runs 100,000 times for the demo's replay.
    names = unrelated_names(rng, avoid)
    serial = rng.getrandbits(64)
    digest = f"{rng.getrandbits(160):040X}"
    return _TEMPLATE % {
        "cn": names[0],
        "san": ", ".join("DNS:" + n for n in names),
        "serial": serial,
        "fp": ":".join(digest[i : i + 2] for i in range(0, 40, 2)),
        "names": '["' + '","'.join(names) + '"]',
        "index": index,
        "seen": seen,
        "source": _SOURCE_JSON,
    }


@dataclass(frozen=True)
class ReplayFile:
    """What `write_replay` wrote: the file, its entry count and where each chosen
    certificate sits (0-based line index)."""

    path: Path
    entries: int
    positions: tuple[int, ...]


def write_replay(
    path: str | Path,
    certificates: Sequence[x509.Certificate] = (),
    *,
    unrelated: int = 100_000,
    seed: int = 0,
    start: datetime | None = None,
    interval: timedelta = timedelta(milliseconds=50),
    avoid: Sequence[str] = (),
    compress: bool | None = None,
) -> ReplayFile:
    """Write `unrelated` seeded entries with `certificates` at seeded positions.

    `avoid` lists substrings no unrelated name may contain (e.g. the case's brands).
    Gzip when `compress` is True, or when None and the path ends in ".gz".
    """
    p = Path(path)
    rng = random.Random(seed)
    total = unrelated + len(certificates)
    positions = tuple(sorted(rng.sample(range(total), len(certificates))))
    chosen = dict(zip(positions, certificates, strict=True))
    t0 = (start or datetime(2026, 1, 1, tzinfo=UTC)).timestamp()
    step = interval.total_seconds()
    gz = p.suffix == ".gz" if compress is None else compress
    fh: IO[bytes] | gzip.GzipFile
    with open(p, "wb") as raw:
        fh = gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=1, mtime=0) if gz else raw
        try:
            lines: list[str] = []
            for i in range(total):
                seen = t0 + i * step
                cert = chosen.get(i)
                if cert is None:
                    lines.append(_unrelated_message(rng, i, seen, avoid))
                else:
                    msg = certificate_message(cert, index=i, seen=datetime.fromtimestamp(seen, UTC))
                    lines.append(json.dumps(msg, separators=(",", ":")))
                if len(lines) >= 4096:
                    fh.write(("\n".join(lines) + "\n").encode())
                    lines.clear()
            if lines:
                fh.write(("\n".join(lines) + "\n").encode())
        finally:
            if gz:
                fh.close()
    return ReplayFile(p, total, positions)


@asynccontextmanager
async def serve_certstream(
    messages: Iterable[dict[str, Any] | str],
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    close_after: bool = True,
) -> AsyncIterator[str]:
    """Serve `messages` to every client (a heartbeat first, then each message in order);
    yields the ws:// URL. With `close_after` the server closes each connection after the
    last message, so a non-reconnecting consumer ends."""
    frames = [m if isinstance(m, str) else json.dumps(m) for m in messages]
    heartbeat = json.dumps({"message_type": "heartbeat", "timestamp": 0})

    async def handler(ws: ServerConnection) -> None:
        await ws.send(heartbeat)
        for frame in frames:
            await ws.send(frame)
        if not close_after:
            await ws.wait_closed()

    async with serve(handler, host, port) as server:
        sock = next(iter(server.sockets))
        yield f"ws://{host}:{sock.getsockname()[1]}/"
