"""Logging in and out: argon2-checked passwords, server-side sessions in secure,
HTTP-only, SameSite=Strict cookies, and HTTP 429 after repeated failures.

Failures are counted from the audit log (so the limit holds across restarts and server
processes): `ACCOUNT_LIMIT` failures for one account since its last success, or
`ADDRESS_LIMIT` from one address, within `WINDOW`, and further attempts are refused
until the window has passed, even with the right password.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from revenant.store import audit
from revenant.store.accounts import WebSession, authenticate, close_session, open_session
from revenant.web.context import (
    SESSION_COOKIE,
    address_of,
    audited,
    checked_form,
    render,
    viewer,
    web_of,
)
from revenant.web.security import same_origin, same_token

router = APIRouter()

WINDOW = timedelta(minutes=15)
ACCOUNT_LIMIT = 5
"""Failed logins for one account within WINDOW before it is refused (OWASP ASVS 2.2.1
asks for a limit; a patient guesser gets 480 tries a day, enough for no real password)."""
ADDRESS_LIMIT = 20
"""Failed logins from one address within WINDOW (one analyst mistyping several accounts
stays under it; a sprayer does not)."""
SESSION_TTL = timedelta(hours=12)
LOGIN_COOKIE = "revenant_login"  # double-submit token of the login form (no session yet)


def _safe_next(target: str | None) -> str:
    """Where to go after logging in: a path on this site only (never //host or a URL)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _cookie(response: Response, request: Request, name: str, value: str, *, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        secure=web_of(request).secure_cookies,
        httponly=True,
        samesite="strict",
    )


def _form(request: Request, *, next_path: str, error: str = "", status: int = 200) -> Response:
    token = secrets.token_urlsafe(32)
    response = render(
        request, "login.html", status, login_token=token, next_path=next_path, error=error
    )
    _cookie(response, request, LOGIN_COOKIE, token, max_age=3600)
    return response


@router.get("/login", name="login_form")
def login_form(request: Request, next: str = "/") -> Response:
    return _form(request, next_path=_safe_next(next))


@router.post("/login", name="login")
def login(
    request: Request,
    name: str = Form(..., max_length=100),
    password: str = Form(..., max_length=1024),
    csrf: str = Form("", max_length=100),
    next: str = Form("/", max_length=2000),
) -> Response:
    web = web_of(request)
    now = web.clock()
    where = address_of(request)
    next_path = _safe_next(next)
    if not same_origin(request) or not same_token(request.cookies.get(LOGIN_COOKIE), csrf):
        return _form(request, next_path=next_path, error="The form expired; try again.", status=403)
    since = now - WINDOW
    if (
        audit.failed_logins(web.store, since=since, account=name) >= ACCOUNT_LIMIT
        or audit.failed_logins(web.store, since=since, address=where) >= ADDRESS_LIMIT
    ):
        audit.record(
            web.store,
            time=now,
            actor="",
            action=audit.LOGIN_LIMITED,
            subject=f"user:{name}",
            address=where,
        )
        response = _form(
            request,
            next_path=next_path,
            error=f"Too many failed logins; try again in {int(WINDOW.total_seconds() // 60)} minutes.",
            status=429,
        )
        response.headers["Retry-After"] = str(int(WINDOW.total_seconds()))
        return response
    user = authenticate(web.store, name, password)
    if user is None:
        audit.record(
            web.store,
            time=now,
            actor="",
            action=audit.LOGIN_FAILED,
            subject=f"user:{name}",
            address=where,
        )
        return _form(request, next_path=next_path, error="Wrong name or password.", status=401)
    token = open_session(web.store, user, now=now, ttl=SESSION_TTL, address=where)
    audit.record(
        web.store,
        time=now,
        actor=user.name,
        action=audit.LOGIN,
        subject=f"user:{user.name}",
        address=where,
    )
    response = RedirectResponse(next_path, status_code=303)
    _cookie(response, request, SESSION_COOKIE, token, max_age=int(SESSION_TTL.total_seconds()))
    response.delete_cookie(LOGIN_COOKIE, path="/")
    return response


@router.post("/logout", name="logout")
def logout(
    request: Request,
    session: WebSession = Depends(viewer),
    _form: FormData = Depends(checked_form),
) -> Response:
    web = web_of(request)
    close_session(web.store, request.cookies.get(SESSION_COOKIE, ""))
    audited(request, session, audit.LOGOUT, f"user:{session.user.name}")
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def login_redirect(request: Request) -> Response:
    """Where a request without a session goes: the login form (pages) or 401 telling
    htmx to load it (fragments)."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    location = f"/login?next={quote(target, safe='')}"
    if request.method == "GET" and "hx-request" not in request.headers:
        return RedirectResponse(location, status_code=303)
    return Response("login required", status_code=401, headers={"HX-Redirect": location})
