"""Decisions: every confirm, dismiss, needs-more, extend, lift and approve names its actor
and is written to the case's custody ledger before it takes effect.

A decision is a JSON document created exclusively under `DATA/evidence/<case>/decisions/`
(never rewritten) plus a ledger entry (`action="decision"`: that file, offset 0, its
length and sha256 digest), so `revenant verify` covers decisions like captures. The
database change, the decision row and the ledger mirror are one transaction taken under
the write lock: two analysts deciding at once are serialised. The CLI and the dashboard
call these same functions, with the OS user or the logged-in user as the actor.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from sqlalchemy.orm import Session

from revenant.errors import DecisionRefused, UsageError
from revenant.evidence.ledger import Ledger
from revenant.evidence.warc import case_dir
from revenant.model import Clock, utcnow
from revenant.store import Store
from revenant.store.alerts import STATES, Alert, get_alert, set_alert_state
from revenant.store.decisions import Decision, add_decision, lock
from revenant.store.ledger import mirror_in
from revenant.store.orders import withdraw_extensions

DECISIONS_DIR = "decisions"
DOCUMENT_FORMAT = "revenant-decision/1"
_ACTOR_MAX = 200

ALERT_ACTIONS = {
    "confirmed": "confirm",
    "dismissed": "dismiss",
    "needs-more": "needs-more",
    "open": "reopen",
}
"""The action recorded for each state an analyst puts an alert in."""
assert set(ALERT_ACTIONS) == set(STATES)


def default_actor() -> str:
    """The OS user running the command (the CLI's `--actor` default)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry and no LOGNAME/USER (containers)
        return f"uid:{os.getuid()}"


def check_actor(actor: str) -> str:
    """An actor name as recorded: printable, not empty, at most 200 characters."""
    name = actor.strip()
    if not name or len(name) > _ACTOR_MAX or not name.isprintable():
        raise UsageError(f"actor {actor!r}: 1 to {_ACTOR_MAX} printable characters")
    return name


@dataclass(frozen=True)
class Subject:
    """What a decision is about: an alert or an order, in one case, maybe one name."""

    kind: str  # "alert" | "order"
    id: int
    case: str
    case_id: int
    name: str = ""


def record(
    session: Session,
    data_dir: Path,
    subject: Subject,
    action: str,
    *,
    actor: str,
    comment: str = "",
    facts: dict[str, object] | None = None,
    clock: Clock = utcnow,
) -> Decision:
    """Write a decision's document and ledger entry, then its row and the ledger mirror in
    the caller's transaction (which must hold the write lock: `store.decisions.lock`).

    If the transaction fails after the ledger entry is written, the ledger keeps the
    attempt and `verify` reports the entry missing from the database: nothing is lost.
    """
    actor = check_actor(actor)
    when = clock()
    directory = case_dir(data_dir, subject.case)
    folder = directory / DECISIONS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    doc = {
        "format": DOCUMENT_FORMAT,
        "case": subject.case,
        "action": action,
        "subject": {"kind": subject.kind, "id": subject.id, "name": subject.name},
        "actor": actor,
        "comment": comment,
        "time": when.isoformat(),
        **(facts or {}),
    }
    blob = (json.dumps(doc, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode()
    path = _create(folder, f"{when:%Y%m%dT%H%M%S%f}-{action}-{subject.kind}{subject.id}", blob)
    ledger = Ledger(
        directory,
        actor=actor,
        clock=lambda: when,
        on_append=partial(mirror_in, session, subject.case),
    )
    entry = ledger.append(
        action="decision",
        file=f"{DECISIONS_DIR}/{path.name}",
        offset=0,
        length=len(blob),
        digest="sha256:" + hashlib.sha256(blob).hexdigest(),
        record_id=action,
        uri=f"{subject.kind}:{subject.id}",
    )
    decision = Decision(
        id=0,
        case=subject.case,
        action=action,
        subject_kind=subject.kind,
        subject_id=subject.id,
        name=subject.name,
        actor=actor,
        comment=comment,
        decided_at=when,
        document=entry.file,
        ledger_seq=entry.seq,
        ledger_hash=entry.hash,
    )
    decision_id = add_decision(session, decision, case_id=subject.case_id)
    return replace(decision, id=decision_id)


def _create(folder: Path, stem: str, blob: bytes) -> Path:
    """Create the document exclusively: an existing file is never overwritten."""
    for n in range(1000):
        path = folder / (f"{stem}.json" if n == 0 else f"{stem}-{n}.json")
        try:
            with path.open("xb") as fh:
                fh.write(blob)
                fh.flush()
                os.fsync(fh.fileno())
            return path
        except FileExistsError:
            continue
    raise DecisionRefused(f"{folder}: cannot create a new decision document for {stem}")


@dataclass(frozen=True)
class AlertDecision:
    """An alert after a decision, the state it left, and the decision as recorded."""

    alert: Alert
    previous: str
    decision: Decision


def alert_state(word: str) -> str:
    """The alert state an analyst's word means: 'confirm' or 'confirmed' -> 'confirmed'."""
    value = word.strip().lower().replace("_", "-")
    for state, action in ALERT_ACTIONS.items():
        if value in (state, action):
            return state
    raise UsageError(
        f"decision {word!r}: one of {', '.join(ALERT_ACTIONS.values())} "
        f"(or {', '.join(ALERT_ACTIONS)})"
    )


def decide(
    store: Store,
    data_dir: Path,
    alert_id: int,
    decision: str,
    *,
    actor: str,
    comment: str = "",
    clock: Clock = utcnow,
) -> AlertDecision:
    """Confirm, dismiss, ask for more (with a comment saying what) or reopen an alert,
    recorded in the case's custody ledger with its actor."""
    state = alert_state(decision)
    actor = check_actor(actor)
    comment = comment.strip()
    if state == "needs-more" and not comment:
        raise UsageError("needs-more: say in --comment what more is needed")
    with store.session() as session:
        lock(session)
        alert = get_alert(session, alert_id)
        if alert.state == state:
            raise DecisionRefused(f"alert #{alert.id} {alert.host} is already {state}")
        action = ALERT_ACTIONS[state]
        facts: dict[str, object] = {
            "from_state": alert.state,
            "to_state": state,
            "alert": _alert_facts(alert),
        }
        if alert.state == "confirmed":
            # A retracted confirmation takes the name out of every order it extended.
            withdrawn = withdraw_extensions(
                session, alert.id, at=clock(), reason=f"alert #{alert.id} {action} by {actor}"
            )
            facts["withdrawn_from_orders"] = [
                {"order": order_id, "name": name} for order_id, name in withdrawn
            ]
        recorded = record(
            session,
            data_dir,
            Subject("alert", alert.id, alert.case, alert.case_id, alert.host),
            action,
            actor=actor,
            comment=comment,
            facts=facts,
            clock=clock,
        )
        after = set_alert_state(session, alert.id, state, now=recorded.decided_at)
        return AlertDecision(after, alert.state, recorded)


def _alert_facts(alert: Alert) -> dict[str, object]:
    """What the analyst saw when deciding: the score as explained (sentence, every
    contribution, and any calibrated fields the scorer stored)."""
    return {
        "id": alert.id,
        "host": alert.host,
        "target": alert.target,
        "bits": round(alert.bits, 2),
        "verdict": alert.verdict,
        "capture": alert.capture_id,
        "raised": alert.created_at.isoformat(),
        "sentence": alert.explanation.get("sentence", ""),
        "score": alert.explanation,
    }
