"""A case directory as it stood at one instant: the size of every file, read while the
ledger's lock is held (shared), so an append is either wholly in or wholly out — what
`verify` and `export` read while writers go on appending.

It must never write: it only takes a shared lock, lists and stats.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from revenant.evidence import writers
from revenant.evidence.ledger import LEDGER_NAME


@dataclass(frozen=True)
class Snapshot:
    """Every file's size (paths relative to the case directory; live-writer markers left
    out) and the files whose writer stopped without closing them."""

    sizes: Mapping[str, int]
    stopped: frozenset[str] = frozenset()


def snapshot(directory: str | Path) -> Snapshot:
    """Sizes of every file of a case, read under the ledger lock (shared)."""
    d = Path(directory)
    fd = None
    try:
        fd = os.open(d / LEDGER_NAME, os.O_RDONLY)
        fcntl.flock(fd, fcntl.LOCK_SH)
    except OSError:  # no ledger yet, or a file system without locks: read as it is
        pass
    try:
        sizes: dict[str, int] = {}
        stopped: set[str] = set()
        for root, dirs, files in os.walk(d):
            rel = Path(root).relative_to(d)
            if rel == Path("."):
                dirs[:] = [x for x in dirs if x != writers.WRITERS_DIR]
            for name in files:
                try:
                    sizes[(rel / name).as_posix()] = (Path(root) / name).stat().st_size
                except OSError:
                    continue
                if rel == Path(".") and writers.is_alive(d, name) is False:
                    stopped.add(name)
        return Snapshot(sizes, frozenset(stopped))
    finally:
        if fd is not None:
            os.close(fd)


class Upto:
    """A binary file read only up to byte `end` (what a snapshot or the ledger covers)."""

    def __init__(self, raw: Any, end: int) -> None:
        self._raw, self._left = raw, end

    def read(self, n: int = -1) -> bytes:
        data: bytes = self._raw.read(self._left if n < 0 or n > self._left else n)
        self._left -= len(data)
        return data
