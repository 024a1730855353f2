"""One alert beside the seized site: the score and each contribution, shared and
differing features, titles, favicons, certificates, headers, DNS, a text diff; and the
decision form (confirm, dismiss, reopen) for those whose role decides."""

from __future__ import annotations

import os

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from revenant.errors import BadWarc, DecisionRefused
from revenant.model import Capture, Feature
from revenant.store import audit
from revenant.store.accounts import WebSession
from revenant.store.captures import capture_row, load_fingerprint
from revenant.store.cases import case_features, reference_ids
from revenant.store.decisions import list_decisions
from revenant.store.rdap import answers_for_alert
from revenant.store.schema import CaptureRow
from revenant.web.compare import Side, feature_diff, side, text_diff
from revenant.web.context import (
    Web,
    address_of,
    audited,
    checked_form,
    decider,
    render,
    viewer,
    web_of,
)
from revenant.web.decisions import DECISIONS, MAX_COMMENT, decide_alerts
from revenant.web.scope import alert_for, capture_cleared, visible_features

router = APIRouter()


def read_capture(web: Web, row: CaptureRow) -> Capture | None:
    """A capture row's capture from its WARC evidence, or None when it cannot be read
    (`read_side` says why)."""
    try:
        return web.captures.load(row.warc_file, row.target, row.started_at)
    except BadWarc:
        return None


def read_side(web: Web, row: CaptureRow) -> tuple[Side, Capture | None]:
    """A capture row with its evidence, or the reason the evidence could not be read."""
    try:
        capture = web.captures.load(row.warc_file, row.target, row.started_at)
    except BadWarc as exc:
        return side(row, None, evidence=str(exc)), None
    return side(row, capture), capture


def _reference(web: Web, case: str, shown: set[str], pick: int | None) -> CaptureRow | None:
    """The reference capture to compare with: the one asked for, else the one that
    shares the most features with the alert."""
    refs = reference_ids(web.store, case)
    if not refs:
        return None
    if pick in refs:
        return capture_row(web.store, pick)
    best = max(
        refs,
        key=lambda i: (len({str(f) for f in load_fingerprint(web.store, i).features} & shown), -i),
    )
    return capture_row(web.store, best)


@router.get("/alerts/{alert_id}", name="alert")
def alert_page(
    request: Request,
    alert_id: int,
    session: WebSession = Depends(viewer),
    ref: int | None = Query(None, ge=1),
) -> Response:
    web = web_of(request)
    alert, case = alert_for(web, session, alert_id)
    audited(request, session, audit.VIEW, f"alert:{alert_id}")
    right = left = None
    features: frozenset[Feature] = frozenset()
    if alert.capture_id is not None:
        row = capture_row(web.store, alert.capture_id)
        right, _ = read_side(web, row)
        fp = load_fingerprint(web.store, alert.capture_id)
        features = fp.features
    reference = _reference(web, case.name, {str(f) for f in features}, ref)
    if reference is not None and capture_cleared(web, session, case, reference.id):
        left, _ = read_side(web, reference)
    diff = feature_diff(
        visible_features(session, case, case_features(web.store, case.name)), features
    )
    return render(
        request,
        "alert.html",
        alert=alert,
        case=case,
        explanation=alert.explanation,
        left=left,
        right=right,
        references=reference_ids(web.store, case.name),
        diff=diff,
        shared=sum(len(d.shared) for d in diff),
        text=text_diff(left.text if left else [], right.text if right else []),
        decisions=DECISIONS,
        notifier={
            "name": os.environ.get("REVENANT_NOTIFIER_NAME", ""),
            "email": os.environ.get("REVENANT_NOTIFIER_EMAIL", ""),
            "org": os.environ.get("REVENANT_NOTIFIER_ORG", ""),
        },
        contacts=answers_for_alert(web.store, alert_id) if session.user.role.decides else [],
        history=list_decisions(web.store, subject_kind="alert", subject_id=alert_id),
        views=audit.entries(web.store, subject=f"alert:{alert_id}", action=audit.VIEW, limit=20),
    )


@router.post("/alerts/{alert_id}/decide", name="alert_decide")
def alert_decide(
    request: Request,
    alert_id: int,
    session: WebSession = Depends(decider),
    form: FormData = Depends(checked_form),
) -> Response:
    comment = str(form.get("comment", ""))[:MAX_COMMENT]
    decided = decide_alerts(
        web_of(request),
        session,
        [alert_id],
        str(form.get("state", ""))[:40],
        comment,
        address=address_of(request),
    )
    if decided.refused:
        raise DecisionRefused(decided.refused[0])
    return RedirectResponse(f"/alerts/{alert_id}", status_code=303)
