"""evidence/verify.py: any changed, missing, extra or reordered byte is found."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from revenant.evidence.ledger import Ledger, read_entries
from revenant.evidence.verify import verify, verify_all, verify_case
from revenant.evidence.warc import case_dir, open_case_log


@pytest.fixture
def case(tmp_path: Path, clock, make_capture) -> Path:
    with open_case_log(tmp_path, "coco", clock=clock, max_bytes=3000) as w:
        for n in range(4):
            w.write(make_capture(n))
    return case_dir(tmp_path, "coco")


def _warcs(case: Path) -> list[Path]:
    return sorted(case.glob("*.warc.gz"))


def _flip(path: Path, pos: int) -> bytes:
    data = path.read_bytes()
    path.write_bytes(data[:pos] + bytes([data[pos] ^ 0x01]) + data[pos + 1 :])
    return data


def test_untouched_case_verifies(case: Path) -> None:
    report = verify(case)
    assert report.ok, report.findings
    assert report.records == report.entries > 0 and report.files >= 2


def test_every_flipped_warc_byte_is_found(case: Path) -> None:
    for path in _warcs(case):
        size = path.stat().st_size
        for pos in sorted({0, size - 1, *range(0, size, max(1, size // 60))}):
            original = _flip(path, pos)
            report = verify(case)
            path.write_bytes(original)
            assert not report.ok, f"flip at {path.name}:{pos} not found"
            assert any(f.file == path.name for f in report.findings)


def test_every_flipped_ledger_byte_is_found(case: Path) -> None:
    ledger = case / "ledger.jsonl"
    size = ledger.stat().st_size
    for pos in sorted({0, size - 1, *range(0, size, 23)}):
        original = _flip(ledger, pos)
        report = verify(case)
        ledger.write_bytes(original)
        assert not report.ok, f"flip at ledger.jsonl:{pos} not found"


def test_rewritten_record_with_valid_gzip_is_found_at_its_offset(case: Path) -> None:
    path = _warcs(case)[0]
    (_, _, _first), (_, _, second) = list(read_entries(case / "ledger.jsonl"))[:2]
    assert not isinstance(second, Exception)
    data = path.read_bytes()
    member = data[second.offset : second.offset + second.length]
    forged = gzip.compress(
        gzip.decompress(member).replace(b"sid=1", b"sid=2"), compresslevel=6, mtime=0
    )
    path.write_bytes(data[: second.offset] + forged + data[second.offset + second.length :])
    report = verify(case)
    assert any(f.offset == second.offset and "changed" in f.problem for f in report.findings)
    # the record's own digest fails too, whatever the ledger says
    assert any("digest" in f.problem.lower() for f in report.findings)


def test_reordered_records_are_found(case: Path) -> None:
    path = _warcs(case)[0]
    entries = [
        e
        for _, _, e in read_entries(case / "ledger.jsonl")
        if not isinstance(e, Exception) and e.file == path.name
    ]
    a, b = entries[1], entries[2]
    data = path.read_bytes()
    ma, mb = data[a.offset : a.offset + a.length], data[b.offset : b.offset + b.length]
    path.write_bytes(data[: a.offset] + mb + ma + data[b.offset + b.length :])
    report = verify(case)
    assert not report.ok
    assert any(f.file == path.name and f.offset == a.offset for f in report.findings)


def test_removed_record_is_found(case: Path) -> None:
    path = _warcs(case)[0]
    entries = [
        e
        for _, _, e in read_entries(case / "ledger.jsonl")
        if not isinstance(e, Exception) and e.file == path.name
    ]
    victim = entries[1]
    data = path.read_bytes()
    path.write_bytes(data[: victim.offset] + data[victim.offset + victim.length :])
    assert not verify(case).ok


def test_appended_bytes_are_found(case: Path) -> None:
    path = _warcs(case)[-1]
    size = path.stat().st_size
    with path.open("ab") as fh:
        fh.write(gzip.compress(b"WARC/1.1\r\n\r\n"))
    report = verify(case)
    assert any(f.offset == size and "not in the ledger" in f.problem for f in report.findings)


def test_missing_warc_file_is_found(case: Path) -> None:
    _warcs(case)[0].unlink()
    assert any("missing" in f.problem for f in verify(case).findings)


def test_deleted_ledger_line_is_found(case: Path) -> None:
    ledger = case / "ledger.jsonl"
    lines = ledger.read_bytes().splitlines(keepends=True)
    ledger.write_bytes(b"".join(lines[:3] + lines[4:]))
    assert not verify(case).ok


def test_truncated_ledger_is_found_against_the_database_mirror(case: Path) -> None:
    mirror = [e for _, _, e in read_entries(case / "ledger.jsonl") if not isinstance(e, Exception)]
    # the attacker cuts the last capture from both the WARC and the ledger
    ledger = case / "ledger.jsonl"
    lines = ledger.read_bytes().splitlines(keepends=True)
    last = mirror[-1]
    path = case / last.file
    cut = [e for e in mirror if e.file == last.file][-1 - 4 + 1]
    path.write_bytes(path.read_bytes()[: cut.offset])
    ledger.write_bytes(b"".join(lines[: cut.seq]))
    assert verify(case).ok  # undetectable from the files alone
    report = verify(case, expected=mirror)
    assert any("missing from the ledger file" in f.problem for f in report.findings)


def test_verify_all_and_verify_case(tmp_path: Path, case: Path) -> None:
    assert verify_case(tmp_path, "coco").ok
    assert [r.directory for r in verify_all(tmp_path)] == [str(case)]


def test_ledger_reopen_after_restart_keeps_verifying(
    tmp_path: Path, case: Path, clock, make_capture
) -> None:
    with open_case_log(tmp_path, "coco", clock=clock) as w:
        w.write(make_capture(9))
    assert verify(case).ok
    assert Ledger(case).head == verify(case).head


def test_a_decision_document_is_checked_by_its_entry_and_an_unknown_file_is_found(
    case: Path, clock
) -> None:
    import hashlib

    folder = case / "decisions"
    folder.mkdir()
    doc = folder / "20261101T120000-confirm-alert1.json"
    blob = b'{"action": "confirm", "actor": "alice"}\n'
    doc.write_bytes(blob)
    Ledger(case, clock=clock).append(
        action="decision",
        file="decisions/" + doc.name,
        offset=0,
        length=len(blob),
        digest="sha256:" + hashlib.sha256(blob).hexdigest(),
        record_id="confirm",
        uri="alert:1",
        actor="alice",
    )
    assert verify(case).ok, verify(case).findings
    doc.write_bytes(blob.replace(b"alice", b"mallory"))
    assert any("decision file of entry" in f.problem for f in verify(case).findings)
    doc.write_bytes(blob)
    (folder / "forged.json").write_bytes(b"{}")
    assert [str(f) for f in verify(case).findings] == [
        "decisions/forged.json offset 0: file is not in the ledger"
    ]
    (folder / "forged.json").unlink()
    doc.unlink()
    assert any("is missing" in f.problem for f in verify(case).findings)
