"""Acting from the page: a case's orders (record one, extend it to a confirmed mirror,
approve an extension under the two-person rule, lift it), the RPZ zone download and the
push to the DNS primary — the same act/ functions `revenant order ...`, `revenant export
rpz` and `revenant rpz push` call, with the logged-in user as the actor, so the same
rules hold (act/orders.py keeps them all).

The primary, its zone and TSIG key are the server's settings (act/channels.py), never a
page's. A push sends the zone's whole pending delta, every case's blocked names, as
`revenant rpz push` does: the zone is one. Orders carry legal details and no TLP:
partners do not see them.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.background import BackgroundTask
from starlette.datastructures import FormData
from starlette.responses import FileResponse

from revenant.act.orders import add_order, approve, extend, lift, name_state, parse_day, why
from revenant.act.push import push
from revenant.act.rpz import DEFAULT_ZONE, export_zone
from revenant.errors import UsageError
from revenant.model import Case
from revenant.store import audit
from revenant.store.accounts import WebSession
from revenant.store.alert_queue import QueueFilter, queue_page
from revenant.store.orders import Order, get_order, list_orders
from revenant.store.zone import Delta, pending_delta
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
from revenant.web.scope import case_for

router = APIRouter()


def _no_partner(session: WebSession) -> None:
    unit_only(session, "orders are not shared with partners")


def _order_for(web: Web, session: WebSession, order_id: int) -> tuple[Order, Case]:
    _no_partner(session)
    try:
        order = get_order(web.store, order_id)
    except UsageError:
        raise NotFound(f"no order #{order_id}") from None
    return order, case_for(web, session, order.case)


def _text(form: FormData, key: str, limit: int = 2000) -> str:
    return str(form.get(key, "") or "")[:limit]


@router.get("/cases/{name}/orders", name="orders")
def orders(request: Request, name: str, session: WebSession = Depends(viewer)) -> Response:
    web = web_of(request)
    _no_partner(session)
    case = case_for(web, session, name)
    today = web.clock().date()
    primary = web.channels.rpz
    pending: Delta | None = None
    pushes: list[audit.AuditEntry] = []
    if primary is not None:
        pending = pending_delta(web.store, primary.target, today=today)
        pushes = audit.entries(
            web.store, subject=f"zone:{primary.target}", action=audit.PUSH, limit=5
        )
    return render(
        request,
        "orders.html",
        case=case,
        orders=[(o, o.status(today)) for o in list_orders(web.store, case=case.name)],
        today=today,
        zone=DEFAULT_ZONE,
        primary=primary,
        pending=pending,
        pushes=pushes,
    )


@router.post("/cases/{name}/orders", name="order_add")
def order_add(
    request: Request,
    name: str,
    session: WebSession = Depends(decider),
    form: FormData = Depends(checked_form),
) -> Response:
    web = web_of(request)
    case = case_for(web, session, name)
    expires = _text(form, "expires", 20)
    change = add_order(
        web.store,
        web.settings.data_dir,
        case.name,
        authority=_text(form, "authority"),
        reference=_text(form, "reference"),
        basis=_text(form, "basis"),
        issued=parse_day(_text(form, "issued", 20), where="issued"),
        expires=parse_day(expires, where="expires") if expires.strip() else None,
        domains=[d for d in _text(form, "domains", 20_000).replace(",", "\n").split() if d],
        covers_mirrors=form.get("covers_mirrors") == "on",
        policy=_text(form, "policy", 300) or "nxdomain",
        two_person=form.get("two_person") == "on",
        actor=session.user.name,
        clock=web.clock,
    )
    audited(
        request,
        session,
        audit.DECISION,
        f"order:{change.order.id}",
        f"recorded order {change.order.reference}",
    )
    return RedirectResponse(f"/orders/{change.order.id}", status_code=303)


@router.get("/orders/{order_id}", name="order")
def order_page(request: Request, order_id: int, session: WebSession = Depends(viewer)) -> Response:
    web = web_of(request)
    order, case = _order_for(web, session, order_id)
    today = web.clock().date()
    confirmed = queue_page(
        web.store, QueueFilter(case=case.name, state="confirmed"), cases=None, limit=200
    )
    extended = {
        n.alert_id for n in order.names if n.alert_id is not None and n.withdrawn_at is None
    }
    return render(
        request,
        "order.html",
        order=order,
        case=case,
        status=order.status(today),
        names=[(n, name_state(order, n, today), why(order, n)) for n in order.names],
        candidates=[r for r in confirmed.rows if r.id not in extended],
    )


@router.post("/orders/{order_id}/extend", name="order_extend")
def order_extend(
    request: Request,
    order_id: int,
    session: WebSession = Depends(decider),
    form: FormData = Depends(checked_form),
) -> Response:
    web = web_of(request)
    _order_for(web, session, order_id)
    try:
        alert_id = int(_text(form, "alert", 20))
    except ValueError:
        raise UsageError("choose a confirmed alert") from None
    change = extend(
        web.store,
        web.settings.data_dir,
        order_id,
        alert_id,
        actor=session.user.name,
        comment=_text(form, "comment", 4000),
        clock=web.clock,
    )
    audited(
        request,
        session,
        audit.DECISION,
        f"order:{order_id}",
        f"extended to {change.name} (alert #{alert_id})",
    )
    return RedirectResponse(f"/orders/{order_id}", status_code=303)


@router.post("/orders/{order_id}/approve", name="order_approve")
def order_approve(
    request: Request,
    order_id: int,
    session: WebSession = Depends(decider),
    form: FormData = Depends(checked_form),
) -> Response:
    web = web_of(request)
    _order_for(web, session, order_id)
    name = _text(form, "name", 253)
    approve(
        web.store,
        web.settings.data_dir,
        order_id,
        name,
        actor=session.user.name,
        comment=_text(form, "comment", 4000),
        clock=web.clock,
    )
    audited(request, session, audit.DECISION, f"order:{order_id}", f"approved {name}")
    return RedirectResponse(f"/orders/{order_id}", status_code=303)


@router.post("/orders/{order_id}/lift", name="order_lift")
def order_lift(
    request: Request,
    order_id: int,
    session: WebSession = Depends(decider),
    form: FormData = Depends(checked_form),
) -> Response:
    web = web_of(request)
    _order_for(web, session, order_id)
    reason = _text(form, "reason", 4000)
    lift(
        web.store,
        web.settings.data_dir,
        order_id,
        reason=reason,
        actor=session.user.name,
        clock=web.clock,
    )
    audited(request, session, audit.DECISION, f"order:{order_id}", f"lifted: {reason}")
    return RedirectResponse(f"/orders/{order_id}", status_code=303)


@router.post("/cases/{name}/rpz", name="rpz_export")
def rpz_export(
    request: Request,
    name: str,
    session: WebSession = Depends(decider),
    _form: FormData = Depends(checked_form),
) -> Response:
    """The RPZ zone of this case's orders (as `revenant export rpz --order ...`)."""
    web = web_of(request)
    _no_partner(session)
    case = case_for(web, session, name)
    order_ids = [o.id for o in list_orders(web.store, case=case.name)]
    if not order_ids:
        raise UsageError(f"case {case.name} has no order: nothing to block")
    folder = Path(tempfile.mkdtemp(prefix="revenant-rpz-"))
    out = folder / f"{case.name}.rpz.zone"
    written = export_zone(web.store, out, zone=DEFAULT_ZONE, order_ids=order_ids, now=web.clock())
    audited(
        request,
        session,
        audit.DOWNLOAD,
        f"case:{case.name}",
        f"rpz serial {written.serial}, {written.names} name(s)",
    )
    return FileResponse(
        out,
        media_type="text/dns",
        filename=out.name,
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )


@router.post("/cases/{name}/rpz/push", name="rpz_push")
def rpz_push(
    request: Request,
    name: str,
    session: WebSession = Depends(decider),
    _form: FormData = Depends(checked_form),
) -> Response:
    """Send the zone's changes since the last acknowledged push to the server's DNS
    primary as TSIG-signed dynamic updates (as `revenant rpz push`)."""
    web = web_of(request)
    _no_partner(session)
    case = case_for(web, session, name)
    primary = web.channels.rpz
    if primary is None:
        raise UsageError(
            "pushing the zone is not configured on this server: start `revenant serve` with "
            "--rpz-server IP:PORT --rpz-tsig FILE (or REVENANT_RPZ_SERVER, REVENANT_RPZ_TSIG), "
            "or run `revenant rpz push --server IP:PORT --tsig FILE`"
        )
    result = push(
        web.store,
        primary.server,
        primary.zone,
        primary.key(),
        now=web.clock(),
        timeout=primary.timeout,
    )
    audited(
        request,
        session,
        audit.PUSH,
        f"zone:{result.target}",
        f"{result.put} record(s) put, {result.removed} removed, {result.messages} "
        f"update message(s), {result.bytes_sent} bytes; {result.names} blocked name(s)",
    )
    return RedirectResponse(f"/cases/{case.name}/orders#zone", status_code=303)
