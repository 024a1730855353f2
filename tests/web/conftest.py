"""Fixtures for the dashboard: a real world (tests/web/world.py), the app on it, and
logged-in HTTP clients (https, so the Secure session cookie is sent as a browser would)."""

from __future__ import annotations

import re
import shutil
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from revenant.act.channels import Channels, RdapAccess
from revenant.act.rdap import Bootstrap
from revenant.probe.options import default_probe_config
from revenant.web import create_app
from tests.conftest import FakeClock
from tests.web.browser import FLAGS, REPORT, chromium
from tests.web.world import PASSWORD, World, build_world

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's note that it prefers httpx2
    from fastapi.testclient import TestClient

BASE = "https://127.0.0.1"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    w = build_world(tmp_path_factory.mktemp("world"))
    yield w
    w.close()


@pytest.fixture(scope="module")
def web_clock() -> FakeClock:
    return FakeClock()


def offline() -> Channels:
    """Nothing to act through, and RDAP lookups that can reach nothing: a bootstrap that
    names no server (the answer is "no-server", nothing is asked) and a resolver on a
    loopback port where none listens."""
    nowhere = default_probe_config(resolver="127.0.0.1:9")
    return Channels(rdap=RdapAccess(nowhere, Bootstrap.from_registries({})))


@pytest.fixture(scope="module")
def app(world: World, web_clock: FakeClock) -> FastAPI:
    return create_app(
        world.settings,
        store=world.store,
        clock=web_clock,
        channels=offline(),
    )


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def login(app: FastAPI, name: str, password: str = PASSWORD) -> TestClient:
    """A client logged in as `name` (follows the real form: GET /login, then POST)."""
    client = TestClient(app, base_url=BASE)
    form = client.get("/login")
    response = client.post(
        "/login",
        data={"name": name, "password": password, "csrf": csrf_of(form.text), "next": "/"},
        headers={"origin": BASE},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return client


@pytest.fixture(scope="module")
def clients(app: FastAPI) -> Callable[[str], TestClient]:
    made: dict[str, TestClient] = {}

    def get(name: str) -> TestClient:
        if name not in made:
            made[name] = login(app, name) if name != "anonymous" else TestClient(app, base_url=BASE)
        return made[name]

    return get


def session_csrf(client: TestClient) -> str:
    """The logged-in session's CSRF token, read from a page as a browser would."""
    return csrf_of(client.get("/alerts").text)


@pytest.fixture(scope="session")
def report() -> Path:
    """The report folder (screenshots, downloads), emptied once per test session."""
    shutil.rmtree(REPORT, ignore_errors=True)
    REPORT.mkdir(parents=True)
    return REPORT


@pytest.fixture(scope="module")
def browser(report: Path) -> Iterator[object]:
    """Debian's Chromium under Playwright, fresh profile, loopback only. One per module:
    Playwright's sync API runs an event loop in this thread while it is up, and tests
    elsewhere call asyncio.run()."""
    path = chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=path, args=FLAGS, headless=True)
        yield launched
        launched.close()
