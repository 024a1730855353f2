"""TLS for the prober: the two client contexts (verifying, and recording-only for sites
whose certificate does not verify) and the certificate chain parsed into evidence.

It must never treat an unverified chain as verified: `TlsInfo.verified` is True only
when OpenSSL verified the chain and the name against the trust roots. It must never
let an invalid certificate stop a capture either: the chain is still recorded.
"""

from __future__ import annotations

import hashlib
import ssl
from functools import lru_cache
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from revenant.model import Certificate, TlsInfo


def verifying_context(ca_file: str | None) -> ssl.SSLContext:
    """System trust roots plus `ca_file`; hostname checked."""
    ctx = ssl.create_default_context()
    if ca_file:
        ctx.load_verify_locations(cafile=ca_file)
    ctx.set_alpn_protocols(["http/1.1"])
    return ctx


def recording_context() -> ssl.SSLContext:
    """No verification: used only after the verifying handshake failed, to record."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_alpn_protocols(["http/1.1"])
    return ctx


@lru_cache(maxsize=4096)
def parse_certificate(der: bytes) -> Certificate:
    """One DER certificate as evidence: names, validity, serial, digests, the bytes."""
    cert = x509.load_der_x509_certificate(der)
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        sans = tuple(
            [str(n) for n in san.get_values_for_type(x509.DNSName)]
            + [str(n) for n in san.get_values_for_type(x509.IPAddress)]
        )
    except (x509.ExtensionNotFound, ValueError):
        sans = ()
    spki = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return Certificate(
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        sans=sans,
        serial=format(cert.serial_number, "x"),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        spki_sha256=hashlib.sha256(spki).hexdigest(),
        sha256=hashlib.sha256(der).hexdigest(),
        der=der,
    )


def _chain_ders(ssl_object: Any) -> list[bytes]:
    """The chain as sent by the server (Python 3.10+ exposes it on the C object)."""
    inner = getattr(ssl_object, "_sslobj", ssl_object)
    for name in ("get_unverified_chain", "get_verified_chain"):
        getter = getattr(inner, name, None)
        if getter is None:
            continue
        try:
            chain = getter()
        except (ssl.SSLError, ValueError):
            continue
        if chain:
            return [c.public_bytes(ssl._ssl.ENCODING_DER) for c in chain]  # type: ignore[attr-defined]
    leaf = ssl_object.getpeercert(binary_form=True)
    return [leaf] if leaf else []


def tls_info(ssl_object: Any, verified: bool, verify_error: str = "") -> TlsInfo:
    """What a finished handshake shows: version, cipher, the parsed chain."""
    chain: list[Certificate] = []
    for der in _chain_ders(ssl_object):
        try:
            chain.append(parse_certificate(der))
        except ValueError:
            # A certificate cryptography cannot parse is kept as bytes only.
            chain.append(_unparsed(der))
    cipher = ssl_object.cipher()
    return TlsInfo(
        version=ssl_object.version() or "",
        cipher=cipher[0] if cipher else "",
        verified=verified,
        verify_error=verify_error,
        chain=tuple(chain),
    )


def _unparsed(der: bytes) -> Certificate:
    from datetime import UTC, datetime

    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    return Certificate(
        subject="(unparseable)",
        issuer="",
        sans=(),
        serial="",
        not_before=epoch,
        not_after=epoch,
        spki_sha256="",
        sha256=hashlib.sha256(der).hexdigest(),
        der=der,
    )
