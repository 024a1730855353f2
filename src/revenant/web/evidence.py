"""Evidence in the browser: a capture's record (headers, DNS, TLS, the page source as
escaped text), its favicon (only if its bytes are the declared raster type), the page
rendered in a sandboxed frame (no scripts, opaque origin, nothing loaded), and
downloads: the case's WARC files and a freshly exported, signed WACZ.

Every view and download is written to the audit log. Captured bytes are only ever sent
as escaped text, as a checked raster image, or as a file attachment.
"""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, Response
from starlette.datastructures import FormData

from revenant.evidence import case_dir, export_wacz
from revenant.evidence.read import warc_files
from revenant.fingerprint.extract import decode
from revenant.model import Capture
from revenant.pipeline import UNASSIGNED
from revenant.store import audit
from revenant.store.accounts import Role, WebSession
from revenant.store.captures import load_fingerprint
from revenant.store.ledger import StoreMirror
from revenant.web.alert import read_capture, read_side
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
from revenant.web.images import check_image
from revenant.web.scope import capture_for, case_for
from revenant.web.security import CAPTURED_CSP

router = APIRouter()

MAX_SOURCE = 512 * 1024
"""Characters of page source shown as text (the WARC keeps every byte)."""
MAX_RENDER = 1024 * 1024
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")


def _no_partner(session: WebSession) -> None:
    # Raw evidence carries everything captured, whatever its TLP (docs/web.md).
    unit_only(session, "partners receive shared exports, not raw evidence")


def _page_source(capture: Capture | None) -> tuple[str, bool]:
    page = capture.page if capture else None
    if page is None or not page.content:
        return "", False
    text = decode(page.content, page.header("content-type"))
    return text[:MAX_SOURCE], len(text) > MAX_SOURCE


@router.get("/captures/{capture_id}", name="capture")
def capture_page(
    request: Request, capture_id: int, session: WebSession = Depends(viewer)
) -> Response:
    web = web_of(request)
    row = capture_for(web, session, capture_id)
    audited(request, session, audit.VIEW, f"capture:{capture_id}")
    shown, capture = read_side(web, row)
    source, cut = _page_source(capture)
    return render(
        request,
        "capture.html",
        side=shown,
        capture=capture,
        source=source,
        source_cut=cut,
        features=sorted(load_fingerprint(web.store, capture_id).features),
        warc_allowed=_warc_allowed(web, session, row.warc_file),
    )


@router.get("/captures/{capture_id}/favicon", name="capture_favicon")
def capture_favicon(
    request: Request, capture_id: int, session: WebSession = Depends(viewer)
) -> Response:
    web = web_of(request)
    row = capture_for(web, session, capture_id)
    capture = read_capture(web, row)
    icon = capture.favicon if capture else None
    if icon is None:
        raise NotFound(f"capture #{capture_id} has no favicon")
    checked = check_image(icon.content, icon.header("content-type"))
    if checked.content_type is None:
        raise NotFound(f"favicon of capture #{capture_id} not shown: {checked.reason}")
    audited(request, session, audit.VIEW, f"capture:{capture_id}", "favicon")
    return Response(
        icon.content,
        media_type=checked.content_type,
        headers={
            "content-security-policy": "default-src 'none'; frame-ancestors 'none'; sandbox",
            "content-disposition": f'inline; filename="favicon-{capture_id}"',
        },
    )


@router.get("/captures/{capture_id}/render", name="capture_render")
def capture_render(
    request: Request, capture_id: int, session: WebSession = Depends(viewer)
) -> Response:
    """The page drawn in a sandboxed frame: no scripts, opaque origin, and a policy
    that lets nothing load or submit (security.CAPTURED_CSP)."""
    web = web_of(request)
    row = capture_for(web, session, capture_id)
    audited(request, session, audit.VIEW, f"capture:{capture_id}", "rendered")
    capture = read_capture(web, row)
    page = capture.page if capture else None
    html = (
        decode(page.content, page.header("content-type"))[:MAX_RENDER]
        if page and page.content
        else ""
    )
    policy = f'<meta http-equiv="Content-Security-Policy" content="{CAPTURED_CSP}">'
    return render(request, "_render.html", srcdoc=policy + html, capture_id=capture_id)


def _warc_allowed(web: Web, session: WebSession, warc_file: str | None) -> str | None:
    """The download link for a capture's WARC file, if this user may have it: a case's
    own files for its members, unassigned evidence for admins."""
    path = web.captures.warc_path(warc_file)
    if path is None or session.user.role is Role.PARTNER:
        return None
    owner = path.parent.name
    if owner == UNASSIGNED:
        return f"/evidence/{UNASSIGNED}/{path.name}" if session.user.role is Role.ADMIN else None
    return f"/evidence/{owner}/{path.name}"


@router.get("/evidence/{case}/{file_name}", name="warc_download")
def warc_download(
    request: Request, case: str, file_name: str, session: WebSession = Depends(viewer)
) -> Response:
    """One WARC file of a case's evidence, as stored (the ledger lists its digest)."""
    web = web_of(request)
    _no_partner(session)
    if case == UNASSIGNED:
        if session.user.role is not Role.ADMIN:
            raise NotFound(f"no evidence file {file_name!r}")
    else:
        case_for(web, session, case)
    directory = case_dir(web.settings.data_dir, case)
    files = {p.name: p for p in warc_files(directory)} if directory.is_dir() else {}
    path = files.get(file_name)
    if path is None:
        raise NotFound(f"no evidence file {file_name!r}")
    audited(request, session, audit.DOWNLOAD, f"case:{case}", f"warc {path.name}")
    return FileResponse(
        path, media_type="application/warc", filename=_SAFE_NAME.sub("_", path.name)
    )


@router.post("/cases/{name}/wacz", name="wacz_export")
def wacz_export(
    request: Request,
    name: str,
    session: WebSession = Depends(decider),
    _form: FormData = Depends(checked_form),
) -> Response:
    """Export the case's evidence as a signed WACZ now (as `revenant export wacz`: the
    evidence must verify, and the export is entered in the custody ledger) and send it."""
    web = web_of(request)
    case = case_for(web, session, name)
    exports = web.settings.data_dir / "exports"
    exports.mkdir(parents=True, exist_ok=True)
    stamp = web.clock().strftime("%Y%m%dT%H%M%S%fZ")
    out: Path = export_wacz(
        web.settings.data_dir,
        case.name,
        exports / f"{case.name}-{stamp}.wacz",
        clock=web.clock,
        mirror=StoreMirror(web.store, case.name),
        actor=session.user.name,  # the export's custody entry names who made it
    )
    audited(request, session, audit.DOWNLOAD, f"case:{case.name}", f"wacz {out.name}")
    return FileResponse(out, media_type="application/zip", filename=_SAFE_NAME.sub("_", out.name))
