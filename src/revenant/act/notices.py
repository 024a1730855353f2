"""Notices to the registrar and the host of a confirmed name: drafted, approved, sent by
e-mail, then closed as acted (a re-check after sending finds the site down) or without
response after N days.

A notice's readable body (act/templates/notice.txt.j2, French then English) carries the
order's authority, reference and legal basis when an order covers the name, and
otherwise what Article 16(2) of the EU Digital Services Act asks of a notice (exact URL,
reasons, the notifier's name and e-mail, a good-faith statement); its machine-readable
part is an X-ARF v4 report (act/xarf.py); both cite the evidence digests.

Every step is a decision in the case's custody ledger (act/decisions.py) with its actor:
drafting, approval, the send (the exact bytes given to the SMTP server, base64, with
the Message-ID and the server's reply) and the outcome. One notice per (alert, contact):
the same notice is never drafted or sent twice to the same address.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy import update

from revenant.act.decisions import Subject, check_actor, record
from revenant.act.notice_text import (
    ROLES,
    Notifier,
    compose,
    evidence_of,
    message,
    order_of,
    ratio_text,
)
from revenant.act.smtp import Sent, SmtpServer, send
from revenant.act.stix import confidence
from revenant.act.tlp import effective, shareable
from revenant.act.xarf import build as build_xarf
from revenant.errors import DecisionRefused, UsageError
from revenant.model import Clock, Tlp, utcnow
from revenant.store import Store
from revenant.store.alerts import Alert, get_alert
from revenant.store.cases import case_features, get_case
from revenant.store.decisions import lock
from revenant.store.notices import Notice, existing, list_notices, notice_row, to_notice
from revenant.store.orders import Order, OrderName
from revenant.store.rechecks import rechecks_of
from revenant.store.schema import CaptureRow, NoticeRow

NOTICE_TLP = Tlp.AMBER
"""What a notice may carry: it goes to the recipient's organisation (an abuse desk) on a
need-to-know basis. Observations above it are counted in the notice, not quoted."""
GONE_STATES = ("down", "seized", "parked")
"""Re-check states (act/recheck.py) in which a site no longer serves the platform."""
NO_RESPONSE_DAYS = 14
"""Default wait after sending before a notice without effect is closed as no-response."""


@dataclass(frozen=True)
class Drafted:
    notices: tuple[Notice, ...]
    skipped: tuple[str, ...]  # why a role got no notice (no abuse contact, ...)


RECIPIENTS: dict[str, tuple[str, ...]] = {
    "both": ("registrar", "host"),
    "registrar": ("registrar",),
    "host": ("host",),
}
"""Whom a draft is for (`--to`, the page's choice) -> the roles it is drafted to."""


def draft(
    store: Store,
    data_dir: Path,
    alert_id: int,
    answers: Sequence[dict[str, object]],
    *,
    roles: Sequence[str],
    notifier: Notifier,
    actor: str,
    asn: int | None = None,
    case_domains: Sequence[str] = (),
    clock: Clock = utcnow,
) -> Drafted:
    """Draft one notice per role whose RDAP answer (`answers`, as kept by act/rdap.py)
    names an abuse address; an address already noticed for this alert gets no second."""
    actor = check_actor(actor)
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise UsageError(f"--to {unknown[0]!r}: registrar, host or both")
    with store.session() as session:
        alert = get_alert(session, alert_id)
        capture = session.get(CaptureRow, alert.capture_id) if alert.capture_id else None
    if alert.state != "confirmed":
        raise DecisionRefused(
            f"alert #{alert.id} {alert.host} is {alert.state}: only a confirmed re-emergence "
            "is noticed (revenant decide ID confirmed)"
        )
    case = get_case(store, alert.case)
    if not shareable(case.tlp, NOTICE_TLP):
        raise DecisionRefused(
            f"case {case.name!r} is TLP:{case.tlp}: a notice goes outside (TLP:{NOTICE_TLP} at "
            "most); lower the case's level with `revenant case tlp` if it may"
        )
    levels = {str(cf.feature): cf.tlp for cf in case_features(store, alert.case)}

    def quotable(feature: str) -> bool:
        return shareable(effective(case.tlp, levels.get(feature, case.tlp)), NOTICE_TLP)

    covered = order_of(store, alert, clock().date())
    evidence = evidence_of(capture, data_dir, alert.case)
    made: list[Notice] = []
    skipped: list[str] = []
    for role_name in roles:
        role = ROLES[role_name]
        answer = next((a for a in answers if a.get("kind") == role.kind), None)
        emails = answer.get("abuse_emails") if answer else None
        if not answer or not isinstance(emails, list) or not emails:
            why = str(answer.get("reason")) if answer else "no RDAP answer kept"
            skipped.append(f"{role_name}: no abuse contact ({why})")
            continue
        email = str(emails[0])
        subject, body = compose(
            alert, role, evidence, capture, covered, notifier, case_domains, asn, quotable
        )
        lr = alert.explanation.get("reported_lr")
        conf = confidence(lr if isinstance(lr, dict) else None)
        when = clock()
        xarf = build_xarf(
            notice_key=f"{alert.case}|{alert.id}|{email}",
            when=when,
            notifier_org=notifier.org or notifier.name,
            notifier_email=notifier.email,
            host=alert.host,
            url=capture.final_url if capture is not None else alert.target,
            first_seen=capture.started_at if capture is not None else alert.created_at,
            confidence=conf / 100 if conf is not None else None,
            description=_summary(alert, covered),
            evidence=evidence,
            order_reference=covered[0].reference if covered else None,
        )
        with store.session() as session:
            lock(session)
            if existing(session, alert.id, email) is not None:
                skipped.append(f"{role_name}: {email} already has notice for alert #{alert.id}")
                continue
            row = NoticeRow(
                case_id=alert.case_id,
                alert_id=alert.id,
                host=alert.host,
                role=role_name,
                recipient=str(answer.get("holder") or ""),
                recipient_email=email,
                state="drafted",
                subject=subject,
                body=body,
                xarf=json.dumps(xarf, ensure_ascii=False, sort_keys=True),
                evidence=json.dumps(evidence, ensure_ascii=False, sort_keys=True),
                order_id=covered[0].id if covered else None,
                drafted_at=when,
                drafted_by=actor,
                outcome_note="",
            )
            session.add(row)
            session.flush()
            record(
                session,
                data_dir,
                Subject("notice", row.id, alert.case, alert.case_id, alert.host),
                "draft-notice",
                actor=actor,
                facts={
                    "notice": row.id,
                    "alert": alert.id,
                    "role": role_name,
                    "to": email,
                    "order": row.order_id,
                    "body_sha256": hashlib.sha256(body.encode()).hexdigest(),
                    "xarf_report_id": xarf["report_id"],
                },
                clock=_at(when),
            )
            made.append(to_notice(row, alert.case))
    return Drafted(tuple(made), tuple(skipped))


def approve(
    store: Store, data_dir: Path, notice_id: int, *, actor: str, clock: Clock = utcnow
) -> Notice:
    """Approve a drafted notice for sending (a recorded decision with its actor)."""
    actor = check_actor(actor)
    with store.session() as session:
        lock(session)
        row, case = notice_row(session, notice_id)
        if row.state != "drafted":
            raise DecisionRefused(f"notice #{row.id} is {row.state}: only a draft is approved")
        decided = record(
            session,
            data_dir,
            Subject("notice", row.id, case, row.case_id, row.host),
            "approve-notice",
            actor=actor,
            facts={"notice": row.id, "to": row.recipient_email, "email_subject": row.subject},
            clock=clock,
        )
        row.state, row.approved_at, row.approved_by = "approved", decided.decided_at, actor
        session.flush()
        return to_notice(row, case)


def send_notice(
    store: Store,
    data_dir: Path,
    notice_id: int,
    server: SmtpServer,
    *,
    actor: str,
    clock: Clock = utcnow,
    transport: Callable[[SmtpServer, EmailMessage], Sent] = send,
) -> Notice:
    """Send an approved notice; the bytes sent, the Message-ID and the server's reply
    become a decision in the ledger. A notice is sent at most once."""
    actor = check_actor(actor)
    with store.session() as session:
        lock(session)
        row, case = notice_row(session, notice_id)
        if row.state != "approved":
            raise DecisionRefused(
                f"notice #{row.id} is {row.state}: only an approved notice is sent, and once"
            )
        # Claimed before the network: a second `send` finds it no longer approved.
        row.state = "sent"
        notice = to_notice(row, case)
    when = clock()
    msg = message(notice, when)
    try:
        sent = transport(server, msg)
    except BaseException:
        with store.session() as session:
            session.execute(
                update(NoticeRow).where(NoticeRow.id == notice_id).values(state="approved")
            )
        raise
    digest = "sha256:" + hashlib.sha256(sent.raw).hexdigest()
    with store.session() as session:
        lock(session)
        row, case = notice_row(session, notice_id)
        record(
            session,
            data_dir,
            Subject("notice", row.id, case, row.case_id, row.host),
            "send-notice",
            actor=actor,
            facts={
                "notice": row.id,
                "to": row.recipient_email,
                "message_id": str(msg["Message-ID"]),
                "smtp": f"{server.host}:{server.port}",
                "smtp_reply": sent.reply,
                "sha256": digest,
                "bytes": len(sent.raw),
                "message_base64": base64.b64encode(sent.raw).decode("ascii"),
            },
            clock=lambda: when,
        )
        row.sent_at, row.message_id, row.sent_digest = when, str(msg["Message-ID"]), digest
        session.flush()
        return to_notice(row, case)


def review(
    store: Store,
    data_dir: Path,
    *,
    days: int = NO_RESPONSE_DAYS,
    actor: str = "revenant",
    clock: Clock = utcnow,
) -> list[Notice]:
    """Close sent notices: acted when a re-check after sending found the site gone
    (down, seized or parked), no-response once `days` have passed without that."""
    if days < 1:
        raise UsageError(f"--days {days}: at least 1")
    now = clock()
    closed: list[Notice] = []
    for notice in list_notices(store, state="sent"):
        if notice.sent_at is None:
            continue
        gone = [
            r
            for r in rechecks_of(store, notice.alert_id)
            if r.checked_at >= notice.sent_at and r.state in GONE_STATES
        ]
        if gone:
            first = gone[0]
            state = "acted"
            note = (
                f"re-check of {first.checked_at:%Y-%m-%d %H:%M} UTC found {notice.host} "
                f"{first.state} ({first.detail}), "
                f"{_hours(first.checked_at - notice.sent_at)} after the notice was sent"
            )
        elif now - notice.sent_at >= timedelta(days=days):
            state = "no-response"
            note = (
                f"no re-check found {notice.host} down, seized or parked in the {days} "
                f"day(s) after the notice was sent"
            )
        else:
            continue
        with store.session() as session:
            lock(session)
            row, case = notice_row(session, notice.id)
            record(
                session,
                data_dir,
                Subject("notice", row.id, case, row.case_id, row.host),
                f"notice-{state}",
                actor=actor,
                comment=note,
                facts={"notice": row.id, "to": row.recipient_email, "outcome": state},
                clock=lambda: now,
            )
            row.state, row.closed_at, row.outcome_note = state, now, note
            session.flush()
            closed.append(to_notice(row, case))
    return closed


def _summary(alert: Alert, covered: tuple[Order, OrderName] | None) -> str:
    """One paragraph for the X-ARF description: what was observed, and the order if any."""
    lr = alert.explanation.get("reported_lr")
    words = (
        f"reported likelihood ratio {ratio_text(lr.get('shown'))} ({lr.get('verbal')})"
        if isinstance(lr, dict)
        else "no calibrated likelihood ratio"
    )
    text = (
        f"{alert.host} is a confirmed re-emergence of the seized platform of case "
        f"{alert.case}: {alert.bits:.1f} bits of evidence, {words}."
    )
    if covered is not None:
        text += f" Covered by order {covered[0].reference} ({covered[0].authority})."
    return text


def _at(when: datetime) -> Clock:
    return lambda: when


def _hours(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} days"
