"""Near-duplicate index: "which stored captures look like this one?" in about a
millisecond over millions of captures.

SimHash permuted tables after Manku, Jain and Das Sarma (WWW 2007): a 64-bit sketch is
cut into k = max_distance + 1 blocks; two sketches within Hamming distance d agree
exactly on at least one block (pigeonhole), so each block is a sorted table and a query
looks up k small ranges, then checks the real distance. Tables are numpy arrays (12
bytes per entry per table, no Python object per capture); `add` buffers new entries
that queries scan directly until `rebuild` folds them in.

The index holds no captures, only (key, sketch) pairs; it is rebuilt from the store at
start (`rebuild(pairs)`), so nothing here is persisted.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass

import numpy as np

from revenant.model import Fingerprint

_MASK64 = (1 << 64) - 1
_POPCOUNT8 = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)


def _popcount64(x: np.ndarray) -> np.ndarray:
    return _POPCOUNT8[x.view(np.uint8).reshape(-1, 8)].sum(axis=1)


@dataclass(frozen=True)
class Match:
    """A stored capture whose sketch is within the distance asked for."""

    key: Hashable
    distance: int
    sketch: str  # "text" or "dom"


class SimHashIndex:
    """Find stored 64-bit SimHashes within Hamming distance `max_distance` (<= 7)."""

    def __init__(self, max_distance: int = 3, *, buffer_limit: int = 4096) -> None:
        if not 0 <= max_distance <= 7:
            raise ValueError(f"max_distance {max_distance}: must be between 0 and 7")
        self.max_distance = max_distance
        self._blocks = max_distance + 1
        self._widths = [
            64 // self._blocks + (1 if i < 64 % self._blocks else 0) for i in range(self._blocks)
        ]
        self._shifts = [sum(self._widths[i + 1 :]) for i in range(self._blocks)]
        self._keys: list[Hashable] = []
        self._sketches = np.zeros(0, dtype=np.uint64)
        self._tables: list[tuple[np.ndarray, np.ndarray]] = []
        self._pending: list[int] = []
        self._pending_keys: list[Hashable] = []
        self._buffer_limit = buffer_limit

    def __len__(self) -> int:
        return len(self._keys) + len(self._pending_keys)

    def _block(self, values: np.ndarray, i: int) -> np.ndarray:
        mask = np.uint64((1 << self._widths[i]) - 1)
        return (values >> np.uint64(self._shifts[i])) & mask

    def add(self, key: Hashable, sketch: int) -> None:
        """Store one sketch; visible to queries at once."""
        self._pending.append(sketch & _MASK64)
        self._pending_keys.append(key)
        if len(self._pending) >= self._buffer_limit:
            self.rebuild()

    def rebuild(self, pairs: Iterable[tuple[Hashable, int]] | None = None) -> None:
        """Fold buffered additions into the sorted tables; with `pairs`, replace the
        whole content (start-up from the store)."""
        if pairs is not None:
            keys, values = [], []
            for key, sketch in pairs:
                keys.append(key)
                values.append(sketch & _MASK64)
            self._keys = keys
            self._sketches = np.array(values, dtype=np.uint64)
            self._pending, self._pending_keys = [], []
        elif self._pending:
            self._keys += self._pending_keys
            self._sketches = np.concatenate(
                [self._sketches, np.array(self._pending, dtype=np.uint64)]
            )
            self._pending, self._pending_keys = [], []
        self._tables = []
        for i in range(self._blocks):
            block = self._block(self._sketches, i)
            order = np.argsort(block, kind="stable").astype(np.uint32)
            self._tables.append((block[order], order))

    def query(self, sketch: int, max_distance: int | None = None) -> list[tuple[Hashable, int]]:
        """(key, distance) of stored sketches within the distance, nearest first."""
        d = self.max_distance if max_distance is None else min(max_distance, self.max_distance)
        q = np.array([sketch & _MASK64], dtype=np.uint64)
        found: dict[int, int] = {}
        if self._tables:
            candidates = []
            for i, (values, order) in enumerate(self._tables):
                b = self._block(q, i)[0]
                lo = np.searchsorted(values, b, side="left")
                hi = np.searchsorted(values, b, side="right")
                if hi > lo:
                    candidates.append(order[lo:hi])
            if candidates:
                idx = np.unique(np.concatenate(candidates))
                dist = _popcount64(self._sketches[idx] ^ q[0])
                for j, dd in zip(idx[dist <= d].tolist(), dist[dist <= d].tolist(), strict=True):
                    found[j] = dd
        out = [(self._keys[j], dist) for j, dist in found.items()]
        if self._pending:
            pend = np.array(self._pending, dtype=np.uint64)
            dist = _popcount64(pend ^ q[0])
            for j in np.nonzero(dist <= d)[0].tolist():
                out.append((self._pending_keys[j], int(dist[j])))
        out.sort(key=lambda item: item[1])
        return out


class NearDuplicateIndex:
    """Near-duplicates by visible text and by page structure, over fingerprints."""

    def __init__(self, max_distance: int = 3) -> None:
        self.text = SimHashIndex(max_distance)
        self.dom = SimHashIndex(max_distance)

    def __len__(self) -> int:
        return max(len(self.text), len(self.dom))

    def add(self, key: Hashable, fp: Fingerprint) -> None:
        """Index a fingerprint's sketches under `key` (a capture id, say)."""
        if fp.text_simhash is not None:
            self.text.add(key, fp.text_simhash)
        if fp.dom_simhash is not None:
            self.dom.add(key, fp.dom_simhash)

    def rebuild(self, items: Iterable[tuple[Hashable, Fingerprint]] | None = None) -> None:
        """Fold pending additions in; with `items`, replace everything (start-up)."""
        if items is None:
            self.text.rebuild()
            self.dom.rebuild()
            return
        text, dom = [], []
        for key, fp in items:
            if fp.text_simhash is not None:
                text.append((key, fp.text_simhash))
            if fp.dom_simhash is not None:
                dom.append((key, fp.dom_simhash))
        self.text.rebuild(text)
        self.dom.rebuild(dom)

    def query(self, fp: Fingerprint, max_distance: int | None = None) -> list[Match]:
        """Stored captures whose text or structure sketch is within the distance."""
        out = []
        if fp.text_simhash is not None:
            out += [Match(k, d, "text") for k, d in self.text.query(fp.text_simhash, max_distance)]
        if fp.dom_simhash is not None:
            out += [Match(k, d, "dom") for k, d in self.dom.query(fp.dom_simhash, max_distance)]
        out.sort(key=lambda m: (m.distance, m.sketch))
        return out
