"""What every view needs: the app's shared objects, who is logged in, and the checks
that stop a request before a view runs (login, role, CSRF).

Views declare their access with these dependencies: `viewer` (any logged-in user),
`decider` (admins and analysts), `admin`; every POST also depends on `checked_form`.
tests/web/test_authz.py reads the route table and fails for a route it has no rule for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import Depends, Request
from starlette.datastructures import FormData
from starlette.templating import Jinja2Templates

from revenant.act.channels import Channels
from revenant.model import Clock
from revenant.pipeline import Pipeline
from revenant.settings import Settings
from revenant.store import Store, audit
from revenant.store.accounts import Role, WebSession, session_of
from revenant.web.captured import CaptureReader
from revenant.web.security import same_origin, same_token

SESSION_COOKIE = "revenant_session"


@dataclass
class Web:
    """Shared by every request of one app."""

    settings: Settings
    store: Store
    clock: Clock
    templates: Jinja2Templates
    captures: CaptureReader
    pipeline: Pipeline
    secure_cookies: bool = True
    channels: Channels = field(default_factory=Channels)  # SMTP, DNS primary, MISP, RDAP


class LoginRequired(Exception):
    """No valid session: pages redirect to the login form, fragments answer 401."""


class Forbidden(Exception):
    """Logged in, but the role may not do this (403)."""


class NotFound(Exception):
    """No such thing, or nothing the user may see: both answer 404, so a user cannot
    tell a case they are not a member of from one that does not exist."""


class BadForm(Exception):
    """A form post without this session's CSRF token or from another origin (403)."""


def web_of(request: Request) -> Web:
    web = request.app.state.web
    assert isinstance(web, Web)
    return web


def address_of(request: Request) -> str:
    """The client's address as the server sees it (a reverse proxy's own address
    otherwise: see docs/web.md, deployment)."""
    return request.client.host if request.client else ""


def viewer(request: Request) -> WebSession:
    """Any logged-in user."""
    web = web_of(request)
    found = session_of(web.store, request.cookies.get(SESSION_COOKIE, ""), now=web.clock())
    if found is None:
        raise LoginRequired()
    request.state.session = found
    return found


def decider(session: WebSession = Depends(viewer)) -> WebSession:
    """A user who may decide alerts and edit cases."""
    if not session.user.role.decides:
        raise Forbidden(f"a {session.user.role} cannot decide or edit")
    return session


def audited(
    request: Request, session: WebSession, action: str, subject: str, detail: str = ""
) -> None:
    """Write what the logged-in user did to the audit log: now, from the request's
    address (a decision is also, and first, in the case's custody ledger)."""
    web = web_of(request)
    audit.record(
        web.store,
        time=web.clock(),
        actor=session.user.name,
        action=action,
        subject=subject,
        address=address_of(request),
        detail=detail,
    )


def unit_only(session: WebSession, why: str) -> None:
    """Refuse a partner what stays with the unit (raw evidence, orders, notices,
    reports): partners receive the shared exports, at their TLP, and nothing else."""
    if session.user.role is Role.PARTNER:
        raise Forbidden(why)


def admin(session: WebSession = Depends(viewer)) -> WebSession:
    if session.user.role is not Role.ADMIN:
        raise Forbidden("only an admin can see this")
    return session


async def checked_form(request: Request, session: WebSession = Depends(viewer)) -> FormData:
    """The posted form, once its CSRF token (field `csrf` or header X-CSRF-Token) is
    this session's and the request comes from this origin."""
    form = await request.form()
    given = request.headers.get("x-csrf-token") or form.get("csrf")
    if not same_origin(request) or not same_token(
        given if isinstance(given, str) else None, session.csrf
    ):
        raise BadForm("the form's security token is missing or stale; reload the page")
    return form


def render(request: Request, template: str, code: int = 200, **values: Any) -> Any:
    """A page from a template, with who is logged in and the CSRF token beside `values`."""
    web = web_of(request)
    session = getattr(request.state, "session", None)
    return web.templates.TemplateResponse(
        request,
        template,
        {"session": session, "user": session.user if session else None, **values},
        status_code=code,
    )
