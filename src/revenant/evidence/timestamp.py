"""RFC 3161 timestamps of the custody ledger's head: ask a Time-Stamp Authority to sign
the head hash, keep its reply beside the ledger, and record the reply in the ledger.

It must never alter the ledger other than by appending the "timestamp" entry, never
accept a reply whose status is not granted or that does not carry the head's hash, and
never talk to anything but the configured TSA URL (with a time and size bound).
"""

from __future__ import annotations

import hashlib
import secrets
import subprocess
import urllib.request
from datetime import datetime
from pathlib import Path

from asn1crypto import core, tsp

from revenant.errors import EvidenceCorrupt, UsageError
from revenant.evidence.ledger import Ledger, LedgerEntry

OPENSSL = "/usr/bin/openssl"
_MAX_REPLY = 1 << 20
_GRANTED = ("granted", "granted_with_mods")


def timestamp_query(digest: bytes, nonce: int) -> bytes:
    """A DER TimeStampReq (v1, SHA-256 imprint, nonce, certReq TRUE)."""
    if len(digest) != 32:
        raise UsageError("timestamp: a SHA-256 digest has 32 bytes")
    request = tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": {
                "hash_algorithm": {"algorithm": "sha256"},
                "hashed_message": digest,
            },
            "nonce": nonce,
            "cert_req": True,
        }
    )
    return bytes(request.dump())


def check_reply(reply: bytes, digest: bytes, nonce: int) -> datetime:
    """The time a TimeStampResp vouches for, once it is known to grant our request: the
    status is granted, the token's imprint is SHA-256 of `digest`, and its nonce is ours
    (a replayed or misdirected reply fails). EvidenceCorrupt says which check failed.
    The signature is `verify_timestamp`'s (OpenSSL) to check."""
    try:
        # The status first, on its own: asn1crypto's TimeStampResp wants a token, which
        # a rejection does not carry.
        outer = core.Sequence.load(reply, strict=True)
        info_status = tsp.PKIStatusInfo.load(outer[0].dump())
        status = info_status["status"].native
        if status not in _GRANTED:
            text = info_status["status_string"].native or []
            raise EvidenceCorrupt(f"request not granted ({status}: {'; '.join(text)})")
        resp = tsp.TimeStampResp.load(reply, strict=True)
        signed = resp["time_stamp_token"]["content"]
        info = signed["encap_content_info"]["content"].parsed
        imprint = info["message_imprint"]
        algorithm = imprint["hash_algorithm"]["algorithm"].native
        hashed, echoed, when = (
            imprint["hashed_message"].native,
            info["nonce"].native,
            info["gen_time"].native,
        )
    except EvidenceCorrupt:
        raise
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise EvidenceCorrupt(f"reply is not a TimeStampResp ({exc})") from None
    if algorithm != "sha256" or hashed != digest:
        raise EvidenceCorrupt("reply stamps another digest than the ledger head")
    if echoed != nonce:
        raise EvidenceCorrupt(f"reply carries nonce {echoed}, not ours ({nonce}): replayed?")
    if not isinstance(when, datetime):
        raise EvidenceCorrupt("reply has no genTime")
    return when


def request_timestamp(
    ledger: Ledger, tsa_url: str, *, timeout: float = 30.0
) -> tuple[Path, LedgerEntry]:
    """Timestamp the ledger's head at `tsa_url`; store the reply as
    `timestamps/<seq>.tsr` beside the ledger and append a "timestamp" entry."""
    if not tsa_url.startswith(("http://", "https://")):
        raise UsageError(f"TSA URL {tsa_url!r}: need http(s)://")
    head = ledger.head
    nonce = secrets.randbits(63)
    query = timestamp_query(bytes.fromhex(head), nonce)
    request = urllib.request.Request(
        tsa_url, data=query, headers={"Content-Type": "application/timestamp-query"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            reply = resp.read(_MAX_REPLY + 1)
    except OSError as exc:
        raise EvidenceCorrupt(f"TSA {tsa_url}: no reply ({exc})") from None
    if len(reply) > _MAX_REPLY:
        raise EvidenceCorrupt(f"TSA {tsa_url}: reply over {_MAX_REPLY} bytes")
    try:
        check_reply(reply, bytes.fromhex(head), nonce)
    except EvidenceCorrupt as exc:
        raise EvidenceCorrupt(f"TSA {tsa_url}: {exc}") from None
    folder = ledger.path.parent / "timestamps"
    with ledger.hold() as held:  # the reply and its entry appear together
        folder.mkdir(exist_ok=True)
        path = folder / f"{head[:16]}-{secrets.token_hex(4)}.tsr"
        with path.open("xb") as fh:
            fh.write(reply)
        entry = held.append(
            action="timestamp",
            file=f"timestamps/{path.name}",
            offset=0,
            length=len(reply),
            digest="sha256:" + hashlib.sha256(reply).hexdigest(),
            record_id=head,
            uri=tsa_url,
        )
    return path, entry


def verify_timestamp(reply_file: str | Path, head: str, ca_file: str | Path) -> tuple[bool, str]:
    """Check a stored reply with `openssl ts -verify` against the head it should stamp
    and the TSA's trust root; (ok, openssl's words)."""
    done = subprocess.run(
        [
            OPENSSL,
            "ts",
            "-verify",
            "-digest",
            head,
            "-in",
            str(reply_file),
            "-CAfile",
            str(ca_file),
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    words = (done.stdout + done.stderr).strip().splitlines()
    return done.returncode == 0, words[0] if words else ""
