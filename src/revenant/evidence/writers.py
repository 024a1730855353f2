"""Which files of a case are being appended to by a live writer, and which were left by
one that died: `writers/<file name>` beside the ledger, one marker per open evidence
file, held with an exclusive `flock` for as long as its writer runs.

The kernel releases a dead process's locks, so a marker whose lock can be taken belongs
to a writer that stopped without closing its file; bytes it wrote after its last ledger
entry are then recorded by the next append (see `Ledger.hold`), never deleted.

It must never touch the evidence file a marker names; it only creates, locks and removes
markers. Markers are created and removed under the ledger's lock.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

WRITERS_DIR = "writers"


@dataclass
class Claim:
    """A live writer's hold on one evidence file: its marker's descriptor, locked."""

    name: str
    fd: int


def claim(directory: Path, name: str) -> Claim:
    """Mark `name` as being written by this process (exclusive marker, locked)."""
    folder = directory / WRITERS_DIR
    folder.mkdir(exist_ok=True)
    fd = os.open(folder / name, os.O_RDONLY | os.O_CREAT | os.O_EXCL, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return Claim(name, fd)


def release(directory: Path, held: Claim, *, finished: bool) -> None:
    """Give a claim up. `finished`: the file is complete, the marker goes. Otherwise the
    marker stays unlocked, so the next append records what follows the last entry."""
    if finished:
        (directory / WRITERS_DIR / held.name).unlink(missing_ok=True)
    os.close(held.fd)


def is_alive(directory: Path, name: str) -> bool | None:
    """True when a running writer holds `name`'s marker, False when the marker is left
    by a writer that stopped, None when there is no marker."""
    try:
        fd = os.open(directory / WRITERS_DIR / name, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def abandoned(directory: Path, own: set[str]) -> Iterator[str]:
    """Files whose writer stopped without closing them (its marker is unlocked)."""
    folder = directory / WRITERS_DIR
    if not folder.is_dir():
        return
    for entry in sorted(os.listdir(folder)):
        if entry not in own and is_alive(directory, entry) is False:
            yield entry


def forget(directory: Path, name: str) -> None:
    """Remove the marker of a stopped writer once its file's tail is recorded."""
    (directory / WRITERS_DIR / name).unlink(missing_ok=True)
