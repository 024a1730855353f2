"""The watch loop: pull sources -> triage -> queue -> probe -> `Pipeline.process`
(record, fingerprint, score, alert, background) -> pivots.

Crash-safe by construction: the queue lives in the database; a candidate is finished in
the same transaction that stores its capture and raises its alerts, so a SIGKILL at any
moment loses no candidate and duplicates no alert. A candidate whose worker died is
claimed again when its lease runs out, and its attempt count says why.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.orm import Session

from revenant.act.recheck import Rechecked, record_rechecks
from revenant.match.policy import settle_due, strongest
from revenant.model import Candidate, Capture, Fingerprint, Outcome
from revenant.pipeline import CaseModel, Pipeline, Processed
from revenant.probe import Prober
from revenant.store import queue
from revenant.store.captures import background_size

log = logging.getLogger("revenant.watch")

_TRIAGE_CHUNK = 10_000

SETTLED_KEY = "watch.settled_on"
"""State key: how many sites the background held when undecided alerts were last scored
again (`Watch._settle`)."""


class WatchSource(Protocol):
    """Something that yields new candidate names each time it is pulled."""

    name: str

    def pull(self, now: datetime) -> Iterable[Candidate]: ...


Prioritise = Callable[[Sequence[str]], Sequence[float]]
"""Lexical triage, in batches: how much each name looks like any case (0..1)."""

Pivot = Callable[[Capture, Fingerprint], Iterable[Candidate]]
"""Names a capture reveals (redirects, links, announcements, SANs); the page is read
from its fingerprint's parse, never parsed again."""


@dataclass(frozen=True)
class WatchConfig:
    """How much to probe and when to look again."""

    batch: int = 100  # names leased per round
    lease: timedelta = timedelta(minutes=10)
    budget: int | None = None  # --once: names probed below `urgent` priority at most
    urgent: float = 0.3  # triage priority from which a name is always probed in --once
    recheck_alert: timedelta = timedelta(hours=6)  # known mirrors, until gone
    recheck_dead: timedelta = timedelta(days=1)  # no DNS, no connection: may come up
    recheck_other: timedelta = timedelta(days=7)
    recheck_confirmed: timedelta = timedelta(hours=6)  # confirmed names: until gone (--recheck)


@dataclass
class WatchStats:
    """Counters the status line and the JSON logs report."""

    pulled: int = 0
    new: int = 0
    probed: int = 0
    alerts: int = 0
    new_alerts: int = 0
    pivots: int = 0
    rechecked: int = 0  # re-probes of confirmed names
    notices_closed: int = 0  # by the review run after re-checks
    by_source: dict[str, int] = field(default_factory=dict)
    rescored: dict[str, int] = field(default_factory=dict)
    """Undecided alerts' captures scored again (`Watch._settle`), by the strongest verdict
    each got against any case."""

    def as_json(self) -> dict[str, object]:
        return {
            "pulled": self.pulled,
            "new": self.new,
            "probed": self.probed,
            "alerts": self.alerts,
            "new_alerts": self.new_alerts,
            "pivots": self.pivots,
            "rechecked": self.rechecked,
            "notices_closed": self.notices_closed,
            "by_source": dict(self.by_source),
            "rescored": dict(self.rescored),
        }


@dataclass
class Watch:
    """One worker of the watch: several may share a database queue."""

    pipe: Pipeline
    sources: Sequence[WatchSource]
    prioritise: Prioritise
    pivot: Pivot | None = None
    config: WatchConfig = field(default_factory=WatchConfig)
    stats: WatchStats = field(default_factory=WatchStats)
    stop: threading.Event = field(default_factory=threading.Event)
    after_rechecks: Callable[[], Sequence[object]] | None = None
    """Run after a round that re-probed confirmed names (act/followup.NoticeReview:
    the notices those re-checks settle); returns what it closed."""
    _rechecked: bool = field(default=False, init=False, repr=False)

    # ------------------------------------------------------------------ pull

    def pull(self) -> int:
        """Pull every source once, triage every name, queue them all; returns new names."""
        now = self.pipe.clock()
        new = 0
        for source in self.sources:
            if self.stop.is_set():
                break
            names = self._triaged(source, now)
            added = queue.enqueue(self.pipe.store, names)
            new += added
            log.info("pulled source", extra={"source": source.name, "new": added})
        self.stats.new += new
        return new

    def _triaged(self, source: WatchSource, now: datetime) -> Iterator[Candidate]:
        chunk: list[Candidate] = []
        for cand in source.pull(now):
            self.stats.pulled += 1
            self.stats.by_source[source.name] = self.stats.by_source.get(source.name, 0) + 1
            chunk.append(cand)
            if len(chunk) >= _TRIAGE_CHUNK:
                yield from self._prioritised(chunk)
                chunk = []
        yield from self._prioritised(chunk)

    def _prioritised(self, chunk: Sequence[Candidate]) -> Iterator[Candidate]:
        if not chunk:
            return
        scores = self.prioritise([c.name for c in chunk])
        for cand, lexical in zip(chunk, scores, strict=True):
            yield replace(cand, priority=max(cand.priority, float(lexical)))

    # ----------------------------------------------------------------- probe

    def run_once(self) -> WatchStats:
        """Pull once, then probe every urgent name and, within the budget, the rest."""
        self.pull()
        cases = self.pipe.case_models()
        probed_low = 0
        while not self.stop.is_set():
            budget_left = None if self.config.budget is None else self.config.budget - probed_low
            floor = self.config.urgent if budget_left is not None and budget_left <= 0 else None
            limit = (
                self.config.batch
                if budget_left is None
                else max(1, min(self.config.batch, budget_left))
            )
            claims = queue.claim(
                self.pipe.store,
                limit,
                now=self.pipe.clock(),
                lease=self.config.lease,
                min_priority=floor,
            )
            if not claims:
                break
            probed_low += sum(1 for c in claims if c.priority < self.config.urgent)
            asyncio.run(self._probe(claims, cases))
            self._follow_up()
        self._settle()
        return self.stats

    def run_forever(
        self, *, pull_every: timedelta = timedelta(minutes=5), idle: float = 5.0
    ) -> WatchStats:
        """Keep pulling and probing until `stop` is set (SIGTERM/SIGINT)."""
        last_pull: datetime | None = None
        while not self.stop.is_set():
            now = self.pipe.clock()
            if last_pull is None or now - last_pull >= pull_every:
                self.pull()
                last_pull = now
            claims = queue.claim(
                self.pipe.store, self.config.batch, now=now, lease=self.config.lease
            )
            if claims:
                asyncio.run(self._probe(claims, self.pipe.case_models()))
                self._follow_up()
                self._settle()
            else:
                self.stop.wait(idle)
        return self.stats

    async def _probe(self, claims: list[queue.Claim], cases: Sequence[CaseModel]) -> None:
        finished: set[int] = set()

        async def one(claim: queue.Claim) -> tuple[queue.Claim, Capture]:
            return claim, await prober.capture(claim.name)

        try:
            async with Prober(self.pipe.probe_config, clock=self.pipe.clock) as prober:
                # Probes run at once; captures are recorded in claim order, not in the
                # order they finish: each one joins the background the next ones are
                # scored against, so the order must depend on the input only.
                tasks = [asyncio.ensure_future(one(c)) for c in claims]
                head = 0
                try:
                    while head < len(tasks) and not self.stop.is_set():
                        await asyncio.wait({tasks[head]}, timeout=0.5)
                        while head < len(tasks) and tasks[head].done():
                            claim, capture = tasks[head].result()
                            # Storage runs in a thread so the other probes go on meanwhile.
                            await asyncio.to_thread(self._record, claim, capture, cases)
                            finished.add(claim.id)
                            head += 1
                finally:
                    pending = [t for t in tasks[head:] if not t.done()]
                    for task in pending:
                        task.cancel()
                    await asyncio.gather(*pending, return_exceptions=True)
        finally:
            # A clean stop gives back what it did not finish; a kill leaves the lease to expire.
            queue.release(self.pipe.store, [c.id for c in claims if c.id not in finished])

    def _record(self, claim: queue.Claim, capture: Capture, cases: Sequence[CaseModel]) -> None:
        rechecks: list[Rechecked] = []

        def finish(session: Session, done: Processed) -> None:
            # in the transaction that stores the capture and its alerts
            now = self.pipe.clock()
            rechecked = record_rechecks(
                session,
                done.capture,
                done.capture_id,
                [(s.case, s) for s in done.scores],
                data_dir=self.pipe.settings.data_dir,
                now=now,
            )
            rechecks.append(rechecked)
            queue.finish(
                session,
                claim.id,
                capture_id=done.capture_id,
                next_probe_at=now
                + (
                    self.config.recheck_confirmed
                    if rechecked.confirmed
                    else self._recheck(capture, done.alerted)
                ),
            )

        done = self.pipe.process(capture, cases=cases, on_commit=finish)
        for alert in done.alerts:
            self.stats.alerts += 1
            self.stats.new_alerts += int(alert.new)
            log.warning(
                "alert",
                extra={
                    "case": alert.case,
                    "host": capture.host,
                    "bits": round(alert.score.bits, 1),
                    "verdict": str(alert.score.verdict),
                    "new": alert.new,
                },
            )
        for rechecked in rechecks:
            if rechecked.confirmed:
                self.stats.rechecked += 1
                self._rechecked = True
            if rechecked.queue:
                self.stats.pivots += queue.enqueue(
                    self.pipe.store, self._prioritised(list(rechecked.queue))
                )
        self.stats.probed += 1
        if self.pivot is not None and capture.responded:
            revealed = list(self.pivot(done.capture, done.fingerprint))
            self.stats.pivots += queue.enqueue(self.pipe.store, self._prioritised(revealed))

    def _settle(self) -> None:
        """Score the undecided alerts again against the background as it now stands
        (`Pipeline.rescore_undecided`), at the end of a --once pass or of a batch, when
        the background has doubled since this was last done (`match.policy.settle_due`;
        remembered in the store for every worker and run): an alert raised while the
        store was near-empty is not left saying more than the evidence now does. Skipped
        on a stop."""
        if self.stop.is_set():
            return
        size = background_size(self.pipe.store)
        last = self.pipe.store.get_state(SETTLED_KEY)
        if not settle_due(last if isinstance(last, int) else None, size):
            return
        self.pipe.store.set_state(SETTLED_KEY, size)
        for scores in self.pipe.rescore_undecided().values():
            verdict = str(strongest(scores))
            self.stats.rescored[verdict] = self.stats.rescored.get(verdict, 0) + 1
        log.info("alerts scored again", extra={"verdicts": dict(self.stats.rescored)})

    def _follow_up(self) -> None:
        """After a round with re-checks: what they settle (the notices' outcomes)."""
        if self._rechecked and self.after_rechecks is not None:
            self._rechecked = False
            self.stats.notices_closed += len(self.after_rechecks())

    def _recheck(self, capture: Capture, alerted: bool) -> timedelta:
        if alerted:
            return self.config.recheck_alert
        if capture.outcome in (Outcome.DNS_ERROR, Outcome.CONNECT_ERROR, Outcome.TIMEOUT):
            return self.config.recheck_dead
        return self.config.recheck_other
