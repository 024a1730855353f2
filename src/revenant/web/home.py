"""The home page: what an analyst opens every morning. The watch's status (queue sizes,
probes per minute, CT positions), the alerts waiting, the cases."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from revenant.store.accounts import WebSession
from revenant.store.alert_queue import QueueFilter, queue_page, state_counts
from revenant.store.status import watch_status
from revenant.web.context import Forbidden, render, viewer, web_of
from revenant.web.scope import cases_for, visible_cases, visible_rows

router = APIRouter()


def _status(request: Request, session: WebSession) -> dict[str, Any]:
    web = web_of(request)
    return {
        "status": watch_status(web.store, now=web.clock()),
        "counts": state_counts(web.store, cases=visible_cases(web, session)),
        "now": web.clock(),
    }


@router.get("/", name="home")
def home(request: Request, session: WebSession = Depends(viewer)) -> Response:
    web = web_of(request)
    found = queue_page(
        web.store, QueueFilter(state="open"), cases=visible_cases(web, session), limit=10
    )
    top, _ = visible_rows(web, session, found.rows)
    return render(
        request,
        "home.html",
        cases=cases_for(web, session),
        top=top,
        partner=session.user.clearance is not None,
        **_status(request, session),
    )


@router.get("/status", name="status")
def status(request: Request, session: WebSession = Depends(viewer)) -> Response:
    """The status panel alone, polled by the home page (the watch is the unit's own
    business: partners do not see it)."""
    if session.user.clearance is not None:
        raise Forbidden("the watch's status is not shared with partners")
    return render(request, "_status.html", **_status(request, session))
