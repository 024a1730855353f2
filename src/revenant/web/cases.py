"""Cases: the list, creating one, and a case's page — known domains and brand words,
the fingerprint with each feature's weight (pin, exclude), the timeline of the
platform's hops, the infrastructure graph, alerts, evidence files and exports."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from revenant.act.timeline import MEASURES, case_timeline
from revenant.act.tlp import EXPORTABLE
from revenant.errors import UsageError
from revenant.evidence import case_dir
from revenant.evidence.read import warc_files
from revenant.match.weights import feature_weights
from revenant.model import Feature
from revenant.store import audit
from revenant.store.accounts import Role, WebSession, grant, list_users
from revenant.store.alert_queue import QueueFilter, queue_page
from revenant.store.case_views import observed_features
from revenant.store.cases import (
    add_terms,
    case_features,
    create_case,
    edit_case_feature,
    reference_ids,
)
from revenant.web.context import audited, checked_form, decider, render, viewer, web_of
from revenant.web.graph import INFRA_KINDS, infrastructure
from revenant.web.scope import (
    case_for,
    cases_for,
    visible_features,
    visible_observations,
    visible_rows,
)
from revenant.web.timeline import timeline

router = APIRouter()


def _lines(value: object) -> list[str]:
    """Form text with one item per line or comma."""
    return [v.strip() for v in str(value or "").replace(",", "\n").splitlines() if v.strip()][:200]


@router.get("/cases", name="cases")
def cases(request: Request, session: WebSession = Depends(viewer)) -> Response:
    return render(request, "cases.html", cases=cases_for(web_of(request), session))


@router.post("/cases", name="case_create")
def case_create(
    request: Request,
    session: WebSession = Depends(decider),
    form: FormData = Depends(checked_form),
) -> Response:
    web = web_of(request)
    case = create_case(
        web.store,
        str(form.get("name", ""))[:100],
        _lines(form.get("domains")),
        _lines(form.get("brands")),
        clock=web.clock,
    )
    if session.user.role is not Role.ADMIN:
        grant(web.store, session.user.name, case.name, clock=web.clock)
    audited(request, session, audit.EDIT, f"case:{case.name}", "created")
    return RedirectResponse(f"/cases/{case.name}", status_code=303)


@router.get("/cases/{name}", name="case")
def case_page(request: Request, name: str, session: WebSession = Depends(viewer)) -> Response:
    web = web_of(request)
    case = case_for(web, session, name)
    assert case.id is not None
    audited(request, session, audit.VIEW, f"case:{case.name}")
    weights = []
    if reference_ids(web.store, case.name):
        case_fp = web.pipeline.case_fingerprint(case.name)
        shown = set(visible_features(session, case, case_fp.features))
        weights = [
            w
            for w in feature_weights(case_fp, web.pipeline.background(case_fp))
            if w.feature in shown
        ]
    alerts = queue_page(web.store, QueueFilter(case=case.name, state=None), cases=None, limit=200)
    rows, _ = visible_rows(web, session, alerts.rows)
    # the one case timeline (as `revenant case timeline` and the report), of what is shown
    recorded = case_timeline(web.store, case.name, alert_ids=[r.id for r in rows])
    trail = recorded.hops
    observed = observed_features(web.store, [h.name for h in trail], INFRA_KINDS.keys())
    features = case_features(web.store, case.name)
    graph = infrastructure(trail, visible_observations(session, case, features, observed))
    directory = case_dir(web.settings.data_dir, case.name)
    partner = session.user.role is Role.PARTNER
    members = [] if partner else [u.name for u, cs in list_users(web.store) if case.name in cs]
    return render(
        request,
        "case.html",
        case=case,
        weights=weights,
        timeline=timeline(trail),
        medians=[
            (measure, a, b, recorded.medians[measure]) for measure, (a, b) in MEASURES.items()
        ],
        graph=graph,
        alerts=rows,
        more_alerts=alerts.more,
        files=[p.name for p in warc_files(directory)] if directory.is_dir() else [],
        members=members,
        raw_evidence=not partner,
        levels=[str(t) for t in EXPORTABLE],
        misp=web.channels.misp,
        misp_pushes=[]
        if partner
        else audit.entries(web.store, subject=f"case:{case.name}", action=audit.PUSH, limit=5),
        default_level=str(session.user.clearance or "AMBER"),
    )


@router.post("/cases/{name}/terms", name="case_terms")
def case_terms(
    request: Request,
    name: str,
    session: WebSession = Depends(decider),
    form: FormData = Depends(checked_form),
) -> Response:
    """Add known domains and brand words."""
    web = web_of(request)
    case = case_for(web, session, name)
    domains, brands = _lines(form.get("domains")), _lines(form.get("brands"))
    add_terms(web.store, case.name, domains, brands)
    audited(
        request,
        session,
        audit.EDIT,
        f"case:{case.name}",
        f"added domains {domains} brands {brands}",
    )
    return RedirectResponse(f"/cases/{case.name}", status_code=303)


_EDITS = {
    "pin": {"pinned": True, "excluded": None},
    "unpin": {"pinned": False, "excluded": None},
    "exclude": {"pinned": None, "excluded": True},
    "include": {"pinned": None, "excluded": False},
}


@router.post("/cases/{name}/features", name="case_feature")
def case_feature(
    request: Request,
    name: str,
    session: WebSession = Depends(decider),
    form: FormData = Depends(checked_form),
) -> Response:
    """Pin or exclude a feature of the fingerprint (as `revenant case pin|exclude`)."""
    web = web_of(request)
    case = case_for(web, session, name)
    edit = str(form.get("edit", ""))
    if edit not in _EDITS:
        raise UsageError(f"feature edit {edit[:20]!r}: one of {', '.join(_EDITS)}")
    feature = Feature(str(form.get("kind", ""))[:64], str(form.get("value", ""))[:2000])
    edit_case_feature(web.store, case.name, feature, **_EDITS[edit])
    audited(request, session, audit.EDIT, f"case:{case.name}", f"{edit} {feature}")
    return RedirectResponse(f"/cases/{case.name}#fingerprint", status_code=303)
