"""For admins: the accounts (with their memberships) and the audit log. Accounts are
created and changed with `revenant user ...` (docs/web.md)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from revenant.store import audit
from revenant.store.accounts import WebSession, list_users
from revenant.web.context import admin, render, web_of

router = APIRouter()


@router.get("/admin/users", name="admin_users")
def users(request: Request, session: WebSession = Depends(admin)) -> Response:
    return render(request, "users.html", users=list_users(web_of(request).store))


@router.get("/admin/audit", name="admin_audit")
def audit_log(
    request: Request,
    session: WebSession = Depends(admin),
    actor: str = Query("", max_length=100),
    action: str = Query("", max_length=32),
    before: int | None = Query(None, ge=1),
) -> Response:
    found = audit.entries(
        web_of(request).store,
        limit=200,
        before=before,
        actor=actor or None,
        action=action or None,
    )
    return render(
        request,
        "audit.html",
        entries=found,
        actor=actor,
        action=action,
        actions=audit.ACTIONS,
        older=found[-1].id if len(found) == 200 else None,
    )
