"""`revenant verify`: re-read every WARC record and every ledger entry of a case and
report each changed, missing, extra or reordered byte by file and offset.

It must never modify evidence or stop at the first problem: it reads only, and it
returns every finding it can see. It must never trust a record's own digests alone: the
ledger's digest of the stored bytes and its hash chain are checked too, and against the
database's mirror of the ledger when the caller passes it. It reads a snapshot taken
under the ledger's lock, so writers appending meanwhile are neither seen half-way nor
reported.

Findings are what the files do not account for (exit 1). Notes are what the ledger
itself records about interrupted writers (a torn line, bytes written without entries):
observed, explained, and covered by the chain's digests.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from revenant.errors import EvidenceCorrupt, UsageError
from revenant.evidence.ledger import (
    GENESIS,
    INTERRUPTED,
    LEDGER_NAME,
    UNRECORDED,
    LedgerEntry,
    file_digest,
    read_entries,
)
from revenant.evidence.read import warc_files
from revenant.evidence.snapshot import Snapshot, Upto, snapshot
from revenant.evidence.warc import case_dir

_REGIONS = ("record", UNRECORDED)
"""Actions whose entries cut a WARC file into contiguous regions."""


@dataclass(frozen=True)
class Finding:
    """One problem (or, in `notes`, one recorded event), where it is."""

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
    notes: tuple[Finding, ...] = field(default_factory=tuple)

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
            "notes": [f.as_json() for f in self.notes],
        }


def _check_chain(
    path: Path, size: int, findings: list[Finding], notes: list[Finding]
) -> list[LedgerEntry]:
    lines = list(read_entries(path, limit=size))
    skip: set[int] = set()
    for i, (_, _, item) in enumerate(lines):
        if isinstance(item, LedgerEntry) and item.action == INTERRUPTED:
            before = lines[i - 1] if i else None
            if (
                before is not None
                and item.file == LEDGER_NAME
                and before[0] == item.offset
                and before[1].endswith(b"\n")
                and len(before[1]) - 1 == item.length
                and "sha256:" + hashlib.sha256(before[1][:-1]).hexdigest() == item.digest
            ):
                skip.add(i - 1)
                notes.append(
                    Finding(
                        LEDGER_NAME,
                        item.offset,
                        f"{item.length} bytes of a write cut short (writer killed, disk "
                        f"full or power lost), left in place and recorded at entry {item.seq}",
                    )
                )
            else:
                findings.append(
                    Finding(
                        LEDGER_NAME,
                        lines[i][0],
                        f"entry {item.seq} records an interrupted write that is not there",
                    )
                )
    entries: list[LedgerEntry] = []
    prev = GENESIS
    want_seq = 0
    for i, (offset, line, item) in enumerate(lines):
        if i in skip:
            continue
        if not line.endswith(b"\n"):
            findings.append(
                Finding(
                    path.name,
                    offset,
                    f"last line is incomplete ({len(line)} bytes, no newline): a write cut "
                    "short; the next append records it",
                )
            )
            continue
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


def _inside(name: str) -> bool:
    """A file name an entry may give for a file of the case directory."""
    p = Path(name)
    return bool(name) and not p.is_absolute() and ".." not in p.parts and name != LEDGER_NAME


def _check_files(
    directory: Path, entries: list[LedgerEntry], snap: Snapshot, findings: list[Finding]
) -> set[str]:
    """Entries other than WARC regions that name a file of the case directory (a
    timestamp reply, a decision document): exactly those bytes, by digest."""
    named: set[str] = set()
    for e in entries:
        if e.action in _REGIONS or e.action == INTERRUPTED or not _inside(e.file):
            continue
        named.add(e.file)
        size = snap.sizes.get(e.file)
        if size is None:
            findings.append(Finding(e.file, 0, f"{e.action} file of entry {e.seq} is missing"))
            continue
        digest, got = file_digest(directory / e.file, e.offset, e.length)
        if size != e.offset + e.length or got != e.length or digest != e.digest:
            findings.append(Finding(e.file, 0, f"{e.action} file of entry {e.seq} changed"))
    return named


def _check_bytes(
    directory: Path,
    entries: list[LedgerEntry],
    snap: Snapshot,
    findings: list[Finding],
    notes: list[Finding],
) -> None:
    """Ledger entries against the stored bytes: digest, contiguity, coverage, and every
    file of the directory named by some entry."""
    by_file: dict[str, list[LedgerEntry]] = {}
    for e in entries:
        if e.action in _REGIONS:
            by_file.setdefault(e.file, []).append(e)
    named = _check_files(directory, entries, snap, findings) | set(by_file)
    for name, regions in by_file.items():
        size = snap.sizes.get(name)
        if size is None:
            findings.append(Finding(name, 0, f"file is missing ({len(regions)} recorded regions)"))
            continue
        expect = 0
        for e in regions:
            what = f"record {e.record_id}" if e.action == "record" else f"entry {e.seq}"
            if e.offset != expect:
                findings.append(
                    Finding(
                        name,
                        e.offset,
                        f"{what} expected at offset {expect} (reordered, missing or extra bytes)",
                    )
                )
            digest, got = file_digest(directory / name, e.offset, min(e.length, size - e.offset))
            if got != e.length:
                findings.append(
                    Finding(name, e.offset, f"{what} is cut: {got} of {e.length} bytes")
                )
            elif digest != e.digest:
                findings.append(
                    Finding(name, e.offset, f"{what} changed (sha256 differs from the ledger)")
                )
            elif e.action == UNRECORDED:
                notes.append(
                    Finding(
                        name,
                        e.offset,
                        f"{e.length} bytes written by a writer that stopped before recording "
                        f"them, recorded as they are at entry {e.seq}",
                    )
                )
            expect = e.offset + e.length
        if size > expect:
            why = (
                "; its writer stopped before recording them (the next append records them)"
                if name in snap.stopped
                else ""
            )
            findings.append(Finding(name, expect, f"{size - expect} bytes not in the ledger{why}"))
    for rel in sorted(snap.sizes):
        if rel == LEDGER_NAME or rel in named:
            continue
        kind = "WARC file" if rel.endswith((".warc.gz", ".warc")) else "file"
        findings.append(Finding(rel, 0, f"{kind} is not in the ledger"))


def _check_records(path: Path, entries: list[LedgerEntry], findings: list[Finding]) -> int:
    """Every record's own WARC-Block-Digest and WARC-Payload-Digest, and the order, in
    the part of the file the ledger records as records."""
    expected: list[tuple[int, str]] = []
    end = 0
    for e in entries:
        if e.file != path.name or e.action not in _REGIONS:
            continue
        if e.action == UNRECORDED:
            break
        expected.append((e.offset, e.record_id))
        end = e.offset + e.length
    if not expected:  # no record: an unknown file (read whole) or only unrecorded bytes
        recorded = any(e.file == path.name and e.action in _REGIONS for e in entries)
        end = 0 if recorded else path.stat().st_size
    seen: list[tuple[int, str]] = []
    offset = 0
    try:
        with path.open("rb") as fh:
            it = ArchiveIterator(Upto(fh, end), check_digests=True)
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


def verify(
    directory: str | Path,
    *,
    expected: Iterable[LedgerEntry] | None = None,
    snap: Snapshot | None = None,
) -> VerifyReport:
    """Verify one case directory (`DATA/evidence/<case>`); `expected` is the database's
    mirror of the ledger, compared entry by entry when given; `snap` a snapshot taken
    by the caller (with the database's lock, so that the mirror matches it)."""
    d = Path(directory)
    if not d.is_dir():
        raise UsageError(f"{d}: no evidence directory")
    snap = snap or snapshot(d)
    findings: list[Finding] = []
    notes: list[Finding] = []
    entries: list[LedgerEntry] = []
    files = [p for p in warc_files(d) if p.name in snap.sizes]
    if LEDGER_NAME in snap.sizes:
        entries = _check_chain(d / LEDGER_NAME, snap.sizes[LEDGER_NAME], findings, notes)
    elif files:
        findings.append(Finding(LEDGER_NAME, 0, "ledger is missing"))
    if expected is not None:
        _check_mirror(entries, expected, findings)
    _check_bytes(d, entries, snap, findings, notes)
    records = sum(_check_records(p, entries, findings) for p in files)
    return VerifyReport(
        directory=str(d),
        files=len(files),
        records=records,
        entries=len(entries),
        head=entries[-1].hash if entries else GENESIS,
        findings=tuple(findings),
        notes=tuple(notes),
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
