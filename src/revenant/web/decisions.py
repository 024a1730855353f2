"""Deciding alerts from the dashboard: the same decision function the CLI's `decide`
calls (act.decisions.decide: a decision document and a custody-ledger entry, under the
write lock), with the logged-in user as the actor, plus an audit entry.

One function for the alert page and the queue's bulk actions, so both check access the
same way: a user decides only alerts of cases they may see, and only with a role that
decides (the routes' `decider` dependency).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from revenant.act.decisions import ALERT_ACTIONS, AlertDecision, alert_state, decide
from revenant.errors import DecisionRefused, UsageError
from revenant.store import audit
from revenant.store.accounts import WebSession
from revenant.web.context import Web
from revenant.web.scope import alert_for

DECISIONS = tuple(s for s in ALERT_ACTIONS if s != "open")
"""What the buttons offer (reopening is `open`, offered beside them)."""

MAX_COMMENT = 4000


@dataclass(frozen=True)
class Decided:
    done: list[AlertDecision]
    refused: list[str]  # why an alert was left as it was (already in that state)


def decide_alerts(
    web: Web,
    session: WebSession,
    alert_ids: Sequence[int],
    state: str,
    comment: str,
    *,
    address: str,
) -> Decided:
    """Decide each alert; every alert is checked for access before any is changed."""
    state = alert_state(state)
    comment = comment.strip()[:MAX_COMMENT]
    if state == "needs-more" and not comment:
        raise UsageError("needs more: say in the comment what more is needed")
    for alert_id in alert_ids:
        alert_for(web, session, alert_id)
    done, refused = [], []
    for alert_id in alert_ids:
        try:
            result = decide(
                web.store,
                web.settings.data_dir,
                alert_id,
                state,
                actor=session.user.name,
                comment=comment,
                clock=web.clock,
            )
        except DecisionRefused as exc:
            refused.append(str(exc))
            continue
        audit.record(
            web.store,
            time=result.decision.decided_at,
            actor=session.user.name,
            action=audit.DECISION,
            subject=f"alert:{alert_id}",
            address=address,
            detail=json.dumps(
                {
                    "state": state,
                    "from": result.previous,
                    "ledger": f"{result.decision.case} #{result.decision.ledger_seq}",
                    "comment": comment,
                },
                ensure_ascii=False,
            ),
        )
        done.append(result)
    return Decided(done, refused)
