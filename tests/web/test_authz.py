"""Authorization of every route, generated from the app's route table: a route without a
rule here fails `test_every_route_has_a_rule`.

For each route: nothing without login; each role gets what its rule says (403
otherwise); a user who is not a member of the case gets 404; a partner gets 404 for
anything above its TLP clearance; every response carries the security headers.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from fastapi import FastAPI

from revenant.act.decisions import decide
from revenant.store.alerts import get_alert
from revenant.web.app import route_table
from tests.web.conftest import BASE, TestClient, login, session_csrf
from tests.web.world import World

ROLES = ("admin", "analyst", "viewer", "partner", "outsider")
EVERYONE = frozenset(ROLES)
DECIDERS = frozenset({"admin", "analyst", "outsider"})
NOT_PARTNER = EVERYONE - {"partner"}
MEMBERS = {  # which users see the things of each scope (admins see everything)
    "mine": {"admin", "analyst", "viewer", "partner"},
    "other": {"admin", "outsider"},
    "red": {"admin", "analyst", "viewer"},  # alpha, above the partner's TLP:GREEN
    "amber": {"admin"},  # gamma: the partner is a member, but cleared to GREEN only
}


def _alert(host: dict[str, str]) -> Callable[[World, str], str]:
    return lambda w, scope: f"/alerts/{w.alerts[host[scope]]}"


ALERT_OF = {
    "mine": "alpha-two.net",
    "other": "beta-again.org",
    "red": "alpha-one.net",
    "amber": "gamma-back.fr",
}
CAPTURE_OF = {
    "mine": "alpha-two.net",
    "other": "beta-again.org",
    "red": "alphachat.net",
    "amber": "gamma-back.fr",
}
CASE_OF = {"mine": "alpha", "other": "beta", "red": "alpha", "amber": "gamma"}
GA_OF = {"alpha": "UA-1111111-1", "beta": "UA-2222222-1", "gamma": "UA-3333333-1"}
_made = itertools.count()


def _warc(w: World, scope: str) -> str:
    case = CASE_OF[scope]
    name = next((w.settings.evidence_dir / case).glob("*.warc.gz")).name
    return f"/evidence/{case}/{name}"


@dataclass(frozen=True)
class Rule:
    method: str
    path: Callable[[World, str], str]
    roles: frozenset[str]  # who may use it at all (others: 403)
    scopes: tuple[str, ...] = ()  # case-scoped: which scopes to try (members only)
    form: Callable[[World, str], dict[str, str]] | None = None
    public: bool = False
    fresh_client: bool = False  # the request ends the session (logout)
    extra: dict[str, str] = field(default_factory=dict)


CAPTURE_SCOPES = ("mine", "other", "red", "amber")
RULES: dict[str, Rule] = {
    "static": Rule("GET", lambda w, s: "/static/app.css", EVERYONE, public=True),
    "login_form": Rule("GET", lambda w, s: "/login", EVERYONE, public=True),
    "login": Rule(
        "POST",
        lambda w, s: "/login",
        EVERYONE,
        form=lambda w, s: {"name": "nobody", "password": "not this one"},
        public=True,
    ),
    "logout": Rule(
        "POST", lambda w, s: "/logout", EVERYONE, form=lambda w, s: {}, fresh_client=True
    ),
    "home": Rule("GET", lambda w, s: "/", EVERYONE),
    "status": Rule("GET", lambda w, s: "/status", NOT_PARTNER),
    "queue": Rule("GET", lambda w, s: "/alerts?state=all", EVERYONE),
    "queue_fresh": Rule("GET", lambda w, s: "/alerts/fresh?after=0&state=all", EVERYONE),
    "queue_decide": Rule(
        "POST",
        lambda w, s: "/alerts/decide",
        DECIDERS,
        ("mine", "other"),
        form=lambda w, s: {
            "alert": str(w.alerts[ALERT_OF[s]]),
            "state": "needs-more",
            "comment": "authz test",
        },
    ),
    "alert": Rule("GET", lambda w, s: f"/alerts/{w.alerts[ALERT_OF[s]]}", EVERYONE, CAPTURE_SCOPES),
    "alert_decide": Rule(
        "POST",
        lambda w, s: f"/alerts/{w.alerts[ALERT_OF[s]]}/decide",
        DECIDERS,
        ("mine", "other"),
        form=lambda w, s: {"state": "needs-more", "comment": "authz test"},
    ),
    "cases": Rule("GET", lambda w, s: "/cases", EVERYONE),
    "case_create": Rule(
        "POST",
        lambda w, s: "/cases",
        DECIDERS,
        form=lambda w, s: {"name": f"made{next(_made)}", "domains": "made.example"},
    ),
    "case": Rule("GET", lambda w, s: f"/cases/{CASE_OF[s]}", EVERYONE, ("mine", "other", "amber")),
    "case_terms": Rule(
        "POST",
        lambda w, s: f"/cases/{CASE_OF[s]}/terms",
        DECIDERS,
        ("mine", "other"),
        form=lambda w, s: {"domains": "added.example", "brands": ""},
    ),
    "case_feature": Rule(
        "POST",
        lambda w, s: f"/cases/{CASE_OF[s]}/features",
        DECIDERS,
        ("mine", "other"),
        form=lambda w, s: {"edit": "pin", "kind": "ga", "value": GA_OF[CASE_OF[s]]},
    ),
    "wacz_export": Rule(
        "POST",
        lambda w, s: f"/cases/{CASE_OF[s]}/wacz",
        DECIDERS,
        ("mine", "other"),
        form=lambda w, s: {},
    ),
    "capture": Rule(
        "GET", lambda w, s: f"/captures/{w.captures[CAPTURE_OF[s]]}", EVERYONE, CAPTURE_SCOPES
    ),
    "capture_favicon": Rule(
        "GET",
        lambda w, s: f"/captures/{w.captures[CAPTURE_OF[s]]}/favicon",
        EVERYONE,
        CAPTURE_SCOPES,
    ),
    "capture_render": Rule(
        "GET",
        lambda w, s: f"/captures/{w.captures[CAPTURE_OF[s]]}/render",
        EVERYONE,
        CAPTURE_SCOPES,
    ),
    "warc_download": Rule("GET", _warc, NOT_PARTNER, ("mine", "other", "amber")),
    "orders": Rule(
        "GET", lambda w, s: f"/cases/{CASE_OF[s]}/orders", NOT_PARTNER, ("mine", "other")
    ),
    "order_add": Rule(
        "POST",
        lambda w, s: f"/cases/{CASE_OF[s]}/orders",
        DECIDERS,
        ("mine", "other"),
        form=lambda w, s: {
            "authority": "TJ Paris",
            "reference": f"RG {next(_made)}",
            "basis": "LCEN",
            "issued": "2026-10-01",
            "domains": f"{CASE_OF[s]}-order.example",
        },
    ),
    "order": Rule(
        "GET", lambda w, s: f"/orders/{w.orders[CASE_OF[s]]}", NOT_PARTNER, ("mine", "other")
    ),
    "order_extend": Rule(
        "POST",
        lambda w, s: f"/orders/{w.orders[CASE_OF[s]]}/extend",
        DECIDERS,
        ("mine", "other"),
        form=lambda w, s: {"alert": str(w.alerts[ALERT_OF[s]]), "comment": "authz test"},
    ),
    "order_approve": Rule(
        "POST",
        lambda w, s: f"/orders/{w.orders[CASE_OF[s]]}/approve",
        DECIDERS,
        ("mine", "other"),
        form=lambda w, s: {"name": ALERT_OF[s], "comment": "authz test"},
    ),
    "order_lift": Rule(
        "POST",
        lambda w, s: f"/orders/{w.orders[CASE_OF[s]]}/lift",
        DECIDERS,
        ("mine", "other"),
        form=lambda w, s: {"reason": "authz test"},
    ),
    "rpz_export": Rule(
        "POST",
        lambda w, s: f"/cases/{CASE_OF[s]}/rpz",
        DECIDERS,
        ("mine", "other"),
        form=lambda w, s: {},
    ),
    "case_export": Rule(
        "GET",
        lambda w, s: f"/cases/{CASE_OF[s]}/export/stix?tlp=GREEN",
        EVERYONE,
        ("mine", "other", "amber"),
    ),
    "notices": Rule(
        "GET", lambda w, s: f"/cases/{CASE_OF[s]}/notices", NOT_PARTNER, ("mine", "other")
    ),
    "notice": Rule(
        "GET", lambda w, s: f"/notices/{w.notices[CASE_OF[s]]}", NOT_PARTNER, ("mine", "other")
    ),
    "notice_draft": Rule(
        "POST",
        lambda w, s: f"/alerts/{w.alerts[ALERT_OF[s]]}/notices",
        DECIDERS,
        ("mine", "other"),
        form=lambda w, s: {
            "to": "registrar",
            "from_name": "Unit",
            "from_email": "unit@police.example",
        },
    ),
    "notice_approve": Rule(
        "POST",
        lambda w, s: f"/notices/{w.notices[CASE_OF[s]]}/approve",
        DECIDERS,
        ("mine", "other"),
        form=lambda w, s: {},
    ),
    "notice_contacts": Rule(
        "POST",
        lambda w, s: f"/alerts/{w.alerts[ALERT_OF[s]]}/contacts",
        DECIDERS,
        ("mine", "other"),
        form=lambda w, s: {},
    ),
    "notice_send": Rule(
        "POST",
        lambda w, s: f"/notices/{w.notices[CASE_OF[s]]}/send",
        DECIDERS,
        ("mine", "other"),
        form=lambda w, s: {},
    ),
    "rpz_push": Rule(
        "POST",
        lambda w, s: f"/cases/{CASE_OF[s]}/rpz/push",
        DECIDERS,
        ("mine", "other"),
        form=lambda w, s: {},
    ),
    "misp_push": Rule(
        "POST",
        lambda w, s: f"/cases/{CASE_OF[s]}/misp/push",
        DECIDERS,
        ("mine", "other"),
        form=lambda w, s: {"tlp": "GREEN"},
    ),
    "admin_users": Rule("GET", lambda w, s: "/admin/users", frozenset({"admin"})),
    "admin_audit": Rule("GET", lambda w, s: "/admin/audit", frozenset({"admin"})),
}

HEADERS = {
    "content-security-policy": "frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
}


def _route_names(app: FastAPI) -> set[str]:
    table = route_table(app)
    assert len(table) >= len(RULES) - 1  # the table cannot silently come back empty
    return {str(route.name) for route in table}


def test_every_route_has_a_rule(app: FastAPI) -> None:
    assert _route_names(app) == set(RULES), (
        "a route without an authorization rule (or a stale rule)"
    )


def _check_headers(response: object) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    for name, needle in HEADERS.items():
        assert needle in headers.get(name, ""), f"{name} missing on {response}"
    csp = headers["content-security-policy"]
    assert "script-src 'self'" in csp or "sandbox" in csp


def _send(client: TestClient, rule: Rule, world: World, scope: str, *, csrf: bool = True) -> object:
    path = rule.path(world, scope)
    if rule.method == "GET":
        response = client.get(path, follow_redirects=False)
    else:
        data = rule.form(world, scope) if rule.form else {}
        if csrf and client.cookies.get("revenant_session"):
            data = {**data, "csrf": session_csrf(client)}
        response = client.post(path, data=data, headers={"origin": BASE}, follow_redirects=False)
    _check_headers(response)
    return response


@pytest.mark.parametrize("name", sorted(RULES))
def test_nothing_without_login(name: str, app: FastAPI, world: World, clients) -> None:
    rule = RULES[name]
    response = _send(clients("anonymous"), rule, world, (rule.scopes or ("mine",))[0])
    status = response.status_code  # type: ignore[attr-defined]
    if rule.public:
        assert status in (200, 403), status  # the login form; a login post without its token
        return
    if rule.method == "GET":
        assert status == 303
        assert response.headers["location"].startswith("/login?next=")  # type: ignore[attr-defined]
    else:
        assert status == 401


@pytest.mark.parametrize(
    ("name", "user"), [(n, u) for n in sorted(RULES) for u in ROLES if not RULES[n].public]
)
def test_roles_members_and_tlp(name: str, user: str, app: FastAPI, world: World, clients) -> None:
    rule = RULES[name]
    for scope in rule.scopes or ("mine",):
        client = login(app, user) if rule.fresh_client else clients(user)
        status = _send(client, rule, world, scope).status_code  # type: ignore[attr-defined]
        if user not in rule.roles:
            assert status == 403, (scope, status)
        elif rule.scopes and user not in MEMBERS[scope]:
            assert status == 404, (scope, status)
        else:
            # allowed: anything but an access refusal (a decision already taken is a 400)
            assert status < 500 and status not in (401, 403, 404), (scope, status)


@pytest.mark.parametrize(
    "name", sorted(n for n, r in RULES.items() if r.method == "POST" and not r.public)
)
def test_posts_need_the_sessions_csrf_token_and_this_origin(
    name: str, app: FastAPI, world: World
) -> None:
    rule = RULES[name]
    client = login(app, "admin")
    scope = (rule.scopes or ("mine",))[0]
    assert _send(client, rule, world, scope, csrf=False).status_code == 403  # type: ignore[attr-defined]
    data = {**(rule.form(world, scope) if rule.form else {}), "csrf": session_csrf(client)}
    foreign = client.post(
        rule.path(world, scope),
        data=data,
        headers={"origin": "https://evil.example"},
        follow_redirects=False,
    )
    assert foreign.status_code == 403
    stale = client.post(
        rule.path(world, scope),
        data={**data, "csrf": "x" * 43},
        headers={"origin": BASE},
        follow_redirects=False,
    )
    assert stale.status_code == 403


def test_a_partner_never_sees_data_above_its_tlp(app: FastAPI, world: World, clients) -> None:
    """Every page a GREEN partner can open, crawled: no TLP:RED value, no AMBER case."""
    partner = clients("partner")
    pages = ["/", "/alerts?state=all", "/alerts/fresh?after=0&state=all", "/cases"]
    for rule in RULES.values():
        if rule.method == "GET" and not rule.public and "partner" in rule.roles and rule.scopes:
            pages.append(rule.path(world, "mine"))
    pages.append("/cases/alpha")
    seen = 0
    for path in pages:
        response = partner.get(path)
        if response.status_code != 200:
            continue
        seen += 1
        body = response.content.decode("utf-8", "replace")
        assert world.red_value not in body, path
        assert "gamma" not in body, path
    assert seen >= 8
    # while an analyst of the same case sees the RED value where it belongs
    assert world.red_value in clients("analyst").get("/cases/alpha").text


def test_a_partner_gets_exports_at_its_clearance_and_no_case_report(
    app: FastAPI, world: World, clients
) -> None:
    alert_id = world.alerts["alpha-two.net"]
    with world.store.session() as db:
        confirmed = get_alert(db, alert_id).state == "confirmed"
    if not confirmed:  # earlier tests here decide it too
        decide(world.store, world.settings.data_dir, alert_id, "confirm", actor="clerk")
    partner = clients("partner")
    stix = partner.get("/cases/alpha/export/stix?tlp=AMBER")
    assert stix.status_code == 200
    assert "GREEN" in stix.headers["content-disposition"]  # asked AMBER, got its clearance
    assert world.red_value not in stix.text
    assert partner.get("/cases/alpha/export/report.html").status_code == 403
    analyst = clients("analyst")
    report = analyst.get("/cases/alpha/export/report.html")
    assert report.status_code == 200 and "attachment" in report.headers["content-disposition"]
    assert analyst.get("/cases/alpha/export/nothing").status_code == 404
