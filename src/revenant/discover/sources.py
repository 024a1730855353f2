"""Adapters from the discovery components to the watch loop's `WatchSource` protocol
(`name`, `pull(now) -> Iterable[Candidate]`), plus its triage and pivot callables.

Positions (CT log indexes) are saved one pull late: a pull first saves the position the
previous pull reached, whose candidates the watch has committed by then. A crash thus
re-reads at most one pull (the queue de-duplicates names) and never loses one.

Layering: the discover components never touch the database. Only the three entry points
the CLI calls (`build_sources`, `case_prioritiser`, and the state they persist) reach the
store, through functions imported when called; pass plain callables instead to keep a
caller free of it.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from revenant.discover import certstream, lists, pivots
from revenant.discover.ct import CtState, follow
from revenant.discover.feed import FeedStats
from revenant.discover.permute import permutations as permute
from revenant.discover.triage import Triage
from revenant.errors import UsageError
from revenant.model import Candidate, Capture, Case, Source

log = logging.getLogger("revenant.discover")

Cases = Callable[[], Sequence[Case]]
LoadState = Callable[[str], Any]
SaveState = Callable[[str, Any], None]

CT_STATE_KEY = "ct.positions"
MAX_CT_PER_PULL = 50_000  # entries per log per pull: a pull stays minutes, not hours
MAX_LIVE_BUFFER = 1_000_000  # certstream names held between pulls


def _report(source: str, stats: FeedStats) -> None:
    log.info("feed stats", extra={"source": source, **stats.as_dict()})


@dataclass
class PermutationSource:
    """Permutations of every case's domains and brand words, once per case and run."""

    cases: Cases
    name: str = "permutations"
    stats: FeedStats = field(default_factory=FeedStats)
    _done: set[str] = field(default_factory=set)

    def pull(self, now: datetime) -> Iterator[Candidate]:
        for case in self.cases():
            if case.name in self._done:
                continue
            self._done.add(case.name)
            for domain in case.domains:
                try:
                    found = permute(domain, brands=case.brands)
                except UsageError as exc:  # stored before domains were checked on entry
                    self.stats.skipped["bad case domain"] += 1
                    log.warning(
                        "case %s: domain skipped (%s)",
                        case.name,
                        exc,
                        extra={"case": case.name, "domain": domain},
                    )
                    continue
                for p in found:
                    self.stats.names += 1
                    detail = f"{p.fuzzer} of {domain}"
                    yield Candidate(p.name, Source.PERMUTATION, now, detail, case=case.name)


@dataclass
class CtLogSource:
    """RFC 6962 logs followed from their saved positions."""

    logs: Sequence[str]
    load: LoadState
    save: SaveState
    from_start: bool = False  # a log never seen before: read from 0, not from its end
    name: str = "ct-logs"
    stats: FeedStats = field(default_factory=FeedStats)
    _pending: CtState | None = None

    def pull(self, now: datetime) -> list[Candidate]:
        if self._pending is not None:  # the previous pull's names are committed by now
            self.save(CT_STATE_KEY, dict(self._pending.positions))
        state = CtState(dict(self.load(CT_STATE_KEY) or {}))
        out: list[Candidate] = []

        async def run() -> CtState:
            reached = state
            async for batch in follow(
                self.logs,
                state,
                clock=lambda: now,
                stats=self.stats,
                max_entries=MAX_CT_PER_PULL,
                start_at_end=not self.from_start,
            ):
                out.extend(batch.candidates)
                reached = batch.state
            return reached

        self._pending = asyncio.run(run())
        _report(self.name, self.stats)
        return out


@dataclass
class FileSource:
    """A file feed (certstream replay, NRD list, zone diff) read again only when one of
    its files changes (size or modification time)."""

    name: str
    paths: Sequence[Path]
    read: Callable[[FeedStats, datetime], Iterable[Candidate]]
    stats: FeedStats = field(default_factory=FeedStats)
    _seen: tuple[tuple[int, int], ...] | None = None

    def pull(self, now: datetime) -> Iterator[Candidate]:
        stamp = tuple(
            (p.stat().st_size, p.stat().st_mtime_ns) if p.exists() else (-1, -1) for p in self.paths
        )
        if stamp == self._seen:
            return
        self._seen = stamp
        yield from self.read(self.stats, now)
        _report(self.name, self.stats)


@dataclass
class CertstreamSource:
    """A live certstream WebSocket. Following: a background thread buffers names between
    pulls. Once: each pull listens for `window` seconds (or until the server closes)."""

    url: str
    follow: bool = True
    window: float = 30.0
    name: str = "certstream"
    stats: FeedStats = field(default_factory=FeedStats)
    _buffer: collections.deque[Candidate] = field(default_factory=collections.deque)
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def pull(self, now: datetime) -> list[Candidate]:
        if not self.follow:
            return asyncio.run(self._listen(reconnect=False, window=self.window))
        if self._thread is None:
            self._thread = threading.Thread(
                target=lambda: asyncio.run(self._listen(reconnect=True, window=None)),
                name="certstream",
                daemon=True,
            )
            self._thread.start()
        with self._lock:
            out = list(self._buffer)
            self._buffer.clear()
        _report(self.name, self.stats)
        return out

    async def _listen(self, *, reconnect: bool, window: float | None) -> list[Candidate]:
        got: list[Candidate] = []

        async def consume() -> None:
            async for cand in certstream.stream(self.url, stats=self.stats, reconnect=reconnect):
                if not reconnect:
                    got.append(cand)
                    continue
                with self._lock:
                    if len(self._buffer) >= MAX_LIVE_BUFFER:
                        why = "watch too slow, name dropped"
                        self.stats.skip(self.url, "buffer", why, "buffer_full")
                        continue
                    self._buffer.append(cand)

        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(consume(), timeout=window)
        return got


def build_sources(
    store: Any,
    *,
    ct_logs: Sequence[str] = (),
    certstream: str | None = None,
    ct_replays: Sequence[Path] = (),
    nrd_files: Sequence[Path] = (),
    zone_diffs: Sequence[str] = (),
    permutations: bool = True,
    follow: bool = True,
    cases: Cases | None = None,
    load: LoadState | None = None,
    save: SaveState | None = None,
) -> list[Any]:
    """The watch's sources from its command-line options. `zone_diffs` are "OLD:NEW"
    pairs. `cases`, `load` and `save` default to the store's cases and state table."""
    if cases is None or load is None or save is None:
        from revenant.store.cases import list_cases
        from revenant.store.state import get_state, set_state

        cases = cases or (lambda: list_cases(store))
        load = load or (lambda key: get_state(store, key))
        save = save or (lambda key, value: set_state(store, key, value))
    out: list[Any] = []
    if permutations:
        out.append(PermutationSource(cases))
    if ct_logs:
        out.append(CtLogSource(list(ct_logs), load, save, from_start=not follow))
    if certstream:
        out.append(CertstreamSource(certstream, follow=follow))
    for path in ct_replays:
        p = Path(path)
        out.append(FileSource(f"ct-replay:{p.name}", [p], _replay_reader(p)))
    for path in nrd_files:
        p = Path(path)
        out.append(FileSource(f"nrd:{p.name}", [p], _nrd_reader(p)))
    for pair in zone_diffs:
        old, sep, new = pair.partition(":")
        if not sep or not old or not new:
            from revenant.errors import UsageError

            raise UsageError(f"--zone-diff {pair!r}: expected OLD:NEW")
        o, n = Path(old), Path(new)
        out.append(FileSource(f"zone:{n.name}", [o, n], _zone_reader(o, n)))
    return out


def _replay_reader(p: Path) -> Callable[[FeedStats, datetime], Iterable[Candidate]]:
    return lambda stats, now: certstream.replay(p, stats=stats, clock=lambda: now)


def _nrd_reader(p: Path) -> Callable[[FeedStats, datetime], Iterable[Candidate]]:
    return lambda stats, now: lists.nrd(p, stats=stats, clock=lambda: now)


def _zone_reader(o: Path, n: Path) -> Callable[[FeedStats, datetime], Iterable[Candidate]]:
    return lambda stats, now: lists.zone_diff(o, n, stats=stats, clock=lambda: now)


def case_prioritiser(
    store: Any, *, cases: Cases | None = None
) -> Callable[[Sequence[str]], list[float]]:
    """Triage against the current cases (re-read each call, rebuilt when they change)."""
    if cases is None:
        from revenant.store.cases import list_cases

        cases = lambda: list_cases(store)  # noqa: E731
    held: dict[str, Any] = {}

    def prioritise(names: Sequence[str]) -> list[float]:
        current = tuple(cases())
        key = tuple((c.name, c.domains, c.brands) for c in current)
        if held.get("key") != key:
            held["key"], held["triage"] = key, Triage(current)
        triage: Triage = held["triage"]
        return triage.scores(names)

    return prioritise


def capture_pivots(capture: Capture) -> list[Candidate]:
    """Names a capture reveals: announcements, redirects, certificate SANs, links."""
    return pivots.from_capture(capture, clock=lambda: capture.finished)
