"""The dashboard application: FastAPI, server-rendered Jinja2 pages, htmx for the parts
that update in place. A thin front: views call the same store, match and evidence
functions the CLI calls.

It must never render captured HTML as HTML (templates autoescape everything; captured
markup is shown as text, or in a sandboxed frame with no scripts and no network), and
never serve captured bytes with a type a browser could run.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.exceptions import HTTPException
from starlette.routing import Mount
from starlette.templating import Jinja2Templates

from revenant.act.channels import Channels
from revenant.act.timeline import duration
from revenant.errors import RevenantError
from revenant.model import Clock, utcnow
from revenant.pipeline import Pipeline, default_probe_config
from revenant.settings import Settings
from revenant.store import Store, open_store
from revenant.web.captured import CaptureReader
from revenant.web.context import BadForm, Forbidden, LoginRequired, NotFound, Web, render
from revenant.web.login import login_redirect
from revenant.web.security import SecurityHeaders

STATIC = Path(__file__).with_name("static")


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value else "-"


def _templates() -> Jinja2Templates:
    env = Environment(
        loader=PackageLoader("revenant.web", "templates"),
        autoescape=select_autoescape(["html", "svg"], default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = _when
    env.filters["bits"] = lambda v: f"{float(v):.1f}"
    env.filters["duration"] = duration
    return Jinja2Templates(env=env)


def create_app(
    settings: Settings,
    *,
    store: Store | None = None,
    clock: Clock = utcnow,
    secure_cookies: bool = True,
    channels: Channels | None = None,
) -> FastAPI:
    """The dashboard for one data dir and database, acting outside through `channels`
    (none configured but RDAP's defaults when not given). `secure_cookies=False` only for
    plain-HTTP test clients that drop Secure cookies (browsers keep them on 127.0.0.1)."""
    from revenant.web import (
        admin,
        alert,
        cases,
        evidence,
        home,
        login,
        notices,
        orders,
        queue,
        sharing,
    )

    store = store or open_store(settings.db_url)
    app = FastAPI(title="Revenant", docs_url=None, redoc_url=None, openapi_url=None, debug=False)
    app.state.web = Web(
        settings=settings,
        store=store,
        clock=clock,
        templates=_templates(),
        captures=CaptureReader(settings.evidence_dir),
        pipeline=Pipeline(settings=settings, store=store, probe_config=default_probe_config()),
        secure_cookies=secure_cookies,
        channels=channels or Channels(),
    )
    app.state.routers = [
        m.router
        for m in (login, home, queue, alert, cases, evidence, orders, sharing, notices, admin)
    ]
    for router in app.state.routers:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(SecurityHeaders)
    _errors(app)
    return app


def route_table(app: FastAPI) -> list[APIRoute | Mount]:
    """Every route the app serves (its routers' routes and its mounts): what the
    authorization tests are generated from."""
    found: list[APIRoute | Mount] = [
        r for router in app.state.routers for r in router.routes if isinstance(r, APIRoute)
    ]
    found.extend(r for r in app.routes if isinstance(r, Mount))
    return found


def _errors(app: FastAPI) -> None:
    def page(request: Request, status: int, message: str) -> Response:
        if "hx-request" in request.headers:
            return Response(message, status_code=status, media_type="text/plain")
        return render(request, "error.html", status, status=status, message=message)  # type: ignore[no-any-return]

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        return login_redirect(request)

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden) -> Response:
        return page(request, 403, str(exc) or "not allowed")

    @app.exception_handler(BadForm)
    async def _bad_form(request: Request, exc: BadForm) -> Response:
        return page(request, 403, str(exc))

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, exc: NotFound) -> Response:
        return page(request, 404, str(exc) or "not found")

    @app.exception_handler(RevenantError)
    async def _refused(request: Request, exc: RevenantError) -> Response:
        return page(request, 400, str(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}"
            for e in exc.errors()
        )
        return page(request, 422, f"bad request: {problems}"[:500])

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        return page(request, exc.status_code, str(exc.detail))
