"""RDAP answers kept with the case (act/rdap.py finds them; the evidence is in WARC)."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select

from revenant.store.db import Store
from revenant.store.schema import CaptureRow, FeatureRow, RdapLookupRow


def save_answer(
    store: Store,
    case_id: int,
    alert_id: int | None,
    answer: dict[str, object],
    *,
    now: datetime,
) -> int:
    """Keep one RDAP answer (`RdapAnswer.as_json()`); returns its row id."""
    emails = answer.get("abuse_emails") or []
    assert isinstance(emails, list)
    with store.session() as session:
        row = RdapLookupRow(
            case_id=case_id,
            alert_id=alert_id,
            kind=str(answer["kind"]),
            query=str(answer["query"]),
            url=str(answer.get("url", "")),
            outcome=str(answer["outcome"]),
            reason=str(answer.get("reason", "")),
            holder=str(answer.get("holder", "")),
            abuse_email=str(emails[0]) if emails else "",
            answer=json.dumps(answer, ensure_ascii=False, sort_keys=True),
            looked_up_at=now,
        )
        session.add(row)
        session.flush()
        return row.id


def answers_for_alert(store: Store, alert_id: int) -> list[dict[str, object]]:
    """The latest answer of each kind ("domain", "ip") kept for an alert."""
    with store.session() as session:
        rows = session.scalars(
            select(RdapLookupRow)
            .where(RdapLookupRow.alert_id == alert_id)
            .order_by(RdapLookupRow.id.desc())
        ).all()
    latest: dict[str, dict[str, object]] = {}
    for row in rows:
        latest.setdefault(row.kind, json.loads(row.answer) | {"id": row.id})
    return [latest[k] for k in ("domain", "ip") if k in latest]


def capture_address(store: Store, capture_id: int) -> tuple[str | None, list[int]]:
    """The address a capture connected to and the AS numbers its features name."""
    with store.session() as session:
        row = session.get(CaptureRow, capture_id)
        if row is None:
            return None, []
        asns = session.scalars(
            select(FeatureRow.value).where(
                FeatureRow.capture_id == capture_id, FeatureRow.kind == "asn"
            )
        ).all()
        return row.peer, [int(a.upper().removeprefix("AS")) for a in asns if a[2:].isdigit()]
