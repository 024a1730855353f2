"""evidence/warc.py: records, digests, rollover, and the real `warcio check`."""

from __future__ import annotations

import random
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import trustme
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from warcio.archiveiterator import ArchiveIterator

from revenant.errors import UsageError
from revenant.evidence.read import read_captures
from revenant.evidence.warc import case_dir, open_case_log
from revenant.model import TlsInfo
from revenant.probe.tls import parse_certificate

WARCIO = str(Path(sys.executable).parent / "warcio")


def _tls() -> TlsInfo:
    ca = trustme.CA()
    leaf = ca.issue_cert("coco0.test")
    ders = [
        x509.load_pem_x509_certificate(blob.bytes()).public_bytes(Encoding.DER)
        for blob in leaf.cert_chain_pems
    ]
    return TlsInfo(
        "TLSv1.3",
        "TLS_AES_256_GCM_SHA384",
        False,
        "self-signed",
        tuple(parse_certificate(d) for d in ders),
    )


def test_warcio_check_accepts_written_file(tmp_path: Path, clock, make_capture) -> None:
    with open_case_log(tmp_path, "coco", clock=clock, rng=random.Random(1)) as w:
        for n in range(3):
            w.write(make_capture(n))
    files = list(case_dir(tmp_path, "coco").glob("*.warc.gz"))
    done = subprocess.run([WARCIO, "check", "-v", *map(str, files)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "digest pass" in done.stdout


def test_records_are_warcinfo_response_request_metadata(
    tmp_path: Path, clock, make_capture
) -> None:
    with open_case_log(tmp_path, "coco", clock=clock) as w:
        path = w.write(make_capture())
    with open(path, "rb") as fh:
        kinds = [
            (r.rec_type, r.rec_headers.get_header("WARC-Payload-Digest") is not None)
            for r in ArchiveIterator(fh)
        ]
    # page: response+request; refused favicon: headers only; refused script: metadata only
    assert kinds == [
        ("warcinfo", False),
        ("response", True),
        ("request", False),
        ("response", True),
        ("request", False),
        ("metadata", False),
    ]


def test_refused_body_is_not_written(tmp_path: Path, clock, make_capture) -> None:
    cap = make_capture()
    leak = replace(cap.exchanges[1], payload=b"SECRET-VIDEO-BYTES")
    cap = replace(cap, exchanges=(cap.exchanges[0], leak, cap.exchanges[2]))
    with open_case_log(tmp_path, "coco", clock=clock) as w:
        path = w.write(cap)
    import gzip

    assert b"SECRET-VIDEO-BYTES" not in gzip.decompress(Path(path).read_bytes())


def test_files_roll_over_by_size(tmp_path: Path, clock, make_capture) -> None:
    with open_case_log(tmp_path, "coco", clock=clock, max_bytes=2000) as w:
        for n in range(6):
            w.write(make_capture(n, body=bytes(random.Random(n).randbytes(1500))))
    files = sorted(case_dir(tmp_path, "coco").glob("*.warc.gz"))
    assert len(files) >= 3
    assert len(list(read_captures(case_dir(tmp_path, "coco")))) == 6


def test_case_name_must_be_a_safe_file_name(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        open_case_log(tmp_path, "../escape")


def test_capture_round_trips_through_warc(tmp_path: Path, clock, make_capture) -> None:
    cap = replace(make_capture(), tls=_tls())
    with open_case_log(tmp_path, "coco", clock=clock) as w:
        path = w.write(cap)
    (back,) = list(read_captures(path))
    assert back == replace(cap, warc_file=str(path))
    assert back.tls is not None and back.tls.chain[0].der == cap.tls.chain[0].der  # type: ignore[union-attr]
