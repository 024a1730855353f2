"""Deciding alerts from the dashboard: the same decision function the CLI's `decide`
calls, with the logged-in user as the actor, plus an audit entry.

One function for the alert page and the queue's bulk actions, so both check access the
same way: a user decides only alerts of cases they may see, and only with a role that
decides.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from revenant.store import audit
from revenant.store.accounts import WebSession
from revenant.store.alerts import STATES, Alert, decide
from revenant.web.context import Web
from revenant.web.scope import alert_for

DECISIONS = tuple(s for s in STATES if s != "open")
"""What the buttons offer (reopening is `open`, offered on decided alerts)."""

MAX_COMMENT = 4000


def decide_alerts(
    web: Web,
    session: WebSession,
    alert_ids: Sequence[int],
    state: str,
    comment: str,
    *,
    address: str,
) -> list[Alert]:
    """Decide each alert (all are checked before any is changed)."""
    for alert_id in alert_ids:
        alert_for(web, session, alert_id)
    done = []
    for alert_id in alert_ids:
        now = web.clock()
        alert = decide(web.store, alert_id, state, now=now)
        audit.record(
            web.store,
            time=now,
            actor=session.user.name,
            action=audit.DECISION,
            subject=f"alert:{alert_id}",
            address=address,
            detail=json.dumps(
                {"state": state, "comment": comment[:MAX_COMMENT]}, ensure_ascii=False
            ),
        )
        done.append(alert)
    return done
