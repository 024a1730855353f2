"""evidence/timestamp.py against a local TSA: `openssl ts -reply` behind a tiny HTTP
server on loopback (the real OpenSSL TSA, nothing mocked)."""

from __future__ import annotations

import datetime as dt
import http.server
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from hypothesis import given, settings
from hypothesis import strategies as st

from revenant.errors import EvidenceCorrupt, UsageError
from revenant.evidence.ledger import Ledger
from revenant.evidence.timestamp import (
    OPENSSL,
    check_reply,
    request_timestamp,
    timestamp_query,
    verify_timestamp,
)


def _cert(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: tuple[str, ec.EllipticCurvePrivateKey] | None,
    tsa: bool,
) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    issuer_name = (
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer[0])]) if issuer else name
    )
    b = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=not tsa, path_length=None), critical=True)
    )
    if tsa:
        b = b.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
        )
    return b.sign(issuer[1] if issuer else key, hashes.SHA256())


@pytest.fixture(scope="module")
def tsa() -> Iterator[tuple[str, Path]]:
    """(URL of a local TSA, its CA certificate file)."""
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        ca_key, tsa_key = (
            ec.generate_private_key(ec.SECP256R1()),
            ec.generate_private_key(ec.SECP256R1()),
        )
        ca = _cert("Test TSA CA", ca_key, None, tsa=False)
        leaf = _cert("Test TSA", tsa_key, ("Test TSA CA", ca_key), tsa=True)
        (d / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
        (d / "tsa.pem").write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
        (d / "tsa.key").write_bytes(
            tsa_key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        (d / "serial").write_text("01\n")
        (d / "ts.cnf").write_text(
            f"""[ tsa ]
default_tsa = tsa1
[ tsa1 ]
dir = {d}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.pem
certs = $dir/tsa.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256
accuracy = secs:1
ordering = yes
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""
        )
        lock = threading.Lock()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                query = self.rfile.read(int(self.headers["Content-Length"]))
                with lock:
                    (d / "q.tsq").write_bytes(query)
                    subprocess.run(
                        [
                            OPENSSL,
                            "ts",
                            "-reply",
                            "-config",
                            str(d / "ts.cnf"),
                            "-queryfile",
                            str(d / "q.tsq"),
                            "-out",
                            str(d / "r.tsr"),
                        ],
                        check=True,
                        capture_output=True,
                    )
                    reply = (d / "r.tsr").read_bytes()
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: object) -> None:
                return None

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{server.server_address[1]}/", d / "ca.pem"
        server.shutdown()
        thread.join()


def test_query_is_what_openssl_reads(tmp_path: Path) -> None:
    q = tmp_path / "q.tsq"
    q.write_bytes(timestamp_query(bytes(range(32)), 12345))
    done = subprocess.run(
        [OPENSSL, "ts", "-query", "-in", str(q), "-text"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert (
        "SHA256" in done.stdout.upper()
        and "0x3039" in done.stdout
        and "Certificate required: yes" in done.stdout
    )


def test_ledger_head_is_timestamped_and_verifies(
    tmp_path: Path, clock, tsa: tuple[str, Path]
) -> None:
    url, ca = tsa
    ledger = Ledger(tmp_path, clock=clock)
    ledger.append(action="record", file="a.warc.gz", offset=0, length=1, digest="sha256:00")
    head = ledger.head
    path, entry = request_timestamp(ledger, url)
    assert entry.action == "timestamp" and entry.record_id == head and path.exists()
    ok, words = verify_timestamp(path, head, ca)
    assert ok, words


def test_timestamp_of_another_head_does_not_verify(
    tmp_path: Path, clock, tsa: tuple[str, Path]
) -> None:
    url, ca = tsa
    ledger = Ledger(tmp_path, clock=clock)
    ledger.append(action="record", file="a.warc.gz", offset=0, length=1, digest="sha256:00")
    path, _ = request_timestamp(ledger, url)
    ok, _ = verify_timestamp(path, "ab" * 32, ca)
    assert not ok


def test_unreachable_tsa_and_bad_url(tmp_path: Path, clock) -> None:
    ledger = Ledger(tmp_path, clock=clock)
    with pytest.raises(UsageError):
        request_timestamp(ledger, "ftp://tsa.test/")
    with pytest.raises(EvidenceCorrupt, match="no reply"):
        request_timestamp(ledger, "http://127.0.0.1:9/", timeout=2)


def _reply(url: str, digest: bytes, nonce: int) -> bytes:
    import urllib.request

    request = urllib.request.Request(
        url,
        data=timestamp_query(digest, nonce),
        headers={"Content-Type": "application/timestamp-query"},
    )
    with urllib.request.urlopen(request, timeout=10) as resp:
        return bytes(resp.read())


def test_reply_is_checked_for_our_digest_and_nonce(tsa: tuple[str, Path]) -> None:
    url, _ = tsa
    digest = bytes(range(32))
    reply = _reply(url, digest, 777)
    assert check_reply(reply, digest, 777).tzinfo is not None
    with pytest.raises(EvidenceCorrupt, match="another digest"):
        check_reply(reply, bytes(32), 777)
    with pytest.raises(EvidenceCorrupt, match="replayed"):
        check_reply(reply, digest, 778)


@pytest.mark.parametrize(
    "reply", [b"", b"garbage", b"\x30\x03\x02\x01\x00", b"\x30\x82\xff\xff\x30"]
)
def test_reply_that_is_not_a_timestamp_is_refused(reply: bytes) -> None:
    with pytest.raises(EvidenceCorrupt, match=r"not a TimeStampResp|not granted|no genTime"):
        check_reply(reply, bytes(32), 1)


def test_rejection_is_reported_with_its_status() -> None:
    from asn1crypto import tsp

    status = tsp.PKIStatusInfo({"status": "rejection", "status_string": ["bad algorithm"]})
    rejected = bytes([0x30, len(status.dump())]) + status.dump()  # a TimeStampResp, no token
    with pytest.raises(EvidenceCorrupt, match="not granted \\(rejection: bad algorithm\\)"):
        check_reply(rejected, bytes(32), 1)


@given(st.binary(max_size=400))
@settings(max_examples=400, deadline=None)
def test_any_bytes_as_a_reply_are_refused_with_evidence_corrupt(reply: bytes) -> None:
    with pytest.raises(EvidenceCorrupt):
        check_reply(b"\x30" + reply, bytes(32), 1)
