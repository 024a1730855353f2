"""testnet/ctlog.py: a real RFC 6962 log: tree heads, entries and leaf encoding."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import struct

import aiohttp
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from revenant.testnet.ctlog import CertFactory, CtLog, issuer_key_hash, merkle_root, serve_ctlog


def _h(b: bytes) -> bytes:
    return hashlib.sha256(b).digest()


def test_merkle_root_follows_rfc_6962() -> None:
    leaves = [_h(b"\0" + bytes([i])) for i in range(3)]
    assert merkle_root([]) == _h(b"")
    assert merkle_root(leaves[:1]) == leaves[0]
    assert merkle_root(leaves) == _h(b"\1" + _h(b"\1" + leaves[0] + leaves[1]) + leaves[2])


def test_leaves_are_encoded_as_timestamped_entries() -> None:
    ca = CertFactory()
    cert = ca.issue(["a.example"])
    pre = ca.issue(["b.example"], precert=True)
    log = CtLog()
    log.add_certificate(cert, [ca.cert])
    log.add_precertificate(pre, ca.cert)
    x509_leaf, chain = log.entries[0].leaf_input, log.entries[0].extra_data
    version, leaf_type, _ts, entry_type = struct.unpack(">BBQH", x509_leaf[:12])
    assert (version, leaf_type, entry_type) == (0, 0, 0)
    n = int.from_bytes(x509_leaf[12:15], "big")
    assert x509.load_der_x509_certificate(x509_leaf[15 : 15 + n]) == cert
    assert x509_leaf[15 + n :] == b"\0\0"  # no extensions
    assert x509.load_der_x509_certificate(chain[6:]) == ca.cert

    pre_leaf = log.entries[1].leaf_input
    assert struct.unpack(">H", pre_leaf[10:12])[0] == 1
    assert pre_leaf[12:44] == issuer_key_hash(ca.cert)
    tbs = pre_leaf[47:-2]
    assert x509.ExtensionOID.PRECERT_POISON.dotted_string.encode() not in tbs
    assert pre.tbs_certificate_bytes != tbs  # the poison was removed


def test_server_answers_get_sth_and_get_entries() -> None:
    ca = CertFactory()
    log = CtLog()
    for i in range(5):
        log.add_certificate(ca.issue([f"n{i}.example"]))

    async def main() -> tuple[dict, dict, int, int]:
        async with serve_ctlog(log, max_batch=2) as url, aiohttp.ClientSession() as s:
            assert url.startswith("http://127.0.0.1:")
            sth = await (await s.get(url + "ct/v1/get-sth")).json()
            entries = await (await s.get(url + "ct/v1/get-entries?start=1&end=4")).json()
            bad = (await s.get(url + "ct/v1/get-entries?start=9&end=10")).status
            missing = (await s.get(url + "ct/v1/get-entries")).status
            return sth, entries, bad, missing

    sth, entries, bad, missing = asyncio.run(main())
    assert sth["tree_size"] == 5
    root = merkle_root([_h(b"\0" + e.leaf_input) for e in log.entries])
    assert base64.b64decode(sth["sha256_root_hash"]) == root
    assert len(entries["entries"]) == 2  # capped by max_batch, as real logs do
    assert base64.b64decode(entries["entries"][0]["leaf_input"]) == log.entries[1].leaf_input
    assert (bad, missing) == (400, 400)

    sig = base64.b64decode(sth["tree_head_signature"])
    assert sig[:2] == bytes([4, 3])  # sha256, ecdsa
    signed = struct.pack(">BBQQ", 0, 1, sth["timestamp"], 5) + root
    key = serialization.load_der_public_key(log.public_key_der())
    assert isinstance(key, ec.EllipticCurvePublicKey)
    key.verify(sig[4:], signed, ec.ECDSA(hashes.SHA256()))
