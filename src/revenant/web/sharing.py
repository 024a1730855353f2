"""Sharing from the page: the STIX 2.1 bundle, the MISP event and the case report as
downloads, and abuse notices (draft from the contacts already looked up, approve, read)
— the same act/ functions `revenant export stix|misp|report` and `revenant notice ...`
call, with the logged-in user as the actor.

A partner gets STIX and MISP at its clearance at most (act.tlp leaves out everything
above); the report and notices carry the case at its own level and stay with the unit.
Sending a notice needs the SMTP server the CLI is given (`revenant notice send ID --smtp
HOST`); the page says so instead of sending.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.background import BackgroundTask
from starlette.datastructures import FormData
from starlette.responses import FileResponse

from revenant.act.casefile import read_case_file
from revenant.act.misp import build_event
from revenant.act.notice_text import Notifier
from revenant.act.notices import approve, draft
from revenant.act.report import render as render_report
from revenant.act.report import write as write_report
from revenant.act.stix import build_bundle
from revenant.act.tlp import export_limit, shareable
from revenant.errors import UsageError
from revenant.store import audit
from revenant.store.accounts import Role, WebSession
from revenant.store.notices import Notice, get_notice, list_notices
from revenant.store.rdap import answers_for_alert
from revenant.web.context import (
    Forbidden,
    NotFound,
    Web,
    address_of,
    checked_form,
    decider,
    render,
    viewer,
    web_of,
)
from revenant.web.scope import alert_for, case_for

router = APIRouter()

KINDS = ("stix", "misp", "report.html", "report.pdf")


def _no_partner(session: WebSession, what: str) -> None:
    if session.user.role is Role.PARTNER:
        raise Forbidden(f"{what} stay with the unit; partners receive STIX and MISP exports")


def _download(request: Request, session: WebSession, case: str, detail: str) -> None:
    web = web_of(request)
    audit.record(
        web.store,
        time=web.clock(),
        actor=session.user.name,
        action=audit.DOWNLOAD,
        subject=f"case:{case}",
        address=address_of(request),
        detail=detail,
    )


@router.get("/cases/{name}/export/{kind}", name="case_export")
def case_export(
    request: Request,
    name: str,
    kind: str,
    session: WebSession = Depends(viewer),
    tlp: str = Query("AMBER", max_length=20),
) -> Response:
    """A STIX bundle or MISP event at a TLP level, or the case report (HTML or PDF)."""
    web = web_of(request)
    case = case_for(web, session, name)
    if kind not in KINDS:
        raise NotFound(f"no export {kind!r}: one of {', '.join(KINDS)}")
    now = web.clock()
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    if kind.startswith("report"):
        _no_partner(session, "case reports")
        folder = Path(tempfile.mkdtemp(prefix="revenant-report-"))
        out = write_report(
            render_report(web.store, web.settings.data_dir, case.name, now=now),
            folder / f"{case.name}-report-{stamp}.{kind.split('.')[1]}",
        )
        _download(request, session, case.name, f"report {out.name}")
        return FileResponse(
            out,
            filename=out.name,
            media_type="application/pdf" if out.suffix == ".pdf" else "text/html",
            content_disposition_type="attachment",
            background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
        )
    limit = export_limit(tlp)
    clearance = session.user.clearance
    if clearance is not None and not shareable(limit, clearance):
        limit = clearance  # a partner never gets more than its clearance
    casefile = read_case_file(web.store, case.name)
    if kind == "stix":
        bundle = build_bundle(casefile, limit=limit, now=now)
        body = json.dumps(bundle.bundle, indent=2, ensure_ascii=False).encode() + b"\n"
        file_name, media = f"{case.name}-stix-{limit}-{stamp}.json", "application/stix+json"
    else:
        event = build_event(casefile, limit=limit, now=now)
        body = event.to_json().encode() + b"\n"
        file_name, media = f"{case.name}-misp-{limit}-{stamp}.json", "application/json"
    file_name = file_name.replace("+", "-")
    _download(request, session, case.name, f"{kind} at TLP:{limit}")
    return Response(
        body,
        media_type=media,
        headers={"content-disposition": f'attachment; filename="{file_name}"'},
    )


def _notice_for(web: Web, session: WebSession, notice_id: int) -> Notice:
    _no_partner(session, "notices")
    try:
        notice = get_notice(web.store, notice_id)
    except UsageError:
        raise NotFound(f"no notice #{notice_id}") from None
    case_for(web, session, notice.case)
    return notice


@router.get("/cases/{name}/notices", name="notices")
def notices(request: Request, name: str, session: WebSession = Depends(viewer)) -> Response:
    web = web_of(request)
    _no_partner(session, "notices")
    case = case_for(web, session, name)
    return render(
        request,
        "notices.html",
        case=case,
        notices=list_notices(web.store, case=case.name),
    )


@router.get("/notices/{notice_id}", name="notice")
def notice_page(
    request: Request, notice_id: int, session: WebSession = Depends(viewer)
) -> Response:
    web = web_of(request)
    notice = _notice_for(web, session, notice_id)
    audit.record(
        web.store,
        time=web.clock(),
        actor=session.user.name,
        action=audit.VIEW,
        subject=f"notice:{notice_id}",
        address=address_of(request),
    )
    return render(request, "notice.html", notice=notice)


@router.post("/alerts/{alert_id}/notices", name="notice_draft")
def notice_draft(
    request: Request,
    alert_id: int,
    session: WebSession = Depends(decider),
    form: FormData = Depends(checked_form),
) -> Response:
    """Draft the notices of a confirmed alert from the RDAP contacts already kept
    (`revenant notice contacts ALERT` looks them up)."""
    web = web_of(request)
    alert, case = alert_for(web, session, alert_id)
    answers = answers_for_alert(web.store, alert_id)
    if not answers:
        raise UsageError(
            f"alert #{alert_id}: no abuse contact looked up yet; run "
            f"`revenant notice contacts {alert_id}` first"
        )
    to = str(form.get("to", "both"))
    roles = {"both": ["registrar", "host"], "registrar": ["registrar"], "host": ["host"]}.get(to)
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
    audit.record(
        web.store,
        time=web.clock(),
        actor=session.user.name,
        action=audit.DECISION,
        subject=f"alert:{alert_id}",
        address=address_of(request),
        detail=f"drafted notices {[n.id for n in done.notices]}; skipped {list(done.skipped)}",
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
    audit.record(
        web.store,
        time=web.clock(),
        actor=session.user.name,
        action=audit.DECISION,
        subject=f"notice:{notice_id}",
        address=address_of(request),
        detail="approved",
    )
    return RedirectResponse(f"/notices/{notice_id}", status_code=303)
