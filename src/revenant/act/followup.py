"""What the watch does after a round of re-checks: close the sent notices whose outcome
those re-checks settled, exactly as `revenant notice review` does (act/notices.review):
acted when a re-check after sending found the site down, seized or parked; no-response
once the review period passed without that. The watch is the actor (`revenant-watch`),
so the ledger says a machine closed them, on what it recorded.

A review that fails is logged and tried again after the next round: it must never stop
the watch, and each notice it closes is closed in its own transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from revenant.act.notices import NO_RESPONSE_DAYS, review
from revenant.act.recheck import WATCH_ACTOR
from revenant.errors import RevenantError
from revenant.model import Clock, utcnow
from revenant.store import Store
from revenant.store.notices import Notice

log = logging.getLogger("revenant.watch")


@dataclass(frozen=True)
class NoticeReview:
    """The watch's hook: call it after a round that recorded re-checks."""

    store: Store
    data_dir: Path
    days: int = NO_RESPONSE_DAYS
    clock: Clock = utcnow

    def __call__(self) -> list[Notice]:
        try:
            closed = review(
                self.store, self.data_dir, days=self.days, actor=WATCH_ACTOR, clock=self.clock
            )
        except RevenantError as exc:
            log.error("notice review failed; tried again after the next re-checks: %s", exc)
            return []
        for notice in closed:
            log.warning(
                "notice closed",
                extra={"notice": notice.id, "host": notice.host, "state": notice.state},
            )
        return closed
