"""The alert queue: every alert the user may see, highest score first, filtered by
case, verdict, state and source, paged; new alerts appear without a reload (htmx polls
`/alerts/fresh`); bulk decisions; keyboard shortcuts (static/app.js)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from revenant.errors import UsageError
from revenant.model import Verdict
from revenant.store.accounts import WebSession
from revenant.store.alert_queue import (
    QueueFilter,
    fresh_alerts,
    last_alert_id,
    queue_page,
    sources,
)
from revenant.store.alerts import STATES
from revenant.web.context import address_of, checked_form, decider, render, viewer, web_of
from revenant.web.decisions import DECISIONS, MAX_COMMENT, decide_alerts
from revenant.web.scope import cases_for, visible_cases, visible_rows

router = APIRouter()

PAGE = 50
ALL = "all"


def _filter(case: str, verdict: str, state: str, source: str) -> QueueFilter:
    return QueueFilter(
        case=case or None,
        verdict=verdict or None,
        state=None if state == ALL else (state or None),
        source=source or None,
    )


_CASE = Query("", max_length=200)
_VERDICT = Query("", max_length=32)
_STATE = Query("open", max_length=32)
_SOURCE = Query("", max_length=32)


@router.get("/alerts", name="queue")
def queue(
    request: Request,
    session: WebSession = Depends(viewer),
    case: str = _CASE,
    verdict: str = _VERDICT,
    state: str = _STATE,
    source: str = _SOURCE,
    page: int = Query(1, ge=1, le=100_000),
    decided: int | None = Query(None, ge=0),
    unchanged: int | None = Query(None, ge=0),
) -> Response:
    web = web_of(request)
    f = _filter(case, verdict, state, source)
    filters = {"case": case, "verdict": verdict, "state": state, "source": source}
    found = queue_page(
        web.store, f, cases=visible_cases(web, session), offset=(page - 1) * PAGE, limit=PAGE
    )
    rows, held_back = visible_rows(web, session, found.rows)
    return render(
        request,
        "queue.html",
        rows=rows,
        held_back=held_back,
        page=page,
        more=found.more,
        first=found.offset + 1,
        filters=filters,
        decided=decided,
        unchanged=unchanged,
        cases=cases_for(web, session),
        verdicts=[str(v) for v in Verdict],
        states=[*STATES, ALL],
        sources=sources(web.store),
        decisions=DECISIONS,
        poll_url=_poll_url(last_alert_id(web.store), filters),
        prev_url="/alerts?" + urlencode({"page": page - 1, **filters}),
        next_url="/alerts?" + urlencode({"page": page + 1, **filters}),
    )


def _poll_url(after: int, filters: dict[str, str]) -> str:
    return "/alerts/fresh?" + urlencode({"after": after, **filters})


@router.get("/alerts/fresh", name="queue_fresh")
def queue_fresh(
    request: Request,
    session: WebSession = Depends(viewer),
    after: int = Query(0, ge=0),
    case: str = _CASE,
    verdict: str = _VERDICT,
    state: str = _STATE,
    source: str = _SOURCE,
) -> Response:
    """Rows of alerts raised since `after`, for the live queue (htmx inserts them)."""
    web = web_of(request)
    rows = fresh_alerts(
        web.store,
        _filter(case, verdict, state, source),
        cases=visible_cases(web, session),
        after=after,
    )
    newest = max([after, *(r.id for r in rows)])
    rows, _ = visible_rows(web, session, rows)
    filters = {"case": case, "verdict": verdict, "state": state, "source": source}
    # The poller is swapped out of band with the newest id, so each alert comes once.
    return render(
        request, "_queue_rows.html", rows=rows, fresh=True, poll_url=_poll_url(newest, filters)
    )


@router.post("/alerts/decide", name="queue_decide")
def queue_decide(
    request: Request,
    session: WebSession = Depends(decider),
    form: FormData = Depends(checked_form),
) -> Response:
    """Decide several alerts at once (the queue's bulk actions)."""
    try:
        ids = sorted({int(str(v)) for v in form.getlist("alert")})
    except ValueError:
        raise UsageError("alert ids must be numbers") from None
    if not ids:
        raise UsageError("select at least one alert")
    comment = str(form.get("comment", ""))[:MAX_COMMENT]
    decided = decide_alerts(
        web_of(request),
        session,
        ids,
        str(form.get("state", ""))[:40],
        comment,
        address=address_of(request),
    )
    back = str(form.get("back", "/alerts"))
    back = back if back.startswith("/alerts") and not back.startswith("/alerts/") else "/alerts"
    path, _, query = back.partition("?")
    kept = [(k, v) for k, v in parse_qsl(query) if k not in ("decided", "unchanged")]
    note = [("decided", str(len(decided.done))), ("unchanged", str(len(decided.refused)))]
    return RedirectResponse(f"{path}?{urlencode(kept + note)}", status_code=303)
