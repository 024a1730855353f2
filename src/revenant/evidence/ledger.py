"""The custody ledger: an append-only, hash-chained list of what was recorded, by whom
and when — one entry per WARC record (its file, offset, length and digest), plus
exports and timestamps — kept as JSON lines beside the WARC files.

It must never rewrite or reorder an entry: each entry's hash covers the previous
entry's hash, so any change, removal or reordering breaks the chain. Entries are handed
to `on_append` (the lead mirrors them into the database) after they are on disk.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from revenant.errors import EvidenceCorrupt
from revenant.model import Clock, utcnow

LEDGER_NAME = "ledger.jsonl"
GENESIS = "0" * 64


@dataclass(frozen=True)
class LedgerEntry:
    """One custody event. `hash` = sha256 of the canonical JSON of every other field."""

    seq: int
    time: str  # ISO 8601, UTC
    actor: str
    action: str  # "record", "export", "timestamp"
    file: str  # WARC (or export) file name, relative to the case directory
    offset: int
    length: int
    digest: str  # "sha256:<hex>" of the stored bytes (the gzip member for a WARC record)
    record_id: str = ""
    uri: str = ""
    prev: str = GENESIS
    hash: str = ""

    def body(self) -> dict[str, object]:
        """The fields the hash covers."""
        # Built by hand: dataclasses.asdict deep-copies every value, and the ledger
        # writes one entry per WARC record (a third of the prober's evidence cost).
        return {
            "seq": self.seq,
            "time": self.time,
            "actor": self.actor,
            "action": self.action,
            "file": self.file,
            "offset": self.offset,
            "length": self.length,
            "digest": self.digest,
            "record_id": self.record_id,
            "uri": self.uri,
            "prev": self.prev,
        }

    def compute_hash(self) -> str:
        return hashlib.sha256(canonical(self.body())).hexdigest()

    def line(self) -> bytes:
        """The JSON line stored in the ledger file."""
        return canonical({**self.body(), "hash": self.hash}) + b"\n"


def canonical(value: object) -> bytes:
    """Canonical JSON: sorted keys, no spaces, UTF-8 — the bytes that get hashed."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def parse_line(line: bytes, where: str) -> LedgerEntry:
    """One ledger line back into an entry; EvidenceCorrupt naming `where` if malformed."""
    try:
        d = json.loads(line)
        entry = LedgerEntry(**d)
    except (ValueError, TypeError) as exc:
        raise EvidenceCorrupt(f"{where}: not a ledger entry ({exc})") from None
    if not isinstance(entry.seq, int) or not isinstance(entry.offset, int):
        raise EvidenceCorrupt(f"{where}: not a ledger entry (bad field types)")
    return entry


def read_entries(path: Path) -> Iterator[tuple[int, bytes, LedgerEntry | EvidenceCorrupt]]:
    """(byte offset, raw line, entry or the error) for every line of a ledger, streaming."""
    offset = 0
    with path.open("rb") as fh:
        for line in fh:
            where = f"{path.name} offset {offset}"
            try:
                yield offset, line, parse_line(line, where)
            except EvidenceCorrupt as exc:
                yield offset, line, exc
            offset += len(line)


class Ledger:
    """Appends chained entries to `<case dir>/ledger.jsonl`."""

    def __init__(
        self,
        directory: Path,
        *,
        actor: str = "revenant",
        clock: Clock = utcnow,
        on_append: Callable[[LedgerEntry], None] | None = None,
        fsync: bool = False,
    ) -> None:
        self.path = Path(directory) / LEDGER_NAME
        self._actor = actor
        self._clock = clock
        self._on_append = on_append
        self._fsync = fsync
        self._seq, self._head = self._tail()

    def _tail(self) -> tuple[int, str]:
        """Next sequence number and head hash, from the last line of an existing ledger."""
        if not self.path.exists() or self.path.stat().st_size == 0:
            return 0, GENESIS
        with self.path.open("rb") as fh:
            fh.seek(max(0, self.path.stat().st_size - 65536))
            last = fh.read().rstrip(b"\n").rsplit(b"\n", 1)[-1]
        entry = parse_line(last, f"{self.path} last line")
        if entry.compute_hash() != entry.hash:
            raise EvidenceCorrupt(f"{self.path}: last entry does not match its hash; run verify")
        return entry.seq + 1, entry.hash

    @property
    def head(self) -> str:
        """Hash of the last entry (what a timestamp authority is asked to sign)."""
        return self._head

    def append_many(self, items: list[dict[str, object]]) -> list[LedgerEntry]:
        """Append entries (fields: action, file, offset, length, digest, record_id, uri)."""
        entries: list[LedgerEntry] = []
        when = self._clock().isoformat()
        for item in items:
            entry = LedgerEntry(
                seq=self._seq,
                time=when,
                actor=self._actor,
                prev=self._head,
                **item,  # type: ignore[arg-type]
            )
            entry = replace(entry, hash=entry.compute_hash())
            entries.append(entry)
            self._seq += 1
            self._head = entry.hash
        with self.path.open("ab") as fh:
            fh.write(b"".join(e.line() for e in entries))
            fh.flush()
            if self._fsync:
                os.fsync(fh.fileno())
        if self._on_append is not None:
            for e in entries:
                self._on_append(e)
        return entries

    def append(self, **item: object) -> LedgerEntry:
        """Append one entry."""
        return self.append_many([item])[0]
