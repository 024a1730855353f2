"""Sharing from the page: the STIX 2.1 bundle, the MISP event and the case report as
downloads, and the MISP event pushed to the partner's MISP the server is configured
with — the same act/ functions `revenant export stix|misp|report` and `revenant misp
push` call. (Abuse notices: web/notices.py.)

A partner gets STIX and MISP at its clearance at most (act.tlp leaves out everything
above); the report carries the case at its own level and stays with the unit. Which
MISP an event is pushed to, and with which key, is the server's setting
(act/channels.py), never a page's.
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
from revenant.act.misp import build_event, push
from revenant.act.report import render as render_report
from revenant.act.report import write as write_report
from revenant.act.stix import build_bundle
from revenant.act.tlp import export_limit, shareable
from revenant.errors import UsageError
from revenant.model import Tlp
from revenant.store import audit
from revenant.store.accounts import WebSession
from revenant.web.context import (
    NotFound,
    audited,
    checked_form,
    decider,
    unit_only,
    viewer,
    web_of,
)
from revenant.web.scope import case_for

router = APIRouter()

KINDS = ("stix", "misp", "report.html", "report.pdf")


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
        unit_only(
            session, "case reports stay with the unit; partners receive STIX and MISP exports"
        )
        folder = Path(tempfile.mkdtemp(prefix="revenant-report-"))
        out = write_report(
            render_report(web.store, web.settings.data_dir, case.name, now=now),
            folder / f"{case.name}-report-{stamp}.{kind.split('.')[1]}",
        )
        audited(request, session, audit.DOWNLOAD, f"case:{case.name}", f"report {out.name}")
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
    audited(request, session, audit.DOWNLOAD, f"case:{case.name}", f"{kind} at TLP:{limit}")
    return Response(
        body,
        media_type=media,
        headers={"content-disposition": f'attachment; filename="{file_name}"'},
    )


@router.post("/cases/{name}/misp/push", name="misp_push")
def misp_push(
    request: Request,
    name: str,
    session: WebSession = Depends(decider),
    form: FormData = Depends(checked_form),
) -> Response:
    """Send the case's MISP event at the chosen TLP level to the partner's MISP the
    server is configured with (as `revenant misp push CASE --url URL --key-file FILE`)."""
    web = web_of(request)
    case = case_for(web, session, name)
    partner = web.channels.misp
    if partner is None:
        raise UsageError(
            "pushing to a partner's MISP is not configured on this server: start `revenant serve` with "
            "--misp-url URL --misp-key-file FILE (or REVENANT_MISP_URL, REVENANT_MISP_KEY_FILE), "
            f"or run `revenant misp push {case.name} --url URL --key-file FILE`"
        )
    limit = export_limit(str(form.get("tlp", Tlp.AMBER))[:20])
    event = build_event(read_case_file(web.store, case.name), limit=limit, now=web.clock())
    event_id = push(event, partner.url, partner.key(), ca_file=partner.ca_file)
    audited(
        request,
        session,
        audit.PUSH,
        f"case:{case.name}",
        f"MISP {partner.url}: event {event_id}, {event.attributes} attribute(s) at "
        f"TLP:{limit} ({event.left_out} above left out)",
    )
    return RedirectResponse(f"/cases/{case.name}#share", status_code=303)
