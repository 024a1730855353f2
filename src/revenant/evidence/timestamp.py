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
from pathlib import Path

from revenant.errors import EvidenceCorrupt, UsageError
from revenant.evidence.ledger import Ledger, LedgerEntry

OPENSSL = "/usr/bin/openssl"
_SHA256_OID = bytes.fromhex("0609608648016503040201")  # 2.16.840.1.101.3.4.2.1
_MAX_REPLY = 1 << 20


def _der(tag: int, body: bytes) -> bytes:
    n = len(body)
    if n < 0x80:
        return bytes([tag, n]) + body
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(size)]) + size + body


def _int(value: int) -> bytes:
    return _der(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def timestamp_query(digest: bytes, nonce: int) -> bytes:
    """A DER TimeStampReq (v1, SHA-256 imprint, nonce, certReq TRUE)."""
    if len(digest) != 32:
        raise UsageError("timestamp: a SHA-256 digest has 32 bytes")
    algorithm = _der(0x30, _SHA256_OID + b"\x05\x00")
    imprint = _der(0x30, algorithm + _der(0x04, digest))
    return _der(0x30, _int(1) + imprint + _int(nonce) + b"\x01\x01\xff")


def _read_tlv(data: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, start of value, end of value) of the DER element at `pos`."""
    tag, first = data[pos], data[pos + 1]
    pos += 2
    if first & 0x80:
        count = first & 0x7F
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    else:
        length = first
    if pos + length > len(data):
        raise ValueError("truncated DER")
    return tag, pos, pos + length


def reply_status(reply: bytes) -> int:
    """The PKIStatus of a TimeStampResp (0 granted, 1 granted with modifications)."""
    try:
        tag, start, _ = _read_tlv(reply, 0)
        tag2, start2, _ = _read_tlv(reply, start)  # PKIStatusInfo
        tag3, s3, e3 = _read_tlv(reply, start2)  # status INTEGER
    except (IndexError, ValueError) as exc:
        raise EvidenceCorrupt(f"timestamp reply is not DER ({exc})") from None
    if (tag, tag2, tag3) != (0x30, 0x30, 0x02):
        raise EvidenceCorrupt("timestamp reply is not a TimeStampResp")
    return int.from_bytes(reply[s3:e3], "big")


def request_timestamp(
    ledger: Ledger, tsa_url: str, *, timeout: float = 30.0
) -> tuple[Path, LedgerEntry]:
    """Timestamp the ledger's head at `tsa_url`; store the reply as
    `timestamps/<seq>.tsr` beside the ledger and append a "timestamp" entry."""
    if not tsa_url.startswith(("http://", "https://")):
        raise UsageError(f"TSA URL {tsa_url!r}: need http(s)://")
    head = ledger.head
    query = timestamp_query(bytes.fromhex(head), secrets.randbits(63))
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
    status = reply_status(reply)
    if status not in (0, 1):
        raise EvidenceCorrupt(f"TSA {tsa_url}: request not granted (status {status})")
    if bytes.fromhex(head) not in reply:
        raise EvidenceCorrupt(f"TSA {tsa_url}: reply does not carry the ledger head")
    folder = ledger.path.parent / "timestamps"
    folder.mkdir(exist_ok=True)
    path = folder / f"{head[:16]}-{secrets.token_hex(4)}.tsr"
    path.write_bytes(reply)
    entry = ledger.append(
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
