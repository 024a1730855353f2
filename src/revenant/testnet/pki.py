"""The testnet's certificate authority: one local CA, ECDSA leaf certificates issued
on demand, and the deliberately bad ones (expired, self-signed, wrong name).

Built on `cryptography` directly rather than trustme because sites may share a key
(`CertSpec.key_id`) and bad certificates need control trustme does not give. Keys are
ECDSA P-256 so thousands of certificates stay cheap. The CA must never be trusted
outside a test: it lives in a temporary directory and dies with its testnet.
"""

from __future__ import annotations

import ipaddress
import ssl
from datetime import timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from revenant.model import Clock
from revenant.testnet.sites import CertSpec

_PEM = serialization.Encoding.PEM
# Wide, because clients check against the real time while the clock may be a test's.
_VALIDITY = timedelta(days=397)


def _name(common: str, organization: str = "") -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, common[:64])]
    if organization:
        attrs.insert(0, x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization[:64]))
    return x509.Name(attrs)


def _san(names: tuple[str, ...]) -> x509.SubjectAlternativeName:
    general: list[x509.GeneralName] = []
    for name in names:
        try:
            general.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            general.append(x509.DNSName(name))
    return x509.SubjectAlternativeName(general)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(_PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


class LocalCA:
    """A throw-away CA writing its files under `directory`; `ca_pem` is what clients trust."""

    def __init__(self, directory: Path, clock: Clock, organization: str = "Revenant Testnet CA"):
        self._dir = directory
        self._clock = clock
        self._key = ec.generate_private_key(ec.SECP256R1())
        self._shared_keys: dict[str, ec.EllipticCurvePrivateKey] = {}
        now = clock()
        self._name = _name(organization, organization)
        self._cert = (
            x509.CertificateBuilder()
            .subject_name(self._name)
            .issuer_name(self._name)
            .public_key(self._key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=365))
            .not_valid_after(now + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(self._key.public_key()), critical=False
            )
            .sign(self._key, hashes.SHA256())
        )
        self.ca_pem = directory / "testnet-ca.pem"
        self.ca_pem.write_bytes(self._cert.public_bytes(_PEM))

    def _key_for(self, key_id: str) -> ec.EllipticCurvePrivateKey:
        if not key_id:
            return ec.generate_private_key(ec.SECP256R1())
        if key_id not in self._shared_keys:
            self._shared_keys[key_id] = ec.generate_private_key(ec.SECP256R1())
        return self._shared_keys[key_id]

    def issue(self, names: tuple[str, ...], spec: CertSpec) -> tuple[bytes, bytes]:
        """(certificate chain PEM, key PEM) for a site with these names and this spec."""
        sans = spec.sans or names
        if spec.wrong_name:
            sans = (f"not-{names[0]}",)
        key = self._key_for(spec.key_id)
        now = self._clock()
        if spec.expired:
            not_before, not_after = now - timedelta(days=120), now - timedelta(days=30)
        else:
            not_before, not_after = now - timedelta(days=30), now + _VALIDITY
        subject = _name(sans[0], spec.organization)
        issuer, signer = (subject, key) if spec.self_signed else (self._name, self._key)
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_san(sans), critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        )
        if not spec.self_signed:
            builder = builder.add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self._key.public_key()),
                critical=False,
            )
        cert = builder.sign(signer, hashes.SHA256())
        chain = cert.public_bytes(_PEM)
        if not spec.self_signed:
            chain += self._cert.public_bytes(_PEM)
        return chain, _key_pem(key)

    def server_context(self, stem: str, names: tuple[str, ...], spec: CertSpec) -> ssl.SSLContext:
        """A server SSLContext presenting a fresh certificate (files written as `stem`)."""
        chain, key = self.issue(names, spec)
        path = self._dir / f"{stem}.pem"
        path.write_bytes(key + chain)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(path)
        context.set_alpn_protocols(["http/1.1"])
        return context
