"""What a writer killed mid-append left, found by the next append while it holds the
case's lock, and recorded as it is: a last ledger line cut short (an `interrupted`
entry naming its bytes), bytes a stopped writer wrote after its last entry (an
`unrecorded` entry), entries the database mirror lacks (copied there, with a note).

It must never rewrite, truncate or delete a byte, and never extend a ledger file that
is behind its database mirror (the file was cut or replaced: refused).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from revenant.errors import EvidenceCorrupt
from revenant.evidence import writers
from revenant.evidence.ledger import (
    GENESIS,
    INTERRUPTED,
    LEDGER_NAME,
    UNRECORDED,
    LedgerEntry,
    LedgerHold,
    MirrorTransaction,
    file_digest,
    head_of,
    lines_backward,
    parse_line,
)

if TYPE_CHECKING:
    from revenant.evidence.ledger import Ledger

LATE_MIRROR = (
    "copied from the ledger file by a later append, not when written (its writer "
    "stopped before the database committed, or wrote without this database)"
)
_CHUNK = 65536


def torn_tail(fd: int, size: int) -> int | None:
    """Offset of a final segment with no newline (a write cut short), or None."""
    if size == 0 or os.pread(fd, 1, size - 1) == b"\n":
        return None
    pos = size
    while pos > 0:
        step = min(_CHUNK, pos)
        pos -= step
        cut = os.pread(fd, step, pos).rfind(b"\n")
        if cut >= 0:
            return pos + cut + 1
    return 0


def file_item(action: str, path: Path, name: str, start: int, end: int) -> dict[str, object]:
    """Entry fields naming bytes [start, end) of `path` (read in chunks for the digest)."""
    digest, got = file_digest(path, start, end - start)
    return {"action": action, "file": name, "offset": start, "length": got, "digest": digest}


def recover(ledger: Ledger, fd: int, tx: MirrorTransaction | None) -> LedgerHold:
    """Read the head; record what interrupted writers left, as new entries."""
    size = os.fstat(fd).st_size
    torn = torn_tail(fd, size)
    complete = size if torn is None else torn
    seq, head = head_of(fd, complete, ledger.path)
    if tx is not None:
        _catch_up_mirror(ledger.path, fd, complete, seq, head, tx)
    held = LedgerHold(ledger, fd, tx, seq, head)
    items: list[dict[str, object]] = []
    prefix = b""
    if torn is not None:
        # The torn bytes stay. A newline, written with the entry naming them, ends
        # them, so that entry is a line of its own.
        items.append(file_item(INTERRUPTED, ledger.path, LEDGER_NAME, torn, size))
        prefix = b"\n"
    stopped = list(writers.abandoned(ledger.directory, ledger.claimed))
    for name in stopped:
        items.extend(_tail_of(ledger, fd, complete, name))
    held.append_many(items, _prefix=prefix)
    for name in stopped:
        writers.forget(ledger.directory, name)
    return held


def _tail_of(ledger: Ledger, fd: int, size: int, name: str) -> list[dict[str, object]]:
    """An `unrecorded` entry for what a stopped writer wrote to `name` after its last
    entry (an empty one when the file has no entry at all, to name it)."""
    path = ledger.directory / name
    if not path.is_file():
        return []
    end, known = 0, False
    for offset, line in lines_backward(fd, size):
        try:
            entry = parse_line(line, f"{ledger.path} offset {offset}")
        except EvidenceCorrupt:
            continue
        if entry.file == name and entry.action in ("record", UNRECORDED):
            end, known = entry.offset + entry.length, True
            break
    length = path.stat().st_size
    if known and length <= end:
        return []
    return [file_item(UNRECORDED, path, name, end, length)]


def _catch_up_mirror(
    path: Path, fd: int, size: int, seq: int, head: str, tx: MirrorTransaction
) -> None:
    """Mirror the entries the file has and the database lacks (their writer stopped in
    between), saying so; refuse a file behind or unlike the database's copy."""
    have, have_hash = tx.head() or (-1, GENESIS)
    if have == seq - 1 and have_hash == head:
        return
    if have >= seq - 1:
        raise EvidenceCorrupt(
            f"{path}: the file ends at entry {seq - 1}, the database's mirror at entry "
            f"{have} with another hash: the file was cut or replaced; run `revenant verify`"
        )
    missing: list[LedgerEntry] = []
    for offset, line in lines_backward(fd, size):
        entry = parse_line(line, f"{path} offset {offset}")
        if entry.seq <= have:
            if entry.seq != have or entry.hash != have_hash:
                raise EvidenceCorrupt(
                    f"{path} offset {offset}: entry {entry.seq} differs from the "
                    "database's mirror; run `revenant verify`"
                )
            break
        missing.append(entry)
    missing.reverse()
    prev = have_hash
    for entry in missing:
        if entry.prev != prev or entry.compute_hash() != entry.hash:
            raise EvidenceCorrupt(
                f"{path}: entry {entry.seq} does not chain; run `revenant verify`"
            )
        prev = entry.hash
    tx.add(missing, note=LATE_MIRROR)
