"""evidence/wacz.py: a signed WACZ verifies; any tampering is refused."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from revenant.errors import EvidenceCorrupt, UsageError
from revenant.evidence.keys import key_path, load_or_create
from revenant.evidence.wacz import export_wacz, surt, verify_wacz
from revenant.evidence.warc import case_dir, open_case_log


@pytest.fixture
def data(tmp_path: Path, clock, make_capture) -> Path:
    with open_case_log(tmp_path, "coco", clock=clock) as w:
        for n in range(3):
            w.write(make_capture(n))
    return tmp_path


@pytest.fixture
def wacz(data: Path, clock) -> Path:
    return export_wacz(data, "coco", data / "coco.wacz", clock=clock)


def _rewrite(
    src: Path, change: dict[str, bytes | None], extra: dict[str, bytes] | None = None
) -> None:
    """Rebuild the zip with some members replaced (None: removed) or added."""
    with zipfile.ZipFile(src) as z:
        members = [(i, z.read(i)) for i in z.infolist()]
    with zipfile.ZipFile(src, "w") as z:
        for info, blob in members:
            new = change.get(info.filename, blob)
            if new is not None:
                z.writestr(info, new)
        for name, blob in (extra or {}).items():
            z.writestr(name, blob)


def test_exported_package_verifies(data: Path, wacz: Path) -> None:
    report = verify_wacz(wacz, data_dir=data)
    assert report.ok, report.findings
    with zipfile.ZipFile(wacz) as z:
        names = set(z.namelist())
        package = json.loads(z.read("datapackage.json"))
        index = z.read("indexes/index.cdxj").decode()
        pages = z.read("pages/pages.jsonl").decode().splitlines()
    assert {
        "datapackage.json",
        "datapackage-digest.json",
        "indexes/index.cdxj",
        "pages/pages.jsonl",
    } <= names
    assert package["wacz_version"] == "1.1.1" and any(
        r["path"].startswith("archive/") for r in package["resources"]
    )
    assert index.startswith("test,coco0)/ ") and json.loads(pages[0])["format"] == "json-pages-1.0"
    assert json.loads(pages[1])["title"] == "Coco 0"


def test_key_is_made_once_and_kept_private(data: Path, wacz: Path, clock) -> None:
    path = key_path(data)
    assert path.exists() and path.stat().st_mode & 0o077 == 0
    before = path.read_bytes()
    export_wacz(data, "coco", data / "again.wacz", clock=clock)
    assert path.read_bytes() == before


def test_export_is_recorded_in_the_ledger(data: Path, wacz: Path) -> None:
    last = (case_dir(data, "coco") / "ledger.jsonl").read_bytes().splitlines()[-1]
    assert json.loads(last)["action"] == "export"


def test_changed_warc_inside_the_package_is_refused(wacz: Path) -> None:
    with zipfile.ZipFile(wacz) as z:
        name = next(n for n in z.namelist() if n.startswith("archive/"))
        blob = bytearray(z.read(name))
    blob[len(blob) // 2] ^= 0xFF
    _rewrite(wacz, {name: bytes(blob)})
    report = verify_wacz(wacz)
    assert not report.ok and any(f.file == name for f in report.findings)


def test_flipped_byte_anywhere_in_the_file_is_refused(wacz: Path) -> None:
    original = wacz.read_bytes()
    for pos in range(0, len(original), max(1, len(original) // 300)):
        wacz.write_bytes(original[:pos] + bytes([original[pos] ^ 0x01]) + original[pos + 1 :])
        assert not verify_wacz(wacz).ok, f"flip at {pos} accepted"
    wacz.write_bytes(original)
    assert verify_wacz(wacz).ok


def test_edited_datapackage_breaks_the_signature(wacz: Path) -> None:
    import hashlib

    with zipfile.ZipFile(wacz) as z:
        package = json.loads(z.read("datapackage.json"))
        digest_doc = json.loads(z.read("datapackage-digest.json"))
    package["title"] = "forged"
    blob = json.dumps(package).encode()
    new_hash = "sha256:" + hashlib.sha256(blob).hexdigest()
    digest_doc["hash"] = digest_doc["signedData"]["hash"] = new_hash  # signature left as is
    _rewrite(
        wacz, {"datapackage.json": blob, "datapackage-digest.json": json.dumps(digest_doc).encode()}
    )
    report = verify_wacz(wacz)
    assert any("signature does not verify" in f.problem for f in report.findings)


def test_package_resigned_by_another_key_is_refused_against_ours(
    data: Path, wacz: Path, tmp_path_factory
) -> None:
    from revenant.evidence.keys import public_key_b64, sign

    other = load_or_create(tmp_path_factory.mktemp("attacker"))
    with zipfile.ZipFile(wacz) as z:
        digest_doc = json.loads(z.read("datapackage-digest.json"))
    signed = digest_doc["signedData"]
    signed["signature"], signed["publicKey"] = sign(other, signed["hash"]), public_key_b64(other)
    _rewrite(wacz, {"datapackage-digest.json": json.dumps(digest_doc).encode()})
    assert verify_wacz(wacz).ok  # self-consistent...
    report = verify_wacz(wacz, data_dir=data)  # ...but not ours
    assert any("other than this installation" in f.problem for f in report.findings)


def test_unlisted_file_is_refused(wacz: Path) -> None:
    _rewrite(wacz, {}, extra={"archive/smuggled.warc.gz": b"x"})
    assert any(f.file == "archive/smuggled.warc.gz" for f in verify_wacz(wacz).findings)


def test_removed_resource_is_refused(wacz: Path) -> None:
    _rewrite(wacz, {"pages/pages.jsonl": None})
    assert any("missing" in f.problem for f in verify_wacz(wacz).findings)


def test_not_a_zip_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.wacz"
    path.write_bytes(b"nope")
    assert not verify_wacz(path).ok


def test_export_refuses_tampered_evidence_and_existing_output(data: Path, clock) -> None:
    warc = sorted(case_dir(data, "coco").glob("*.warc.gz"))[0]
    blob = bytearray(warc.read_bytes())
    blob[100] ^= 1
    out = data / "x.wacz"
    out.write_bytes(b"")
    with pytest.raises(UsageError):
        export_wacz(data, "coco", out, clock=clock)
    warc.write_bytes(bytes(blob))
    with pytest.raises(EvidenceCorrupt):
        export_wacz(data, "coco", data / "y.wacz", clock=clock)


def test_surt() -> None:
    assert surt("https://www.Coco.test:8443/A?b=1") == "test,coco:8443)/a?b=1"
    assert surt("http://coco.test") == "test,coco)/"


def test_webrecorder_validator_accepts_the_package(wacz: Path) -> None:
    # py-wacz's `wacz validate` (Webrecorder's own tool) checks the layout, the
    # datapackage and every digest. It cannot check an anonymous signature (authsign
    # verifies domain-signed packages only); verify_wacz does that.
    tool = Path(sys.executable).parent / "wacz"
    done = subprocess.run(
        [str(tool), "validate", "-f", str(wacz)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Validation succeeded" in done.stdout


def test_webrecorder_validator_refuses_a_tampered_package(wacz: Path) -> None:
    with zipfile.ZipFile(wacz) as z:
        index = next(n for n in z.namelist() if n.startswith("indexes/"))
        blob = z.read(index)
    _rewrite(wacz, {index: blob.replace(b"coco", b"cocO", 1)})
    tool = Path(sys.executable).parent / "wacz"
    done = subprocess.run(
        [str(tool), "validate", "-f", str(wacz)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode != 0
