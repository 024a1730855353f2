"""A real RFC 6962 certificate-transparency log on loopback, for tests and the demo.

Entries are real certificates and precertificates made with `cryptography` by a test
CA; leaves are encoded exactly as RFC 6962 section 3.4 says (MerkleTreeLeaf with a
TimestampedEntry), the tree head carries the true Merkle root and an ECDSA signature.
Serves only `get-sth`, `get-entries` and `get-roots`, on 127.0.0.1 by default.
"""

from __future__ import annotations

import base64
import hashlib
import struct
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from revenant.model import Clock, utcnow

X509_ENTRY = 0
PRECERT_ENTRY = 1


# ------------------------------------------------------------------ certificates


class CertFactory:
    """A test CA issuing real certificates and precertificates (ECDSA P-256)."""

    def __init__(self, *, clock: Clock = utcnow, name: str = "Revenant Test CA") -> None:
        self.clock = clock
        self.key = ec.generate_private_key(ec.SECP256R1())
        now = clock()
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(self.key, hashes.SHA256())
        )
        self._leaf_key = ec.generate_private_key(ec.SECP256R1())

    def issue(
        self, names: Sequence[str], *, precert: bool = False, days: int = 90
    ) -> x509.Certificate:
        """A leaf for `names` (first one also the CN); a precertificate carries the
        RFC 6962 poison extension."""
        now = self.clock()
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
            .issuer_name(self.cert.subject)
            .public_key(self._leaf_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(hours=1))
            .not_valid_after(now + timedelta(days=days))
            .add_extension(
                x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False
            )
        )
        if precert:
            builder = builder.add_extension(x509.PrecertPoison(), critical=True)
        return builder.sign(self.key, hashes.SHA256())


def precert_tbs(precert: x509.Certificate) -> bytes:
    """The TBSCertificate a log records for a precertificate: the poison extension
    removed, every other field kept (RFC 6962 section 3.2)."""
    builder = (
        x509.CertificateBuilder()
        .subject_name(precert.subject)
        .issuer_name(precert.issuer)
        .public_key(precert.public_key())  # type: ignore[arg-type]
        .serial_number(precert.serial_number)
        .not_valid_before(precert.not_valid_before_utc)
        .not_valid_after(precert.not_valid_after_utc)
    )
    for ext in precert.extensions:
        if ext.oid != x509.oid.ExtensionOID.PRECERT_POISON:
            builder = builder.add_extension(ext.value, ext.critical)
    return builder.sign(_THROWAWAY_KEY, hashes.SHA256()).tbs_certificate_bytes


_THROWAWAY_KEY = ec.generate_private_key(ec.SECP256R1())


def issuer_key_hash(issuer: x509.Certificate) -> bytes:
    """SHA-256 of the issuer's SubjectPublicKeyInfo, as in a precert leaf."""
    spki = issuer.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(spki).digest()


# ------------------------------------------------------------------ encoding


def _u24(data: bytes) -> bytes:
    return len(data).to_bytes(3, "big") + data


def x509_leaf(cert_der: bytes, timestamp_ms: int) -> bytes:
    """MerkleTreeLeaf(v1, timestamped_entry) for an x509_entry."""
    return struct.pack(">BBQH", 0, 0, timestamp_ms, X509_ENTRY) + _u24(cert_der) + b"\0\0"


def precert_leaf(tbs_der: bytes, key_hash: bytes, timestamp_ms: int) -> bytes:
    """MerkleTreeLeaf(v1, timestamped_entry) for a precert_entry."""
    head = struct.pack(">BBQH", 0, 0, timestamp_ms, PRECERT_ENTRY)
    return head + key_hash + _u24(tbs_der) + b"\0\0"


def _chain(certs: Sequence[bytes]) -> bytes:
    return _u24(b"".join(_u24(c) for c in certs))


def _leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(b"\0" + leaf).digest()


def merkle_root(leaf_hashes: Sequence[bytes]) -> bytes:
    """RFC 6962 Merkle Tree Hash over leaf hashes (empty tree: SHA-256 of nothing)."""
    if not leaf_hashes:
        return hashlib.sha256(b"").digest()
    level = list(leaf_hashes)
    while len(level) > 1:
        nxt = [
            hashlib.sha256(b"\1" + level[i] + level[i + 1]).digest()
            for i in range(0, len(level) - 1, 2)
        ]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


# ------------------------------------------------------------------ the log


@dataclass(frozen=True)
class RawEntry:
    """One logged entry exactly as get-entries serves it."""

    leaf_input: bytes
    extra_data: bytes


class CtLog:
    """An append-only log; add entries, then serve it with `serve_ctlog`."""

    def __init__(self, *, clock: Clock = utcnow) -> None:
        self.clock = clock
        self.entries: list[RawEntry] = []
        self._hashes: list[bytes] = []
        self._key = ec.generate_private_key(ec.SECP256R1())

    def _ms(self) -> int:
        return int(self.clock().timestamp() * 1000)

    def add_raw(self, leaf_input: bytes, extra_data: bytes = b"") -> int:
        """Append bytes as they are (for malformed-entry tests); returns the index."""
        self.entries.append(RawEntry(leaf_input, extra_data))
        self._hashes.append(_leaf_hash(leaf_input))
        return len(self.entries) - 1

    def add_certificate(
        self, cert: x509.Certificate, chain: Sequence[x509.Certificate] = ()
    ) -> int:
        """Log a final certificate (x509_entry)."""
        der = cert.public_bytes(serialization.Encoding.DER)
        extra = _chain([c.public_bytes(serialization.Encoding.DER) for c in chain])
        return self.add_raw(x509_leaf(der, self._ms()), extra)

    def add_precertificate(self, precert: x509.Certificate, issuer: x509.Certificate) -> int:
        """Log a precertificate (precert_entry): the TBS without poison, plus the chain."""
        leaf = precert_leaf(precert_tbs(precert), issuer_key_hash(issuer), self._ms())
        pre = precert.public_bytes(serialization.Encoding.DER)
        extra = _u24(pre) + _chain([issuer.public_bytes(serialization.Encoding.DER)])
        return self.add_raw(leaf, extra)

    def sth(self) -> dict[str, object]:
        """The signed tree head, as get-sth returns it."""
        size = len(self.entries)
        root = merkle_root(self._hashes)
        ts = self._ms()
        signed = struct.pack(">BBQQ", 0, 1, ts, size) + root
        sig = self._key.sign(signed, ec.ECDSA(hashes.SHA256()))
        digitally_signed = bytes([4, 3]) + len(sig).to_bytes(2, "big") + sig
        return {
            "tree_size": size,
            "timestamp": ts,
            "sha256_root_hash": base64.b64encode(root).decode(),
            "tree_head_signature": base64.b64encode(digitally_signed).decode(),
        }

    def public_key_der(self) -> bytes:
        """The log's key (SubjectPublicKeyInfo DER), to verify tree head signatures."""
        return self._key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def app(self, *, max_batch: int = 32) -> web.Application:
        """The aiohttp application serving /ct/v1/..."""

        async def get_sth(_request: web.Request) -> web.Response:
            return web.json_response(self.sth())

        async def get_entries(request: web.Request) -> web.Response:
            try:
                start = int(request.query["start"])
                end = int(request.query["end"])
            except (KeyError, ValueError):
                return web.json_response({"error": "start and end are required"}, status=400)
            if start < 0 or end < start or start >= len(self.entries):
                return web.json_response({"error": "bad range"}, status=400)
            end = min(end, start + max_batch - 1, len(self.entries) - 1)
            entries = [
                {
                    "leaf_input": base64.b64encode(e.leaf_input).decode(),
                    "extra_data": base64.b64encode(e.extra_data).decode(),
                }
                for e in self.entries[start : end + 1]
            ]
            return web.json_response({"entries": entries})

        async def get_roots(_request: web.Request) -> web.Response:
            return web.json_response({"certificates": []})

        app = web.Application()
        app.router.add_get("/ct/v1/get-sth", get_sth)
        app.router.add_get("/ct/v1/get-entries", get_entries)
        app.router.add_get("/ct/v1/get-roots", get_roots)
        return app


@asynccontextmanager
async def serve_ctlog(
    log: CtLog, *, host: str = "127.0.0.1", port: int = 0, max_batch: int = 32
) -> AsyncIterator[str]:
    """Serve `log` over HTTP on loopback; yields its base URL ("http://127.0.0.1:N/")."""
    runner = web.AppRunner(log.app(max_batch=max_batch), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    server = site._server
    assert server is not None and server.sockets  # type: ignore[attr-defined]
    bound = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
    try:
        yield f"http://{host}:{bound}/"
    finally:
        await runner.cleanup()


def fixed_clock(at: datetime) -> Clock:
    """A clock that always says `at` (tests)."""
    return lambda: at
