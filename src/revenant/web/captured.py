"""Captures read back from their WARC evidence, for display.

The database keeps what is queried (features, title, outcome); what a page shows beyond
that (headers, certificates, visible text, the favicon's bytes) is read from the WARC
file the capture was written to, through evidence.read_captures, so the dashboard shows
exactly what the evidence holds. A file is scanned until the capture is found; the last
few captures read are kept in memory.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import datetime
from pathlib import Path

from revenant.errors import BadWarc
from revenant.evidence import read_captures
from revenant.model import Capture


class CaptureReader:
    """Finds a capture in its WARC file by target and start time; keeps `size` of them."""

    def __init__(self, evidence_dir: Path, *, size: int = 64) -> None:
        self._evidence_dir = evidence_dir
        self._size = size
        self._cache: OrderedDict[tuple[str, str, str], Capture | None] = OrderedDict()
        self._lock = threading.Lock()

    def warc_path(self, warc_file: str | None) -> Path | None:
        """The WARC file as stored, or the same name under this data dir's evidence
        (a relative path stored by a process that ran elsewhere)."""
        if not warc_file:
            return None
        path = Path(warc_file)
        if path.is_file():
            return path
        moved = self._evidence_dir / path.parent.name / path.name
        return moved if moved.is_file() else None

    def load(self, warc_file: str | None, target: str, started: datetime) -> Capture | None:
        """The capture, or None when its file is gone or holds no such capture.
        A file that cannot be read raises BadWarc (the page says so)."""
        path = self.warc_path(warc_file)
        if path is None:
            return None
        key = (str(path), target, started.isoformat())
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        found = None
        for capture in read_captures(path):
            if capture.target == target and _same_time(capture.started, started):
                found = capture
                break
        with self._lock:
            self._cache[key] = found
            while len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return found


def _same_time(a: datetime, b: datetime) -> bool:
    # The database may keep microseconds the WARC metadata keeps too; compare exactly,
    # but as instants (zones aside).
    return abs((a - b).total_seconds()) < 1e-6


__all__ = ["BadWarc", "CaptureReader"]
