"""The custody ledger: an append-only, hash-chained list of what was recorded, by whom
and when — one entry per WARC record (its file, offset, length and digest), plus
exports, timestamps, decisions and what interrupted writers left — kept as JSON lines
beside the WARC files.

Any number of processes (and, with a shared database, machines) may append to one
case's ledger: an append reads the head, writes its entries and mirrors them while
holding the case's lock (the database's, when a `Mirror` is given, then an exclusive
`flock` on the file), so entries are written in chain order and never share a `seq`.

It must never rewrite, reorder or remove a byte: each entry's hash covers the previous
entry's hash, so any change breaks the chain. What a writer killed mid-append left (a
torn last line, WARC bytes without entries, entries missing from the database mirror)
is recorded by the next append as what it is, never repaired in place.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from revenant.errors import EvidenceCorrupt
from revenant.evidence import writers
from revenant.model import Clock, utcnow

LEDGER_NAME = "ledger.jsonl"
GENESIS = "0" * 64
INTERRUPTED = "interrupted"
"""Action of the entry that records a torn last line (a write cut short), left in place."""
UNRECORDED = "unrecorded"
"""Action of the entry that records bytes a stopped writer wrote after its last entry."""
_CHUNK = 65536


def file_digest(path: Path, start: int = 0, length: int | None = None) -> tuple[str, int]:
    """("sha256:HEX", bytes read) of `length` bytes of `path` from `start` (to its end
    when None), read in chunks: fewer bytes when the file is shorter."""
    h, got = hashlib.sha256(), 0
    with path.open("rb") as fh:
        fh.seek(start)
        while length is None or got < length:
            chunk = fh.read(_CHUNK if length is None else min(_CHUNK, length - got))
            if not chunk:
                break
            h.update(chunk)
            got += len(chunk)
    return "sha256:" + h.hexdigest(), got


@dataclass(frozen=True)
class LedgerEntry:
    """One custody event. `hash` = sha256 of the canonical JSON of every other field."""

    seq: int
    time: str  # ISO 8601, UTC
    actor: str
    action: str  # "record", "export", "timestamp", "decision", "interrupted", "unrecorded"
    file: str  # file name relative to the case directory (an export: absolute path)
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


_TYPES: dict[str, type] = {
    "seq": int,
    "time": str,
    "actor": str,
    "action": str,
    "file": str,
    "offset": int,
    "length": int,
    "digest": str,
    "record_id": str,
    "uri": str,
    "prev": str,
    "hash": str,
}


def canonical(value: object) -> bytes:
    """Canonical JSON: sorted keys, no spaces, UTF-8 — the bytes that get hashed."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def parse_line(line: bytes, where: str) -> LedgerEntry:
    """One ledger line back into an entry; EvidenceCorrupt naming `where` if malformed."""
    try:
        d = json.loads(line)
    except (ValueError, TypeError) as exc:
        raise EvidenceCorrupt(f"{where}: not a ledger entry ({exc})") from None
    if not isinstance(d, dict) or set(d) != set(_TYPES):
        raise EvidenceCorrupt(f"{where}: not a ledger entry (fields differ)")
    for name, kind in _TYPES.items():
        value = d[name]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise EvidenceCorrupt(f"{where}: not a ledger entry ({name} is not {kind.__name__})")
    return LedgerEntry(**d)


def read_entries(
    path: Path, *, limit: int | None = None
) -> Iterator[tuple[int, bytes, LedgerEntry | EvidenceCorrupt]]:
    """(byte offset, raw line, entry or the error) for every line of a ledger, streaming;
    `limit`: read only that many bytes (a snapshot taken under the lock)."""
    offset = 0
    with path.open("rb") as fh:
        for line in fh:
            if limit is not None and offset + len(line) > limit:
                line = line[: max(0, limit - offset)]
                if not line:
                    return
            where = f"{path.name} offset {offset}"
            try:
                yield offset, line, parse_line(line, where)
            except EvidenceCorrupt as exc:
                yield offset, line, exc
            offset += len(line)
            if limit is not None and offset >= limit:
                return


def lines_backward(fd: int, size: int) -> Iterator[tuple[int, bytes]]:
    """(offset, line without its newline) of the complete lines before `size`, last first.
    A final segment without a newline (a torn write, see `recovery.torn_tail`) is skipped."""
    pos, buf, want = size, b"", 4096  # a line is ~500 bytes: read small, then more
    while pos > 0 and b"\n" not in buf:
        step, want = min(want, pos), min(want * 2, _CHUNK)
        pos -= step
        buf = os.pread(fd, step, pos) + buf
    if b"\n" not in buf:
        return
    buf = buf[: buf.rfind(b"\n") + 1]  # buf holds the bytes [pos, pos + len(buf))
    while buf:
        cut = buf.rfind(b"\n", 0, len(buf) - 1)
        if cut < 0 and pos > 0:
            step, want = min(want, pos), min(want * 2, _CHUNK)
            pos -= step
            buf = os.pread(fd, step, pos) + buf
            continue
        yield pos + cut + 1, buf[cut + 1 : -1]
        buf = buf[: cut + 1]


def head_of(fd: int, size: int, path: Path) -> tuple[int, str]:
    """(next seq, head hash) from the last complete line before `size`."""
    for offset, line in lines_backward(fd, size):
        entry = parse_line(line, f"{path} offset {offset}")
        if entry.compute_hash() != entry.hash:
            raise EvidenceCorrupt(
                f"{path} offset {offset}: last entry does not match its hash; run `revenant verify`"
            )
        return entry.seq + 1, entry.hash
    return 0, GENESIS


class MirrorTransaction(Protocol):
    """The database side of one append, inside the database's lock on the case's chain."""

    def head(self) -> tuple[int, str] | None:
        """(seq, hash) of the last mirrored entry, or None."""
        ...

    def add(self, entries: Sequence[LedgerEntry], *, note: str = "") -> None: ...

    def commit(self) -> None: ...


class Mirror(Protocol):
    """Where a case's ledger is mirrored (the store), and its cross-process lock."""

    def transaction(self) -> AbstractContextManager[MirrorTransaction]: ...


def _write_all(fd: int, data: bytes) -> None:
    """Write every byte (os.write may write fewer)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


class LedgerHold:
    """The ledger while its lock is held: the head, and appends in chain order."""

    def __init__(
        self, ledger: Ledger, fd: int, tx: MirrorTransaction | None, seq: int, head: str
    ) -> None:
        self._ledger = ledger
        self._fd = fd
        self._tx = tx
        self.seq = seq
        """The next entry's sequence number."""
        self.head = head
        """Hash of the last entry."""

    def append_many(
        self,
        items: Sequence[Mapping[str, object]],
        *,
        actor: str | None = None,
        _prefix: bytes = b"",
    ) -> list[LedgerEntry]:
        """Append entries (fields: action, file, offset, length, digest, record_id, uri,
        and optionally actor), written in one write, then mirrored."""
        ledger = self._ledger
        when = ledger._clock().isoformat()
        entries: list[LedgerEntry] = []
        for item in items:
            fields = dict(item)
            who = str(fields.pop("actor", None) or actor or ledger._actor)
            entry = LedgerEntry(
                seq=self.seq,
                time=when,
                actor=who,
                prev=self.head,
                **fields,  # type: ignore[arg-type]
            )
            entry = replace(entry, hash=entry.compute_hash())
            entries.append(entry)
            self.seq += 1
            self.head = entry.hash
        if not entries:
            return entries
        _write_all(self._fd, _prefix + b"".join(e.line() for e in entries))
        if ledger._fsync:
            os.fsync(self._fd)
        if self._tx is not None:
            self._tx.add(entries)
        if ledger._on_append is not None:
            for e in entries:
                ledger._on_append(e)
        return entries

    def append(self, *, actor: str | None = None, **item: object) -> LedgerEntry:
        """Append one entry."""
        return self.append_many([item], actor=actor)[0]


class Ledger:
    """A case's `ledger.jsonl`: `append`, `append_many`, or `with ledger.hold() as h:` to
    write other files and their entries under the one lock."""

    def __init__(
        self,
        directory: Path | str,
        *,
        actor: str = "revenant",
        clock: Clock = utcnow,
        on_append: Callable[[LedgerEntry], None] | None = None,
        fsync: bool = False,
        mirror: Mirror | None = None,
    ) -> None:
        self.directory = Path(directory)
        self.path = self.directory / LEDGER_NAME
        self._actor = actor
        self._clock = clock
        self._on_append = on_append
        self._fsync = fsync
        self._mirror = mirror
        self._claims: dict[str, writers.Claim] = {}
        self._thread = threading.Lock()
        self._owner: int | None = None

    @property
    def head(self) -> str:
        """Hash of the last complete entry (what a timestamp authority is asked to sign)."""
        if not self.path.exists():
            return GENESIS
        fd = os.open(self.path, os.O_RDONLY)
        try:
            return head_of(fd, os.fstat(fd).st_size, self.path)[1]
        finally:
            os.close(fd)

    # ------------------------------------------------------------ live writers

    def claim(self, name: str) -> None:
        """Register this process as the writer of evidence file `name`: call it under
        `hold()`, before creating the file."""
        self._claims[name] = writers.claim(self.directory, name)

    def release(self, name: str, *, finished: bool = True) -> None:
        """Stop writing `name`. Not finished (a write failed): the next append records
        whatever follows its last entry."""
        held = self._claims.pop(name, None)
        if held is not None:
            writers.release(self.directory, held, finished=finished)

    @property
    def claimed(self) -> set[str]:
        """The evidence files this Ledger's process is writing."""
        return set(self._claims)

    # ------------------------------------------------------------------ append

    def append_many(
        self, items: Sequence[Mapping[str, object]], *, actor: str | None = None
    ) -> list[LedgerEntry]:
        """Append entries (fields: action, file, offset, length, digest, record_id, uri)."""
        with self.hold() as held:
            return held.append_many(items, actor=actor)

    def append(self, *, actor: str | None = None, **item: object) -> LedgerEntry:
        """Append one entry."""
        return self.append_many([item], actor=actor)[0]

    @contextmanager
    def hold(self) -> Iterator[LedgerHold]:
        """The case's lock: the database's (when mirrored), then the file's. Inside,
        what an interrupted writer left is recorded first, then the caller appends; the
        database commits before the file lock is released. Not re-entrant."""
        from revenant.evidence.recovery import recover  # it builds on this module

        self.directory.mkdir(parents=True, exist_ok=True)
        if self._owner == threading.get_ident():
            raise RuntimeError(f"{self.path}: hold() inside hold() would wait on itself")
        with self._thread:
            self._owner = threading.get_ident()
            try:
                context = self._mirror.transaction() if self._mirror else nullcontext(None)
                with context as tx:
                    fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
                    try:
                        fcntl.flock(fd, fcntl.LOCK_EX)
                        held = recover(self, fd, tx)
                        yield held
                        if tx is not None:
                            tx.commit()
                    finally:
                        os.close(fd)  # releases the flock
            finally:
                self._owner = None
