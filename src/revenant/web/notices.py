"""Abuse notices from the page: who to tell (RDAP through the prober, the answers kept as
evidence), drafting the notices of a confirmed alert, approving them, sending one over
SMTP, and reading them — the same act/ functions `revenant notice contacts|draft|approve|
send` call, with the logged-in user as the actor, so the same rules hold (act/notices.py
keeps them: a draft needs a confirmed alert, only an approved notice is sent, and once).

Where the RDAP servers are asked and through which SMTP server a notice goes are the
server's settings (act/channels.py, given to `revenant serve`), never a page's. A notice
carries the case at its own level: it stays with the unit, partners never see it.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from revenant.act.channels import lookup_contacts
from revenant.act.notice_text import Notifier
from revenant.act.notices import RECIPIENTS, approve, draft, send_notice
from revenant.errors import UsageError
from revenant.store import audit
from revenant.store.accounts import WebSession
from revenant.store.notices import Notice, get_notice, list_notices
from revenant.store.rdap import answers_for_alert
from revenant.web.context import (
    NotFound,
    Web,
    audited,
    checked_form,
    decider,
    render,
    unit_only,
    viewer,
    web_of,
)
from revenant.web.scope import alert_for, case_for

router = APIRouter()


def _no_partner(session: WebSession) -> None:
    unit_only(session, "notices stay with the unit; partners receive STIX and MISP exports")


def _notice_for(web: Web, session: WebSession, notice_id: int) -> Notice:
    _no_partner(session)
    try:
        notice = get_notice(web.store, notice_id)
    except UsageError:
        raise NotFound(f"no notice #{notice_id}") from None
    case_for(web, session, notice.case)
    return notice


@router.get("/cases/{name}/notices", name="notices")
def notices(request: Request, name: str, session: WebSession = Depends(viewer)) -> Response:
    web = web_of(request)
    _no_partner(session)
    case = case_for(web, session, name)
    return render(
        request,
        "notices.html",
        case=case,
        notices=list_notices(web.store, case=case.name),
        smtp=web.channels.smtp,
    )


@router.get("/notices/{notice_id}", name="notice")
def notice_page(
    request: Request, notice_id: int, session: WebSession = Depends(viewer)
) -> Response:
    web = web_of(request)
    notice = _notice_for(web, session, notice_id)
    audited(request, session, audit.VIEW, f"notice:{notice_id}", "")
    return render(request, "notice.html", notice=notice, smtp=web.channels.smtp)


@router.post("/alerts/{alert_id}/contacts", name="notice_contacts")
def notice_contacts(
    request: Request,
    alert_id: int,
    session: WebSession = Depends(decider),
    _form: FormData = Depends(checked_form),
) -> Response:
    """Look up who to tell (as `revenant notice contacts ALERT`)."""
    web = web_of(request)
    alert, _ = alert_for(web, session, alert_id)
    found = lookup_contacts(
        web.store, web.settings.data_dir, alert.case, [alert], web.channels.rdap, clock=web.clock
    )[0]
    audited(
        request,
        session,
        audit.LOOKUP,
        f"alert:{alert_id}",
        f"RDAP {found.host}: registrar {found.registrar.outcome}, host {found.network.outcome}",
    )
    return RedirectResponse(f"/alerts/{alert_id}#notices", status_code=303)


@router.post("/alerts/{alert_id}/notices", name="notice_draft")
def notice_draft(
    request: Request,
    alert_id: int,
    session: WebSession = Depends(decider),
    form: FormData = Depends(checked_form),
) -> Response:
    """Draft the notices of a confirmed alert from the RDAP contacts kept for it."""
    web = web_of(request)
    alert, case = alert_for(web, session, alert_id)
    answers = answers_for_alert(web.store, alert_id)
    if not answers:
        raise UsageError(
            f"alert #{alert_id}: no abuse contact looked up yet; look them up first "
            "(the alert's page, or `revenant notice contacts`)"
        )
    to = str(form.get("to", "both"))
    roles = RECIPIENTS.get(to)
    if roles is None:
        raise UsageError(f"recipients {to[:20]!r}: registrar, host or both")
    notifier = Notifier(
        name=str(form.get("from_name", ""))[:200].strip(),
        email=str(form.get("from_email", ""))[:200].strip(),
        org=str(form.get("from_org", ""))[:200].strip(),
    )
    done = draft(
        web.store,
        web.settings.data_dir,
        alert_id,
        answers,
        roles=roles,
        notifier=notifier,
        actor=session.user.name,
        case_domains=case.domains,
        clock=web.clock,
    )
    audited(
        request,
        session,
        audit.DECISION,
        f"alert:{alert_id}",
        f"drafted notices {[n.id for n in done.notices]}; skipped {list(done.skipped)}",
    )
    return RedirectResponse(f"/cases/{alert.case}/notices", status_code=303)


@router.post("/notices/{notice_id}/approve", name="notice_approve")
def notice_approve(
    request: Request,
    notice_id: int,
    session: WebSession = Depends(decider),
    _form: FormData = Depends(checked_form),
) -> Response:
    web = web_of(request)
    _notice_for(web, session, notice_id)
    approve(web.store, web.settings.data_dir, notice_id, actor=session.user.name, clock=web.clock)
    audited(request, session, audit.DECISION, f"notice:{notice_id}", "approved")
    return RedirectResponse(f"/notices/{notice_id}", status_code=303)


@router.post("/notices/{notice_id}/send", name="notice_send")
def notice_send(
    request: Request,
    notice_id: int,
    session: WebSession = Depends(decider),
    _form: FormData = Depends(checked_form),
) -> Response:
    """Send an approved notice through the server's SMTP settings (as `revenant notice
    send ID --smtp HOST`): once, the bytes sent into the custody ledger."""
    web = web_of(request)
    _notice_for(web, session, notice_id)
    server = web.channels.smtp
    if server is None:
        raise UsageError(
            "sending is not configured on this server: start `revenant serve` with --smtp "
            f"HOST[:PORT] (or REVENANT_SMTP), or run `revenant notice send {notice_id} --smtp HOST`"
        )
    sent = send_notice(
        web.store,
        web.settings.data_dir,
        notice_id,
        server,
        actor=session.user.name,
        clock=web.clock,
    )
    audited(
        request,
        session,
        audit.DECISION,
        f"notice:{notice_id}",
        f"sent to {sent.recipient_email} via {server.host}:{server.port}: {sent.message_id} "
        f"{sent.sent_digest}",
    )
    return RedirectResponse(f"/notices/{notice_id}", status_code=303)
