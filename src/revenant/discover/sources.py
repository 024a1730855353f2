"""Adapters from the discovery components to the watch loop's `WatchSource` protocol
(`name`, `pull(now) -> Iterable[Candidate]`), plus its triage and pivot callables.

Positions (CT log indexes) are saved one pull late: a pull first saves the position the
previous pull reached, whose candidates the watch has committed by then. A crash thus
re-reads at most one pull (the queue de-duplicates names) and never loses one.

Layering: the discover components never import the database. The entry points the
CLI calls (`build_sources`, `case_prioritiser`) take anything with the methods of
`model.DiscoveryStore` / `model.CaseBook` (the store has them), or plain callables.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import errno
import logging
import os
import stat
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from revenant.discover import certstream, lists, pivots
from revenant.discover.ct import CtState, follow
from revenant.discover.feed import FeedStats, Stop, never_stop
from revenant.discover.permute import permutations as permute
from revenant.discover.triage import Triage
from revenant.errors import UsageError
from revenant.model import (
    Candidate,
    Capture,
    Case,
    CaseBook,
    DiscoveryStore,
    Fingerprint,
    JsonValue,
    Source,
)

log = logging.getLogger("revenant.discover")

Cases = Callable[[], Sequence[Case]]
LoadState = Callable[[str], JsonValue]
SaveState = Callable[[str, JsonValue], None]

Reader = Callable[[FeedStats, datetime], Iterable[Candidate]]
"""Reads one file feed: its names, counting what it skips in the stats given."""

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
        state = CtState(saved_positions(self.load(CT_STATE_KEY)))
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
    its files changes (size or modification time). A file that cannot be read (gone,
    unreadable) is counted and logged, and the watch goes on."""

    name: str
    paths: Sequence[Path]
    read: Reader
    stats: FeedStats = field(default_factory=FeedStats)
    _seen: tuple[tuple[int, int], ...] | None = None

    def pull(self, now: datetime) -> Iterator[Candidate]:
        stamp = tuple(_stamp(p) for p in self.paths)
        if stamp == self._seen:
            return
        self._seen = stamp
        try:
            yield from self.read(self.stats, now)
        except OSError as exc:
            where = exc.filename if isinstance(exc.filename, str) else self.name
            reason = f"cannot read {where} ({exc.strerror or exc})"
            self.stats.skip(self.name, "file", reason, "unreadable")
        _report(self.name, self.stats)


def _stamp(path: Path) -> tuple[int, int]:
    try:
        info = path.stat()
    except OSError:
        return -1, -1
    return info.st_size, info.st_mtime_ns


def check_readable(option: str, path: Path) -> None:
    """Raise UsageError (one line, exit 2) unless `path` is a file this process can
    open for reading; `option` names the argument it came from ("--nrd")."""
    try:
        mode = path.stat().st_mode
        if stat.S_ISDIR(mode):
            raise UsageError(f"{option} {path}: is a directory, not a file")
        if stat.S_ISFIFO(mode):  # opening it would block, or be taken for its reader
            if not os.access(path, os.R_OK):
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))
            return
        os.close(os.open(path, os.O_RDONLY))
    except OSError as exc:
        raise UsageError(f"{option} {path}: {(exc.strerror or str(exc)).lower()}") from None


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
    store: DiscoveryStore | None,
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
    stop: Stop = never_stop,
) -> list[PermutationSource | CtLogSource | CertstreamSource | FileSource]:
    """The watch's sources from its command-line options. `zone_diffs` are "OLD:NEW"
    pairs. `cases`, `load` and `save` default to the store's cases and state table.
    Every file must be readable now (UsageError naming it otherwise); `stop` is asked
    while files are read, so that SIGTERM ends even an endless one."""
    if cases is None or load is None or save is None:
        if store is None:
            raise TypeError("build_sources needs a store or all of cases, load and save")
        cases = cases or store.list_cases
        load = load or store.get_state
        save = save or store.set_state
    for option, paths in (("--ct-replay", ct_replays), ("--nrd", nrd_files)):
        for path in paths:
            check_readable(option, Path(path))
    pairs = [_zone_pair(pair) for pair in zone_diffs]
    out: list[PermutationSource | CtLogSource | CertstreamSource | FileSource] = []
    if permutations:
        out.append(PermutationSource(cases))
    if ct_logs:
        out.append(CtLogSource(list(ct_logs), load, save, from_start=not follow))
    if certstream:
        out.append(CertstreamSource(certstream, follow=follow))
    for path in ct_replays:
        p = Path(path)
        out.append(FileSource(f"ct-replay:{p.name}", [p], _replay_reader(p, stop)))
    for path in nrd_files:
        p = Path(path)
        out.append(FileSource(f"nrd:{p.name}", [p], _nrd_reader(p, stop)))
    for o, n in pairs:
        out.append(FileSource(f"zone:{n.name}", [o, n], _zone_reader(o, n, stop)))
    return out


def _zone_pair(pair: str) -> tuple[Path, Path]:
    """(OLD, NEW) of a --zone-diff argument, both readable; UsageError otherwise."""
    old, sep, new = pair.partition(":")
    if not sep or not old or not new:
        raise UsageError(f"--zone-diff {pair!r}: expected OLD:NEW")
    o, n = Path(old), Path(new)
    check_readable("--zone-diff", o)
    check_readable("--zone-diff", n)
    return o, n


def _replay_reader(p: Path, stop: Stop) -> Reader:
    return lambda stats, now: certstream.replay(p, stats=stats, clock=lambda: now, stop=stop)


def _nrd_reader(p: Path, stop: Stop) -> Reader:
    return lambda stats, now: lists.nrd(p, stats=stats, clock=lambda: now, stop=stop)


def _zone_reader(o: Path, n: Path, stop: Stop) -> Reader:
    return lambda stats, now: lists.zone_diff(o, n, stats=stats, clock=lambda: now, stop=stop)


def case_prioritiser(
    store: CaseBook | None, *, cases: Cases | None = None
) -> Callable[[Sequence[str]], list[float]]:
    """Triage against the current cases (re-read each call, rebuilt when they change)."""
    if cases is None:
        if store is None:
            raise TypeError("case_prioritiser needs a store or cases")
        cases = store.list_cases
    read = cases
    held: dict[tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...], Triage] = {}

    def prioritise(names: Sequence[str]) -> list[float]:
        current = tuple(read())
        key = tuple((c.name, c.domains, c.brands) for c in current)
        triage = held.get(key)
        if triage is None:
            held.clear()
            triage = held[key] = Triage(current)
        return triage.scores(names)

    return prioritise


def saved_positions(value: JsonValue) -> dict[str, int]:
    """CT positions as saved (a corrupt or missing value reads as none: logs start over
    from where `start_at_end` says, nothing is lost)."""
    if not isinstance(value, dict):
        return {}
    return {k: v for k, v in value.items() if isinstance(v, int) and not isinstance(v, bool)}


def capture_pivots(capture: Capture, fingerprint: Fingerprint) -> list[Candidate]:
    """Names a capture reveals: announcements, redirects, certificate SANs, links."""
    return pivots.from_capture(capture, fingerprint, clock=lambda: capture.finished)
