"""Logging in: cookie flags, wrong passwords, 429 after repeated failures (per account
and per address, also for the right password), the window passing, logout."""

from __future__ import annotations

import itertools

import pytest
from fastapi import FastAPI

from revenant.store import audit
from revenant.store.accounts import update_user
from revenant.web import create_app
from revenant.web.login import ACCOUNT_LIMIT, ADDRESS_LIMIT
from tests.conftest import FakeClock
from tests.web.conftest import BASE, TestClient, csrf_of, login
from tests.web.world import PASSWORD, World

_DAYS = itertools.count(1)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fresh_app(world: World, clock: FakeClock) -> FastAPI:
    """An app whose clock this test moves (the module's world is shared)."""
    clock.advance(days=next(_DAYS))  # each test starts after earlier tests' windows
    return create_app(world.settings, store=world.store, clock=clock)


def _try(client: TestClient, name: str, password: str) -> int:
    form = client.get("/login")
    response = client.post(
        "/login",
        data={"name": name, "password": password, "csrf": csrf_of(form.text)},
        headers={"origin": BASE},
        follow_redirects=False,
    )
    return response.status_code


def test_session_cookie_is_secure_http_only_and_same_site_strict(fresh_app: FastAPI) -> None:
    client = TestClient(fresh_app, base_url=BASE)
    form = client.get("/login")
    response = client.post(
        "/login",
        data={
            "name": "viewer",
            "password": PASSWORD,
            "csrf": csrf_of(form.text),
            "next": "/alerts",
        },
        headers={"origin": BASE},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/alerts"
    cookie = next(
        c for c in response.headers.get_list("set-cookie") if c.startswith("revenant_session=")
    )
    flags = {part.strip().lower() for part in cookie.split(";")}
    assert {"secure", "httponly", "samesite=strict", "path=/"} <= flags


def test_next_never_leaves_the_site(fresh_app: FastAPI) -> None:
    client = TestClient(fresh_app, base_url=BASE)
    for target in ("//evil.example/x", "https://evil.example/", "\\\\evil", "javascript:alert(1)"):
        form = client.get("/login")
        response = client.post(
            "/login",
            data={
                "name": "viewer",
                "password": PASSWORD,
                "csrf": csrf_of(form.text),
                "next": target,
            },
            headers={"origin": BASE},
            follow_redirects=False,
        )
        assert response.headers["location"] == "/", target


def test_wrong_password_is_401_and_audited(fresh_app: FastAPI, world: World) -> None:
    client = TestClient(fresh_app, base_url=BASE)
    assert _try(client, "viewer", "not the password") == 401
    assert _try(client, "nobody-at-all", "not the password") == 401
    failed = audit.entries(world.store, action=audit.LOGIN_FAILED, limit=5)
    assert {e.subject for e in failed} >= {"user:viewer", "user:nobody-at-all"}


def test_429_after_repeated_failures_for_one_account_even_with_the_right_password(
    fresh_app: FastAPI, clock: FakeClock
) -> None:
    client = TestClient(fresh_app, base_url=BASE)
    for _ in range(ACCOUNT_LIMIT):
        assert _try(client, "analyst", "wrong guess") == 401
    form = client.get("/login")
    blocked = client.post(
        "/login",
        data={"name": "analyst", "password": PASSWORD, "csrf": csrf_of(form.text)},
        headers={"origin": BASE},
        follow_redirects=False,
    )
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0
    assert _try(client, "viewer", PASSWORD) == 303  # other accounts are not locked out
    clock.advance(minutes=16)
    assert _try(client, "analyst", PASSWORD) == 303


def test_429_after_repeated_failures_from_one_address(fresh_app: FastAPI, clock: FakeClock) -> None:
    client = TestClient(fresh_app, base_url=BASE)
    for n in range(ADDRESS_LIMIT):
        assert _try(client, f"spray{n}", "guess") == 401
    assert _try(client, "admin", PASSWORD) == 429
    clock.advance(minutes=16)
    assert _try(client, "admin", PASSWORD) == 303


def test_a_login_form_post_without_its_token_is_refused(fresh_app: FastAPI) -> None:
    client = TestClient(fresh_app, base_url=BASE)
    client.get("/login")
    response = client.post(
        "/login",
        data={"name": "viewer", "password": PASSWORD, "csrf": "forged"},
        headers={"origin": BASE},
        follow_redirects=False,
    )
    assert response.status_code == 403


def test_logout_ends_the_session(fresh_app: FastAPI) -> None:
    client = login(fresh_app, "viewer")
    assert client.get("/", follow_redirects=False).status_code == 200
    token = csrf_of(client.get("/").text)
    client.post("/logout", data={"csrf": token}, headers={"origin": BASE})
    assert client.get("/", follow_redirects=False).status_code == 303


def test_disabling_a_user_ends_its_sessions(fresh_app: FastAPI, world: World) -> None:
    client = login(fresh_app, "outsider")
    assert client.get("/", follow_redirects=False).status_code == 200
    update_user(world.store, "outsider", disabled=True)
    try:
        assert client.get("/", follow_redirects=False).status_code == 303
        assert _try(TestClient(fresh_app, base_url=BASE), "outsider", PASSWORD) == 401
    finally:
        update_user(world.store, "outsider", disabled=False)


def test_a_session_expires(fresh_app: FastAPI, clock: FakeClock) -> None:
    client = login(fresh_app, "viewer")
    clock.advance(hours=13)
    assert client.get("/", follow_redirects=False).status_code == 303
