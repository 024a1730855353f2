"""The signing key of a Revenant installation: ECDSA P-384, made at first use and kept
(PKCS#8 PEM, mode 0600) under the data directory.

It must never overwrite an existing key (every package signed so far would become
unverifiable against it) and never write the private key anywhere else.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from revenant.errors import EvidenceCorrupt

KEY_NAME = "keys/signing-key.pem"
_CURVE = ec.SECP384R1()
_SIZE = 48  # bytes per signature half on P-384


def key_path(data_dir: str | Path) -> Path:
    return Path(data_dir) / KEY_NAME


def load_or_create(data_dir: str | Path) -> ec.EllipticCurvePrivateKey:
    """The installation's key, made (and stored) the first time it is asked for."""
    path = key_path(data_dir)
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise EvidenceCorrupt(f"{path}: not an ECDSA key")
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(_CURVE)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    return key


def public_key_b64(key: ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey) -> str:
    """Base64 of the SubjectPublicKeyInfo DER, as WACZ `signedData.publicKey` carries it."""
    pub = key.public_key() if isinstance(key, ec.EllipticCurvePrivateKey) else key
    der = pub.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode("ascii")


def sign(key: ec.EllipticCurvePrivateKey, message: str) -> str:
    """ECDSA/SHA-256 over the UTF-8 message, as base64 of r||s (WebCrypto's encoding)."""
    r, s = decode_dss_signature(key.sign(message.encode(), ec.ECDSA(hashes.SHA256())))
    return base64.b64encode(r.to_bytes(_SIZE, "big") + s.to_bytes(_SIZE, "big")).decode("ascii")


def verify_signature(public_b64: str, message: str, signature_b64: str) -> bool:
    """True when `signature_b64` is a valid signature of `message` by that public key."""
    try:
        pub = serialization.load_der_public_key(base64.b64decode(public_b64, validate=True))
        raw = base64.b64decode(signature_b64, validate=True)
    except (ValueError, TypeError):
        return False
    if not isinstance(pub, ec.EllipticCurvePublicKey) or len(raw) % 2:
        return False
    half = len(raw) // 2
    der = encode_dss_signature(int.from_bytes(raw[:half], "big"), int.from_bytes(raw[half:], "big"))
    try:
        pub.verify(der, message.encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True
