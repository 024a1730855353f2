"""`revenant verify`: re-read every WARC record and every ledger entry of a case and
report each changed, missing, extra or reordered byte by file and offset.

It must never modify evidence or stop at the first problem: it reads only, and it
returns every finding it can see. It must never trust a record's own digests alone: the
ledger's digest of the stored bytes and its hash chain are checked too, and against the
database's mirror of the ledger when the caller passes it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from revenant.errors import EvidenceCorrupt, UsageError
from revenant.evidence.ledger import GENESIS, LEDGER_NAME, LedgerEntry, read_entries
from revenant.evidence.read import warc_files
from revenant.evidence.warc import case_dir


@dataclass(frozen=True)
class Finding:
    """One problem, where it is."""

    file: str
    offset: int
    problem: str

    def __str__(self) -> str:
        return f"{self.file} offset {self.offset}: {self.problem}"

    def as_json(self) -> dict[str, object]:
        return {"file": self.file, "offset": self.offset, "problem": self.problem}


@dataclass(frozen=True)
class VerifyReport:
    """What verify saw in one case directory."""

    directory: str
    files: int = 0
    records: int = 0
    entries: int = 0
    head: str = GENESIS
    findings: tuple[Finding, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return not self.findings

    def as_json(self) -> dict[str, object]:
        return {
            "directory": self.directory,
            "ok": self.ok,
            "files": self.files,
            "records": self.records,
            "ledger_entries": self.entries,
            "ledger_head": self.head,
            "findings": [f.as_json() for f in self.findings],
        }


def _check_chain(path: Path, findings: list[Finding]) -> list[LedgerEntry]:
    entries: list[LedgerEntry] = []
    prev = GENESIS
    want_seq = 0
    for offset, line, item in read_entries(path):
        if isinstance(item, EvidenceCorrupt):
            findings.append(Finding(path.name, offset, str(item).split(": ", 1)[-1]))
            prev = "(unreadable)"
            want_seq += 1
            continue
        e = item
        if e.seq != want_seq:
            findings.append(
                Finding(path.name, offset, f"entry seq {e.seq} where {want_seq} was due")
            )
        want_seq = e.seq + 1
        if e.line() != line:
            findings.append(Finding(path.name, offset, f"entry {e.seq} is not in canonical form"))
        if e.compute_hash() != e.hash:
            findings.append(Finding(path.name, offset, f"entry {e.seq} does not match its hash"))
        if e.prev != prev and prev != "(unreadable)":
            findings.append(
                Finding(path.name, offset, f"entry {e.seq} does not chain to the previous entry")
            )
        prev = e.hash
        entries.append(e)
    return entries


def _check_mirror(
    entries: list[LedgerEntry], expected: Iterable[LedgerEntry], findings: list[Finding]
) -> None:
    mine = {e.seq: e for e in entries}
    seen = 0
    for want in expected:
        seen += 1
        got = mine.get(want.seq)
        if got is None:
            findings.append(
                Finding(
                    LEDGER_NAME,
                    -1,
                    f"entry {want.seq} in the database is missing from the ledger file",
                )
            )
        elif got.hash != want.hash:
            findings.append(
                Finding(LEDGER_NAME, -1, f"entry {want.seq} differs from the database's copy")
            )
    if seen < len(entries):
        findings.append(
            Finding(
                LEDGER_NAME, -1, f"{len(entries) - seen} ledger entries are not in the database"
            )
        )


def _check_bytes(directory: Path, entries: list[LedgerEntry], findings: list[Finding]) -> int:
    """Ledger entries against the stored bytes: digest, contiguity, coverage."""
    by_file: dict[str, list[LedgerEntry]] = {}
    for e in entries:
        if e.action == "record":
            by_file.setdefault(e.file, []).append(e)
        elif e.action == "timestamp":
            stamp = directory / e.file
            if not stamp.is_file():
                findings.append(Finding(e.file, 0, "timestamp reply is missing"))
            elif "sha256:" + hashlib.sha256(stamp.read_bytes()).hexdigest() != e.digest:
                findings.append(Finding(e.file, 0, "timestamp reply changed"))
        elif e.action == "decision":
            _check_document(directory, e, findings)
    checked = 0
    for name, records in by_file.items():
        path = directory / name
        if not path.exists():
            findings.append(Finding(name, 0, f"file is missing ({len(records)} recorded records)"))
            continue
        size = path.stat().st_size
        expect = 0
        with path.open("rb") as fh:
            for e in records:
                if e.offset != expect:
                    findings.append(
                        Finding(
                            name,
                            e.offset,
                            f"record {e.record_id} expected at offset {expect} (reordered, missing or extra bytes)",
                        )
                    )
                fh.seek(e.offset)
                data = fh.read(e.length)
                checked += 1
                if len(data) != e.length:
                    findings.append(
                        Finding(
                            name,
                            e.offset,
                            f"record {e.record_id} is cut: {len(data)} of {e.length} bytes",
                        )
                    )
                elif "sha256:" + hashlib.sha256(data).hexdigest() != e.digest:
                    findings.append(
                        Finding(
                            name,
                            e.offset,
                            f"record {e.record_id} changed (sha256 differs from the ledger)",
                        )
                    )
                expect = e.offset + e.length
        if size > expect:
            findings.append(Finding(name, expect, f"{size - expect} bytes not in the ledger"))
    for path in warc_files(directory):
        if path.name not in by_file:
            findings.append(Finding(path.name, 0, "WARC file is not in the ledger"))
    decided = {e.file for e in entries if e.action == "decision"}
    folder = directory / "decisions"
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        if f"decisions/{path.name}" not in decided:
            findings.append(Finding(f"decisions/{path.name}", 0, "decision is not in the ledger"))
    return checked


def _check_document(directory: Path, e: LedgerEntry, findings: list[Finding]) -> None:
    """A decision document (act/decisions.py): whole file, exactly its length and digest."""
    path = directory / e.file
    if not path.is_file() or ".." in Path(e.file).parts:
        findings.append(Finding(e.file, 0, f"decision document of entry {e.seq} is missing"))
        return
    data = path.read_bytes()
    if len(data) != e.length or "sha256:" + hashlib.sha256(data).hexdigest() != e.digest:
        findings.append(Finding(e.file, 0, f"decision document of entry {e.seq} changed"))


def _check_records(path: Path, entries: list[LedgerEntry], findings: list[Finding]) -> int:
    """Every record's own WARC-Block-Digest and WARC-Payload-Digest, and the order."""
    expected = [
        (e.offset, e.record_id) for e in entries if e.action == "record" and e.file == path.name
    ]
    seen: list[tuple[int, str]] = []
    offset = 0
    try:
        with path.open("rb") as fh:
            it = ArchiveIterator(fh, check_digests=True)
            for record in it:
                while record.raw_stream.read(65536):  # digests are checked as it streams
                    pass
                offset = it.get_record_offset()
                rid = record.rec_headers.get_header("WARC-Record-ID") or ""
                seen.append((offset, rid))
                checker = record.digest_checker
                for problem in getattr(checker, "problems", []) or []:
                    findings.append(Finding(path.name, offset, f"record {rid}: {problem}"))
                offset += it.get_record_length()
    except Exception as exc:  # warcio/zlib raise many types on damaged input
        findings.append(
            Finding(path.name, offset, f"unreadable from here ({type(exc).__name__}: {exc})")
        )
        return len(seen)
    if expected and seen != expected:
        for (got_off, got_id), (want_off, want_id) in zip(seen, expected, strict=False):
            if got_id != want_id or got_off != want_off:
                findings.append(
                    Finding(
                        path.name,
                        got_off,
                        f"record {got_id} found where the ledger has {want_id} at offset {want_off}",
                    )
                )
                break
        if len(seen) != len(expected):
            findings.append(
                Finding(
                    path.name,
                    offset,
                    f"{len(seen)} records in the file, {len(expected)} in the ledger",
                )
            )
    return len(seen)


def verify(directory: str | Path, *, expected: Iterable[LedgerEntry] | None = None) -> VerifyReport:
    """Verify one case directory (`DATA/evidence/<case>`); `expected` is the database's
    mirror of the ledger, compared entry by entry when given."""
    d = Path(directory)
    if not d.is_dir():
        raise UsageError(f"{d}: no evidence directory")
    findings: list[Finding] = []
    ledger = d / LEDGER_NAME
    entries: list[LedgerEntry] = []
    files = warc_files(d)
    if ledger.exists():
        entries = _check_chain(ledger, findings)
    elif files:
        findings.append(Finding(LEDGER_NAME, 0, "ledger is missing"))
    if expected is not None:
        _check_mirror(entries, expected, findings)
    _check_bytes(d, entries, findings)
    records = sum(_check_records(p, entries, findings) for p in files)
    return VerifyReport(
        directory=str(d),
        files=len(files),
        records=records,
        entries=len(entries),
        head=entries[-1].hash if entries else GENESIS,
        findings=tuple(findings),
    )


def verify_case(
    data_dir: str | Path, case: str, *, expected: Iterable[LedgerEntry] | None = None
) -> VerifyReport:
    """Verify `DATA/evidence/<case>`."""
    return verify(case_dir(data_dir, case), expected=expected)


def verify_all(data_dir: str | Path) -> list[VerifyReport]:
    """Verify every case directory under `DATA/evidence/`."""
    root = Path(data_dir) / "evidence"
    if not root.is_dir():
        return []
    return [verify(p) for p in sorted(root.iterdir()) if p.is_dir()]
